/**
 * A small bounded HTTP load generator (autocannon is not installed): a fixed list of POST requests
 * sent by `concurrency` loops with Node's fetch (keep-alive), in a CHILD process so the client does
 * not share the server's event loop — as a remote vendor would not. The first `warmup` requests are
 * sent the same way but not measured.
 */
import { fork } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile } from './types.js';

export interface LoadRequest {
  path: string;
  /** Bearer token, when the server wants one. */
  token?: string;
  /** Further request headers (e.g. an Idempotency-Key). */
  headers?: Record<string, string>;
  body: string;
}

export interface LoadSpec {
  baseUrl: string;
  requests: LoadRequest[];
  concurrency: number;
  warmup: number;
  /** Per-request timeout. */
  timeoutMs?: number;
}

export interface LoadResult {
  /** Measured requests (warm-up excluded). */
  sent: number;
  /** Count by HTTP status (0 = network error or timeout). */
  statuses: Record<string, number>;
  seconds: number;
  /**
   * When the first measured request was sent (epoch ms, this machine's clock): an end-to-end timer
   * starts here, not before the generator's child process has started and read its requests.
   */
  firstSentAt: number;
  p50Ms: number;
  p99Ms: number;
  /** Every measured request's latency, to combine several runs (see {@link combineLoads}). */
  latenciesMs: number[];
  /** CPU ms the generator's process spent sending the measured requests (user + system), when it reports it. */
  clientCpuMs?: number;
}

/** Several runs as one: their requests, statuses and times added, percentiles over all latencies. */
export function combineLoads(runs: readonly LoadResult[]): LoadResult {
  const statuses: Record<string, number> = {};
  for (const r of runs) for (const [s, n] of Object.entries(r.statuses)) statuses[s] = (statuses[s] ?? 0) + n;
  const latenciesMs = runs.flatMap((r) => r.latenciesMs);
  return {
    sent: runs.reduce((n, r) => n + r.sent, 0),
    statuses,
    seconds: runs.reduce((n, r) => n + r.seconds, 0),
    firstSentAt: Math.min(...runs.map((r) => r.firstSentAt)),
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    latenciesMs,
  };
}

const CHILD_ENV = 'TRUC_BENCH_LOAD_CHILD';

async function send(spec: LoadSpec, req: LoadRequest): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  try {
    const res = await fetch(`${spec.baseUrl}${req.path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(req.token ? { authorization: `Bearer ${req.token}` } : {}),
        ...req.headers,
      },
      body: req.body,
      signal: AbortSignal.timeout(spec.timeoutMs ?? 60_000),
    });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started };
  } catch {
    return { status: 0, ms: performance.now() - started };
  }
}

/** Sends `requests` with `concurrency` loops; returns per-request latencies and statuses. */
async function sendAll(spec: LoadSpec, requests: readonly LoadRequest[]) {
  const out: Array<{ status: number; ms: number }> = [];
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < requests.length) {
      const req = requests[next++]!;
      out.push(await send(spec, req));
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, requests.length) }, loop));
  return out;
}

/** Runs the load in this process (used by the child). */
export async function runLoadHere(spec: LoadSpec): Promise<LoadResult> {
  await sendAll(spec, spec.requests.slice(0, spec.warmup));
  const measured = spec.requests.slice(spec.warmup);
  const firstSentAt = Date.now();
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const results = await sendAll(spec, measured);
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - started) / 1000;
  const statuses: Record<string, number> = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const ms = results.map((r) => r.ms);
  return {
    sent: results.length,
    statuses,
    seconds,
    firstSentAt,
    p50Ms: percentile(ms, 50),
    p99Ms: percentile(ms, 99),
    latenciesMs: ms,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
  };
}

/** A load written for its child process (see {@link prepareLoad}). */
export interface PreparedLoad {
  run(timeoutMs?: number): Promise<LoadResult>;
  dispose(): Promise<void>;
}

/**
 * Writes the load's spec for a child process (a temp file; bodies can be large: serialising and writing
 * them costs this process seconds, which a bench measuring its CPU keeps out of the measured stage).
 */
export async function prepareLoad(spec: LoadSpec): Promise<PreparedLoad> {
  const dir = await mkdtemp(join(tmpdir(), 'truc-bench-load-'));
  const file = join(dir, 'spec.json');
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await writeFile(file, JSON.stringify(spec));
  } catch (err) {
    await dispose();
    throw err;
  }
  return { run: (timeoutMs = 300_000) => runChild(file, timeoutMs), dispose };
}

/** Runs the load of `file` in a child process. */
function runChild(file: string, timeoutMs: number): Promise<LoadResult> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, [CHILD_ENV]: file },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise<LoadResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`load generator did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve(m as LoadResult);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`load generator exited (${code}) without a result`));
    });
  });
}

/** Runs the load in a child process (the spec goes through a temp file; bodies can be large). */
export async function runLoad(spec: LoadSpec, timeoutMs = 300_000): Promise<LoadResult> {
  const load = await prepareLoad(spec);
  try {
    return await load.run(timeoutMs);
  } finally {
    await load.dispose();
  }
}

async function childMain(file: string): Promise<void> {
  const spec = JSON.parse(await readFile(file, 'utf8')) as LoadSpec;
  const result = await runLoadHere(spec);
  process.send!(result, () => process.exit(0));
}

const childSpec = process.env[CHILD_ENV];
if (childSpec !== undefined && process.send) void childMain(childSpec);
