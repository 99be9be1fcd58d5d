/**
 * The unchanged vendor re-push (issue 7) end to end through the listening API, repeated in one process, on
 * a fresh PostgreSQL database + Redis prefix (as the ingest bench's): `batches` 1000-record batches are
 * pushed and ingested once (not measured), then each round POSTs the same bodies again (10 vendors, as the
 * bench) with the worker role running, timed from the first POST until every batch is done. Per round:
 * the wall (and records/s), the CPU a batch of this process (truc's API and worker roles), of the
 * database's PostgreSQL backends and of the load generator's process, this process's minor page faults
 * a batch, p50 latency and the load, and (perf36) the database's buffer reads (shared_buffers misses) and
 * hits a batch with the buffers the server's backends wrote (pg_stat_database, pg_stat_bgwriter: up to ~1 s
 * late). The ingest bench's unchanged row is one such round (the first: cold paths, fresh connections); the
 * medians here leave the first round out. Run it in two trees back to back (A B A B) to compare builds.
 *
 *   npx tsx test/bench/lib/repush-cpu.ts [rounds=6] [batches=160]
 *
 * REPUSH_PROF=<dir>: a .cpuprofile (and .heapprofile) of this process over each round (./profiled.ts;
 * read its shares, the profiler slows the rounds). REPUSH_STATEMENTS=1: per round, the statements truc's
 * connections sent a batch by kind, with their backends' CPU a batch (./statement-spy.ts; not pipelined then).
 * REPUSH_OCCUPANCY=1: per round, who held the two cores and how long they sat idle (./occupancy.ts).
 * REPUSH_BATCH_SIZE=<records>: batches of another size (see {@link batchSize}); the figures stay per batch.
 * Each round also prints this process's user and system CPU a batch, and its read and write system calls and bytes
 * a batch (/proc/self/io: sockets, pipes and files alike): per-call costs against per-byte ones (perf7f).
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { cpuOf, pgCpu, pgCpuSince, pidNamed, schedCpu } from './cpu.js';
import { prepareLoad, runLoad, type LoadRequest } from './load.js';
import { occupancyIf } from './occupancy.js';
import { spyStatements } from './statement-spy.js';
import { profiled } from './profiled.js';
import { assertAllAccepted, batchBody, PUSH, vendorRequests } from './push.js';
import { changedStatusDate, studentBatches, type StudentBatch } from './students.js';
import { openTrucEnv, waitForBatches, type TrucEnv } from './truc-env.js';

interface Round {
  wallS: number;
  rate: number;
  truc: number;
  pg: number;
  client: number;
  /** The local redis-server's CPU a batch (server-wide: other sessions' use counts too; 10 ms ticks). */
  redis: number;
  faults: number;
  p50: number;
  /** Mean latency of the first 20 requests to finish, and of the rest (ms): a cold start shows in the first. */
  early: number;
  late: number;
  load: number;
  /** The load generator's client (REPUSH_CLIENTS; '' when not set). */
  via: string;
}

/** This process's I/O counters so far (/proc/self/io): read and write system calls, and bytes read and written. */
interface Io {
  syscr: number;
  syscw: number;
  rchar: number;
  wchar: number;
}

function procIo(): Io {
  const f = new Map(
    readFileSync('/proc/self/io', 'utf8')
      .trim()
      .split('\n')
      .map((l) => [l.split(':')[0]!, Number(l.split(':')[1])] as const),
  );
  return { syscr: f.get('syscr')!, syscw: f.get('syscw')!, rchar: f.get('rchar')!, wchar: f.get('wchar')! };
}

/** Round `r`'s user and system CPU (`t`, µs) and I/O (`io0` → `io1`) a batch of `n` (perf7f). */
function cpuIoLine(r: number, n: number, t: NodeJS.CpuUsage, io0: Io, io1: Io): string {
  const per = (x: number): string => (x / n).toFixed(1);
  return (
    `round ${r} a batch: user ${(t.user / 1000 / n).toFixed(2)} ms, system ${(t.system / 1000 / n).toFixed(2)} ms, ` +
    `read calls ${per(io1.syscr - io0.syscr)}, write calls ${per(io1.syscw - io0.syscw)}, ` +
    `written ${((io1.wchar - io0.wchar) / n / 1024).toFixed(0)} kB, read ${((io1.rchar - io0.rchar) / n / 1024).toFixed(0)} kB`
  );
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};

/**
 * REPUSH_CHANGED=1: round r's bodies are the batches with every record's status date set to the r-th day from
 * September 10th of the school year (a new body each round, every record changed against the round before), so
 * each round is a changed re-push (the ingest bench's `changed re-push` is the first such round).
 */
const changedRounds = process.env.REPUSH_CHANGED === '1';

/**
 * REPUSH_BATCH_SIZE: records a batch (default 1000; each batch a school of its own). Two sizes over the same
 * records (e.g. 160 × 1000 against 320 × 500) give the path's fixed cost a batch: the CPU a 1000 records of the
 * smaller batches less that of the larger, times 1000 ÷ (1000 ÷ small − 1000 ÷ large) batches (perf6).
 */
const batchSize = Number(process.env.REPUSH_BATCH_SIZE ?? PUSH.batchSize);

/** Round r's bodies under REPUSH_CHANGED (see {@link changedRounds}). */
function changedBodies(batches: StudentBatch[], r: number): string[] {
  const day = new Date(Date.UTC(Number(changedStatusDate().slice(0, 4)), 8, 10 + r))
    .toISOString()
    .slice(0, 10);
  return batches.map((b) => batchBody({ ...b, records: b.records.map((x) => ({ ...x, statusDate: day })) }));
}

/** The batches pushed once and ingested (not measured); returns the requests that push them (a round's, changed). */
async function firstPush(env: TrucEnv, n: number): Promise<(r: number) => LoadRequest[]> {
  const batches = studentBatches(n, batchSize);
  const first = await env.startApi();
  const build = await vendorRequests(env, first.url, batches);
  const requests = build();
  assertAllAccepted(
    'first push',
    await runLoad({ baseUrl: first.url, requests, concurrency: 10, warmup: 0 }),
  );
  await first.stop();
  const w = env.startWorker();
  await waitForBatches(env.deps, n, 240_000);
  await w.stop();
  return (r) => (changedRounds ? build(false, changedBodies(batches, r)) : requests);
}

/** The database's buffer reads (misses) and hits so far, and the server's buffers written by backends (not the bgwriter or checkpointer). */
async function bufferStats(
  db: TrucEnv['deps']['db'],
): Promise<{ read: number; hit: number; backend: number }> {
  const r = await db.query<{ read: string; hit: string; backend: string }>(
    `SELECT d.blks_read::text AS read, d.blks_hit::text AS hit, w.buffers_backend::text AS backend
       FROM pg_stat_database d, pg_stat_bgwriter w WHERE d.datname = current_database()`,
  );
  const x = r.rows[0]!;
  return { read: Number(x.read), hit: Number(x.hit), backend: Number(x.backend) };
}

/** The students' updates so far, of them HOT, and their heap's pages (perf7s: a fill factor's trade). */
async function studentsWrites(
  db: TrucEnv['deps']['db'],
): Promise<{ upd: number; hot: number; pages: number }> {
  const r = await db.query<{ upd: string; hot: string; pages: string }>(
    `SELECT n_tup_upd::text AS upd, n_tup_hot_upd::text AS hot,
            (pg_relation_size('truc.students') / current_setting('block_size')::int)::text AS pages
       FROM pg_stat_user_tables WHERE relid = 'truc.students'::regclass`,
  );
  const x = r.rows[0]!;
  return { upd: Number(x.upd), hot: Number(x.hot), pages: Number(x.pages) };
}

/** Round `r`: the same requests again, API and worker role running, until all `done` (see the file comment). */
async function round(env: TrucEnv, requests: LoadRequest[], r: number): Promise<Omit<Round, 'via'>> {
  const n = requests.length;
  const api = await env.startApi();
  const worker = env.startWorker();
  const prepared = await prepareLoad({ baseUrl: api.url, requests, concurrency: 10, warmup: 0 });
  try {
    const pg0 = await pgCpu(env.deps.db, schedCpu);
    const b0 = await bufferStats(env.deps.db);
    const redisPid = pidNamed('redis-server');
    const r0 = cpuOf(redisPid);
    const t0 = process.cpuUsage();
    const io0 = procIo();
    const f0 = process.resourceUsage().minorPageFault;
    const spy = process.env.REPUSH_STATEMENTS === '1' ? spyStatements(() => true, true) : undefined;
    const label = changedRounds ? 'changed' : 'unchanged';
    const occupancy = occupancyIf(process.env.REPUSH_OCCUPANCY === '1', env.databaseUrl);
    const res = await profiled(process.env.REPUSH_PROF, `${label}-r${r}`, async () => {
      const load = await prepared.run();
      assertAllAccepted('re-push', load);
      await waitForBatches(env.deps, n * (r + 2), 240_000);
      return { load, wallS: (Date.now() - load.firstSentAt) / 1000 };
    });
    if (occupancy) console.error(await occupancy.stop(`round ${r}`, res.load.firstSentAt));
    if (spy) {
      spy.restore();
      console.error(statementsLine(spy.samples, n));
    }
    const t = process.cpuUsage(t0);
    console.error(cpuIoLine(r, n, t, io0, procIo()));
    const redis = cpuOf(redisPid) - r0;
    const f = process.resourceUsage().minorPageFault - f0;
    const pg = pgCpuSince(pg0, await pgCpu(env.deps.db, schedCpu));
    // Cumulative statistics reach the views up to ~1 s late (PostgreSQL 15): a round's figures, roughly.
    const b1 = await bufferStats(env.deps.db);
    console.error(
      `round ${r} buffers a batch: read (shared_buffers misses) ${((b1.read - b0.read) / n).toFixed(0)}, hit ` +
        `${((b1.hit - b0.hit) / n).toFixed(0)}, written by backends (server-wide) ${((b1.backend - b0.backend) / n).toFixed(0)}`,
    );
    return {
      wallS: res.wallS,
      rate: (n * batchSize) / res.wallS,
      truc: (t.user + t.system) / 1000 / n,
      pg: (pg * 1000) / n,
      client: (res.load.clientCpuMs ?? NaN) / n,
      redis: (redis * 1000) / n,
      faults: f / n,
      p50: res.load.p50Ms,
      early: mean(res.load.latenciesMs.slice(0, 20)),
      late: mean(res.load.latenciesMs.slice(20)),
      load: loadavg()[0]!,
    };
  } finally {
    await prepared.dispose();
    await worker.stop();
    await api.stop();
  }
}

/**
 * REPUSH_STATEMENTS=1: per statement kind, how many a batch, their backends' CPU a batch and their mean wall from send
 * to answer (not pipelined; a COMMIT's wall beyond its CPU is mostly its wait for the WAL's flush).
 */
function statementsLine(
  samples: readonly { kind: string; ms: number; wallMs: number; faults: number }[],
  n: number,
): string {
  const by = new Map<string, { count: number; ms: number; wall: number; faults: number }>();
  for (const { kind, ms, wallMs, faults } of samples) {
    const k = by.get(kind) ?? { count: 0, ms: 0, wall: 0, faults: 0 };
    k.count += 1;
    k.ms += ms;
    k.wall += wallMs;
    k.faults += faults;
    by.set(kind, k);
  }
  const listed = [...by]
    .sort((a, b) => b[1].ms - a[1].ms)
    .map(
      ([kind, k]) =>
        `${(k.count / n).toFixed(2)} × ${kind} ${(k.ms / n).toFixed(3)} ms, ${(k.faults / n).toFixed(0)} faults ` +
        `(wall ${(k.wall / k.count).toFixed(1)} ms each)`,
    );
  return `statements a batch (count, backend CPU and minor faults a batch, mean wall each): ${listed.join('; ')}`;
}

const show = (r: number, x: Round): string =>
  `round ${r}: ${x.wallS.toFixed(3)} s, ${x.rate.toFixed(0)} records/s; ms a batch truc ${x.truc.toFixed(2)} ` +
  `pg ${x.pg.toFixed(2)} client ${x.client.toFixed(2)} redis ${x.redis.toFixed(2)}; faults a batch ${x.faults.toFixed(0)}; p50 ` +
  `${x.p50.toFixed(1)} ms (first 20 ${x.early.toFixed(1)}, rest ${x.late.toFixed(1)}); load ${x.load.toFixed(1)}`;

/**
 * The medians of the rounds after the first, and the first round's figures; with REPUSH_CLIENTS, per client
 * (the first round of each client left out of its medians).
 */
function summary(out: Round[]): string {
  const clients = [...new Set(out.map((x) => x.via))];
  if (clients.length > 1) {
    return clients.map((c) => `${c}: ${summary(out.filter((x) => x.via === c))}`).join('\n');
  }
  const m = (k: Exclude<keyof Round, 'via'>) => median(out.slice(1).map((x) => x[k]));
  const first = out[0]!;
  return JSON.stringify({
    rounds: out.length - 1,
    wallS: +m('wallS').toFixed(3),
    rate: Math.round(m('rate')),
    truc: +m('truc').toFixed(2),
    pg: +m('pg').toFixed(2),
    client: +m('client').toFixed(2),
    redis: +m('redis').toFixed(2),
    faults: Math.round(m('faults')),
    p50: +m('p50').toFixed(1),
    first: { wallS: +first.wallS.toFixed(3), truc: +first.truc.toFixed(2), pg: +first.pg.toFixed(2) },
  });
}

/** Round r's turn among `n` alternatives: A B B A A B B A … for two. */
const abba = (r: number, n: number): number => {
  const cycle = Math.floor(r / n);
  return cycle % 2 === 0 ? r % n : n - 1 - (r % n);
};

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 6);
  const n = Number(process.argv[3] ?? 160);
  const env = await openTrucEnv('postgres+redis', { guard: { changeRatio: 1 } });
  try {
    const requestsOf = await firstPush(env, n);
    const out: Round[] = [];
    // REPUSH_CLIENTS=fetch,http: the load generator's client (./load.ts BENCH_LOAD_CLIENT) alternated round by
    // round (A B B A …), the same truc: the generator's own cost compared in one run.
    const clients = process.env.REPUSH_CLIENTS?.split(',').filter(Boolean) ?? [];
    for (let r = 0; r < rounds; r++) {
      const k = clients.length === 0 ? '' : clients[abba(r, clients.length)]!;
      if (k) process.env.BENCH_LOAD_CLIENT = k;
      const w0 = await studentsWrites(env.deps.db);
      out.push({ ...(await round(env, requestsOf(r), r)), via: k });
      // truc's connections are closed by now: their backends' statistics are flushed at exit.
      const w1 = await studentsWrites(env.deps.db);
      console.error(
        `round ${r} students: ${w1.upd - w0.upd} updated, HOT ${(((w1.hot - w0.hot) / Math.max(1, w1.upd - w0.upd)) * 100).toFixed(1)} %, ` +
          `heap ${w0.pages} -> ${w1.pages} pages`,
      );
      console.error(`${k ? `${k} ` : ''}${show(r, out[r]!)}`);
    }
    console.log(summary(out));
  } finally {
    await env.cleanup();
  }
}

await main();
