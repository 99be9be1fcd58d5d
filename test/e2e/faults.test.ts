/**
 * Fault proofs (issue 7) with separate `truc api` and `truc worker` processes, real PostgreSQL (behind
 * a TCP proxy this test owns), a private `redis-server` and the hcm-csdl simulator. Each scenario gets
 * a fresh database, Redis and simulator, pulls 3,000 students in full (pages slowed down so the fault
 * lands mid-run) and breaks something on the way:
 * - PostgreSQL "restarted": every connection dropped and refused for 5 s; api and worker keep running
 *   and the run finishes, nothing dead-lettered;
 * - Redis flushed; Redis killed and started again empty: the run completes from the outbox;
 * - a worker killed with SIGKILL (default lock and stalled timings): another worker finishes the run;
 * - the worker holding a long page chain (TRUC_PULL_CHAIN_MS=600000) killed, a second worker running:
 *   it takes the run over from the chain's next page (leased for lockMs);
 * - the api killed with SIGKILL while ten vendors push: every batch answered 202 finishes, and retries
 *   with the same Idempotency-Key make exactly one batch each;
 * - the worker killed with SIGKILL while it delivers ten vendors' batches to the city database (a push
 *   to the simulator in flight, review32 F9): a new worker delivers every change, each applied once at
 *   the simulator by its own record of writes.
 * Every run ends with every student stored once, counted by key (one create per key in the change
 * feed), and the vendor scenarios check every pushed student stored and sent once, by key. Recovery times
 * are printed (`[faults] …`); work resumes within 45 s of a worker's kill -9 and of a Redis flush
 * (issue 7: "about 30 s"; a functional bound with slack for a loaded machine), 90 s otherwise.
 *
 * Scale: `TRUC_FAULT_STUDENTS` (default 3,000, what CI runs) students over six schools; the issue's
 * scale is `TRUC_FAULT_STUDENTS=20000 npx vitest run test/e2e/faults.test.ts` (run by hand: its
 * figures are in the issue's closing note). Waits grow with the size; the resume bound does not.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startHcmCsdlSimulator, type HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { requestFullStudentsPull } from '../helpers/full-pull.js';
import { addClient } from '../../src/ops.js';
import { student } from '../factories/records.js';
import { countRows, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import {
  alive,
  spawnTruc,
  startOwnRedis,
  startTcpProxy,
  type OwnRedis,
  type TcpProxy,
} from '../helpers/faults.js';
import { freePort, type Spawned } from '../helpers/proc.js';
import { testProfileDir } from '../helpers/profile.js';
import { clientAs, onTheWire, trucClient, type TrucClient } from '../helpers/truc-client.js';

const WANTED = Number(process.env.TRUC_FAULT_STUDENTS ?? 3_000);
if (!Number.isInteger(WANTED) || WANTED < 600) throw new Error('TRUC_FAULT_STUDENTS: a whole number ≥ 600');
const SIZE = { schools: 6, studentsPerSchool: Math.ceil(WANTED / 6), staffPerSchool: 2 };
const STUDENTS = SIZE.schools * SIZE.studentsPerSchool;
/** Waits for a whole run (not for recovery) grow with the run's size. */
const SCALE = Math.max(1, STUDENTS / 3_000);
/** Each scenario's time limit: the e2e project's 180 s at CI's size, more for a larger run. */
const TEST_TIMEOUT = SCALE > 1 ? Math.round(300_000 * SCALE) : undefined;
/**
 * Issue 7: work resumes within about 30 s of a worker's kill -9 and of a Redis flush; asserted with
 * slack for a loaded machine (the same bound as test/e2e/worker-kill.test.ts). Other faults get the
 * generous bound. Measured times go to the log.
 */
const RESUME_BOUND_MS = 45_000;
const GENEROUS_RESUME_MS = 90_000;

interface Stack {
  env: TestEnv;
  /** This scenario's hcm-csdl simulator. */
  sim: HcmCsdlSimulator;
  redis: OwnRedis;
  proxy: TcpProxy;
  readonly api: Spawned;
  apiUrl: string;
  /** truc's API, anonymous (the typed client). */
  truc: TrucClient;
  /** Starts a new api process on the same port (after the old one died). */
  restartApi(): void;
  workers: Spawned[];
  /** The first worker's Prometheus metrics. */
  workerMetrics(): Promise<string>;
  startWorker(): Spawned;
  /**
   * Starts another worker beside the running ones (its own metrics port) and waits until it is up;
   * `metrics()` reads its Prometheus metrics.
   */
  startStandbyWorker(): Promise<{ worker: Spawned; metrics(): Promise<string> }>;
  close(): Promise<void>;
}

/** The api-kill scenario's pushes: each of ten vendors sends BATCHES batches of BATCH_STUDENTS students. */
const BATCHES = 5;
const BATCH_STUDENTS = 40;
/** A vendor of its own school, with a token fetched (and cached) while the api is up. */
interface Vendor {
  i: number;
  school: string;
  truc: ReturnType<typeof clientAs>;
}
/** What the pushes saw: batches accepted, network errors met, the batch id answered for each key. */
interface Pushes {
  accepted: number;
  networkErrors: number;
  answers: Map<string, string>;
}

async function tenVendors(s: Stack): Promise<Vendor[]> {
  return Promise.all(
    Array.from({ length: 10 }, async (_, i) => {
      const school = `7900${String(100 + i).padStart(4, '0')}`;
      const c = await addClient(s.env.deps.db, { name: `Vendor ${i}`, role: 'vendor', schools: [school] });
      const truc = clientAs(s.apiUrl, c);
      await truc.token();
      return { i, school, truc };
    }),
  );
}

/** Sends vendor `v`'s batch `j` until it gets an answer (a lost answer is retried with the same key). */
async function sendUntilAnswered(v: Vendor, j: number, seen: Pushes): Promise<void> {
  const key = `faults-v${v.i}-b${j}`;
  const body = {
    entity: 'students' as const,
    format: 'canonical' as const,
    records: onTheWire<'CanonicalStudentsRecord'>(
      Array.from({ length: BATCH_STUDENTS }, (_, k) =>
        student(`FV${v.i}B${j}K${k}`, { schoolCode: v.school }),
      ),
    ),
  };
  for (let attempt = 0; attempt < 400; attempt++) {
    try {
      // one request per call (the client's pushBatch would retry by itself): this loop retries
      // with the same key and counts the network errors
      const { data, error, response } = await v.truc.api.POST('/v1/schools/{schoolCode}/batches', {
        params: { path: { schoolCode: v.school }, header: { 'idempotency-key': key } },
        body,
      });
      if (response.status === 202 && data && 'batchId' in data) {
        const { batchId } = data;
        const prior = seen.answers.get(key);
        if (prior !== undefined) expect(batchId).toBe(prior);
        seen.answers.set(key, batchId);
        seen.accepted++;
        return;
      }
      // 409 in progress, 503 while the api starts: the same request again shortly.
      expect([409, 429, 503], JSON.stringify(error)).toContain(response.status);
    } catch {
      seen.networkErrors++;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`batch ${key} never answered`);
}

/**
 * Every student the vendors pushed is stored at the simulator and was sent to it exactly once, counted
 * by key, not in total (a key sent twice and another never would balance out).
 */
function expectEachStoredAndSentOnce(s: Stack, vendors: number, what = 'api kill'): void {
  const pushed = vendors * BATCHES * BATCH_STUDENTS;
  const keyOf = (r: unknown) => String((r as { maDinhDanh?: unknown }).maDinhDanh);
  const ours = (r: unknown) => /^FV\d+B\d+K\d+$/.test(keyOf(r));
  const stored = s.sim.received.records('students').filter(ours);
  const sent = s.sim.recorder.items('students').filter(ours);
  console.log(
    `[faults] ${what}: ${stored.length} of ${pushed} students stored at the simulator, sent ${sent.length} times`,
  );
  const timesSent = new Map<string, number>();
  for (const r of sent) timesSent.set(keyOf(r), (timesSent.get(keyOf(r)) ?? 0) + 1);
  const expected = Array.from({ length: pushed }, (_, n) => {
    const k = n % BATCH_STUDENTS;
    const j = Math.floor(n / BATCH_STUDENTS) % BATCHES;
    const i = Math.floor(n / BATCH_STUDENTS / BATCHES);
    return `FV${i}B${j}K${k}`;
  }).sort();
  expect([...new Set(stored.map(keyOf))].sort()).toEqual(expected);
  expect(stored).toHaveLength(pushed);
  expect([...timesSent.keys()].sort()).toEqual(expected);
  expect([...timesSent].filter(([, n]) => n !== 1)).toEqual([]);
}

/**
 * The scenario's own simulator: nothing a scenario left in one (records received, faults applied,
 * tokens issued) is seen by the next.
 */
const startSim = () =>
  startHcmCsdlSimulator({
    seed: 'faults',
    ...SIZE,
    clientId: 'truc-test',
    clientSecret: 'test-secret-hcm-csdl',
    tombstoneRate: 0,
    // Each page takes a while (1.5 s, ~4 pages at CI's size), so work is left when a fault lands
    // two pages in: with 400 ms the run could end its database work before the PostgreSQL cut
    // began, no job met the outage, and the "deferred" check had nothing to count.
    faults: { latencyMs: 1_500, paths: ['/v1/students'] },
  });

/** Reads a truc process's Prometheus metrics on its operations port, through the typed client. */
const metricsAt = (port: number, what: string) => async (): Promise<string> => {
  const { data, response } = await trucClient(`http://127.0.0.1:${port}`).api.GET('/metrics', {
    parseAs: 'text',
  });
  if (data === undefined) throw new Error(`${what} /metrics answered ${response.status}`);
  return data;
};

/** Waits until the truc process on `port` answers `path` with a 2xx. */
const untilAnswering = (port: number, path: '/readyz' | '/healthz', what: string, timeoutMs: number) =>
  waitFor(
    async () => {
      try {
        return (await trucClient(`http://127.0.0.1:${port}`).api.GET(path)).response.ok;
      } catch {
        return false;
      }
    },
    { timeoutMs, intervalMs: 250, what },
  );

/** A scenario's simulator, Redis and database (PostgreSQL behind the proxy), and the processes' env. */
async function startServices(extraEnv: Record<string, string>) {
  const sim = await startSim();
  const redis = await startOwnRedis();
  const env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  const proxy = await startTcpProxy('127.0.0.1', 5432);
  const viaProxy = new URL(env.databaseUrl!);
  viaProxy.port = String(proxy.port);
  // The processes wait for hcm-csdl as long as production does (10 s), not the test profile's 2 s: its
  // pages and pushes are slowed to 1.5 s, which left half a second for a loaded machine (answers took
  // 1.51-1.61 s on average at load 2-7), and a push that timed out after the simulator stored it is sent
  // again ("sent once" fails). Client timeouts are not what these scenarios prove.
  const profile = testProfileDir((p) => {
    const systems = p.systems as Record<string, Record<string, unknown>>;
    systems['hcm-csdl']!.timeoutMs = 10_000;
  });
  const common = {
    DATABASE_URL: viaProxy.toString(),
    TRUC_CONFIG_DIR: profile.dir,
    REDIS_URL: redis.url,
    TRUC_QUEUE_PREFIX: env.redisPrefix!,
    DATA_DIR: env.dataDir,
    HCM_CSDL_BASE_URL: sim.url,
    ...extraEnv,
  };
  return { sim, redis, env, proxy, profile, common };
}

/** A fresh stack: the services, one api and one worker (its metrics on a port of its own), api ready. */
async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  const { sim, redis, env, proxy, profile, common } = await startServices(extraEnv);
  const port = await freePort();
  const apis = [spawnTruc('api', { ...common, PORT: String(port) })];
  const workers: Spawned[] = [];
  const spawnWorker = (metricsPort: number) => {
    const w = spawnTruc('worker', { ...common, TRUC_WORKER_METRICS_PORT: String(metricsPort) });
    workers.push(w);
    return w;
  };
  // the worker serves the API's operations paths (/healthz, /readyz, /metrics) on its metrics port
  const metricsPort = await freePort();
  spawnWorker(metricsPort);
  const apiUrl = `http://127.0.0.1:${port}`;
  await untilAnswering(port, '/readyz', 'the api process to be ready', 90_000);
  return {
    env,
    sim,
    redis,
    proxy,
    get api() {
      return apis.at(-1)!;
    },
    restartApi() {
      apis.push(spawnTruc('api', { ...common, PORT: String(port) }));
    },
    apiUrl,
    truc: trucClient(apiUrl),
    workers,
    workerMetrics: metricsAt(metricsPort, 'worker'),
    startWorker: () => spawnWorker(metricsPort),
    async startStandbyWorker() {
      const standbyPort = await freePort();
      const worker = spawnWorker(standbyPort);
      await untilAnswering(standbyPort, '/healthz', 'the standby worker to be up', GENEROUS_RESUME_MS);
      return { worker, metrics: metricsAt(standbyPort, 'standby worker') };
    },
    async close() {
      for (const p of [...apis, ...workers]) p.kill();
      await Promise.allSettled([...apis, ...workers].map((p) => p.exited));
      await proxy.close();
      await redis.stop();
      await env.cleanup();
      await sim.close();
      profile.remove();
    },
  };
}

describe('fault proofs: api and worker processes, PostgreSQL, Redis, the hcm-csdl simulator', () => {
  /** Pages recorded plus batches ingested: grows while the run makes progress. */
  const progress = async (s: Stack) =>
    (
      await s.env.deps.db.query<{ n: number }>(
        `SELECT (SELECT coalesce(sum(pages), 0) FROM truc.sync_runs)::int
              + (SELECT count(*) FROM truc.batches WHERE status = 'done')::int AS n`,
      )
    ).rows[0]!.n;

  /** Runs `body` on a fresh stack, closed after. */
  async function onStack(body: (s: Stack) => Promise<void>, env?: Record<string, string>): Promise<void> {
    const s = await startStack(env);
    try {
      await body(s);
    } finally {
      await s.close();
    }
  }

  async function startRun(s: Stack): Promise<number> {
    const id = await requestFullStudentsPull(s.env.deps.db);
    // Mid-run: two pages in, more to come.
    await waitFor(async () => (await progress(s)) >= 2, {
      timeoutMs: 120_000,
      intervalMs: 100,
      what: 'the run to be under way',
    });
    return id;
  }

  /**
   * Waits until a page job is running (BullMQ's active list of the pull queue), so a fault lands
   * inside a job and not in the hop between two (where only the outbox relay meets it).
   */
  async function pageJobRunning(s: Stack): Promise<void> {
    const redis = new Redis(s.redis.url, { maxRetriesPerRequest: 1 });
    try {
      await waitFor(async () => (await redis.llen(`${s.env.redisPrefix!}:pull:active`)) > 0, {
        timeoutMs: 30_000,
        intervalMs: 20,
        what: 'a page job to be running',
      });
    } finally {
      redis.disconnect();
    }
  }

  /**
   * A full run with a fault in its middle: `fault` breaks something (its start is the fault's time);
   * work resumes within the bound (logged with `said()`, e.g. "Redis FLUSHALL"), and the run finishes
   * with every student stored once, nothing left open or dead.
   */
  async function faultMidRun(
    s: Stack,
    fault: () => Promise<number | void>,
    said: () => string,
    resumeBoundMs = GENEROUS_RESUME_MS,
  ): Promise<void> {
    const runId = await startRun(s);
    const before = await progress(s);
    let t0 = Date.now();
    // The fault's time: when it struck (a kill waits for a page job to be running first).
    await fault().then((at) => (t0 = typeof at === 'number' ? at : t0));
    await waitFor(async () => (await progress(s)) > before, {
      timeoutMs: resumeBoundMs + 30_000,
      intervalMs: 100,
      what: 'work to resume',
    });
    const resumedMs = Date.now() - t0;
    console.log(`[faults] ${said()}: work resumed ${resumedMs} ms after the fault began`);
    expect(resumedMs, 'work resumed after the fault within the bound').toBeLessThanOrEqual(resumeBoundMs);
    const db = s.env.deps.db;
    await waitFor(
      async () =>
        (await db.query<{ status: string }>('SELECT status FROM truc.sync_runs WHERE id = $1', [runId]))
          .rows[0]?.status === 'done' &&
        (await countRows(db, 'truc.outbox', 'done_at IS NULL AND dead_at IS NULL')) === 0,
      { timeoutMs: 180_000 * SCALE, intervalMs: 250, what: 'the run to finish' },
    );
    console.log(`[faults]   run finished ${Date.now() - t0} ms after the fault`);
    expect(await countRows(db, 'truc.students', 'deleted_at IS NULL')).toBe(STUDENTS);
    // Stored once, counted by key: each student created once in the change feed (a page applied twice
    // would show as a second change of its keys only if it changed them; a lost page as missing keys).
    const perKey = await db.query<{ n: number; keys: number; once: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT k.key)::int AS keys,
              count(*) FILTER (WHERE op = 'create')::int AS once
         FROM truc.record_changes r CROSS JOIN LATERAL unnest(r.record_keys) AS k(key)
        WHERE entity = 'students'`,
    );
    expect(perKey.rows[0]).toEqual({ n: STUDENTS, keys: STUDENTS, once: STUDENTS });
    expect(await countRows(db, 'truc.dead_letters')).toBe(0);
  }

  it(
    'PostgreSQL drops every connection and refuses for 5 s mid-run: api and worker keep running and finish',
    () =>
      onStack(async (s) => {
        await faultMidRun(
          s,
          async () => {
            await pageJobRunning(s);
            await s.proxy.cut(5_000);
          },
          () => 'PostgreSQL cut 5 s',
        );
        expect(s.proxy.dropped).toBeGreaterThan(0);
        // The jobs the outage hit waited for the database instead of spending attempts.
        const metrics = await s.workerMetrics();
        expect(metrics).toMatch(/truc_jobs_deferred_total\{[^}]*reason="database"[^}]*\} [1-9]/);
        expect(metrics).not.toMatch(/truc_jobs_processed_total\{[^}]*outcome="retried"[^}]*\} [1-9]/);
        expect(alive(s.api)).toBe(true);
        expect(s.workers.every(alive)).toBe(true);
        // The api answers again without a restart.
        expect((await s.truc.api.GET('/readyz')).response.status).toBe(200);
      }),
    TEST_TIMEOUT,
  );

  it(
    'Redis flushed mid-run: the run completes from the outbox, nothing lost',
    () =>
      onStack(async (s) => {
        await faultMidRun(
          s,
          () => s.redis.flush(),
          () => 'Redis FLUSHALL',
          RESUME_BOUND_MS,
        );
        expect(alive(s.api) && s.workers.every(alive)).toBe(true);
      }),
    TEST_TIMEOUT,
  );

  it(
    'Redis killed and started again empty mid-run: the run completes from the outbox, nothing lost',
    () =>
      onStack(async (s) => {
        const down = async () => {
          await s.redis.kill();
          await new Promise((r) => setTimeout(r, 3_000));
          await s.redis.start();
        };
        await faultMidRun(s, down, () => 'Redis killed 3 s, restarted empty');
        expect(alive(s.api) && s.workers.every(alive)).toBe(true);
      }),
    TEST_TIMEOUT,
  );

  it(
    'kill -9 of the worker mid-run (default timings): a new worker resumes and finishes the run',
    () =>
      onStack(async (s) => {
        const [first] = s.workers;
        let killedAt = 0;
        let upAt: number | undefined;
        const kill = async () => {
          first!.child.kill('SIGKILL');
          await first!.exited;
          killedAt = Date.now();
          s.startWorker();
          // When the new process serves its metrics (it is up): what follows is truc's recovery, what
          // precedes is the process's start on this machine.
          void waitFor(
            async () => {
              try {
                await s.workerMetrics();
                return (upAt = Date.now());
              } catch {
                return undefined;
              }
            },
            { timeoutMs: GENEROUS_RESUME_MS, intervalMs: 100, what: 'the new worker to be up' },
          ).catch(() => undefined);
        };
        const up = () => (upAt === undefined ? 'not yet up' : `up after ${upAt - killedAt} ms`);
        await faultMidRun(
          s,
          kill,
          () => `worker kill -9, new worker started at once (${up()})`,
          RESUME_BOUND_MS,
        );
      }),
    TEST_TIMEOUT,
  );

  it(
    'kill -9 of the worker in the middle of a long page chain (TRUC_PULL_CHAIN_MS=600000): the other worker resumes',
    () =>
      onStack(
        async (s) => {
          const [first] = s.workers;
          // Two workers up before the run, so the bound is truc's recovery, not a process's start. The
          // run's pages are read by the worker whose job holds the chain: that one is killed.
          const second = await s.startStandbyWorker();
          const pageReads = (metrics: string) =>
            [
              ...metrics.matchAll(
                /truc_external_request_duration_seconds_count\{[^}]*system="hcm-csdl"[^}]*method="GET"[^}]*\} (\d+)/g,
              ),
            ]
              .map((m) => Number(m[1]))
              .reduce((a, b) => a + b, 0);
          const kill = async () => {
            await pageJobRunning(s);
            const reads = [pageReads(await s.workerMetrics()), pageReads(await second.metrics())];
            expect(Math.max(...reads), 'page reads by either worker').toBeGreaterThan(0);
            const holder = reads[0]! > 0 ? first! : second.worker;
            holder.child.kill('SIGKILL');
            const killedAt = Date.now();
            await holder.exited;
            return killedAt;
          };
          await faultMidRun(s, kill, () => 'worker kill -9 mid-chain (chainMs 600000)', RESUME_BOUND_MS);
        },
        { TRUC_PULL_CHAIN_MS: '600000' },
      ),
    TEST_TIMEOUT,
  );

  it(
    'the api killed while ten vendors push: every 202 batch finishes, one batch per Idempotency-Key',
    () =>
      onStack(async (s) => {
        const vendors = await tenVendors(s);
        const seen: Pushes = { accepted: 0, networkErrors: 0, answers: new Map() };
        const pushing = Promise.all(
          vendors.map(async (v) => {
            for (let j = 0; j < BATCHES; j++) await sendUntilAnswered(v, j, seen);
          }),
        );
        await waitFor(() => seen.accepted >= 12, {
          timeoutMs: 120_000,
          intervalMs: 20,
          what: 'some batches accepted',
        });
        s.api.child.kill('SIGKILL');
        await s.api.exited;
        s.restartApi();
        await pushing;
        expect(seen.networkErrors).toBeGreaterThan(0);
        const db = s.env.deps.db;
        await waitFor(
          async () => (await countRows(db, 'truc.batches', `status = 'done'`)) === vendors.length * BATCHES,
          { timeoutMs: 180_000, intervalMs: 250, what: 'every accepted batch to finish' },
        );
        expect(await countRows(db, 'truc.batches')).toBe(vendors.length * BATCHES);
        expect(new Set(seen.answers.values()).size).toBe(vendors.length * BATCHES);
        // Every change delivered to the city database, and no duplicate effect there: each student
        // stored once, and each sent once (a retried delivery is a replay under the same key).
        await waitFor(async () => (await countRows(db, 'truc.push_sets', 'delivered_at IS NULL')) === 0, {
          timeoutMs: 180_000,
          intervalMs: 250,
          what: 'every push set to be delivered',
        });
        expectEachStoredAndSentOnce(s, vendors.length);
        expect(await countRows(db, 'truc.dead_letters')).toBe(0);
      }),
    TEST_TIMEOUT,
  );

  // review32 F9: issue 7's "kill -9 of a worker mid-run … every change delivered, no duplicate effect at the
  // simulator". The pull scenarios deliver nothing (hcm-csdl is not its own target): here the worker dies while a
  // push of vendors' changes to the city database is in flight (each push slowed to 1.5 s at the simulator).
  it(
    'kill -9 of the worker while it delivers vendors’ changes to the city database: each change applied once',
    () =>
      onStack(async (s) => {
        const vendors = await tenVendors(s);
        const seen: Pushes = { accepted: 0, networkErrors: 0, answers: new Map() };
        const pushing = Promise.all(
          vendors.map(async (v) => {
            for (let j = 0; j < BATCHES; j++) await sendUntilAnswered(v, j, seen);
          }),
        );
        const db = s.env.deps.db;
        const ours = () =>
          s.sim.recorder
            .items('students')
            .filter((r) => /^FV\d+B\d+K\d+$/.test(String((r as { maDinhDanh?: unknown }).maDinhDanh)));
        // Some changes delivered, a push job running (its request at the simulator), more to deliver.
        const redis = new Redis(s.redis.url, { maxRetriesPerRequest: 1 });
        try {
          await waitFor(
            async () =>
              ours().length > 0 && (await redis.llen(`${s.env.redisPrefix!}:push.hcm-csdl:active`)) > 0,
            { timeoutMs: 120_000, intervalMs: 20, what: 'a delivery to the city database in flight' },
          );
        } finally {
          redis.disconnect();
        }
        const [first] = s.workers;
        first!.child.kill('SIGKILL');
        const killedAt = Date.now();
        await first!.exited;
        const deliveredBefore = ours().length;
        const undelivered = await countRows(db, 'truc.push_sets', 'delivered_at IS NULL');
        s.startWorker();
        await pushing;
        await waitFor(
          async () =>
            (await countRows(db, 'truc.batches', `status = 'done'`)) === vendors.length * BATCHES &&
            (await countRows(db, 'truc.push_sets', 'delivered_at IS NULL')) === 0,
          { timeoutMs: 180_000, intervalMs: 250, what: 'every batch done and every push set delivered' },
        );
        console.log(
          `[faults] worker kill mid-delivery: ${deliveredBefore} students sent before the kill, ${undelivered} push ` +
            `sets undelivered at it; all delivered ${Date.now() - killedAt} ms after it`,
        );
        console.log(`[faults]   the simulator's write requests: ${JSON.stringify(s.sim.stats().byRoute)}`);
        expect(deliveredBefore).toBeLessThan(vendors.length * BATCHES * BATCH_STUDENTS);
        expect(undelivered).toBeGreaterThan(0);
        expectEachStoredAndSentOnce(s, vendors.length, 'worker kill mid-delivery');
        expect(await countRows(db, 'truc.dead_letters')).toBe(0);
      }),
    TEST_TIMEOUT,
  );
});
