/**
 * Issue 7 (perf30b): the API adds an accepted batch's ingest job to its queue itself right after the commit
 * (src/jobs/hand-over.ts), its outbox row written handed over (src/store/outbox.ts `flushHandedOver`), and nothing
 * accepted is lost (DESIGN §7): a process that dies between its commit and its add leaves a row whose job is
 * missing, which the relay's reconciler re-queues and the worker ingests once; an add that fails hands the row
 * back to the relay at once. Real PostgreSQL and Redis.
 */
import type { FastifyInstance } from 'fastify';
import type { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { acceptBatch } from '../../src/api/batch-intake.js';
import { buildApp } from '../../src/app.js';
import { createHandOver } from '../../src/jobs/hand-over.js';
import type { QueueFactory } from '../../src/jobs/queues.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { jobIdOf, readInstallId, type OutboxRow } from '../../src/store/outbox.js';
import { SCHOOL, student } from '../factories/records.js';
import { tokenFor } from '../helpers/api.js';
import { backends, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';

const backend = backends().find((b) => b.name === 'postgres+redis')!;

interface RowState {
  enqueued: boolean;
  claimed: boolean;
  done: boolean;
  enqueue_count: number;
}

describe('an accepted batch handed to its queue by the API', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let token: string;
  let clientId: string;
  let worker: Running | undefined;

  beforeAll(async () => {
    // The reconciler looks at every open row at once and often: a crash's row is found within a second.
    env = await makeDeps(backend, {
      configure: (c) => ({
        ...c,
        sync: { ...c.sync, reconcile: { ...c.sync.reconcile, afterSeconds: 0, everyMs: 200 } },
      }),
    });
    app = await buildApp(env.deps);
    await app.ready();
    const client = await addClient(env.deps.db, { name: 'Vendor', role: 'vendor', schools: [SCHOOL] });
    token = await tokenFor(app, client);
    clientId = client.clientId;
  }, 120_000);
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });
  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    await env?.cleanup();
  });

  const rowOf = async (batchId: string): Promise<OutboxRow & RowState> =>
    (
      await env.deps.db.query<OutboxRow & RowState>(
        `SELECT id, queue, job_name, payload, enqueued_at IS NOT NULL AS enqueued, claimed_until IS NOT NULL AS claimed,
                done_at IS NOT NULL AS done, enqueue_count
           FROM truc.outbox WHERE payload->>'batchId' = $1`,
        [batchId],
      )
    ).rows[0]!;
  const jobOf = async (row: OutboxRow) =>
    env.deps.queues.queue(row.queue).getJob(jobIdOf(await readInstallId(env.deps.db), row.id));
  const statusOf = async (batchId: string) =>
    (
      await env.deps.db.query<{ status: string; accepted: number }>(
        'SELECT status, accepted FROM truc.batches WHERE id = $1',
        [batchId],
      )
    ).rows[0];
  const waitDone = (batchId: string) =>
    waitFor(async () => (await statusOf(batchId))?.status === 'done', {
      timeoutMs: 30_000,
      what: `batch ${batchId} to be done`,
    });
  const ingestedAudits = async (batchId: string): Promise<number> =>
    (
      await env.deps.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT subject, action FROM truc.audit_log
                                         UNION ALL SELECT subject, action FROM truc.audit_pending) a
          WHERE subject = $1 AND action = 'batch.ingested'`,
        [`batch:${batchId}`],
      )
    ).rows[0]!.n;

  /** A new batch accepted as the push route accepts it (no key, a body no earlier batch keeps). */
  const accept = (codes: string[], handOver: ((row: OutboxRow) => void) | undefined) =>
    acceptBatch(
      env.deps.db,
      {
        clientId,
        schoolCode: SCHOOL,
        body: { entity: 'students', format: 'canonical', records: codes.map((c) => student(c)) },
        bodySha256: undefined,
        sameAs: null,
        idempotency: undefined,
        at: env.deps.now(),
      },
      undefined,
      undefined,
      handOver,
    );

  it('a pushed batch is in its queue right after the 202: no notification, relay claim or mark for it', async () => {
    const sent = vi.spyOn(env.deps.db, 'query');
    const res = await app.inject({
      method: 'POST',
      url: `/v1/schools/${SCHOOL}/batches`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: { entity: 'students', records: [student('HO1'), student('HO2')] },
    });
    expect(res.statusCode, res.body).toBe(202);
    const batchId = res.json<{ batchId: string }>().batchId;
    const row = await rowOf(batchId);
    // Written handed over, in the batch's own statement; its job added without any worker or relay running.
    expect(row).toMatchObject({ enqueued: true, claimed: false, done: false, enqueue_count: 1 });
    const job = await waitFor(() => jobOf(row), { what: 'the job to be added' });
    expect(job.name).toBe(row.job_name);
    expect(job.data).toEqual({ batchId, received: 2, outboxId: row.id });
    sent.mockRestore();
    expect(sent.mock.calls.filter(([sql]) => String(sql).includes('pg_notify'))).toEqual([]);
    worker = startWorkerRole(env.deps);
    await waitDone(batchId);
    expect(await rowOf(batchId)).toMatchObject({ done: true, claimed: false, enqueue_count: 1 });
    expect(await ingestedAudits(batchId)).toBe(1);
  });

  it('the process dies between its commit and its add: the reconciler re-queues the row, ingested once', async () => {
    // Committed, then nothing: the add never happens (the process died right after the commit).
    const { response } = await accept(['HO3', 'HO4', 'HO5'], () => undefined);
    const batchId = response.body.batchId;
    const row = await rowOf(batchId);
    expect(row).toMatchObject({ enqueued: true, done: false, enqueue_count: 1 });
    expect(await jobOf(row)).toBeUndefined();
    worker = startWorkerRole(env.deps);
    await waitDone(batchId);
    expect(await statusOf(batchId)).toMatchObject({ status: 'done', accepted: 3 });
    // Handed over once (at the commit), queued once more by the relay after the reconciler gave it back.
    expect(await rowOf(batchId)).toMatchObject({ done: true, enqueue_count: 2 });
    expect(await ingestedAudits(batchId)).toBe(1);
  });

  it('an add that fails hands the row back to the relay at once', async () => {
    const down = new Error('queue unreachable');
    const unreachable: QueueFactory = {
      ...env.deps.queues,
      queue: () => ({ add: () => Promise.reject(down), close: () => Promise.resolve() }) as unknown as Queue,
    };
    const handOver = createHandOver({ ...env.deps, queues: unreachable });
    const { response } = await accept(['HO6'], (r) => handOver.add(r));
    await handOver.close(); // waits for the add and its hand-back
    const batchId = response.body.batchId;
    const row = await rowOf(batchId);
    expect(row).toMatchObject({ enqueued: false, claimed: false, done: false });
    expect(await jobOf(row)).toBeUndefined();
    worker = startWorkerRole(env.deps);
    await waitDone(batchId);
    expect(await rowOf(batchId)).toMatchObject({ done: true, enqueue_count: 2 });
    expect(await ingestedAudits(batchId)).toBe(1);
  });
});
