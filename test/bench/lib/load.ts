/**
 * A small bounded HTTP load generator (autocannon is not installed): a fixed list of POST requests
 * sent by `concurrency` loops over keep-alive connections, in a CHILD process so the client does not
 * share the server's event loop — as a remote vendor would not. The first `warmup` requests are sent
 * the same way but not measured.
 *
 * The client costs as little CPU as a vendor's own client can (issue 7, perfu24): a vendor's client runs
 * on the vendor's machine, while this one shares the bench machine's cores with truc and PostgreSQL. Each
 * request's body is encoded once, as a Buffer, with its headers, before the first request is sent, and sent by
 * `node:http` through one keep-alive agent of `concurrency` sockets. Until 2026-12-04 it was Node's `fetch` with
 * the body as a string, encoded to UTF-8 again at every request and sent through WHATWG streams: 2.6–3.1 ms of
 * CPU a 1000-record batch, more than truc's own for an unchanged re-push. `BENCH_LOAD_CLIENT=fetch` sends them
 * that way (to compare). What truc receives is the same bytes and headers either way (content-length now given).
 */
import { fork } from 'node:child_process';
import { Agent, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
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

/** A request ready to send: its headers and its body's bytes, made once before the first request. */
interface Ready {
  path: string;
  headers: OutgoingHttpHeaders;
  body: Buffer;
  /** The request as given (BENCH_LOAD_CLIENT=fetch sends it as it is). */
  given: LoadRequest;
}

function ready(req: LoadRequest): Ready {
  const body = Buffer.from(req.body);
  return {
    path: req.path,
    headers: {
      'content-type': 'application/json',
      'content-length': body.length,
      ...(req.token ? { authorization: `Bearer ${req.token}` } : {}),
      ...req.headers,
    },
    body,
    given: req,
  };
}

type Sender = (req: Ready) => Promise<{ status: number; ms: number }>;

/** node:http through one keep-alive agent of `concurrency` sockets (see the file comment). */
function httpSender(spec: LoadSpec): Sender {
  const url = new URL(spec.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const timeoutMs = spec.timeoutMs ?? 60_000;
  return (req) =>
    new Promise((resolve) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = (status: number): void => {
        if (timer === undefined) return;
        clearTimeout(timer);
        timer = undefined;
        resolve({ status, ms: performance.now() - started });
      };
      const sent = httpRequest(
        {
          agent,
          hostname: url.hostname,
          port: url.port,
          method: 'POST',
          path: req.path,
          headers: req.headers,
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => done(res.statusCode ?? 0));
          res.on('error', () => done(0));
        },
      );
      timer = setTimeout(() => {
        done(0);
        sent.destroy();
      }, timeoutMs);
      sent.on('error', () => done(0));
      sent.end(req.body);
    });
}

/** Node's fetch with the body as a string, as before 2026-12-04 (BENCH_LOAD_CLIENT=fetch; see the file comment). */
function fetchSender(spec: LoadSpec): Sender {
  return async ({ given: req }) => {
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
  };
}

/** Sends `requests` with `concurrency` loops; returns per-request latencies and statuses. */
async function sendAll(spec: LoadSpec, send: Sender, requests: readonly Ready[]) {
  const out: Array<{ status: number; ms: number }> = [];
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < requests.length) {
      const req = requests[next++]!;
      out.push(await send(req));
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, requests.length) }, loop));
  return out;
}

/** Runs the load in this process (used by the child). */
export async function runLoadHere(spec: LoadSpec): Promise<LoadResult> {
  const send = process.env.BENCH_LOAD_CLIENT === 'fetch' ? fetchSender(spec) : httpSender(spec);
  const requests = spec.requests.map(ready);
  await sendAll(spec, send, requests.slice(0, spec.warmup));
  const measured = requests.slice(spec.warmup);
  const firstSentAt = Date.now();
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const results = await sendAll(spec, send, measured);
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
