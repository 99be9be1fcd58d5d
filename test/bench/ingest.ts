/**
 * P1 / P4 — the push path end to end, on PostgreSQL + Redis (and, once per bench run, the embedded
 * PGlite combination for information):
 *   (a) API acceptance: POST of 1000-record canonical student batches with auth through the listening
 *       API, 10 concurrent vendors, a fixed number of batches (worker role NOT running, so only
 *       acceptance is measured). Baselines, same run, same bodies: a bare fastify POST answering 202
 *       (records/s and p99 — PERFORMANCE 5a) and COPY of the same rows (3b; P1's throughput limit).
 *   (b) Ingest stage: the worker role is started (no targets configured) and the time from then until
 *       every queued batch is `done` gives records/s. Baseline: the same rows written by one
 *       `INSERT … SELECT FROM unnest … ON CONFLICT DO UPDATE` per 1000 rows into an empty plain table
 *       of the same shape (3c/3d). Target ≥ 0.6 (P4).
 *   (c) The end-to-end re-pushes (issue 7, ./lib/ingest-repush.ts).
 * On PostgreSQL the API and the worker role run as production runs them, `truc api` and `truc worker` in two child
 * processes, or with BENCH_INGEST_PROCESSES=1 in this process (./lib/truc-procs.ts).
 */
import { loadavg } from 'node:os';
import Fastify from 'fastify';
import {
  allRecords,
  GUARD,
  INGEST_TIMEOUT_MS,
  rePushes,
  rePushRows,
  withCpu,
  type RePushFigures,
} from './lib/ingest-repush.js';
import { runLoad, type LoadRequest, type LoadResult } from './lib/load.js';
import {
  copySampler,
  createPlainTable,
  dropPlainTable,
  spreadOf,
  studentRows,
  upsertRate,
  type Spread,
  type StudentRow,
} from './lib/pg-baselines.js';
import { acceptedPerSecond, assertAllAccepted, PUSH, vendorRequests } from './lib/push.js';
import { studentBatches, type StudentBatch } from './lib/students.js';
import { openTrucEnv, waitForBatches, type Combination, type TrucEnv } from './lib/truc-env.js';
import { rolesOf, type Roles } from './lib/truc-procs.js';
import { costRow, rateRow, scaled, withSpread, type BenchOptions, type BenchRow } from './lib/types.js';

export const name = 'ingest';
/** Four loaded phases and three end-to-end runs: more than the runner's default on a busy machine. */
export const timeoutSeconds = 1200;

const PGLITE_BATCHES = 30;
const P1_RATE_TARGET = 0.5;
const P1_P99_TARGET = 0.5; // p99 ≤ 2 × bare p99, as baseline/value ≥ 0.5
const P4_TARGET = 0.6;

/** Records accepted per second (202s × batch size ÷ measured seconds). */
const acceptedRate = (r: LoadResult): number => acceptedPerSecond(r) * PUSH.batchSize;

/** The 5a baseline: a bare fastify POST route that parses the body and answers 202. */
async function bareFastify(requests: LoadRequest[], bodyLimit: number): Promise<LoadResult> {
  const app = Fastify({ bodyLimit });
  app.post('/v1/schools/:schoolCode/batches', async (request, reply) => {
    const received = (request.body as { records: unknown[] }).records.length;
    return reply.code(202).send({ status: 'queued', received });
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    return await runLoad({ baseUrl: url, requests, concurrency: PUSH.concurrency, warmup: PUSH.warmup });
  } finally {
    await app.close();
  }
}

/** (b): starts the worker role and waits for every batch; records/s from queued to done; CPU printed as `label`. */
async function ingestStage(env: TrucEnv, roles: Roles, batches: number, label: string): Promise<number> {
  const worker = await roles.worker();
  try {
    const seconds = await withCpu(env, roles, label, batches, () =>
      waitForBatches(env.deps, batches, INGEST_TIMEOUT_MS),
    );
    const res = await env.deps.db.query<{ accepted: number }>(
      'SELECT coalesce(sum(accepted), 0)::int AS accepted FROM truc.batches',
    );
    const accepted = res.rows[0]!.accepted;
    if (accepted !== batches * PUSH.batchSize) {
      throw new Error(`ingest bench: ${accepted} records accepted, expected ${batches * PUSH.batchSize}`);
    }
    return accepted / seconds;
  } finally {
    await worker.release();
  }
}

/** Baseline (b): the same rows upserted 1000 per statement into a fresh plain table, one connection. */
async function upsertBaseline(env: TrucEnv, rows: StudentRow[]): Promise<number> {
  const client = await env.deps.db.connect();
  try {
    await createPlainTable(client, 'bench_upsert');
    const rate = await upsertRate(client, 'bench_upsert', rows);
    await dropPlainTable(client, 'bench_upsert');
    return rate;
  } finally {
    client.release();
  }
}

/** What the PostgreSQL stages measured (see {@link onPostgres}). */
interface PostgresFigures {
  truc: LoadResult;
  bare: LoadResult;
  c: Spread;
  u: Spread;
  ingest: number;
  rePush: RePushFigures;
}

/** The rows of the PostgreSQL stages, for `total` batches of which PUSH.warmup are warm-up. */
function postgresRows(total: number, f: PostgresFigures): BenchRow[] {
  const n = total - PUSH.warmup;
  const { truc, bare, c, u, ingest } = f;
  return [
    withSpread(
      rateRow(
        `P1 API accept ${n}×1000 students, 10 clients vs COPY`,
        'records/s',
        acceptedRate(truc),
        c.median,
        P1_RATE_TARGET,
      ),
      c,
    ),
    rateRow(
      `API accept ${n}×1000 students, 10 clients vs bare fastify`,
      'records/s',
      acceptedRate(truc),
      acceptedRate(bare),
      null,
    ),
    costRow(`P1 API accept p99 latency vs bare fastify`, 'ms', truc.p99Ms, bare.p99Ms, P1_P99_TARGET),
    withSpread(
      rateRow(
        `P4 ingest ${total}×1000 students queued→done vs unnest upsert`,
        'records/s',
        ingest,
        u.median,
        P4_TARGET,
      ),
      u,
    ),
    ...rePushRows(total, c, f.rePush),
  ];
}

/**
 * PostgreSQL + Redis: (a) and (b) with their baselines, then the re-pushes. The COPY baseline is the
 * median of 5 samples interleaved with the measured runs (before and after the API load, after the
 * ingest stage, after each re-push); the upsert baseline of P4 the median (mean) of one sample before
 * and one after the ingest stage. Each row records its baseline's spread.
 */
async function onPostgres(batches: StudentBatch[]): Promise<BenchRow[]> {
  const env = await openTrucEnv('postgres+redis', { guard: GUARD });
  const roles = rolesOf(env);
  try {
    console.error(`ingest bench: truc's API and worker roles in ${roles.shape}`);
    const bodyLimit = env.deps.config.server.bodyLimitBytes;
    const api = await roles.api();
    const requests = (await vendorRequests(env, api.url, batches))();
    const bare = await bareFastify(requests, bodyLimit);
    assertAllAccepted('bare fastify', bare);
    const copy = copySampler(
      env.deps.db,
      env.databaseUrl!,
      studentRows(allRecords(batches.slice(PUSH.warmup))),
    );
    await copy.sample();
    const truc = await runLoad({
      baseUrl: api.url,
      requests,
      concurrency: PUSH.concurrency,
      warmup: PUSH.warmup,
    });
    assertAllAccepted('truc API', truc);
    await api.release();
    await copy.sample();
    const upsertRows = studentRows(allRecords(batches));
    const upserts = [await upsertBaseline(env, upsertRows)];
    const ingest = await ingestStage(env, roles, batches.length, 'P4 ingest');
    upserts.push(await upsertBaseline(env, upsertRows));
    await copy.sample();
    const rePush = await rePushes(env, roles, requests, batches, copy);
    const { unchanged, changed, inPlace, overStored } = rePush;
    await copy.sample();
    const c = copy.spread();
    const u = spreadOf(upserts);
    console.log(
      `ingest bench: COPY samples ${c.samples.map((x) => x.toFixed(0)).join(', ')} rows/s (median ${c.median.toFixed(0)}); ` +
        `upsert ${u.samples.map((x) => x.toFixed(0)).join(', ')}; P4 ${ingest.toFixed(0)}, unchanged ${unchanged.toFixed(0)}, ` +
        `changed ${changed.toFixed(0)} records/s; bare in-place UPDATE ${inPlace.samples.map((x) => x.toFixed(0)).join(', ')} rows/s ` +
        `(${(inPlace.median / c.median).toFixed(3)} × COPY); upsert over stored rows ` +
        `${overStored.samples.map((x) => x.toFixed(0)).join(', ')} rows/s; load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}`,
    );
    return postgresRows(batches.length, { truc, bare, c, u, ingest, rePush });
  } finally {
    await roles.close();
    await env.cleanup();
  }
}

/** Embedded PGlite with queues in it: (b) only, informative. */
async function onEmbedded(batches: StudentBatch[]): Promise<BenchRow[]> {
  const combination: Combination = 'pglite+pg-queue';
  const env = await openTrucEnv(combination);
  try {
    const roles = rolesOf(env, 'one process');
    const api = await roles.api();
    const requests = (await vendorRequests(env, api.url, batches))();
    const accepted = await runLoad({ baseUrl: api.url, requests, concurrency: PUSH.concurrency, warmup: 0 });
    assertAllAccepted('truc API (PGlite)', accepted);
    await api.release();
    const upsert = await upsertBaseline(env, studentRows(allRecords(batches)));
    const ingest = await ingestStage(
      env,
      roles,
      batches.length,
      'PGlite ingest (its database runs in this process)',
    );
    return [
      rateRow(
        `ingest (PGlite, queues in it) ${batches.length}×1000 students queued→done vs unnest upsert`,
        'records/s',
        ingest,
        upsert,
        null,
      ),
    ];
  } finally {
    await env.cleanup();
  }
}

/** Runs the benchmark (see the file comment); the PGlite part only in the first repetition. */
export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const count = scaled(PUSH.batches, opts.scale, 3) + PUSH.warmup;
  const rows = await onPostgres(studentBatches(count, PUSH.batchSize));
  if (opts.repetition === 0) {
    rows.push(
      ...(await onEmbedded(
        studentBatches(scaled(PGLITE_BATCHES, opts.scale, 2), PUSH.batchSize, 'truc-bench-pglite'),
      )),
    );
  }
  return rows;
}
