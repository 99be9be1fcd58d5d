/**
 * The moet-pcgd simulator: a real HTTP server implementing openapi/external/moet-pcgd.yaml over the
 * shared synthetic population of province 79, with its own token-bucket rate limit (429 +
 * Retry-After), the submission window computed from an injectable `today` (or forced shut by the
 * `closedWindow` fault), idempotent figures submissions, and the sim-kit faults and `/__sim/` endpoints.
 */
import { HCMC_PROVINCE_CODE, hcmcCommunes } from '../../canonical/codes/admin-units.js';
import { createPopulation, type Population, type PopulationOptions } from '../population/index.js';
import { startSimServer, type SimServer } from '../sim-kit.js';
import {
  createTokenIssuer,
  SimError,
  type SimContext,
  type SimRequest,
  type SimResponse,
  type TokenIssuer,
} from '../sim-handler.js';
import { DEFAULT_CALENDAR, unitLevelOf, windowOf, workingYearInfo, type PcgdCalendar } from './calendar.js';
import type { FiguresBodyWire, PersonWire, UnitLevel } from '../../adapters/moet-pcgd/schema.js';
import { checksumOf, FiguresStore, validateFigures, type FieldProblem } from './figures.js';
import { decodePersonCursor, encodePersonCursor, personPage } from './persons.js';
import { filePage } from './survey-file.js';

/** Options of {@link startMoetPcgdSimulator}. */
export interface MoetPcgdSimulatorOptions {
  /** Seed of the shared population (same seed + sizes as the other simulators = the same people). */
  seed: number | string;
  /** Sizes of the population. @defaultValue `{ schools: 168 }` (one school per HCMC commune) */
  population?: Omit<PopulationOptions, 'seed'>;
  /** Communes served (5-digit). @defaultValue all 168 communes of province 79 */
  communes?: readonly string[];
  /** Most persons listed per commune (the first ones in population order). */
  personsPerCommune: number;
  clientId: string;
  clientSecret: string;
  /** The simulator's calendar clock (working year, submission window). @defaultValue `() => new Date()` */
  today?: () => Date;
  /** Token bucket per client: `perSecond` requests per second, bursts up to `perSecond`. @defaultValue none */
  rateLimit?: { perSecond: number };
  /** Calendar rules. @defaultValue {@link DEFAULT_CALENDAR} */
  calendar?: PcgdCalendar;
  /** @defaultValue 0 (any free port) */
  port?: number;
  /** Survey records served instead of the population for the communes they contain (`--persons FILE`). */
  surveyFile?: ReadonlyMap<string, readonly PersonWire[]>;
}

/** A running moet-pcgd simulator. */
export interface MoetPcgdSimulator extends SimServer {
  /** Accepted figures (by unit, year and key). */
  readonly figures: FiguresStore;
  readonly population: Population;
  /** Replaces the calendar clock. */
  setToday(today: () => Date): void;
}

const MAX_LIMIT = 500;
const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** A problem+json answer in the system's shape. */
function problem(
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): SimResponse {
  const title = `${code} (${status})`;
  return {
    status,
    headers: { 'content-type': 'application/problem+json; charset=utf-8' },
    body: { type: 'about:blank', title, status, code, detail, ...extra },
  };
}

function badRequest(code: string, errors: FieldProblem[]): SimResponse {
  return problem(400, code, 'Yêu cầu không hợp lệ. / The request is not valid.', { errors });
}

/** Token bucket: `take()` returns 0 when allowed, else the seconds to wait. */
function createBucket(perSecond: number) {
  let tokens = perSecond;
  let last = performance.now();
  return {
    take(): number {
      const now = performance.now();
      tokens = Math.min(perSecond, tokens + ((now - last) / 1000) * perSecond);
      last = now;
      if (tokens < 1) return Math.max(1, Math.ceil((1 - tokens) / perSecond));
      tokens -= 1;
      return 0;
    },
  };
}

type Bucket = ReturnType<typeof createBucket>;

function intParam(raw: string | null, min: number, max: number): number | undefined {
  if (raw === null || !/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= min && n <= max ? n : undefined;
}

const unitNotFound = () => problem(404, 'UNIT_NOT_FOUND', 'Không có đơn vị này. / No such unit.');

/** What the persons listing reads: the seeded population, or a survey file's rows for its communes. */
interface PersonSource {
  population: Population;
  communes: ReadonlySet<string>;
  opts: Pick<MoetPcgdSimulatorOptions, 'surveyFile' | 'personsPerCommune'>;
}

/** `GET /v1/units/{commune}/persons`: a cursor page of the commune's survey persons. */
function persons(src: PersonSource, req: SimRequest, communeCode: string): SimResponse {
  const { population, communes, opts } = src;
  if (unitLevelOf(communeCode) !== 'commune' || !communes.has(communeCode)) return unitNotFound();
  const q = req.query;
  const yearOk = !q.has('year') || intParam(q.get('year'), 2014, 2100) !== undefined;
  const limit = q.has('limit') ? intParam(q.get('limit'), 1, MAX_LIMIT) : 100;
  const pos = q.has('cursor') ? decodePersonCursor(q.get('cursor') ?? '') : { after: -1, served: 0 };
  const errors: FieldProblem[] = [];
  const bad = (pointer: string) =>
    errors.push({ pointer, code: 'BAD_PARAMETER', message: `${pointer}: invalid` });
  if (!yearOk) bad('/query/year');
  if (limit === undefined) bad('/query/limit');
  if (pos === undefined) bad('/query/cursor');
  if (limit === undefined || pos === undefined || errors.length > 0)
    return badRequest('INVALID_REQUEST', errors);
  // One survey snapshot: `year` is validated but does not change the data (see README).
  const fromFile = opts.surveyFile?.get(communeCode);
  const page = fromFile
    ? filePage(fromFile, pos.after, limit)
    : personPage(population, communeCode, { ...pos, limit, perCommune: opts.personsPerCommune });
  const body: Record<string, unknown> = { items: page.items };
  if (page.more)
    body.nextCursor = encodePersonCursor({ after: page.last, served: pos.served + page.items.length });
  return { body };
}

/** What the handlers of one running simulator share (`today` is replaced by `setToday`). */
interface SimState extends PersonSource {
  calendar: PcgdCalendar;
  store: FiguresStore;
  today: () => Date;
}

/** The level of a unit this simulator knows (a served commune, or the province), else undefined. */
function knownUnit(sim: SimState, code: string): UnitLevel | undefined {
  const level = unitLevelOf(code);
  if (level === 'commune') return sim.communes.has(code) ? level : undefined;
  return level === 'province' && code === HCMC_PROVINCE_CODE ? level : undefined;
}

/** `GET /v1/working-year`: the year and its windows (all shut under the `closedWindow` fault). */
function workingYear(sim: SimState, ctx: SimContext): SimResponse {
  const info = workingYearInfo(sim.today(), sim.calendar);
  if (ctx.faults.closedWindow) info.windows = info.windows.map((w) => ({ ...w, open: false }));
  return { body: info };
}

/** `PUT .../figures/{year}`: idempotent by key, only inside the window, validated, then stored. */
function putFigures(
  sim: SimState,
  req: SimRequest,
  ctx: SimContext,
  unit: { code: string; level: UnitLevel },
  year: number,
): SimResponse {
  const { code: unitCode, level } = unit;
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
    return badRequest('INVALID_REQUEST', [
      { pointer: '/header/Idempotency-Key', code: 'REQUIRED', message: 'Idempotency-Key' },
    ]);
  }
  const earlier = sim.store.lookup(unitCode, year, key);
  if (earlier && earlier.receipt.checksum === checksumOf(req.body)) {
    ctx.received.record('figures_replayed', [{ unitCode, year, idempotencyKey: key }]);
    return { status: 200, headers: { 'idempotent-replayed': 'true' }, body: earlier.receipt };
  }
  const window = windowOf(level, year, sim.today(), sim.calendar);
  if (ctx.faults.closedWindow || !window.open) {
    const detail = `Ngoài thời hạn nhận số liệu năm ${year}. / Outside the ${year} submission window.`;
    return problem(409, 'WINDOW_CLOSED', detail, {
      year,
      unitLevel: level,
      opensOn: window.opensOn,
      submitBefore: window.submitBefore,
    });
  }
  const errors = validateFigures(req.body, level);
  if (errors.length > 0) return badRequest('INVALID_FIGURES', errors);
  const outcome = sim.store.submit(unitCode, year, key, req.body as FiguresBodyWire, sim.today());
  if (outcome.kind === 'key_reused') {
    return problem(
      422,
      'IDEMPOTENCY_KEY_REUSED',
      'Idempotency-Key đã dùng cho nội dung khác. / Key used for another body.',
    );
  }
  ctx.received.record('figures', [
    { unitCode, year, idempotencyKey: key, body: req.body, receipt: outcome.receipt },
  ]);
  return { status: 201, body: outcome.receipt };
}

/** `GET` / `PUT /v1/units/{unit}/figures/{year}`. */
function figures(
  sim: SimState,
  req: SimRequest,
  ctx: SimContext,
  unitCode: string,
  rawYear: string,
): SimResponse {
  const level = knownUnit(sim, unitCode);
  if (!level) return unitNotFound();
  const year = intParam(rawYear, 2014, 2100);
  if (year === undefined)
    return badRequest('INVALID_REQUEST', [{ pointer: '/path/year', code: 'BAD_PARAMETER', message: 'year' }]);
  if (req.method === 'PUT') return putFigures(sim, req, ctx, { code: unitCode, level }, year);
  if (req.method !== 'GET') return problem(405, 'METHOD_NOT_ALLOWED', 'Method not allowed.');
  const stored = sim.store.get(unitCode, year, level);
  return stored ? { body: stored } : problem(404, 'FIGURES_NOT_FOUND', 'Chưa có số liệu. / No figures yet.');
}

function route(sim: SimState, req: SimRequest, ctx: SimContext): SimResponse {
  if (req.method === 'GET' && req.path === '/v1/working-year') return workingYear(sim, ctx);
  const personsPath = /^\/v1\/units\/([^/]+)\/persons$/.exec(req.path);
  if (personsPath && req.method === 'GET') return persons(sim, req, personsPath[1] ?? '');
  const figuresPath = /^\/v1\/units\/([^/]+)\/figures\/([^/]+)$/.exec(req.path);
  if (figuresPath) return figures(sim, req, ctx, figuresPath[1] ?? '', figuresPath[2] ?? '');
  return problem(404, 'NOT_FOUND', `No route ${req.method} ${req.path}`);
}

/** The handler: token endpoint, then the bearer check and the rate limit before every route. */
function handlerOf(
  sim: SimState,
  issuer: TokenIssuer,
  bucket: Bucket | undefined,
): (req: SimRequest, ctx: SimContext) => SimResponse {
  return (req, ctx) => {
    if (req.method === 'POST' && req.path === '/oauth/token') return issuer.token(req);
    try {
      issuer.verify(req);
    } catch (err) {
      if (err instanceof SimError)
        return problem(401, 'UNAUTHORIZED', 'Cần mã truy cập hợp lệ. / A valid token is required.');
      throw err;
    }
    const wait = bucket?.take() ?? 0;
    if (wait > 0) {
      const res = problem(429, 'RATE_LIMITED', 'Quá nhiều yêu cầu. / Too many requests.');
      return { ...res, headers: { ...res.headers, 'retry-after': String(wait) } };
    }
    return route(sim, req, ctx);
  };
}

/** Starts the simulator on 127.0.0.1. */
export async function startMoetPcgdSimulator(opts: MoetPcgdSimulatorOptions): Promise<MoetPcgdSimulator> {
  const sim: SimState = {
    population: createPopulation({ schools: 168, ...opts.population, seed: opts.seed }),
    communes: new Set([
      ...(opts.communes ?? hcmcCommunes().map((c) => c.code)),
      ...(opts.surveyFile?.keys() ?? []),
    ]),
    opts,
    calendar: opts.calendar ?? DEFAULT_CALENDAR,
    store: new FiguresStore(),
    today: opts.today ?? (() => new Date()),
  };
  const issuer = createTokenIssuer({ clientId: opts.clientId, clientSecret: opts.clientSecret });
  const bucket = opts.rateLimit ? createBucket(opts.rateLimit.perSecond) : undefined;
  const server = await startSimServer({
    system: 'moet-pcgd',
    handler: handlerOf(sim, issuer, bucket),
    seed: opts.seed,
    port: opts.port,
  });
  return Object.assign(server, {
    figures: sim.store,
    population: sim.population,
    setToday: (next: () => Date) => void (sim.today = next),
  });
}
