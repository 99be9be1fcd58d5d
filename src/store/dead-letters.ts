/**
 * Dead letters: jobs that failed for good, kept with their reason. Operators list them by filter and
 * replay them singly or in bulk: a replay writes a fresh outbox row with the original work (the
 * relay queues it like any other), re-opens the batch or sync run it was about, and marks the letter
 * replayed — all in one transaction, audited.
 */
import { appendAudit } from '../audit/chain.js';
import type { Db, Queryable } from './db.js';

export interface DeadLetter {
  id: number;
  queue: string;
  jobName: string;
  errorCode: string;
  errorMessage: string;
  attempts: number;
  failedAt: Date;
  replayedAt: Date | null;
  /** The ids the failed job carried (batchId, pushSetId, syncRunId): references only. */
  payload: Record<string, unknown>;
}

export interface DeadLetterFilter {
  ids?: readonly number[] | undefined;
  queue?: string | undefined;
  errorCode?: string | undefined;
  /** Include letters already replayed (listing only; replay never takes them). */
  includeReplayed?: boolean | undefined;
}

interface Row {
  id: number;
  queue: string;
  job_name: string;
  error_code: string;
  error_message: string;
  attempts: number;
  failed_at: Date;
  replayed_at: Date | null;
  payload: Record<string, unknown> | null;
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
  if (!f.includeReplayed) clauses.push('d.replayed_at IS NULL');
  return clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
}

const SELECT = `SELECT d.id, d.queue, d.job_name, d.error_code, d.error_message, d.attempts, d.failed_at,
                       d.replayed_at, o.payload
                  FROM truc.dead_letters d LEFT JOIN truc.outbox o ON o.id = d.outbox_id`;

const fromRow = (r: Row): DeadLetter => ({
  id: r.id,
  queue: r.queue,
  jobName: r.job_name,
  errorCode: r.error_code,
  errorMessage: r.error_message,
  attempts: r.attempts,
  failedAt: r.failed_at,
  replayedAt: r.replayed_at,
  payload: r.payload ?? {},
});

export async function listDeadLetters(
  q: Queryable,
  f: DeadLetterFilter,
  limit: number,
  offset: number,
): Promise<DeadLetter[]> {
  const params: unknown[] = [];
  const w = where(f, params);
  params.push(limit, offset);
  const res = await q.query<Row>(
    `${SELECT} ${w} ORDER BY d.id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return res.rows.map(fromRow);
}

/** Replays the matching letters (at most `max`); returns the ids replayed. */
export async function replayDeadLetters(
  db: Db,
  f: DeadLetterFilter,
  actor: string,
  max = 1000,
): Promise<number[]> {
  return db.tx(async (q) => {
    const params: unknown[] = [];
    const w = where({ ...f, includeReplayed: false }, params);
    params.push(max);
    const res = await q.query<Row & { outbox_id: number | null }>(
      `${SELECT.replace('SELECT d.id,', 'SELECT d.outbox_id, d.id,')} ${w} ORDER BY d.id LIMIT $${params.length} FOR UPDATE OF d`,
      params,
    );
    const replayed: number[] = [];
    for (const r of res.rows) {
      if (!r.payload) continue; // the outbox row is gone: nothing to replay from
      await q.query('INSERT INTO truc.outbox (queue, job_name, payload) VALUES ($1, $2, $3)', [
        r.queue,
        r.job_name,
        JSON.stringify(r.payload),
      ]);
      const batchId = r.payload.batchId;
      if (typeof batchId === 'string') {
        await q.query(
          `UPDATE truc.batches SET status = 'queued', error_code = NULL, finished_at = NULL WHERE id = $1 AND status = 'failed'`,
          [batchId],
        );
      }
      const syncRunId = r.payload.syncRunId;
      if (typeof syncRunId === 'number') {
        await q.query(
          `UPDATE truc.sync_runs SET status = 'running', error_code = NULL, finished_at = NULL WHERE id = $1 AND status = 'failed'`,
          [syncRunId],
        );
      }
      await q.query('UPDATE truc.dead_letters SET replayed_at = now() WHERE id = $1', [r.id]);
      replayed.push(r.id);
    }
    if (replayed.length > 0) {
      await appendAudit(q, [
        {
          actor,
          action: 'dead_letters.replayed',
          details: { count: replayed.length, ids: replayed.slice(0, 100).map(String) },
        },
      ]);
    }
    return replayed;
  });
}
