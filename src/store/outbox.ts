import type { CombinedWrites } from './combined.js';
import type { Db, Queryable } from './db.js';
import { OPEN as OPEN_LETTER } from './dead-letters.js';

/** Channel notified (at commit) whenever outbox rows are added: the relay wakes at once. */
export const OUTBOX_CHANNEL = 'truc_outbox';

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

/** What the relay does with rows: adds, claims under a lease, hands to the queue or gives back. */
function outboxRelay(q: Queryable) {
  return {
    /**
     * Adds work in the caller's transaction. Payloads hold ids only. PostgreSQL delivers the
     * notification when (and only if) the transaction commits, one per transaction and channel.
     * `notify: false` leaves the wake to the caller after its commit ({@link createOutboxWaker}): a
     * transaction that notifies holds PostgreSQL's notification lock from its commit's start to its
     * end, so concurrent notifying commits (and their WAL flushes) run one at a time.
     */
    async add(
      queue: string,
      jobName: string,
      payload: Record<string, string | number>,
      opts: { notify?: boolean; leaseSeconds?: number } = {},
    ): Promise<number> {
      if (opts.leaseSeconds !== undefined) {
        // Claimed by the caller, who runs it in this process ({@link release} hands it over): the relay
        // leaves it alone until the lease runs out, so a crash only delays it by the lease.
        const res = await q.query<{ id: number }>(
          `INSERT INTO truc.outbox (queue, job_name, payload, claimed_until)
           VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING id`,
          [queue, jobName, JSON.stringify(payload), opts.leaseSeconds],
        );
        return res.rows[0]!.id;
      }
      const res = await q.query<{ id: number }>(
        opts.notify === false
          ? 'INSERT INTO truc.outbox (queue, job_name, payload) VALUES ($1, $2, $3) RETURNING id'
          : `WITH row AS (INSERT INTO truc.outbox (queue, job_name, payload) VALUES ($1, $2, $3) RETURNING id)
         SELECT id, pg_notify('${OUTBOX_CHANNEL}', '') FROM row`,
        [queue, jobName, JSON.stringify(payload)],
      );
      return res.rows[0]!.id;
    },
    /**
     * Hands a row added with a lease to the relay (its claimer will not run it after all), and wakes the
     * relay. Rows already done, enqueued or dead are left as they are.
     */
    async handOver(id: number): Promise<void> {
      await q.query(
        `WITH row AS (UPDATE truc.outbox SET claimed_until = NULL
                       WHERE id = $1 AND enqueued_at IS NULL AND done_at IS NULL AND dead_at IS NULL RETURNING id)
         SELECT id, pg_notify('${OUTBOX_CHANNEL}', '') FROM row`,
        [id],
      );
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
                        WHERE enqueued_at IS NULL AND done_at IS NULL AND dead_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
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
  };
}

/** Rows written handed over (see {@link flushHandedOver}), and a leased row's lease renewed. */
function outboxHandedOver(q: Queryable) {
  return {
    /** A row leased to its caller keeps its lease `leaseSeconds` more (a long job's: fix34e's weighing). */
    async renewLease(id: number, leaseSeconds: number): Promise<void> {
      await q.query(
        `UPDATE truc.outbox SET claimed_until = now() + make_interval(secs => $2)
          WHERE id = $1 AND enqueued_at IS NULL AND done_at IS NULL AND dead_at IS NULL`,
        [id, leaseSeconds],
      );
    },
    /** Adds a row written handed over in the caller's transaction; its id. */
    async addHandedOver(
      queue: string,
      jobName: string,
      payload: Record<string, string | number>,
    ): Promise<number> {
      const res = await q.query<{ id: number }>(
        `INSERT INTO truc.outbox (queue, job_name, payload, enqueued_at, enqueue_count)
         VALUES ($1, $2, $3, now(), 1) RETURNING id`,
        [queue, jobName, JSON.stringify(payload)],
      );
      return res.rows[0]!.id;
    },
  };
}

/**
 * Issue 7 (perf30b): a row written handed over (`enqueued_at` set as it is inserted) is one whose producer adds its
 * job to the queue itself right after the commit (the API's accepted batch: ../jobs/hand-over.ts), so no
 * notification, relay claim or mark is spent on it. Nothing accepted is lost: a producer that dies between its
 * commit and its add (or whose add and hand-back both fail) leaves an open row whose job is missing, which the
 * relay's reconciler re-queues once it has been open `sync.reconcile.afterSeconds` (../jobs/outbox-relay.ts
 * `requeueLost`), as it does for a job Redis lost; a failed add hands the row back to the relay at once
 * ({@link outboxOutcomes} `requeue`).
 *
 * Writes `writes`' recorded writes and an outbox row written handed over as one statement
 * (./combined.ts `flushWith`); the row as the relay would have claimed it. The statement is prepared (perf10c): its
 * one caller, the API's new batch (../jobs/requests.ts `queueNewBatch`: the batch, its audit entry and this row), sends
 * one text whatever the batch, so it is parsed and planned once per connection (~0.6 ms of PostgreSQL's CPU a batch).
 */
export async function flushHandedOver(
  writes: CombinedWrites,
  queue: string,
  jobName: string,
  payload: Record<string, string | number>,
): Promise<OutboxRow> {
  const res = await writes.flushWith<{ id: number }>(
    `WITH handed AS (INSERT INTO truc.outbox (queue, job_name, payload, enqueued_at, enqueue_count)
                     VALUES ($1, $2, $3, now(), 1) RETURNING id)
     SELECT id FROM handed`,
    [queue, jobName, JSON.stringify(payload)],
    { prepared: true },
  );
  return { id: Number(res.rows[0]!.id), queue, job_name: jobName, payload };
}

/** Work added as a write whose answer nobody reads (it may go with others in one statement). */
function outboxQuietAdds(q: Queryable) {
  return {
    /**
     * Adds work without notifying (the caller wakes the relay after its commit) and without reading the
     * row's id back: a write that may go with others in one statement (./combined.ts).
     */
    async put(queue: string, jobName: string, payload: Record<string, string | number>): Promise<void> {
      await q.query('INSERT INTO truc.outbox (queue, job_name, payload) VALUES ($1, $2, $3)', [
        queue,
        jobName,
        JSON.stringify(payload),
      ]);
    },
  };
}

/** A row's end (done, dead), the stale ones re-queued, and the counts the metrics show. */
function outboxOutcomes(q: Queryable) {
  return {
    /**
     * Closes a row whose work is done (a job not made from a row passes undefined: nothing to close). A
     * row run by the process it was leased to, never enqueued, counts as enqueued: the relay has nothing
     * left to do with it.
     */
    async markDone(id: number | undefined): Promise<void> {
      if (id === undefined) return;
      await q.query(
        'UPDATE truc.outbox SET done_at = now(), enqueued_at = COALESCE(enqueued_at, now()) WHERE id = $1 AND done_at IS NULL',
        [id],
      );
    },
    async markDead(id: number): Promise<void> {
      await q.query('UPDATE truc.outbox SET dead_at = now() WHERE id = $1', [id]);
    },
    /**
     * Rows handed to the queue long enough ago that their job should exist or be finished: at most `limit`, in id
     * order, after id `afterId` (a page of a walk over them all, keyset by id).
     */
    async staleOpen(olderThanSeconds: number, limit: number, afterId = 0): Promise<OutboxRow[]> {
      const res = await q.query<OutboxRow>(
        `SELECT id, queue, job_name, payload FROM truc.outbox
          WHERE done_at IS NULL AND dead_at IS NULL AND enqueued_at < now() - make_interval(secs => $1)
            AND id > $3
          ORDER BY id LIMIT $2`,
        [olderThanSeconds, limit, afterId],
      );
      return res.rows;
    },
    /** Which of `ids` are neither done nor dead. */
    async stillOpen(ids: readonly number[]): Promise<Set<number>> {
      if (ids.length === 0) return new Set();
      const res = await q.query<{ id: number }>(
        'SELECT id FROM truc.outbox WHERE id = ANY($1::bigint[]) AND done_at IS NULL AND dead_at IS NULL',
        [ids],
      );
      return new Set(res.rows.map((r) => r.id));
    },
    /** Hands rows back to the relay, those of `ids` still neither done nor dead; returns their ids. */
    async requeue(ids: readonly number[]): Promise<number[]> {
      if (ids.length === 0) return [];
      const res = await q.query<{ id: number }>(
        `UPDATE truc.outbox SET enqueued_at = NULL, claimed_until = NULL
          WHERE id = ANY($1::bigint[]) AND done_at IS NULL AND dead_at IS NULL RETURNING id`,
        [ids],
      );
      return res.rows.map((r) => r.id);
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

/** What the relay publishes as gauges. */
function outboxGauges(q: Queryable) {
  return {
    /**
     * `lag` and the open dead letters per queue (./dead-letters.ts `openByQueue`) in one statement: what
     * the relay publishes at every poll (issue 7: two statements a poll, each poll's share of a vendor batch's cost).
     */
    async lagAndOpenLetters(): Promise<{
      pending: number;
      oldestSeconds: number;
      openLetters: Array<{ queue: string; open: number }>;
    }> {
      const res = await q.query<{
        pending: number;
        oldest: number | null;
        letters: Array<{ queue: string; open: number }> | null;
      }>(
        `SELECT l.pending, l.oldest, d.letters
           FROM (SELECT count(*)::int AS pending, EXTRACT(EPOCH FROM (now() - min(created_at)))::float8 AS oldest
                   FROM truc.outbox WHERE enqueued_at IS NULL) l,
                (SELECT json_agg(json_build_object('queue', queue, 'open', open)) AS letters
                   FROM (SELECT queue, count(*)::int AS open FROM truc.dead_letters d WHERE ${OPEN_LETTER}
                          GROUP BY queue) o) d`,
      );
      const r = res.rows[0];
      return { pending: r?.pending ?? 0, oldestSeconds: r?.oldest ?? 0, openLetters: r?.letters ?? [] };
    },
  };
}

export function createOutboxRepo(q: Queryable) {
  return {
    ...outboxRelay(q),
    ...outboxQuietAdds(q),
    ...outboxHandedOver(q),
    ...outboxOutcomes(q),
    ...outboxGauges(q),
  };
}
export type OutboxRepo = ReturnType<typeof createOutboxRepo>;

/**
 * Listens for added outbox rows on a dedicated connection: `onAdded` runs after each committing
 * transaction that added some; `onLost` once when the connection fails (the caller listens again
 * later; its poll covers the gap). Returns the function that stops listening.
 */
export async function listenOutbox(
  db: Db,
  onAdded: () => void,
  onLost: (err: unknown) => void,
): Promise<() => Promise<void>> {
  const client = await db.connect();
  let open = true;
  const lost = (err: unknown): void => {
    if (!open) return;
    open = false;
    client.release(err instanceof Error ? err : new Error(String(err)));
    onLost(err);
  };
  client.on('notification', (msg) => {
    if (msg.channel === OUTBOX_CHANNEL) onAdded();
  });
  client.on('error', lost);
  client.on('end', () => lost(new Error('outbox listener connection ended')));
  try {
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
  } catch (err) {
    if (open) {
      open = false;
      client.release(err instanceof Error ? err : true);
    }
    throw err;
  }
  // Lost in the same tick as the LISTEN reply ('error' is emitted before the reply's promise settles).
  if (!open) throw new Error('outbox listener connection lost as it started listening');
  return async () => {
    if (!open) return;
    open = false;
    await client.query(`UNLISTEN ${OUTBOX_CHANNEL}`).catch(() => undefined);
    client.release();
  };
}

/**
 * Wakes the outbox relay from outside any transaction, after rows added with `notify: false` have
 * committed: one notification at a time per process, later wakes coalesced into one more. A wake lost
 * (a crash right after the commit, a failed notify) only delays the work to the relay's next poll.
 */
export function createOutboxWaker(q: Queryable): { wake(): void } {
  let inFlight = false;
  let again = false;
  const send = (): void => {
    inFlight = true;
    again = false;
    q.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`)
      .catch(() => undefined)
      .finally(() => {
        inFlight = false;
        if (again) send();
      });
  };
  return {
    wake() {
      if (inFlight) again = true;
      else send();
    },
  };
}
