/**
 * chaos: `truc api` and `truc worker` with their queues in the database (REDIS_URL unset, BullMQ's PostgreSQL
 * backend) while every session of the scenario's database is ended every 50 ms for 8 s (pg_terminate_backend, what an
 * admin, a pooler or a failover does; the fault proofs of test/e2e/faults*.ts run on Redis queues), a vendor pushing
 * and a pull running: both processes live through it, and the work ends (every batch and the run finished) with the
 * database back. Without src/jobs/pg-backend.ts the worker died within 0.4 to 10 s of it ("Unhandled 'error' event"
 * on a pg Client of BullMQ's, 57P01); the connection-level proofs are test/integration/pg-queue-connection-lost.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import { student } from '../factories/records.js';
import { countRows, PG_ADMIN_URL, waitFor } from '../helpers/env.js';
import { onStack, type Stack } from '../helpers/fault-stack.js';
import { alive } from '../helpers/faults.js';
import { requestFullStudentsPull } from '../helpers/full-pull.js';
import { clientAs, onTheWire } from '../helpers/truc-client.js';

const STORM_MS = 8_000;
const EVERY_MS = 50;

/** Ends every other session of the scenario's database every {@link EVERY_MS} until `over()`; how many. */
async function terminating(s: Stack, over: () => boolean): Promise<number> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  admin.on('error', () => undefined);
  await admin.connect();
  let ended = 0;
  try {
    while (!over()) {
      const { rows } = await admin.query<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [new URL(s.env.databaseUrl!).pathname.slice(1)],
      );
      ended += rows[0]!.n;
      await new Promise((r) => setTimeout(r, EVERY_MS));
    }
  } finally {
    await admin.end();
  }
  return ended;
}

/** A vendor of its own school, its token fetched (before the storm: the test's own sessions are ended too). */
async function vendor(s: Stack) {
  const school = '79000100';
  const truc = clientAs(
    s.apiUrl,
    await addClient(s.env.deps.db, { name: 'Vendor', role: 'vendor', schools: [school] }),
  );
  await truc.token();
  return { school, truc };
}

/** The vendor pushing a batch every 300 ms until `over()` (each its own key); the batches accepted. */
async function pushing(
  { school, truc }: Awaited<ReturnType<typeof vendor>>,
  over: () => boolean,
): Promise<number> {
  let accepted = 0;
  for (let j = 0; !over(); j++) {
    const records = onTheWire<'CanonicalStudentsRecord'>(
      Array.from({ length: 20 }, (_, k) => student(`CQ${j}K${k}`, { schoolCode: school })),
    );
    const answer = await truc.api
      .POST('/v1/schools/{schoolCode}/batches', {
        params: { path: { schoolCode: school }, header: { 'idempotency-key': `chaos-${j}` } },
        body: { entity: 'students', format: 'canonical', records },
      })
      .catch(() => undefined); // the api refusing (503) or a connection reset: the next batch
    if (answer?.response.status === 202) accepted++;
    await new Promise((r) => setTimeout(r, 300));
  }
  return accepted;
}

describe('chaos: queues in the database, every session ended every 50 ms', () => {
  it('api and worker live through it and finish the work', () => {
    const began = Date.now();
    return onStack(
      async (s) => {
        console.log(`[chaos] stack up in ${Date.now() - began} ms`);
        const worker = s.workers[0]!;
        await waitFor(
          () =>
            s.workerMetrics().then(
              () => true,
              () => false,
            ),
          {
            timeoutMs: 60_000,
            intervalMs: 250,
            what: 'the worker to be up',
          },
        );
        const runId = await requestFullStudentsPull(s.env.deps.db);
        const pusher = await vendor(s);
        const t0 = Date.now();
        const over = () => Date.now() - t0 > STORM_MS || !alive(s.api) || !alive(worker);
        const [ended, accepted] = await Promise.all([terminating(s, over), pushing(pusher, over)]);
        console.log(`[chaos] ${ended} sessions ended in ${Date.now() - t0} ms; ${accepted} batches accepted`);
        expect(alive(s.api)).toBe(true);
        expect(alive(worker)).toBe(true);
        const db = s.env.deps.db;
        const open = async () =>
          (await countRows(db, 'truc.batches', `status NOT IN ('done', 'failed')`)) +
          (await countRows(db, 'truc.sync_runs', `status NOT IN ('done', 'failed')`));
        await waitFor(async () => (await open().catch(() => 1)) === 0, {
          timeoutMs: 45_000,
          intervalMs: 250,
          what: 'every batch and the run to finish',
        });
        const done = await countRows(db, 'truc.batches', `status = 'done'`);
        const letters = await countRows(db, 'truc.dead_letters');
        console.log(
          `[chaos] all finished ${Date.now() - t0 - STORM_MS} ms after; ${done} batches done, ${letters} dead letters`,
        );
        expect(done).toBeGreaterThan(0);
        expect(await countRows(db, 'truc.sync_runs', `id = ${runId} AND status = 'done'`)).toBe(1);
        expect(alive(s.api)).toBe(true);
        expect(alive(worker)).toBe(true);
      },
      { REDIS_URL: '' },
    );
  });
});
