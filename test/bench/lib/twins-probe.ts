/**
 * One vendor batch of students who all share a name and birth date (twins: one twin key) against 0, 1,000, 4,000
 * and 12,800 stored twins (issue 7: proof37's 20,000-student run, every student the factory's one child, slowed
 * batch by batch; the stored-duplicate lookup grew as records × stored twins). Not part of `npm test`.
 *
 *   TWINS_COUNTS=0,1000,4000,12800 TWINS_BATCH=400 TWINS_ROUNDS=3 npx tsx test/bench/lib/twins-probe.ts
 *
 * For each count: a fresh migrated database (test/helpers/env.ts makeDeps, PostgreSQL with its queues), that many
 * twins stored at another school without a personal ID (as the city database stores them), then TWINS_ROUNDS
 * batches of TWINS_BATCH new twins at the vendor's school (half holding a personal ID), each ingested through
 * ingestJob as the worker runs it and removed after, so every round meets the same store. Prints, per count, the
 * median wall time of a batch, as a ratio to the 0-twins batch of the same run (the machine is shared: compare
 * ratios, not times), and of its quality facts statement. Drops each database.
 */
import pg from 'pg';
import { createWorkerContext } from '../../../src/jobs/context.js';
import { ingestJob } from '../../../src/jobs/ingest.js';
import { twinKey } from '../../../src/quality/rules/sach-duplicates.js';
import type { Db } from '../../../src/store/db.js';
import { createRecordsRepo, fingerprint } from '../../../src/store/records.js';
import { student } from '../../factories/records.js';
import { OTHER, S1 } from '../../helpers/api.js';
import { makeDeps, PG_QUEUE, type TestEnv } from '../../helpers/env.js';
import { queueVendorBody } from '../../helpers/vendor-batch.js';

const TWIN = { fullName: 'Nguyễn Văn An', birthDate: '2019-03-04', fatherName: 'Nguyễn Văn Nam' };
const FACTS = 'SELECT (SELECT coalesce(json_agg';

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Wall ms of every facts statement sent while `fn` runs (pg's client, as explaining() in the tests hooks it). */
async function timingFacts<T>(fn: () => Promise<T>): Promise<{ result: T; factsMs: number }> {
  let factsMs = 0;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with each client as `this`
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0] as { text?: string } | string;
    const text = typeof first === 'string' ? first : (first.text ?? '');
    const sent = (query as (...a: unknown[]) => unknown).apply(this, args);
    if (text.startsWith(FACTS) && sent instanceof Promise) {
      const t0 = performance.now();
      void sent.then(
        () => (factsMs += performance.now() - t0),
        () => undefined,
      );
    }
    return sent as never;
  };
  try {
    return { result: await fn(), factsMs };
  } finally {
    pg.Client.prototype.query = query;
  }
}

/** Stores `count` twins at OTHER, holding no personal ID. */
async function storeTwins(db: Db, count: number): Promise<void> {
  const repo = createRecordsRepo(db);
  for (let from = 0; from < count; from += 1000) {
    const rows = Array.from({ length: Math.min(1000, count - from) }, (_, i) => {
      const data = student(`TW${String(from + i).padStart(6, '0')}`, { ...TWIN, schoolCode: OTHER });
      return {
        key: data.studentCode,
        scope: OTHER,
        data,
        fingerprint: fingerprint(data),
        twinKey: twinKey(data),
      };
    });
    await repo.upsert('students', rows, { system: 'hcm-csdl', mappingVersion: 'bench' });
  }
}

/** Ingests one batch of `size` new twins at S1 (half with a personal ID); its wall ms and its facts' ms. */
async function oneBatch(env: TestEnv, size: number, round: number): Promise<{ ms: number; factsMs: number }> {
  const db = env.deps.db;
  const batch = Array.from({ length: size }, (_, i) =>
    student(`TB${round}-${String(i).padStart(5, '0')}`, {
      ...TWIN,
      schoolCode: S1,
      ...(i % 2 === 0 ? { personalId: `07921${String(round % 10)}${String(i).padStart(6, '0')}` } : {}),
    }),
  );
  const { batchId } = await queueVendorBody(db, batch);
  const outbox = await db.query<{ id: number }>(
    `SELECT id FROM truc.outbox WHERE payload->>'batchId' = $1 AND done_at IS NULL`,
    [batchId],
  );
  const job = {
    id: `j${round}`,
    queue: ingestJob.queue,
    name: ingestJob.name,
    attempt: 1,
    outboxId: outbox.rows[0]!.id,
  };
  const ctx = createWorkerContext(env.deps);
  const t0 = performance.now();
  const { result, factsMs } = await timingFacts(() => ingestJob.run(ctx, { batchId }, job));
  const ms = performance.now() - t0;
  const { accepted } = result as { accepted: number };
  if (accepted !== size) throw new Error(`batch ${round}: ${accepted} of ${size} accepted`);
  // The next round meets the same store.
  await db.query(`DELETE FROM truc.students WHERE student_code LIKE 'TB%'`);
  return { ms, factsMs };
}

async function main(): Promise<void> {
  const counts = (process.env.TWINS_COUNTS ?? '0,1000,4000,12800').split(',').map(Number);
  const size = Number(process.env.TWINS_BATCH ?? 400);
  const rounds = Number(process.env.TWINS_ROUNDS ?? 3);
  const out: { count: number; ms: number; factsMs: number }[] = [];
  for (const count of counts) {
    const env = await makeDeps(PG_QUEUE);
    try {
      await storeTwins(env.deps.db, count);
      const runs = [];
      for (let r = 0; r < rounds; r++) runs.push(await oneBatch(env, size, r));
      out.push({ count, ms: median(runs.map((x) => x.ms)), factsMs: median(runs.map((x) => x.factsMs)) });
      console.error(`${count} twins: ${runs.map((x) => x.ms.toFixed(0)).join(', ')} ms`);
    } finally {
      await env.cleanup();
    }
  }
  const base = out.find((o) => o.count === 0) ?? out[0]!;
  console.log(
    `batch of ${size} twins, median of ${rounds}; ratio to the ${base.count}-twins batch of this run`,
  );
  for (const o of out) {
    console.log(
      `${String(o.count).padStart(6)} stored: batch ${o.ms.toFixed(0).padStart(7)} ms (x${(o.ms / base.ms).toFixed(2)}),` +
        ` its facts statement ${o.factsMs.toFixed(1).padStart(8)} ms`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
