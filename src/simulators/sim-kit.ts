/**
 * The server every system simulator runs on (DESIGN §2): a real `node:http` server on 127.0.0.1 with
 * JSON/form body parsing, deterministic fault injection applied before the system's handler
 * (`sim-faults.ts`), control endpoints under `/__sim/`, and a bounded recorder of what it was sent.
 * What a handler sees and uses (requests, responses, errors, cursors, streamed pages, idempotency,
 * tokens) is in `sim-handler.ts`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { rngFor, seedHash } from './population/prng.js';
import { FAULTS_SCHEMA, faultVerdict, take, type FaultState, type Faults } from './sim-faults.js';
import {
  SimError,
  createIdempotencyStore,
  createRecorder,
  type Recorder,
  type SimContext,
  type SimHandler,
  type SimResponse,
} from './sim-handler.js';
import { sleep } from '../observability/deadline.js';

/** Reads, adds to and clears the active faults. */
export interface FaultControl {
  readonly current: Readonly<Faults>;
  /** Adds `patch` to the active faults (a field it names replaces that field; the others stay): `clear()` first for only these. */
  merge(patch: Faults): void;
  clear(): void;
}

/** Options of {@link startSimServer}. */
export interface SimServerOptions {
  system: string;
  handler: SimHandler;
  /**
   * The system's answer to a {@link SimError} thrown by `handler`.
   * @defaultValue `{ code, message }` with the error's status and headers
   */
  renderError?: (err: SimError) => SimResponse;
  /** Seed of the fault RNG. @defaultValue 1 */
  seed?: number | string;
  faults?: Faults | undefined;
  /** @defaultValue 0 (any free port) */
  port?: number | undefined;
  /** Largest request body. @defaultValue 5 MiB */
  bodyLimitBytes?: number;
  /** Items kept per entity by the recorder. @defaultValue 10000 */
  recordLimit?: number;
}

/** A running simulator. */
export interface SimServer {
  readonly system: string;
  readonly url: string;
  readonly port: number;
  readonly received: Recorder;
  readonly faults: FaultControl;
  stats(): SimStats;
  close(): Promise<void>;
}

export interface SimStats {
  requests: number;
  byRoute: Record<string, Record<string, number>>;
  faultsApplied: Record<string, number>;
}

const CONTROL = '/__sim/';
const MAX_ROUTES = 1000;

interface ServerState extends FaultState {
  requests: number;
  byRoute: Map<string, Record<string, number>>;
}

function countRoute(state: ServerState, method: string, path: string, status: number | string): void {
  state.requests++;
  let key = `${method} ${path}`;
  if (!state.byRoute.has(key) && state.byRoute.size >= MAX_ROUTES) key = `${method} (other)`;
  const row = state.byRoute.get(key) ?? {};
  row[String(status)] = (row[String(status)] ?? 0) + 1;
  state.byRoute.set(key, row);
}

/** Reads the body up to `limit` bytes and parses JSON or form data. */
async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new SimError(413, 'BODY_TOO_LARGE', `body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SimError(400, 'MALFORMED_JSON', 'body is not valid JSON');
  }
}

async function writeChunks(
  res: ServerResponse,
  chunks: Iterable<string> | AsyncIterable<string>,
  cut: boolean,
) {
  for await (const chunk of chunks) {
    if (res.destroyed) return;
    if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve));
    if (cut) break; // malformed: stop after the first chunk
  }
  res.end();
}

/** Writes a handler response; a `malformed` fault truncates the JSON body. */
async function send(res: ServerResponse, response: SimResponse, malformed: boolean): Promise<number> {
  const status = response.status ?? 200;
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  for (const [k, v] of Object.entries(response.headers ?? {})) res.setHeader(k, v);
  if (response.stream) {
    await writeChunks(res, response.stream, malformed);
    return status;
  }
  if (response.body === undefined) {
    res.end();
    return status;
  }
  const text = JSON.stringify(response.body);
  res.end(malformed ? text.slice(0, Math.max(1, Math.floor(text.length / 2))) : text);
  return status;
}

/** Answers the control endpoints under `/__sim/`. */
async function control(
  req: IncomingMessage,
  path: string,
  sim: SimControlView,
  state: ServerState,
): Promise<SimResponse> {
  const route = `${req.method ?? 'GET'} ${path}`;
  if (route === 'POST /__sim/faults') {
    const parsed = FAULTS_SCHEMA.safeParse((await readBody(req, 1 << 20)) ?? {});
    if (!parsed.success)
      throw new SimError(400, 'INVALID_FAULTS', parsed.error.issues[0]?.message ?? 'invalid');
    sim.faults.merge(parsed.data as Faults);
    return { body: { faults: state.faults } };
  }
  if (route === 'DELETE /__sim/faults') return (sim.faults.clear(), { body: { faults: state.faults } });
  if (route === 'GET /__sim/faults') return { body: { faults: state.faults } };
  if (route === 'GET /__sim/received')
    return { body: { system: sim.system, entities: sim.received.snapshot() } };
  if (route === 'DELETE /__sim/received') return (sim.received.clear(), { status: 204 });
  if (route === 'GET /__sim/stats') return { body: sim.stats() };
  return { status: 404, body: { code: 'NOT_FOUND', message: `no control route ${route}` } };
}

/** What the control endpoints reach of a running simulator. */
type SimControlView = Pick<SimServer, 'system' | 'received' | 'faults' | 'stats'>;

/** Everything one request is answered with. */
interface Served {
  opts: SimServerOptions;
  state: ServerState;
  ctx: SimContext;
  sim: SimControlView;
}

/**
 * Starts a simulator on 127.0.0.1 (port 0 = any free port). Faults apply before `handler`, in this
 * order: down, outage, reset, hang, 429, 503 burst, error rate; latency first; malformed last.
 */
export async function startSimServer(opts: SimServerOptions): Promise<SimServer> {
  const state: ServerState = {
    faults: { ...opts.faults },
    requests: 0,
    byRoute: new Map(),
    faultsApplied: {},
  };
  const seed = seedHash(opts.seed ?? 1);
  const received = createRecorder(opts.recordLimit);
  let counter = 0;
  const ctx: SimContext = {
    get faults() {
      return state.faults;
    },
    received,
    idempotency: createIdempotencyStore(),
    random: () => rngFor(seed, 0x51, counter++).next(),
  };
  const sim: SimControlView = {
    system: opts.system,
    received,
    faults: faultControl(state),
    stats: () => ({
      requests: state.requests,
      byRoute: Object.fromEntries(state.byRoute),
      faultsApplied: { ...state.faultsApplied },
    }),
  };
  const served: Served = { opts, state, ctx, sim };
  const server = createServer((req, res) => {
    void handle(req, res, served).catch(() => res.destroy());
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    ...sim,
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function faultControl(state: ServerState): FaultControl {
  return {
    get current() {
      return state.faults;
    },
    merge: (patch) => void (state.faults = { ...state.faults, ...patch }),
    clear: () => void (state.faults = {}),
  };
}

/** Answers one request: control endpoints, else latency, the fault verdict, the handler, a malformed cut. */
async function handle(req: IncomingMessage, res: ServerResponse, served: Served): Promise<void> {
  const { opts, state, ctx } = served;
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = req.method ?? 'GET';
  if (url.pathname.startsWith(CONTROL)) {
    await send(res, await control(req, url.pathname, served.sim, state).catch(errorResponse), false);
    return;
  }
  const faulted = !state.faults.paths || state.faults.paths.some((p) => url.pathname.startsWith(p));
  if (faulted && (state.faults.latencyMs ?? 0) > 0) await sleep(state.faults.latencyMs ?? 0);
  const verdict = faulted ? faultVerdict(state, () => ctx.random(), Date.now()) : ({ kind: 'pass' } as const);
  if (verdict.kind === 'reset')
    return (countRoute(state, method, url.pathname, 'reset'), void req.socket.destroy());
  if (verdict.kind === 'hang') return countRoute(state, method, url.pathname, 'hang'); // never answered
  let response: SimResponse;
  if (verdict.kind === 'respond') response = verdict.response;
  else {
    try {
      const body = await readBody(req, opts.bodyLimitBytes ?? 5 << 20);
      response = await opts.handler(
        { method, path: url.pathname, query: url.searchParams, headers: req.headers, body },
        ctx,
      );
    } catch (err) {
      response = err instanceof SimError && opts.renderError ? opts.renderError(err) : errorResponse(err);
    }
  }
  const malformed = faulted && (response.status ?? 200) < 300 && take(state, 'malformed');
  countRoute(state, method, url.pathname, await send(res, response, malformed));
}

function errorResponse(err: unknown): SimResponse {
  if (err instanceof SimError) {
    return { status: err.status, headers: err.headers, body: { code: err.code, message: err.message } };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'simulator handler failed' } };
}
