/**
 * truc's roles for the ingest bench's PostgreSQL stages, in one of two shapes (BENCH_INGEST_PROCESSES):
 *   - 2 (default): as production runs them (ops/ compose, DESIGN): `truc api` and `truc worker`, two child processes
 *     (node through tsx with production's node options, ./procs.ts), on the bench's database, Redis prefix, profile and
 *     JWT keys (`TrucEnv.trucEnvironment`, nothing else of this process's environment). Each is started the first time
 *     a stage asks for it and kept until {@link Roles.close} (a stage's release leaves it running): like production's,
 *     they are warm when the re-pushes run (the API served P1, the worker ingested P4), as the one process is. CPU of
 *     each read from /proc, peak RSS (VmHWM) of each;
 *   - 1: the API and worker roles in this process (`TrucEnv.startApi` / `startWorker`, started and stopped by each
 *     stage, as the bench did until 2026-12-05), CPU by `process.cpuUsage` (this process's polling included).
 * BENCH_INGEST_NODE_ARGS: node options added to both children (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`; the
 * profiles are written when they stop). BENCH_INGEST_WORKER_NODE_ARGS: added to the worker's alone, after those (a
 * later V8 flag wins: `--max-old-space-size=384` overrides production's). BENCH_INGEST_WORKERS: the worker role as
 * several processes ({@link workerCount}).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuOf } from './cpu.js';
import { plainEnvironment, productionNodeArgs, spawnTs, type Child } from './procs.js';
import type { TrucEnv } from './truc-env.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const START_MS = 180_000;

export type Shape = 'one process' | 'two processes';

/** A role a stage asked for: `release` ends the stage's use of it. */
export interface Held {
  release(): Promise<void>;
}

export interface Roles {
  shape: Shape;
  api(): Promise<Held & { url: string }>;
  worker(): Promise<Held>;
  /** CPU seconds used so far by each part truc runs in: `truc` (one process) or `api` and `worker`. */
  cpu(): Record<string, number>;
  /** Peak RSS so far of each child process, MB (two processes; empty for one). */
  peakMb(): Record<string, number>;
  /** The processes truc runs in, by name, for ./occupancy.ts. */
  processes(): { name: string; pid: number }[];
  close(): Promise<void>;
}

/** The shape BENCH_INGEST_PROCESSES asks for (see the file comment). */
export function shapeOf(): Shape {
  const v = process.env.BENCH_INGEST_PROCESSES ?? '2';
  if (v !== '1' && v !== '2') throw new Error(`BENCH_INGEST_PROCESSES=${v}: 1 or 2`);
  return v === '1' ? 'one process' : 'two processes';
}

/** The roles of `env` in `shape`. */
export function rolesOf(env: TrucEnv, shape: Shape = shapeOf()): Roles {
  return shape === 'one process' ? inProcess(env) : childProcesses(env);
}

function inProcess(env: TrucEnv): Roles {
  return {
    shape: 'one process',
    async api() {
      const api = await env.startApi();
      return { url: api.url, release: () => api.stop() };
    },
    worker() {
      const worker = env.startWorker();
      return Promise.resolve({ release: () => worker.stop() });
    },
    cpu() {
      const t = process.cpuUsage();
      return { truc: (t.user + t.system) / 1e6 };
    },
    peakMb: () => ({}),
    processes: () => [{ name: 'truc', pid: process.pid }],
    close: () => Promise.resolve(),
  };
}

/** `truc <role>` on `env`'s configuration; resolves with the child and the English part of its start line. */
async function startRole(env: TrucEnv, role: 'api' | 'worker'): Promise<{ child: Child; line: string }> {
  const words = (v: string | undefined): string[] => (v ?? '').split(' ').filter((a) => a !== '');
  const extra = [
    ...words(process.env.BENCH_INGEST_NODE_ARGS),
    ...(role === 'worker' ? words(process.env.BENCH_INGEST_WORKER_NODE_ARGS) : []),
  ];
  const child = spawnTs(
    join(ROOT, 'src/main.ts'),
    [role],
    {
      ...env.trucEnvironment,
      TRUC_WORKER_METRICS_PORT: '0',
      // Stopped at the bench's end, with no load balancer to leave: no grace before the API closes.
      TRUC_SHUTDOWN_GRACE_MS: '0',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    },
    [...productionNodeArgs(), ...extra],
    plainEnvironment(),
  );
  try {
    const line = await child.line(role === 'api' ? /listening on http/ : /metrics on http/, START_MS);
    return { child, line };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/**
 * BENCH_INGEST_WORKERS=<n> (default 1, production's shape): the worker role as n `truc worker` processes (each with
 * the jobs' concurrency TRUC_BENCH_ENV gives, production's 4 without), named `worker`, `worker2`…; their CPU is summed
 * as `worker`, their backends' as theirs. perf11c: whether a second JS thread uses the core the changed stage leaves
 * idle at quiet (issue 7).
 */
function workerCount(): number {
  const n = Number(process.env.BENCH_INGEST_WORKERS ?? '1');
  if (!Number.isInteger(n) || n < 1 || n > 4) throw new Error(`BENCH_INGEST_WORKERS=${n}: 1 to 4`);
  return n;
}

const workerName = (i: number): string => (i === 0 ? 'worker' : `worker${i + 1}`);

/** CPU seconds of each started child, the workers' summed as `worker`. */
function cpuOfStarted(started: readonly { name: string; child: Child }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { name, child } of started) {
    const key = name.startsWith('worker') ? 'worker' : name;
    out[key] = (out[key] ?? 0) + cpuOf(child.child.pid);
  }
  return out;
}

function childProcesses(env: TrucEnv): Roles {
  let api: Promise<{ child: Child; url: string }> | undefined;
  let workers: Promise<{ child: Child }>[] | undefined;
  /** A stage's release: the process is kept for the later stages (stopped by close). */
  const kept = (): Promise<void> => Promise.resolve();
  /** The children started so far, by name. */
  let started: { name: string; child: Child }[] = [];
  const track = async (): Promise<void> => {
    started = [
      ...(api ? [{ name: 'api', child: (await api).child }] : []),
      ...(workers
        ? (await Promise.all(workers)).map(({ child }, i) => ({ name: workerName(i), child }))
        : []),
    ];
  };
  return {
    shape: 'two processes',
    async api() {
      api ??= startRole(env, 'api').then(({ child, line }) => ({
        child,
        url: /listening on (http:\/\/[^\s]+)/.exec(line)![1]!,
      }));
      const { url } = await api;
      await track();
      return { url, release: kept };
    },
    async worker() {
      workers ??= Array.from({ length: workerCount() }, () => startRole(env, 'worker'));
      await Promise.all(workers);
      await track();
      return { release: kept };
    },
    cpu: () => cpuOfStarted(started),
    peakMb: () => Object.fromEntries(started.map(({ name, child }) => [name, child.peakMb()])),
    processes: () => started.map(({ name, child }) => ({ name, pid: child.child.pid! })),
    async close() {
      const all = await Promise.allSettled([...(api ? [api] : []), ...(workers ?? [])]);
      await Promise.all(all.flatMap((r) => (r.status === 'fulfilled' ? [r.value.child.stop()] : [])));
    },
  };
}
