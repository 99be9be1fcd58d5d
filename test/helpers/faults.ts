/**
 * Fault harness for the e2e fault proofs (issue 7): parts this test owns, never the shared services.
 * - {@link startTcpProxy}: a TCP proxy in front of PostgreSQL; `cut(hold)` drops every connection and
 *   refuses new ones for `hold` ms or until `hold()` settles (what truc sees of a server restart), the shared
 *   server is not touched;
 * - {@link startOwnRedis}: a `redis-server` on a free port without persistence, to flush, kill and
 *   start again empty;
 * - {@link spawnTruc}: a `truc <role>` process on a test environment; {@link opsUp} waits until its
 *   operations port answers.
 */
import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { freePort, ROOT, spawnProcess, trucArgs, trucEnv, type Spawned } from './proc.js';
import { REDIS_TEST_URL, waitFor, type TestEnv } from './env.js';
import { trucClient } from './truc-client.js';

export interface TcpProxy {
  port: number;
  /**
   * Drops every open connection and refuses new ones for `hold` ms, or until `hold()` settles (a cut held until the
   * test has seen what it waits for, {@link outageHold}); rejects with `hold()`'s error, the cut over all the same.
   */
  cut(hold: OutageHold): Promise<void>;
  /** Connections dropped by cuts and refused during them. */
  readonly dropped: number;
  close(): Promise<void>;
}

/** How long an outage lasts: `ms`, or until the function's promise settles. */
export type OutageHold = number | (() => Promise<unknown>);

/** Waits out an outage's {@link OutageHold}. */
export const holdOutage = async (hold: OutageHold): Promise<unknown> =>
  typeof hold === 'number' ? new Promise((r) => setTimeout(r, hold)) : hold();

/**
 * An outage held at least `minMs`, then until `met()` is true (polled; an error is "not yet"), at most `maxMs` in all:
 * past it the hold rejects, saying `what` it waited for. For an outage that must meet something the test cannot
 * time (a job's next database call after a page read whose length a loaded machine decides), not a fixed length.
 */
export const outageHold =
  (met: () => Promise<boolean>, what: string, { minMs, maxMs }: { minMs: number; maxMs: number }) =>
  async (): Promise<void> => {
    const started = Date.now();
    await new Promise((r) => setTimeout(r, minMs));
    await waitFor(met, { timeoutMs: Math.max(0, maxMs - (Date.now() - started)), intervalMs: 100, what });
  };

/** A TCP proxy on 127.0.0.1 to `target` (host:port). */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let refusing = false;
  let dropped = 0;
  const server: Server = createServer((client) => {
    if (refusing) {
      dropped++;
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    open.add(client);
    open.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    get dropped() {
      return dropped;
    },
    async cut(hold) {
      refusing = true;
      for (const s of [...open]) {
        dropped++;
        s.destroy();
      }
      open.clear();
      try {
        await holdOutage(hold);
      } finally {
        refusing = false;
      }
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface OwnRedis {
  port: number;
  url: string;
  /** FLUSHALL on this server (never the shared one). */
  flush(): Promise<void>;
  /** SIGKILL; the data is gone (no persistence). */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same port. */
  start(): Promise<void>;
  /** SIGKILL, `downMs` with nothing listening, then started again empty; resolves with the kill's time. */
  killAndStartEmpty(downMs: number): Promise<number>;
  stop(): Promise<void>;
}

/** Whether a redis-server answers PING on `port`. */
async function redisAnswers(port: number): Promise<boolean> {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  c.on('error', () => undefined); // not up yet: the connect below says so
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

/** A private `redis-server` on a free port, no RDB, no AOF. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let proc: Spawned | undefined;
  const ping = () => redisAnswers(port);
  const start = async () => {
    proc = spawnProcess('redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
    // Not up in time: killed, so no redis-server outlives the scenario that could not use it.
    await waitFor(ping, { timeoutMs: 20_000, intervalMs: 100, what: 'the private redis-server' }).catch(
      async (err: unknown) => {
        await kill();
        throw err;
      },
    );
  };
  const kill = async () => {
    if (!proc) return;
    proc.child.kill('SIGKILL');
    await proc.exited;
    proc = undefined;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async flush() {
      const c = new Redis({ port, host: '127.0.0.1' });
      try {
        await c.flushall();
      } finally {
        c.disconnect();
      }
    },
    kill,
    start,
    async killAndStartEmpty(downMs) {
      const killedAt = Date.now();
      await kill();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
      return killedAt;
    },
    stop: kill,
  };
}

/** A `truc <role>` process (test profile, {@link trucEnv}) on loopback, quiet, with `env` on top. */
export function spawnTruc(role: string, env: Record<string, string>): Spawned {
  return spawnProcess(process.execPath, trucArgs([role]), {
    cwd: ROOT,
    env: trucEnv({ LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env }),
  });
}

/** What a spawned `truc` needs to work on a test environment: its data folder, database, Redis and queue prefix. */
export const trucEnvOn = (env: TestEnv): Record<string, string> => ({
  DATA_DIR: env.dataDir,
  DATABASE_URL: env.databaseUrl!,
  REDIS_URL: REDIS_TEST_URL,
  TRUC_QUEUE_PREFIX: env.redisPrefix!,
});

/**
 * The process still runs. One found gone prints its last output (once): a process that died under a fault (CI,
 * stop 58: the api under a PostgreSQL restart) says why in the log, not only "expected false to be true".
 */
export const alive = (p: Spawned): boolean => {
  const up = p.child.exitCode === null && p.child.signalCode === null;
  if (!up && !reportedGone.has(p)) {
    reportedGone.add(p);
    console.log(
      `[faults] process gone (exit ${p.child.exitCode}, signal ${p.child.signalCode})\n` +
        `stdout (end):\n${p.stdout().slice(-6_000)}\nstderr (end):\n${p.stderr().slice(-4_000)}`,
    );
  }
  return up;
};
const reportedGone = new WeakSet<Spawned>();

/**
 * Resolves once the role serving its operations endpoints on `port` (a worker's
 * TRUC_WORKER_METRICS_PORT) answers `/healthz`: its queues' workers are started.
 */
export const opsUp = (port: number, timeoutMs: number): Promise<unknown> =>
  waitFor(
    async () => {
      try {
        return (await trucClient(`http://127.0.0.1:${port}`).api.GET('/healthz')).response.ok;
      } catch {
        return false;
      }
    },
    { timeoutMs, intervalMs: 250, what: `the process on port ${port} to be up` },
  );
