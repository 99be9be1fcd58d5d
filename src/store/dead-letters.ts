/**
 * Dead letters: jobs that failed for good, kept with their reason and a link to the outbox row that
 * holds their work. The rows only: recording a failure and replaying letters (which re-opens the
 * work they were about) are job-side logic, in src/jobs/dead-letters.ts.
 */
import { actorNameSql, namedActorColumns } from './actor-names.js';
import type { Queryable } from './db.js';

/** The most letters one page lists: `GET /v1/dead-letters?limit=` and `truc dead-letters list --limit` alike. */
export const DEAD_LETTERS_PAGE_MAX = 500;

export interface DeadLetter {
  id: number;
  /** The outbox row of the failed work (null when the job did not come from one). */
  outboxId: number | null;
  queue: string;
  jobName: string;
  errorCode: string;
  errorMessage: string;
  attempts: number;
  failedAt: Date;
  replayedAt: Date | null;
  /**
   * Who replayed it, by name as it was when they replayed it (./actor-names.ts: the client's display name, the CLI
   * operator's name; fix37a, migration 1428), else the id; null: not replayed, or replayed before truc kept who.
   */
  replayedBy: string | null;
  /** Who replayed it, by id (an API client's id, `operator:cli:<name>`); null as {@link replayedBy}. */
  replayedById: string | null;
  /**
   * When a later delivery of every record of its push set settled it (a vendor's re-push sent them again,
   * src/store/push-sets.ts): no longer open, nothing left to replay.
   */
  resolvedAt: Date | null;
  /** When it was closed without a replay (no longer open, not replayable): why in {@link abandonedReason}. */
  abandonedAt: Date | null;
  /**
   * Why it was closed without a replay (null while not): `target-forgotten`, its target removed from the configuration
   * was forgotten (`truc targets forget`, migration 850: only letters of push sets, each with its outbox row), its
   * records will not be delivered there; `closed-by-replay`, a job the scheduler role queued (no outbox row: a
   * schedule's fire, the website probe, the change feed's purge) that a replay closed, as it has nothing to replay
   * from and runs again at its next fire (src/jobs/dead-letters.ts `replayDeadLetters`); `report-superseded`, a PCGD
   * submission's letter (push.moet-pcgd) whose report version was reopened or replaced (src/store/pcgd.ts `supersede`,
   * W5-10): the new version is the one to submit. Those are the only three ways `abandoned_at` is set, told apart by
   * the outbox row and the queue.
   */
  abandonedReason: AbandonedReason | null;
  /** The mapping version the failed work ran with (null: it maps nothing, or it was not recorded). */
  mappingVersion: string | null;
  /** The ids the failed job carried (batchId, pushSetId, syncRunId): references only. */
  payload: Record<string, unknown>;
  /**
   * Its own references, kept when it was written (walk, issue 7; migration 1455): a push letter's `batchId` (its push
   * set came from a batch), `schoolCode` and `entity`; ids and codes only. Null: other work, or written before.
   */
  refs: LetterRefs | null;
}

/** A letter's own references (see {@link DeadLetter.refs}). */
export interface LetterRefs {
  batchId?: string;
  schoolCode?: string;
  /** A delete set with no batch whose keys are at several schools: their codes, sorted, the first 20 (refs2). */
  schoolCodes?: string[];
  /** How many schools those are, all of them (more than `schoolCodes` lists when over 20). */
  schoolCount?: number;
  entity?: string;
  /** The sync run its push set carries (a full run's reconciliation deletes, a pulled page's changes: vendor5 item 5). */
  syncRunId?: number;
}

/** Why a letter was closed without a replay (see {@link DeadLetter.abandonedReason}). */
export const ABANDONED_REASONS = ['target-forgotten', 'closed-by-replay', 'report-superseded'] as const;
export type AbandonedReason = (typeof ABANDONED_REASONS)[number];

export interface DeadLetterFilter {
  ids?: readonly number[] | undefined;
  queue?: string | undefined;
  errorCode?: string | undefined;
  /** Only a sync run's: its job carried the run, or its push set did (refs). */
  syncRunId?: number | undefined;
  /** Include letters already replayed or resolved (listing only; replay never takes them). */
  includeReplayed?: boolean | undefined;
}

interface Row {
  id: number;
  outbox_id: number | null;
  queue: string;
  job_name: string;
  error_code: string;
  error_message: string;
  attempts: number;
  failed_at: Date;
  replayed_at: Date | null;
  replayedBy: string | null;
  replayedById: string | null;
  resolved_at: Date | null;
  abandoned_at: Date | null;
  mapping_version: string | null;
  payload: Record<string, unknown> | null;
  refs: LetterRefs | null;
}

function where(f: DeadLetterFilter, params: unknown[]): string {
  const clauses: string[] = [];
  if (f.ids && f.ids.length > 0) {
    params.push([...f.ids]);
    clauses.push(`d.id = ANY($${params.length}::bigint[])`);
  }
  if (f.queue) {
    params.push(f.queue);
    clauses.push(`d.queue = $${params.length}`);
  }
  if (f.errorCode) {
    params.push(f.errorCode);
    clauses.push(`d.error_code = $${params.length}`);
  }
  if (f.syncRunId !== undefined) {
    params.push(f.syncRunId);
    clauses.push(letterOfRun(`$${params.length}::bigint`, f.includeReplayed ? 'TRUE' : OPEN));
  }
  if (!f.includeReplayed) clauses.push(OPEN);
  return clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
}

/**
 * SQL: each letter `d` that `where` (on `d`) takes and each sync run it is of, as rows (letter, run), the run's id as
 * text: its refs carry the run (its push set's, kept when written), the failed job carried it, the job's push set is
 * the run's (a letter written before refs, migration 1455), or the job's batch is the run's (a pulled page's ingest,
 * whose replay reopens that batch). The one rule for a run's letters: its open ones counted by GET /v1/syncs
 * (./sync-run-reads.ts), listed and replayed by ?syncRunId= ({@link letterOfRun}), keeping its rows from the nightly
 * purge (./run-purge.ts). dash12: a run's page said 0 of a letter the filter listed; dash13: the purge had a rule of
 * its own (the batch's ingest, not refs nor the push set). Set-based (dash13: the runs list judged every open letter
 * once for each run, a scan of the letters and of the outbox a run: 50 runs, 20,000 open letters, 9-15 s).
 */
export const lettersOfRuns = (where: string): string =>
  `SELECT d.id AS letter, d.refs->>'syncRunId' AS run FROM truc.dead_letters d
    WHERE (${where}) AND d.refs->>'syncRunId' IS NOT NULL
   UNION
   SELECT d.id, x.run FROM truc.dead_letters d JOIN truc.outbox ro ON ro.id = d.outbox_id
     LEFT JOIN truc.push_sets rs ON rs.sync_run_id IS NOT NULL AND rs.id::text = ro.payload->>'pushSetId'
     LEFT JOIN truc.batches rb ON rb.sync_run_id IS NOT NULL AND rb.id::text = ro.payload->>'batchId'
     CROSS JOIN LATERAL (VALUES (ro.payload->>'syncRunId'), (rs.sync_run_id::text), (rb.sync_run_id::text)) x (run)
    WHERE (${where}) AND x.run IS NOT NULL`;

/** SQL: letter `d` is sync run `run`'s (an SQL bigint: `$1::bigint`), among the letters `where` takes ({@link lettersOfRuns}). */
export const letterOfRun = (run: string, where = 'TRUE'): string =>
  `d.id IN (SELECT lr.letter FROM (${lettersOfRuns(where)}) lr WHERE lr.run = (${run})::text)`;

/**
 * An open letter: neither replayed, resolved by a later delivery, nor abandoned with its target (`truc targets
 * forget`): what the gauge, overview and runs count, and what a replay takes.
 */
export const OPEN = 'd.replayed_at IS NULL AND d.resolved_at IS NULL AND d.abandoned_at IS NULL';

const SELECT = `SELECT d.id, d.outbox_id, d.queue, d.job_name, d.error_code, d.error_message, d.attempts,
                       d.failed_at, d.replayed_at, ${namedActorColumns('d.replayed_by', 'd.replayed_by_name', 'replayedBy')},
                       d.resolved_at, d.abandoned_at, d.mapping_version, o.payload, d.refs
                  FROM truc.dead_letters d LEFT JOIN truc.outbox o ON o.id = d.outbox_id`;

const fromRow = (r: Row): DeadLetter => ({
  id: r.id,
  outboxId: r.outbox_id,
  queue: r.queue,
  jobName: r.job_name,
  errorCode: r.error_code,
  errorMessage: r.error_message,
  attempts: r.attempts,
  failedAt: r.failed_at,
  replayedAt: r.replayed_at,
  replayedBy: r.replayedBy,
  replayedById: r.replayedById,
  resolvedAt: r.resolved_at,
  abandonedAt: r.abandoned_at,
  abandonedReason: !r.abandoned_at
    ? null
    : r.outbox_id === null
      ? 'closed-by-replay'
      : r.queue === 'push.moet-pcgd'
        ? 'report-superseded'
        : 'target-forgotten',
  mappingVersion: r.mapping_version,
  payload: r.payload ?? {},
  refs: r.refs,
});

async function countMatching(q: Queryable, f: DeadLetterFilter): Promise<{ total: number; open: number }> {
  const params: unknown[] = [];
  const w = where(f, params);
  const res = await q.query<{ total: number; open: number }>(
    `SELECT count(*)::int AS total, (count(*) FILTER (WHERE ${OPEN}))::int AS open
       FROM truc.dead_letters d ${w}`,
    params,
  );
  return res.rows[0] ?? { total: 0, open: 0 };
}

async function unknownIds(q: Queryable, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const res = await q.query<{ id: string }>(
    `SELECT i.id::text AS id FROM unnest($1::bigint[]) WITH ORDINALITY AS i(id, n)
      WHERE NOT EXISTS (SELECT 1 FROM truc.dead_letters d WHERE d.id = i.id) ORDER BY i.n`,
    [[...ids]],
  );
  return res.rows.map((r) => Number(r.id));
}

/**
 * Closes letters: `replayed` (work queued again) by `actor`, kept with their name as it is now (fix37a), or `abandoned`
 * without a replay (OPEN leaves both out).
 */
async function markClosed(
  q: Queryable,
  ids: readonly number[],
  as: 'replayed' | 'abandoned',
  actor?: string,
): Promise<void> {
  if (ids.length === 0) return;
  if (as === 'abandoned')
    await q.query('UPDATE truc.dead_letters SET abandoned_at = now() WHERE id = ANY($1::bigint[])', [
      [...ids],
    ]);
  else
    await q.query(
      `UPDATE truc.dead_letters SET replayed_at = now(), replayed_by = $2, replayed_by_name = ${actorNameSql('$2::text')}
        WHERE id = ANY($1::bigint[])`,
      [[...ids], actor ?? null],
    );
}

export function createDeadLettersRepo(q: Queryable) {
  return {
    async insert(letter: {
      outboxId: number | undefined;
      queue: string;
      jobName: string;
      errorCode: string;
      errorMessage: string;
      attempts: number;
      mappingVersion?: string | null;
      refs?: LetterRefs | null;
    }): Promise<void> {
      await q.query(
        `INSERT INTO truc.dead_letters (outbox_id, queue, job_name, error_code, error_message, attempts, mapping_version,
                                        refs)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          letter.outboxId ?? null,
          letter.queue,
          letter.jobName,
          letter.errorCode,
          letter.errorMessage,
          letter.attempts,
          letter.mappingVersion ?? null,
          letter.refs ?? null,
        ],
      );
    },
    /** Newest first. */
    async list(f: DeadLetterFilter, limit: number, offset: number): Promise<DeadLetter[]> {
      const params: unknown[] = [];
      const w = where(f, params);
      params.push(limit, offset);
      const res = await q.query<Row>(
        `${SELECT} ${w} ORDER BY d.id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
        params,
      );
      return res.rows.map(fromRow);
    },
    /** Those of `ids` no letter has (ever: a letter is kept once replayed, resolved or closed), in their order. */
    unknown: (ids: readonly number[]) => unknownIds(q, ids),
    /** How many letters match (`total`, as {@link list} pages them) and how many of those are open. */
    count: (f: DeadLetterFilter) => countMatching(q, f),
    /** Locks up to `max` letters not yet replayed that match, oldest first (inside a transaction). */
    async lockForReplay(f: DeadLetterFilter, max: number): Promise<DeadLetter[]> {
      const params: unknown[] = [];
      const w = where({ ...f, includeReplayed: false }, params);
      params.push(max);
      const res = await q.query<Row>(
        `${SELECT} ${w} ORDER BY d.id LIMIT $${params.length} FOR UPDATE OF d`,
        params,
      );
      return res.rows.map(fromRow);
    },
    /** See {@link markClosed}. */
    markClosed: (ids: readonly number[], as: 'replayed' | 'abandoned', actor?: string) =>
      markClosed(q, ids, as, actor),
    /** Open letters (neither replayed nor resolved), per queue (the open dead-letters gauge). */
    async openByQueue(): Promise<Array<{ queue: string; open: number }>> {
      const res = await q.query<{ queue: string; open: number }>(
        `SELECT queue, count(*)::int AS open FROM truc.dead_letters d WHERE ${OPEN} GROUP BY queue`,
      );
      return res.rows;
    },
  };
}
export type DeadLettersRepo = ReturnType<typeof createDeadLettersRepo>;
