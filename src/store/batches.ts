import type { EntityName } from '../config.js';
import { batchFindings } from './batch-findings.js';
import { batchHolds, batchStatus, type IgnoredFields } from './batch-status.js';
import type { Queryable } from './db.js';
import type { RepeatOf } from './batch-repeats.js';

/** A batch's school code when its records are of every school it names (a page of a pull of all a system serves). */
export const EVERY_SCHOOL = '*';

export type BatchStatus = 'queued' | 'processing' | 'held' | 'done' | 'failed';

export interface Batch {
  id: string;
  clientId: string;
  schoolCode: string;
  entity: EntityName;
  format: string;
  status: BatchStatus;
  received: number;
  accepted: number;
  rejected: number;
  unchanged: number;
  errorCode: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  /** `snapshot`: every record of the entity of the school; what it omits is deleted. */
  mode: BatchMode;
  /** Records the batch deleted (snapshot mode). */
  deleted: number;
  /** The sync run whose page this batch is (pulled batches). */
  syncRunId: number | null;
  /** The mapping version its records must be mapped with (a pinned replay); null: the current one. */
  mappingPin: string | null;
  /** SHA-256 of the body bytes a vendor sent (null: a pulled page, or a batch older than migration 098). */
  bodySha256: string | null;
  /** The earlier batch of the same body that keeps the records (this one stores none); null: its own. */
  sameAs: string | null;
  /** When the records it reads (its own, or `sameAs`'s) were purged (migration 1020); null: kept. */
  recordsPurgedAt: Date | null;
  /** The fields its records sent that truc ignored (its own, or `sameAs`'s: migration 1462); null: none known. */
  ignoredFields: IgnoredFields | null;
}

export type { RepeatOf, RepeatState, RepeatTagOf } from './batch-repeats.js';
export type { IgnoredFields } from './batch-status.js';

export type BatchMode = 'delta' | 'snapshot';

/**
 * A batch row as selected by COLUMNS (camelCase aliases); `sync_run_id` is a bigint, which pg returns as text; the
 * ignored fields are two columns.
 */
export type Row = Omit<Batch, 'syncRunId' | 'ignoredFields'> & {
  syncRunId: string | number | null;
  ignoredNames: string[] | null;
  ignoredMore: number | null;
};

export const COLUMNS = `id, client_id AS "clientId", school_code AS "schoolCode", entity, format, status, received, accepted,
  rejected, unchanged, error_code AS "errorCode", created_at AS "createdAt", finished_at AS "finishedAt", mode,
  deleted, sync_run_id AS "syncRunId", mapping_pin AS "mappingPin", body_sha256 AS "bodySha256", same_as AS "sameAs",
  coalesce(records_purged_at, (SELECT h.records_purged_at FROM truc.batches h WHERE h.id = batches.same_as))
    AS "recordsPurgedAt",
  coalesce(ignored_fields, (SELECT g.ignored_fields FROM truc.batches g WHERE g.id = batches.same_as)) AS "ignoredNames",
  coalesce(ignored_fields_more, (SELECT g.ignored_fields_more FROM truc.batches g WHERE g.id = batches.same_as))
    AS "ignoredMore"`;

export const fromRow = ({ syncRunId, ignoredNames, ignoredMore, ...r }: Row): Batch => ({
  ...r,
  syncRunId: syncRunId === null ? null : Number(syncRunId),
  ignoredFields: ignoredNames === null ? null : { names: ignoredNames, more: ignoredMore ?? 0 },
});

/** A batch as received (records as sent), before any processing. */
export interface NewBatch {
  id: string;
  clientId: string;
  schoolCode: string;
  entity: EntityName;
  format: string;
  records: unknown[];
  /** The sync run whose page this batch is (pulled batches). */
  syncRunId?: number;
  /** @defaultValue 'delta' */
  mode?: BatchMode;
  /** Map with this mapping version instead of the current one (pages of a pinned replay). */
  mappingPin?: string | null;
  /**
   * false: the row keeps the count of the records but not the records (a pulled page ingested in the
   * pull's transaction). @defaultValue true
   */
  keepRecords?: boolean;
  /** SHA-256 of the body bytes as sent (vendor batches). */
  bodySha256?: string;
  /** An earlier batch of the same body keeps the records: this row stores none (see {@link Batch}). */
  sameAs?: string;
  /**
   * `records` as the JSON text (UTF-8) they were sent in, stored as it is; it must be JSON whose value is
   * `records` (a vendor's body, checked in its bytes: src/api/json-scan.ts). Absent: `records` is serialised.
   */
  recordsJson?: Buffer;
}

/**
 * The stored records of a new batch, as JSON text: the text they were sent in (a Buffer travels in binary form,
 * which for text is the bytes, checked to be UTF-8), else serialised here (~1.1 ms for 1000 students, and as much
 * again for pg to measure and encode it). Stored as text, not json (migration 481: PostgreSQL does not lex it
 * again; {@link parseRecords} reads it back): the API stores only what it has parsed. Not taken out of the request
 * body's text by PostgreSQL (`json #> '{records}'`: issue 7, the path is found by parsing the whole body again,
 * token by token: ~9 of the statement's ~12 ms of PostgreSQL's CPU for a 1000-student body).
 */
function recordsParam(b: NewBatch): string | Buffer {
  if (b.keepRecords === false || b.sameAs !== undefined) return '[]';
  return b.recordsJson ?? JSON.stringify(b.records);
}

/** The batch that keeps a body's records, and the rest of what the body said. */
export interface HeldBody {
  id: string;
  entity: EntityName;
  format: string;
  mode: BatchMode;
  received: number;
}

/** The batch that keeps the records of a body ($1 school, $2 SHA-256, $3 client). */
export const HOLDER = `SELECT id, entity, format, mode, received FROM truc.batches
  WHERE school_code = $1 AND body_sha256 = $2 AND client_id = $3 AND same_as IS NULL
    AND records_purged_at IS NULL
  ORDER BY created_at DESC LIMIT 1`;

/**
 * Judged batches of a body (as {@link HOLDER}), with the batch that keeps their findings (`held`) and
 * how many they are, when kept with the batch (migration 250).
 */
export const LAST_JUDGED = `SELECT id, repeat_tag, repeat_snapshot::text AS snapshot, repeat_xact::text AS xact,
         coalesce(findings_of, id) AS held, findings_count FROM truc.batches
  WHERE school_code = $1 AND body_sha256 = $2 AND client_id = $3 AND status = 'done' AND repeat_tag IS NOT NULL
    AND repeat_snapshot IS NOT NULL`;

/**
 * How many findings the judged batch `p` shows: kept with it, or (finished before migration 250)
 * counted among those `p.held` keeps.
 */
export const FINDINGS_HELD =
  'coalesce(p.findings_count, (SELECT count(*)::int FROM truc.findings f WHERE f.batch_id = p.held))';

/** A batch row as received: queued with its records, or (a pulled page with nothing to judge) done. */
function batchInserts(q: Queryable) {
  return {
    async insert(b: NewBatch) {
      await q.query(
        `INSERT INTO truc.batches (id, client_id, school_code, entity, format, status, records, received, sync_run_id, mode,
                                   mapping_pin, body_sha256, same_as)
         VALUES ($1, $2, $3, $4, $5, 'queued', $6::text, $7, $8, $9, $10, $11, $12)`,
        [
          b.id,
          b.clientId,
          b.schoolCode,
          b.entity,
          b.format,
          recordsParam(b),
          b.records.length,
          b.syncRunId ?? null,
          b.mode ?? 'delta',
          b.mappingPin ?? null,
          b.bodySha256 ?? null,
          b.sameAs ?? null,
        ],
      );
    },
    /**
     * A pulled page whose records were all skipped (unchanged, or still refused: nothing judged), inserted
     * done with its counts in one write (issue 7: it goes with the page's closing writes), keeping no records.
     */
    async insertPulledDone(
      b: Pick<
        NewBatch,
        'id' | 'clientId' | 'schoolCode' | 'entity' | 'format' | 'syncRunId' | 'mappingPin'
      > & {
        received: number;
        counts: { accepted: number; rejected: number; unchanged: number };
      },
    ) {
      await q.query(
        `INSERT INTO truc.batches (id, client_id, school_code, entity, format, status, records, received, sync_run_id,
                                   mode, mapping_pin, accepted, rejected, unchanged, deleted, finished_at)
         VALUES ($1, $2, $3, $4, $5, 'done', '[]', $6, $7, 'delta', $8, $9, $10, $11, 0, clock_timestamp())`,
        [
          b.id,
          b.clientId,
          b.schoolCode,
          b.entity,
          b.format,
          b.received,
          b.syncRunId ?? null,
          b.mappingPin ?? null,
          b.counts.accepted,
          b.counts.rejected,
          b.counts.unchanged,
        ],
      );
    },
  };
}

/** A batch's stored records (JSON text, migration 481) as values. */
const parseRecords = (text: string): unknown[] => JSON.parse(text) as unknown[];

/** A batch row read back, and its records. */
function batchRows(q: Queryable) {
  return {
    async get(id: string): Promise<Batch | undefined> {
      const res = await q.query<Row>(`SELECT ${COLUMNS} FROM truc.batches WHERE id = $1`, [id]);
      return res.rows[0] ? fromRow(res.rows[0]) : undefined;
    },
    /**
     * The batch of `clientId` for `schoolCode` that keeps the records of a body with this SHA-256 (the
     * same bytes pushed before) and what that body said besides its records, or undefined.
     */
    async holderOf(clientId: string, schoolCode: string, bodySha256: string): Promise<HeldBody | undefined> {
      const res = await q.query<HeldBody>(HOLDER, [schoolCode, bodySha256, clientId]);
      return res.rows[0];
    },
    /**
     * Locks the batch row for processing and returns it with its records; a repeated batch's records
     * (`sameAs`) are left to {@link recordsOf}, read only when it must be judged in full. With the
     * snapshot of this first read of the batch's judgment (`readSnapshot`, a pg_snapshot as text): the
     * state it leaves for its repeats is the school as of then (./batch-repeats.ts `RepeatTagOf`).
     */
    async lockForProcessing(
      id: string,
    ): Promise<(Batch & { records: unknown[] | null; readSnapshot: string }) | undefined> {
      const res = await q.query<Row & { records: string | null; read_snapshot: string }>(
        `SELECT ${COLUMNS}, CASE WHEN same_as IS NULL THEN records END AS records,
                pg_current_snapshot()::text AS read_snapshot
           FROM truc.batches WHERE id = $1 FOR UPDATE`,
        [id],
      );
      const r = res.rows[0];
      if (!r) return undefined;
      const records = r.records === null ? null : parseRecords(r.records);
      return { ...fromRow(r), records, readSnapshot: r.read_snapshot };
    },
    /** How many records a batch holds (its `received`), or undefined when there is no such batch. */
    async sizeOf(id: string): Promise<number | undefined> {
      const res = await q.query<{ n: number }>('SELECT received AS n FROM truc.batches WHERE id = $1', [id]);
      return res.rows[0]?.n;
    },
    /** The records a batch keeps (the earlier batch's, for a repeated one). */
    async recordsOf(id: string): Promise<unknown[]> {
      const res = await q.query<{ records: string }>('SELECT records FROM truc.batches WHERE id = $1', [id]);
      return res.rows[0] ? parseRecords(res.rows[0].records) : [];
    },
  };
}

/** Repeats of the same body: the batch judged before, and its findings filed again. */
function batchRepeats(q: Queryable) {
  return {
    /** The last judged batch (done, tagged) of the same client, school and body as `batch`, or undefined. */
    async repeatOf(
      batch: Pick<Batch, 'id' | 'clientId' | 'schoolCode' | 'bodySha256'>,
    ): Promise<RepeatOf | undefined> {
      if (batch.bodySha256 === null) return undefined;
      const res = await q.query<RepeatOf>(
        `SELECT p.id, p.repeat_tag AS "repeatTag", p.snapshot, p.xact, p.held AS "findingsOf",
                ${FINDINGS_HELD} AS findings
           FROM (${LAST_JUDGED} AND id <> $4 ORDER BY finished_at DESC LIMIT 1) p`,
        [batch.schoolCode, batch.bodySha256, batch.clientId, batch.id],
      );
      return res.rows[0];
    },
    /**
     * {@link holderOf} and {@link repeatOf} in one statement (the API's look-up before it reads a body):
     * the batch that keeps the body's records, and the last judged batch of the same body (null: none).
     */
    async heldAndJudged(
      clientId: string,
      schoolCode: string,
      bodySha256: string,
    ): Promise<(HeldBody & { judged: RepeatOf | null }) | undefined> {
      const res = await q.query<HeldBody & { judged: RepeatOf | null }>(
        `SELECT h.id, h.entity, h.format, h.mode, h.received,
                CASE WHEN p.id IS NOT NULL THEN json_build_object('id', p.id, 'repeatTag', p.repeat_tag,
                  'snapshot', p.snapshot, 'xact', p.xact, 'findingsOf', p.held, 'findings', ${FINDINGS_HELD})
                END AS judged
           FROM (${HOLDER}) h
           LEFT JOIN LATERAL (${LAST_JUDGED} ORDER BY finished_at DESC LIMIT 1) p ON true`,
        [schoolCode, bodySha256, clientId],
        // One text for every pushed body: parsed and planned once per connection (issue 7).
        { prepared: true },
      );
      return res.rows[0];
    },
  };
}

export function createBatchesRepo(q: Queryable) {
  return {
    ...batchInserts(q),
    ...batchRows(q),
    ...batchRepeats(q),
    ...batchStatus(q),
    ...batchHolds(q),
    ...batchFindings(q),
  };
}
export type BatchesRepo = ReturnType<typeof createBatchesRepo>;
