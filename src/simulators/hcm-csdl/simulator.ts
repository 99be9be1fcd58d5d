/**
 * Simulator of the modelled hcm-csdl API (openapi/external/hcm-csdl.yaml) on sim-kit: OAuth2 client
 * credentials, the four change feeds over the shared synthetic population (opaque position cursors,
 * `updatedSince`, deterministic tombstones), and upserts validated per record, stored by maDinhDanh
 * and replayed by Idempotency-Key. Faults and `/__sim/*` control endpoints come from sim-kit.
 */
import { createHash } from 'node:crypto';
import { createPopulation, type Population } from '../population/index.js';
import { startSimServer, type FaultControl, type SimStats } from '../sim-kit.js';
import type { Faults } from '../sim-faults.js';
import {
  SimError,
  createTokenIssuer,
  decodeCursor,
  encodeCursor,
  jsonPageChunks,
  type Recorder,
  type SimContext,
  type SimRequest,
  type SimResponse,
  type TokenIssuer,
} from '../sim-handler.js';
import {
  HCM_CSDL_MAX_PAGE,
  keyBatchSchema,
  type HcmCsdlDeletable,
  type HcmCsdlEntity,
} from '../../adapters/hcm-csdl/schema.js';
import { createSources, readPage, type FeedState, type Sources } from './feed.js';
import { MAX_BATCH, applyBatch, createReceivedStore, type ReceivedStore } from './received.js';

/** Options of {@link startHcmCsdlSimulator}. */
export interface HcmCsdlSimulatorOptions {
  seed: number | string;
  schools: number;
  studentsPerSchool: number;
  staffPerSchool: number;
  /** @defaultValue 0 (any free port) */
  port?: number;
  clientId: string;
  clientSecret: string;
  faults?: Faults;
  /** Lifetime of issued tokens. @defaultValue 3600 */
  tokenTtlSeconds?: number;
  /** Share of classes, students and staff served as tombstones. @defaultValue 0.005 */
  tombstoneRate?: number;
  /** School year of the population. @defaultValue the population's default */
  schoolYear?: string;
  /** "Now" of the population data (its updatedAt values lie in the 180 days before). */
  asOf?: string;
  /** Clock for watermarks and the updatedAt of received records. @defaultValue Date.now */
  now?: () => number;
  /** Records of each entity its `recorder` keeps. @defaultValue 10000 */
  recordLimit?: number;
}

/** A running hcm-csdl simulator. */
export interface HcmCsdlSimulator {
  readonly system: 'hcm-csdl';
  readonly url: string;
  readonly port: number;
  /** What upserts stored, by entity and maDinhDanh (the latest version of each key). */
  readonly received: ReceivedStore;
  /** sim-kit's log of every accepted record sent (also at `GET /__sim/received`). */
  readonly recorder: Recorder;
  readonly faults: FaultControl;
  readonly population: Population;
  /** Invalidates every issued token, as if they had expired. */
  expireTokens(): void;
  stats(): SimStats;
  close(): Promise<void>;
}

const VI: Record<string, string> = {
  UNAUTHORIZED: 'Mã truy cập không hợp lệ hoặc đã hết hạn.',
  INVALID_REQUEST: 'Yêu cầu không hợp lệ.',
  NOT_FOUND: 'Không có đường dẫn này.',
  BATCH_TOO_LARGE: `Tối đa ${MAX_BATCH} bản ghi mỗi lô.`,
  IDEMPOTENCY_KEY_REQUIRED: 'Thiếu header Idempotency-Key.',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency-Key đã dùng cho một lô khác.',
};

/** Throws the modelled `{ error: { code, message } }` answer. */
function fail(status: number, code: string, detail?: string): never {
  throw new SimError(status, code, detail ?? VI[code] ?? code);
}

/** The modelled `{ error: { code, message } }` answer of a thrown {@link SimError}. */
function renderError(err: SimError): SimResponse {
  const code = err.code === 'INVALID_CURSOR' ? 'INVALID_REQUEST' : err.code;
  // sim-kit's own errors (token check, cursor decoding) are English; ours are already Vietnamese
  const fromKit = err.code === 'UNAUTHORIZED' || err.code === 'INVALID_CURSOR';
  const message = fromKit ? (VI[code] ?? err.message) : err.message;
  return { status: err.status, headers: err.headers, body: { error: { code, message } } };
}

const LIST = /^\/v1\/(schools|classes|students|staff)$/;
const BATCH = /^\/v1\/(schools|classes|students|staff):batch$/;
const BATCH_DELETE = /^\/v1\/(students|staff):batchDelete$/;

function limitOf(raw: string | null): number {
  if (raw === null) return 500;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > HCM_CSDL_MAX_PAGE)
    fail(400, 'INVALID_REQUEST', `Tham số limit phải từ 1 đến ${HCM_CSDL_MAX_PAGE}.`);
  return n;
}

function isoOf(raw: string): string {
  const t = Date.parse(raw);
  if (Number.isNaN(t)) fail(400, 'INVALID_REQUEST', 'Tham số updatedSince không hợp lệ.');
  return new Date(t).toISOString();
}

/** Decodes and checks a cursor of this entity's feed. */
function stateOf(cursor: string, entity: HcmCsdlEntity): FeedState {
  const s = decodeCursor<Partial<FeedState> | null>(cursor);
  const nat = (x: unknown) => Number.isInteger(x) && (x as number) >= 0;
  const ok =
    s !== null &&
    typeof s === 'object' &&
    s.e === entity &&
    (s.ph === 1 || s.ph === 2) &&
    nat(s.p) &&
    nat(s.q) &&
    typeof s.w === 'string' &&
    (s.s === undefined || typeof s.s === 'string') &&
    (s.m === undefined || typeof s.m === 'string');
  if (!ok) fail(400, 'INVALID_REQUEST', 'Tham số cursor không hợp lệ.');
  return s as FeedState;
}

function fingerprintOf(entity: string, body: unknown): string {
  return createHash('sha256').update(entity).update('\n').update(JSON.stringify(body)).digest('hex');
}

/** The earlier answer of a repeated Idempotency-Key (same body), or undefined for a new key. */
function replayOf(
  entity: string,
  req: SimRequest,
  ctx: SimContext,
): { key: string; fingerprint: string; replay?: SimResponse } {
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || key === '') fail(400, 'IDEMPOTENCY_KEY_REQUIRED');
  if (key.length > 200) fail(400, 'INVALID_REQUEST', 'Idempotency-Key dài quá 200 ký tự.');
  const fingerprint = fingerprintOf(entity, req.body);
  const earlier = ctx.idempotency.get(key);
  if (earlier && earlier.fingerprint !== fingerprint) fail(422, 'IDEMPOTENCY_KEY_REUSED');
  if (!earlier) return { key, fingerprint };
  const replay = {
    ...earlier.response,
    headers: { ...earlier.response.headers, 'idempotency-replayed': 'true' },
  };
  return { key, fingerprint, replay };
}

/** The receipt id of a write: the same for the same key and body. */
const receiptIdOf = (key: string, fingerprint: string) =>
  `rcpt-${createHash('sha256').update(key).update(fingerprint).digest('hex').slice(0, 16)}`;

/** What the handlers of one running simulator share. */
interface SimState {
  population: Population;
  sources: Sources;
  store: ReceivedStore;
  now: () => number;
}

/** `GET /v1/<entity>`: one page of the feed, from a cursor or from the filters of a first request. */
function list(sim: SimState, entity: HcmCsdlEntity, req: SimRequest): SimResponse {
  const limit = limitOf(req.query.get('limit'));
  const cursor = req.query.get('cursor');
  let state: FeedState;
  if (cursor) state = stateOf(cursor, entity);
  else {
    const since = req.query.get('updatedSince');
    const school = req.query.get('maTruong');
    state = { e: entity, w: new Date(sim.now()).toISOString(), ph: 1, p: 0, q: 0 };
    if (since) state.s = isoOf(since);
    if (school) state.m = school;
  }
  const schoolIndex = state.m === undefined ? undefined : sim.population.schoolIndexOf(state.m);
  const page = readPage(sim.sources[entity], sim.store, schoolIndex, state, limit);
  const head = page.next
    ? { nextCursor: encodeCursor(page.next), watermark: state.w }
    : { watermark: state.w };
  return { stream: jsonPageChunks(head, 'data', page.items) };
}

/** The receipt of an applied write, kept for replays of its Idempotency-Key. */
function receipt(
  ctx: SimContext,
  key: string,
  fingerprint: string,
  accepted: number,
  rejected: unknown[],
): SimResponse {
  const response: SimResponse = { body: { receiptId: receiptIdOf(key, fingerprint), accepted, rejected } };
  ctx.idempotency.set(key, fingerprint, response);
  return response;
}

/** `POST /v1/<entity>:batchDelete`: keys become tombstones; unknown or deleted keys count as accepted. */
function remove(sim: SimState, entity: HcmCsdlDeletable, req: SimRequest, ctx: SimContext): SimResponse {
  const { key, fingerprint, replay } = replayOf(`${entity}:delete`, req, ctx);
  if (replay) return replay;
  const raw = (req.body as { keys?: unknown } | undefined)?.keys;
  if (Array.isArray(raw) && raw.length > MAX_BATCH) fail(413, 'BATCH_TOO_LARGE');
  const parsed = keyBatchSchema.safeParse(req.body);
  if (!parsed.success)
    fail(400, 'INVALID_REQUEST', 'Nội dung phải là { "keys": [...] } với 1–1000 mã định danh hợp lệ.');
  const at = new Date(sim.now()).toISOString();
  const deleted = parsed.data.keys.filter((k) => sim.store.remove(entity, k, at));
  ctx.received.record(
    `${entity}_deleted`,
    deleted.map((maDinhDanh) => ({ maDinhDanh })),
  );
  return receipt(ctx, key, fingerprint, parsed.data.keys.length, []);
}

/** `PUT /v1/<entity>:batch`: records validated one by one, the valid ones stored by maDinhDanh. */
function upsert(sim: SimState, entity: HcmCsdlEntity, req: SimRequest, ctx: SimContext): SimResponse {
  const { key, fingerprint, replay } = replayOf(entity, req, ctx);
  if (replay) return replay;
  const data = (req.body as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(data) || data.length === 0)
    fail(400, 'INVALID_REQUEST', 'Nội dung phải là { "data": [...] } với ít nhất một bản ghi.');
  if (data.length > MAX_BATCH) fail(413, 'BATCH_TOO_LARGE');
  const refused = new Set(ctx.faults.refuseKeys ?? []);
  const result = applyBatch(sim.store, entity, data, new Date(sim.now()).toISOString(), refused);
  ctx.received.record(entity, result.accepted);
  return receipt(ctx, key, fingerprint, result.accepted.length, result.rejected);
}

/** The handler: token endpoint, then (with a valid token) ping, feeds, upserts and deletes. */
function routerOf(sim: SimState, issuer: TokenIssuer): (req: SimRequest, ctx: SimContext) => SimResponse {
  return (req, ctx) => {
    if (req.path === '/oauth/token' && req.method === 'POST') return issuer.token(req);
    if (!req.path.startsWith('/v1/')) fail(404, 'NOT_FOUND');
    issuer.verify(req);
    if (req.path === '/v1/ping' && req.method === 'GET')
      return { body: { status: 'ok', time: new Date(sim.now()).toISOString() } };
    const listed = LIST.exec(req.path)?.[1] as HcmCsdlEntity | undefined;
    if (listed && req.method === 'GET') return list(sim, listed, req);
    const batched = BATCH.exec(req.path)?.[1] as HcmCsdlEntity | undefined;
    if (batched && req.method === 'PUT') return upsert(sim, batched, req, ctx);
    const deleting = BATCH_DELETE.exec(req.path)?.[1] as HcmCsdlDeletable | undefined;
    if (deleting && req.method === 'POST') return remove(sim, deleting, req, ctx);
    return fail(404, 'NOT_FOUND');
  };
}

/** The population, its feeds and an empty store of received records, as the options ask. */
function simStateOf(opts: HcmCsdlSimulatorOptions): SimState {
  const population = createPopulation({
    seed: opts.seed,
    schools: opts.schools,
    studentsPerSchool: opts.studentsPerSchool,
    staffPerSchool: opts.staffPerSchool,
    ...(opts.schoolYear ? { schoolYear: opts.schoolYear } : {}),
    ...(opts.asOf ? { asOf: opts.asOf } : {}),
  });
  const sources = createSources(population, {
    seed: opts.seed,
    ...(opts.tombstoneRate !== undefined ? { tombstoneRate: opts.tombstoneRate } : {}),
  });
  return { population, sources, store: createReceivedStore(), now: opts.now ?? Date.now };
}

/** Starts the simulator on 127.0.0.1. */
export async function startHcmCsdlSimulator(opts: HcmCsdlSimulatorOptions): Promise<HcmCsdlSimulator> {
  const sim = simStateOf(opts);
  const issuer = createTokenIssuer({
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    ...(opts.tokenTtlSeconds !== undefined ? { ttlSeconds: opts.tokenTtlSeconds } : {}),
  });
  const server = await startSimServer({
    system: 'hcm-csdl',
    seed: opts.seed,
    faults: opts.faults,
    port: opts.port,
    handler: routerOf(sim, issuer),
    renderError,
    ...(opts.recordLimit !== undefined ? { recordLimit: opts.recordLimit } : {}),
  });
  return {
    system: 'hcm-csdl',
    url: server.url,
    port: server.port,
    received: sim.store,
    recorder: server.received,
    faults: server.faults,
    population: sim.population,
    expireTokens: () => issuer.revokeAll(),
    stats: () => server.stats(),
    close: () => server.close(),
  };
}
