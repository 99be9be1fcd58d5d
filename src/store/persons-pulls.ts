/**
 * The pulls of a commune's survey persons (fix30a, review29 F6): sync runs of `moet-pcgd` `persons` whose scope is
 * the commune, as a PCGD-XMC officer reads them before computing the commune's figures (when its persons were last
 * pulled, and whether a pull is under way), and the lock that keeps an officer's two requests from queuing two pulls
 * of one commune. The runs themselves are written by ./sync-runs.ts, through the one sync machinery.
 */
import type { Queryable } from './db.js';
import { SHOWN_STATUS, type SyncRunStatus } from './sync-run-reads.js';

/** The system and entity of a commune's persons (src/config/names.ts SYSTEM_PULLS: per commune). */
const PERSONS = { system: 'moet-pcgd', entity: 'persons' } as const;

/** The first int of the advisory key of a commune's persons pull (school-lock.ts uses 720 and 721). */
export const PERSONS_PULL_LOCK_SPACE = 1120;

/** A commune's persons as pulled. */
export interface PersonsPulled {
  communeCode: string;
  /** When the last pull that fetched every page (`done`) finished; null when none has. */
  pulledAt: Date | null;
  /**
   * The Ministry's working year that pull read its persons of (migration 1460); null when none has, or for a pull
   * made before the migration.
   */
  workingYear: number | null;
  /** A pull is queued or running: its pages may still change the commune's persons. */
  pulling: boolean;
}

/** The newest pull of a commune's persons, whatever its state. */
export interface LastPersonsPull {
  syncRunId: number;
  /** As a city admin reads it (sync-run-reads.ts SHOWN_STATUS): `held` waits for a city admin's decision. */
  status: SyncRunStatus;
  /** A full pull (no watermark): it also deletes the persons the Ministry no longer lists. */
  full: boolean;
  records: number;
  errorCode: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** SQL: each commune of `$3` (its code `c.scope`, its place `c.n`) as pulled ({@link PersonsPulled}). */
const PULLED = `SELECT c.scope AS "communeCode", d.finished_at AS "pulledAt", d.working_year::int AS "workingYear",
        EXISTS (SELECT 1 FROM truc.sync_runs r
                 WHERE r.system = $1 AND r.entity = $2 AND r.scope = c.scope
                   AND r.status IN ('queued', 'running')) AS pulling
   FROM unnest($3::text[]) WITH ORDINALITY AS c(scope, n)
   LEFT JOIN LATERAL (
     SELECT r.finished_at, r.working_year FROM truc.sync_runs r
      WHERE r.system = $1 AND r.entity = $2 AND r.scope = c.scope AND r.status = 'done'
      ORDER BY r.finished_at DESC NULLS LAST, r.id DESC LIMIT 1) d ON true`;

/** SQL: the newest pull of commune `$3` ({@link LastPersonsPull}). */
const LAST = `SELECT r.id AS "syncRunId", ${SHOWN_STATUS} AS status, r.since IS NULL AS full, r.records,
        r.error_code AS "errorCode", r.created_at AS "createdAt", r.finished_at AS "finishedAt"
   FROM truc.sync_runs r
  WHERE r.system = $1 AND r.entity = $2 AND r.scope = $3
  ORDER BY r.created_at DESC, r.id DESC LIMIT 1`;

export function createPersonsPullsRepo(q: Queryable) {
  return {
    /** Each of `communes` (in their order) as pulled: one statement for them all (the deadline view's ~170). */
    async pulled(communes: readonly string[]): Promise<PersonsPulled[]> {
      if (communes.length === 0) return [];
      const res = await q.query<PersonsPulled>(`${PULLED} ORDER BY c.n`, [
        PERSONS.system,
        PERSONS.entity,
        communes,
      ]);
      return res.rows;
    },
    /**
     * A commune as pulled and its newest pull, read in one statement (pcgd14 left: read apart, a pull finishing
     * between the two reads answered `personsPulling: false` beside a newest pull still `queued`).
     */
    async stateOf(
      communeCode: string,
    ): Promise<{ pulled: PersonsPulled; last: LastPersonsPull | undefined }> {
      const res = await q.query<PersonsPulled & { [K in keyof LastPersonsPull]: LastPersonsPull[K] | null }>(
        `SELECT p.*, l.* FROM (${PULLED}) p
           LEFT JOIN LATERAL (${LAST.replace('$3', 'p."communeCode"')}) l ON true`,
        [PERSONS.system, PERSONS.entity, [communeCode]],
      );
      const { communeCode: code, pulledAt, workingYear, pulling, ...last } = res.rows[0]!;
      return {
        pulled: { communeCode: code, pulledAt, workingYear, pulling },
        last: last.syncRunId === null ? undefined : (last as LastPersonsPull),
      };
    },
    /**
     * The newest pull of any commune's persons that fetched every page: the Ministry's working year it read (null
     * for a pull of before migration 1460) and when it finished; undefined when none has.
     */
    async newest(): Promise<{ communeCode: string; pulledAt: Date; workingYear: number | null } | undefined> {
      const res = await q.query<{ communeCode: string; pulledAt: Date; workingYear: number | null }>(
        `SELECT r.scope AS "communeCode", r.finished_at AS "pulledAt", r.working_year::int AS "workingYear"
           FROM truc.sync_runs r
          WHERE r.system = $1 AND r.entity = $2 AND r.status = 'done' AND r.finished_at IS NOT NULL
          ORDER BY r.finished_at DESC, r.id DESC LIMIT 1`,
        [PERSONS.system, PERSONS.entity],
      );
      return res.rows[0];
    },
    /** The commune's newest pull, or undefined when its persons were never asked for. */
    async last(communeCode: string): Promise<LastPersonsPull | undefined> {
      const res = await q.query<LastPersonsPull>(LAST, [PERSONS.system, PERSONS.entity, communeCode]);
      return res.rows[0];
    },
    /**
     * Takes, in `q`'s transaction, the commune's persons-pull lock (waited for): two requests sent together see each
     * other's run (../jobs/persons-pull.ts), and only one queues a pull.
     */
    async lockCommune(communeCode: string): Promise<void> {
      await q.query(
        `SELECT pg_advisory_xact_lock(${PERSONS_PULL_LOCK_SPACE}, hashtext($1::text))::text IS NOT NULL AS locked`,
        [communeCode],
      );
    },
  };
}
