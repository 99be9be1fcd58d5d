/**
 * What a school's own system (smas, vnedu) holds of each record, as far as truc knows (prec16, migration
 * 510; per school since migration 540): per (system, entity, key, school), the canonical fingerprint truc last
 * received from it (and when truc noted it), the one it last sent there (and the one it held before that: the
 * one sent before, or before a delete of a key only received, the one received), and
 * when the system acknowledged the one sent — or, after a delete sent there, that it holds nothing of the key
 * at that school (`sent_fp` null, acknowledged); and when truc last noted a delete sent there that no
 * acknowledged copy has superseded since (`deletion_noted_at`, migration 780: ./record-deletions.ts). A copy that system gives back of one of these states is not a
 * change while the system may not hold truc's state yet; once it is known to hold it, whatever else it shows
 * is its own change (review17b C1: {@link holdsSql}; ../jobs/judge.ts `plan`). The city database's copies are
 * kept the same way under school {@link CITY_COPIES_SCHOOL} (it keys records without their school), and weighed
 * only where another source changed the record last (review18 R2: {@link copiesRead}). A system's own deletions
 * forget its copies of the records ({@link SystemCopiesRepo} `forgetOwnDeletions`). Keys, school codes and
 * fingerprints only: nothing personal.
 */
import type { EntityName } from '../config.js';
import type { Queryable } from './db.js';
import { chunks, TABLES } from './record-tables.js';

/** One key's copy at one school: its natural key, the school, and a canonical record fingerprint. */
export interface CopyRow {
  readonly key: string;
  readonly school: string;
  readonly fp: string;
}

/** One key deleted at one school. */
export type DeletedCopy = Omit<CopyRow, 'fp'>;

/**
 * The school the city database's copies are kept under: it keys records without their school (it serves every
 * school), so a record moved from school to school is one copy there.
 */
export const CITY_COPIES_SCHOOL = '';

/** Whose copies a read of stored rows weighs: a school's own system, as of when its copies were listed ({@link holdsSql}). */
export interface CopiesOf {
  readonly system: string;
  readonly asOf: Date;
  /**
   * The city database (review18 R2): its copies are those of school {@link CITY_COPIES_SCHOOL}, and weighed only
   * where another source changed the record last ({@link copiesRead}).
   */
  readonly city?: true;
}

/**
 * SQL (a LEFT JOIN on `alias`.key = `keyExpr` at the school `schoolExpr`, the system and entity as parameters
 * `$s`, `$e`): `system`'s known copies of the joined key where truc holds the record (a copy a system lists at
 * another school is refused before it is weighed: the tenancy check).
 */
function copiesJoin(alias: string, keyExpr: string, schoolExpr: string, s: string, e: string): string {
  return `LEFT JOIN truc.system_copies ${alias}
            ON ${alias}.system = ${s} AND ${alias}.entity = ${e} AND ${alias}.key = ${keyExpr}
           AND ${alias}.school = ${schoolExpr}`;
}

/**
 * SQL: whether the school's own system is known to hold truc's state of the record `r` (its fingerprint, or
 * deleted) as of `asOf` (review17b C1), by the copy row `c` at the record's school: the last thing truc knows
 * of that system there, before `asOf`, is that state —
 *   - an acknowledged send of it (a delete: of the record deleted), acknowledged before `asOf`, and the
 *     system showed no other copy after it; or
 *   - the copy the system gave truc (a pull, its vendor's batch), noted before `asOf` and after the last
 *     send there was acknowledged, with no send or delete there since (in flight, or never answered).
 * A send in flight (`sent_at` null) leaves it unknown. `asOf` is when the copy being weighed was listed at
 * the latest: the pull run's request, a batch's arrival.
 */
export function holdsSql(c: string, r: string, asOf: string): string {
  return `((${c}.sent_at < ${asOf}
            AND CASE WHEN ${r}.deleted_at IS NULL THEN ${c}.sent_fp = ${r}.fingerprint ELSE ${c}.sent_fp IS NULL END
            AND (${c}.received_at IS NULL OR ${c}.received_at <= ${c}.sent_at
                 OR ${c}.received_fp IS NOT DISTINCT FROM ${c}.sent_fp))
        OR (${r}.deleted_at IS NULL AND ${c}.received_at < ${asOf} AND ${c}.received_fp = ${r}.fingerprint
            AND (${c}.sent_at < ${c}.received_at
                 OR (${c}.sent_at IS NULL AND ${c}.sent_fp IS NULL AND ${c}.sent_prev_fp IS NULL))))`;
}

/**
 * SQL: the joined copy's fingerprints (see {@link copiesJoin}) that count as older copies of the record `r`
 * as of `asOf` (see {@link holdsSql}), as a JSON array text, or null where none is known: none once the
 * system is known to hold truc's state (any other copy is its own change); else every state truc received
 * from it or sent it (it may not have truc's state yet: the city's change has not reached it, or a send failed).
 */
const copiesColumn = (alias: string, r: string, asOf: string) =>
  `CASE WHEN ${alias}.key IS NULL THEN NULL
        WHEN ${holdsSql(alias, r, asOf)} THEN '[]'
        ELSE json_build_array(${alias}.received_fp, ${alias}.sent_fp, ${alias}.sent_prev_fp)::text END`;

/**
 * SQL: the join and the column ({@link copiesJoin}, {@link copiesColumn}: `"copyFps"`) that read `of`'s copies of
 * the stored rows `r` (natural key column `key`, school column `scope`; parameters `s` the system, `e` the entity,
 * `asOf`). The city's (`of.city`) are its copies under school {@link CITY_COPIES_SCHOOL}, and none count where the
 * city wrote the live row last (`source_system`): truc holds the city's own state, so whatever else the city lists
 * is its change. Where another source wrote the row last (or deleted it: the city's own deletions forget its
 * copies, {@link SystemCopiesRepo} `forgetOwnDeletions`), the copies the city gave truc ({@link SystemCopiesRepo}
 * `noteHeldBy`) or truc sent it count as a school system's do: older, while the city may not hold truc's state.
 */
export function copiesRead(
  of: CopiesOf,
  alias: string,
  r: string,
  cols: { key: string; scope: string },
  params: { s: string; e: string; asOf: string },
): { join: string; column: string } {
  const { s, e, asOf } = params;
  const school = of.city ? `'${CITY_COPIES_SCHOOL}'` : `${r}.${cols.scope}`;
  const join = copiesJoin(alias, `${r}.${cols.key}`, school, s, e);
  const column = copiesColumn(alias, r, asOf);
  return {
    join,
    column: of.city
      ? `CASE WHEN ${r}.source_system = ${s} AND ${r}.deleted_at IS NULL THEN NULL ELSE ${column} END`
      : column,
  };
}

/** The fingerprints of {@link copiesColumn}'s text (nulls left out). */
export function parseCopies(text: string | null | undefined): string[] | undefined {
  if (text === null || text === undefined) return undefined;
  return (JSON.parse(text) as (string | null)[]).filter((fp): fp is string => fp !== null);
}

/** The rows' columns as the statements below take them: keys, schools, fingerprints. */
const columns = (part: readonly CopyRow[]) => [
  part.map((r) => r.key),
  part.map((r) => r.school),
  part.map((r) => r.fp),
];

/** Where a copy received (`EXCLUDED`) is noted over the row `c`: it differs, or a send was acknowledged since. */
const NEWER_RECEIVED = '(c.received_fp IS DISTINCT FROM EXCLUDED.received_fp OR c.sent_at >= c.received_at)';

/**
 * Notes what `system` gave truc of `rows` as received now, where `when` holds of the stored row `c` (`EXCLUDED`:
 * the copy received; `extra`: parameters from `$6`): the one statement of `noteReceived` and `noteHeldCopies`.
 */
async function upsertReceived(
  q: Queryable,
  system: string,
  entity: EntityName,
  rows: readonly CopyRow[],
  when: string,
  extra: readonly unknown[] = [],
): Promise<void> {
  for (const part of chunks(rows)) {
    await q.query(
      `INSERT INTO truc.system_copies AS c (system, entity, key, school, received_fp, received_at)
       SELECT $1, $2, v.key, v.school, v.fp, now()
         FROM unnest($3::text[], $4::text[], $5::text[]) AS v(key, school, fp)
       ON CONFLICT (system, entity, key, school) DO UPDATE
         SET received_fp = EXCLUDED.received_fp, received_at = EXCLUDED.received_at
       WHERE ${when}`,
      [system, entity, ...columns(part), ...extra],
    );
  }
}

/** Copies received and sent: noted, acknowledged. */
function copyNotes(q: Queryable) {
  return {
    /**
     * Notes what `system` gave truc of `rows` (a pulled page's accepted records): written where it differs, or
     * where a send there was acknowledged since it was noted (the system shows it after that send: its newest).
     */
    noteReceived: (system: string, entity: EntityName, rows: readonly CopyRow[]): Promise<void> =>
      upsertReceived(q, system, entity, rows, NEWER_RECEIVED),
    /**
     * Notes what truc is about to send `system` (before the call: a pull of that system made while the call
     * is under way knows the copy). The one sent before is kept (the call may fail, leaving the system with
     * it); unacknowledged until {@link acknowledged}. After a delete sent there, any copy is a new one. The copy
     * sent last is sent again as a new send where the system showed another one after acknowledging it.
     */
    async noteSending(system: string, entity: EntityName, rows: readonly CopyRow[]): Promise<void> {
      for (const part of chunks(rows)) {
        await q.query(
          `INSERT INTO truc.system_copies AS c (system, entity, key, school, sent_fp)
           SELECT $1, $2, v.key, v.school, v.fp
             FROM unnest($3::text[], $4::text[], $5::text[]) AS v(key, school, fp)
           ON CONFLICT (system, entity, key, school) DO UPDATE
             SET sent_prev_fp = coalesce(c.sent_fp, c.sent_prev_fp), sent_fp = EXCLUDED.sent_fp, sent_at = NULL
           WHERE c.sent_fp IS DISTINCT FROM EXCLUDED.sent_fp
              OR (c.received_at > c.sent_at AND c.received_fp IS DISTINCT FROM c.sent_fp)`,
          [system, entity, ...columns(part)],
        );
      }
    },
    /** Notes that `system` acknowledged the copies of `rows` truc sent (where they are still the last sent). */
    async acknowledged(system: string, entity: EntityName, rows: readonly CopyRow[]): Promise<void> {
      for (const part of chunks(rows)) {
        await q.query(
          `UPDATE truc.system_copies c SET sent_at = now(), deletion_noted_at = NULL
             FROM unnest($3::text[], $4::text[], $5::text[]) AS v(key, school, fp)
            WHERE c.system = $1 AND c.entity = $2 AND c.key = v.key AND c.school = v.school
              AND c.sent_fp = v.fp`,
          [system, entity, ...columns(part)],
        );
      }
    },
  };
}

/** Copies a school's own system held when its batch arrived, noted later (an approved held batch). */
function heldCopyNotes(q: Queryable) {
  return {
    /**
     * Notes what `system` held of `rows` when its batch arrived, at `arrivedAt` (an approved held batch's
     * own copies of the records it left to a newer word: ../jobs/newer-words.ts, review18b R3), as {@link noteReceived}
     * does, but only where truc knows nothing of that system there since then: no copy received from it and no
     * send acknowledged by it after `arrivedAt` (what it gave or took since is what it holds: review19b).
     */
    noteHeldCopies: (
      system: string,
      entity: EntityName,
      rows: readonly CopyRow[],
      arrivedAt: Date,
    ): Promise<void> =>
      upsertReceived(
        q,
        system,
        entity,
        rows,
        `(c.received_at IS NULL OR c.received_at < $6) AND (c.sent_at IS NULL OR c.sent_at < $6) AND ${NEWER_RECEIVED}`,
        [arrivedAt],
      ),
  };
}

/** Deletions sent to a school's own system: noted at each key's school, acknowledged. */
function deletionNotes(q: Queryable) {
  return {
    /**
     * Notes that truc is about to send `system` the deletion of `rows`, each at its school only (precc17: a
     * move's delete to the old school leaves the new school's copies alone). The copy sent there before is kept
     * as the one sent before (the delete may fail, leaving it there); unacknowledged until
     * {@link deletionsAcknowledged} (a delete sent again after one acknowledged too). A key truc only received
     * from that system keeps the copy received as the one held before. Keys truc knows no copy of at that school
     * are left unnoted. When it was noted is kept (`deletion_noted_at`) until the system acknowledges a copy sent
     * after it: a tombstone it lists meanwhile may be the echo of this delete (./record-deletions.ts).
     */
    async noteDeleting(system: string, entity: EntityName, rows: readonly DeletedCopy[]): Promise<void> {
      for (const part of chunks(rows)) {
        await q.query(
          `UPDATE truc.system_copies c
              SET sent_prev_fp = coalesce(c.sent_fp, c.sent_prev_fp, c.received_fp), sent_fp = NULL, sent_at = NULL,
                  deletion_noted_at = now()
             FROM unnest($3::text[], $4::text[]) AS v(key, school)
            WHERE c.system = $1 AND c.entity = $2 AND c.key = v.key AND c.school = v.school`,
          [system, entity, part.map((r) => r.key), part.map((r) => r.school)],
        );
      }
    },
    /** Notes that `system` acknowledged the deletion of `rows` (where a deletion is still the last sent there). */
    async deletionsAcknowledged(
      system: string,
      entity: EntityName,
      rows: readonly DeletedCopy[],
    ): Promise<void> {
      for (const part of chunks(rows)) {
        await q.query(
          `UPDATE truc.system_copies c SET sent_at = now()
             FROM unnest($3::text[], $4::text[]) AS v(key, school)
            WHERE c.system = $1 AND c.entity = $2 AND c.key = v.key AND c.school = v.school
              AND c.sent_fp IS NULL`,
          [system, entity, part.map((r) => r.key), part.map((r) => r.school)],
        );
      }
    },
  };
}

/** The city database's copies (review18 R2): what it held of records another source changes. */
function cityCopyNotes(q: Queryable) {
  return {
    /**
     * Notes as received from `system` the stored rows of `keys` it wrote last (live, or just deleted by another
     * source in the caller's transaction), as they are now: what it holds of them, before truc changes them
     * (another source's write, sent before it) or after truc deleted them. The city's copy is its record as truc
     * took it (truc notes no copy on a pull: the row it wrote is that copy until another source changes it).
     */
    async noteHeldBy(system: string, entity: EntityName, keys: readonly string[]): Promise<void> {
      const t = TABLES[entity];
      for (const part of chunks(keys)) {
        await q.query(
          `INSERT INTO truc.system_copies AS c (system, entity, key, school, received_fp, received_at)
           SELECT $1, $2, r.${t.key}, $4, r.fingerprint, now() FROM ${t.table} r
            WHERE r.${t.key} = ANY($3::text[]) AND r.source_system = $1
           ON CONFLICT (system, entity, key, school) DO UPDATE
             SET received_fp = EXCLUDED.received_fp, received_at = EXCLUDED.received_at`,
          [system, entity, [...part], CITY_COPIES_SCHOOL],
        );
      }
    },
  };
}

/** A system's own deletions: what it held of the records it deleted itself is forgotten. */
function ownDeletionNotes(q: Queryable) {
  return {
    /**
     * Forgets `system`'s copies of the records of `keys` it deleted itself (records just marked deleted, in the
     * caller's transaction): a later copy of one from it is its own restore (a student enrolled there again as it
     * was), not an older state. A school's own system's copies at the school each record was deleted at (those of
     * another school, a move's delete sent there, stay); the city database's, under {@link CITY_COPIES_SCHOOL}.
     */
    async forgetOwnDeletions(system: string, entity: EntityName, keys: readonly string[]): Promise<void> {
      const t = TABLES[entity];
      for (const part of chunks(keys)) {
        await q.query(
          `DELETE FROM truc.system_copies c USING ${t.table} r
            WHERE r.${t.key} = ANY($3::text[]) AND c.system = $1 AND c.entity = $2 AND c.key = r.${t.key}
              AND c.school IN (r.${t.scope}, $4)`,
          [system, entity, [...part], CITY_COPIES_SCHOOL],
        );
      }
    },
  };
}

export function createSystemCopiesRepo(q: Queryable) {
  return {
    ...copyNotes(q),
    ...heldCopyNotes(q),
    ...deletionNotes(q),
    ...cityCopyNotes(q),
    ...ownDeletionNotes(q),
  };
}
export type SystemCopiesRepo = ReturnType<typeof createSystemCopiesRepo>;
