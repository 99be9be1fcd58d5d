import type { Queryable } from './db.js';

export interface OutboxRow {
  id: number;
  queue: string;
  job_name: string;
  payload: Record<string, unknown>;
}

/**
 * Job id of an outbox row's job: deterministic, so re-enqueueing the same row is a no-op; it carries
 * the database's install id, so a restored or re-created database never collides with old jobs.
 */
export const jobIdOf = (installId: string, outboxId: number): string =>
  `ob-${installId.slice(0, 12)}-${outboxId}`;

/** The random id of this database installation (migration 003). */
export async function readInstallId(q: Queryable): Promise<string> {
  const res = await q.query<{ value: string }>("SELECT value FROM truc.meta WHERE key = 'install_id'");
  const id = res.rows[0]?.value;
  if (!id) throw new Error('truc.meta has no install_id: run migrations');
  return id;
}

export function createOutboxRepo(q: Queryable) {
  return {
    /** Adds work in the caller's transaction. Payloads hold ids only. */
    async add(queue: string, jobName: string, payload: Record<string, string | number>): Promise<number> {
      const res = await q.query<{ id: number }>(
        'INSERT INTO truc.outbox (queue, job_name, payload) VALUES ($1, $2, $3) RETURNING id',
        [queue, jobName, JSON.stringify(payload)],
      );
      return res.rows[0]!.id;
    },
    /**
     * Leases up to `limit` pending rows for `leaseSeconds` (others skip them) in one statement, so
     * no transaction stays open while jobs are enqueued. A relay that dies mid-way loses its lease
     * and the rows are claimed again; their deterministic job ids make the second enqueue a no-op.
     */
    async claimPending(limit: number, leaseSeconds = 30): Promise<OutboxRow[]> {
      const res = await q.query<OutboxRow>(
        `UPDATE truc.outbox SET claimed_until = now() + make_interval(secs => $2)
          WHERE id IN (SELECT id FROM truc.outbox
                        WHERE enqueued_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
                        ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING id, queue, job_name, payload`,
        [limit, leaseSeconds],
      );
      return res.rows.sort((a, b) => a.id - b.id);
    },
    async markEnqueued(ids: readonly number[]): Promise<void> {
      if (ids.length === 0) return;
      await q.query(
        'UPDATE truc.outbox SET enqueued_at = now(), enqueue_count = enqueue_count + 1 WHERE id = ANY($1::bigint[])',
        [ids],
      );
    },
    /** Gives claimed rows back (their enqueue failed): the next pass claims them again. */
    async release(ids: readonly number[]): Promise<void> {
      if (ids.length === 0) return;
      await q.query(
        'UPDATE truc.outbox SET claimed_until = NULL WHERE id = ANY($1::bigint[]) AND enqueued_at IS NULL',
        [ids],
      );
    },
    /** Closes a row whose work is done (a job not made from a row passes undefined: nothing to close). */
    async markDone(id: number | undefined): Promise<void> {
      if (id === undefined) return;
      await q.query('UPDATE truc.outbox SET done_at = now() WHERE id = $1 AND done_at IS NULL', [id]);
    },
    async markDead(id: number): Promise<void> {
      await q.query('UPDATE truc.outbox SET dead_at = now() WHERE id = $1', [id]);
    },
    /** Rows handed to the queue long enough ago that their job should exist or be finished. */
    async staleOpen(olderThanSeconds: number, limit: number): Promise<OutboxRow[]> {
      const res = await q.query<OutboxRow>(
        `SELECT id, queue, job_name, payload FROM truc.outbox
          WHERE done_at IS NULL AND dead_at IS NULL AND enqueued_at < now() - make_interval(secs => $1)
          ORDER BY id LIMIT $2`,
        [olderThanSeconds, limit],
      );
      return res.rows;
    },
    async requeue(ids: readonly number[]): Promise<void> {
      if (ids.length === 0) return;
      await q.query(
        'UPDATE truc.outbox SET enqueued_at = NULL, claimed_until = NULL WHERE id = ANY($1::bigint[]) AND done_at IS NULL',
        [ids],
      );
    },
    /** Rows whose work is neither done nor dead. */
    async openCount(): Promise<number> {
      const res = await q.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM truc.outbox WHERE done_at IS NULL AND dead_at IS NULL',
      );
      return res.rows[0]?.n ?? 0;
    },
    async lag(): Promise<{ pending: number; oldestSeconds: number }> {
      const res = await q.query<{ pending: number; oldest: number | null }>(
        `SELECT count(*)::int AS pending, EXTRACT(EPOCH FROM (now() - min(created_at)))::float8 AS oldest
           FROM truc.outbox WHERE enqueued_at IS NULL`,
      );
      const r = res.rows[0];
      return { pending: r?.pending ?? 0, oldestSeconds: r?.oldest ?? 0 };
    },
  };
}
export type OutboxRepo = ReturnType<typeof createOutboxRepo>;
