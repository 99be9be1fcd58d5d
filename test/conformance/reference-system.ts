/**
 * A minimal reference system (simulator + adapter) built only from the shared pieces: sim-kit,
 * population, createHttpClient, parseWire, paginate. It proves the conformance suite itself and
 * shows the smallest adapter that passes it. Not a real system.
 */
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import { createHttpClient, type HttpClientOptions } from '../../src/adapters/http.js';
import { paginate, parseWire } from '../../src/adapters/wire.js';
import { createPopulation } from '../../src/simulators/population/index.js';
import { startSimServer, type SimServer } from '../../src/simulators/sim-kit.js';
import {
  createTokenIssuer,
  decodeCursor,
  encodeCursor,
  jsonPageChunks,
  SimError,
  type SimContext,
  type SimRequest,
  type SimResponse,
} from '../../src/simulators/sim-handler.js';
import type { ChangeFeed, SourceAdapter, TargetAdapter, WriteReceipt } from '../../src/adapters/types.js';

export const REF_CLIENT = { clientId: 'ref-client', clientSecret: 'ref-secret' };

const studentWire = z.looseObject({ code: z.string(), name: z.string(), dob: z.string() });
const pageWire = z.looseObject({ items: z.array(studentWire), nextCursor: z.string().optional() });
const receiptWire = z.looseObject({ accepted: z.number(), receiptId: z.string() });
export type RefStudent = z.infer<typeof studentWire>;

/** Starts the reference simulator over a tiny population (2 schools × 20 students). */
export async function startReferenceSim(seed = 7): Promise<SimServer & { total: number }> {
  const population = createPopulation({ seed, schools: 2, studentsPerSchool: 20, discrepancyRate: 0 });
  const tokens = createTokenIssuer({ ...REF_CLIENT, ttlSeconds: 600 });
  const total = population.counts.students;

  const listStudents = (req: SimRequest): SimResponse => {
    const pageSize = Math.min(100, Number(req.query.get('pageSize') ?? 50));
    const cursor = req.query.get('cursor');
    const from = cursor ? decodeCursor<{ g: number }>(cursor).g : 0;
    const to = Math.min(total, from + pageSize);
    const items = function* () {
      for (let g = from; g < to; g++) {
        const s = population.student(g);
        yield { code: s.studentCode, name: s.fullName, dob: s.birthDate };
      }
    };
    const head = to < total ? { nextCursor: encodeCursor({ g: to }) } : {};
    return { stream: jsonPageChunks(head, 'items', items(), 8) };
  };

  const upsertStudents = (req: SimRequest, ctx: SimContext): SimResponse => {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key === '')
      throw new SimError(400, 'IDEMPOTENCY_KEY_REQUIRED', 'missing key');
    const items = (req.body as { items?: unknown[] } | undefined)?.items ?? [];
    const fingerprint = JSON.stringify(items);
    const earlier = ctx.idempotency.get(key);
    if (earlier && earlier.fingerprint !== fingerprint) throw new SimError(422, 'KEY_REUSED', 'key reused');
    if (earlier) return earlier.response;
    const response: SimResponse = { body: { accepted: items.length, receiptId: `R-${key}` } };
    ctx.received.record('students', items);
    ctx.idempotency.set(key, fingerprint, response);
    return response;
  };

  const server = await startSimServer({
    system: 'reference',
    seed,
    handler: (req, ctx) => {
      const route = `${req.method} ${req.path}`;
      if (route === 'POST /oauth/token') return tokens.token(req);
      tokens.verify(req);
      if (route === 'GET /health') return { body: { status: 'ok' } };
      if (route === 'GET /students') return listStudents(req);
      if (route === 'POST /students') {
        if (ctx.faults.closedWindow) throw new SimError(409, 'WINDOW_CLOSED', 'submission window closed');
        return upsertStudents(req, ctx);
      }
      throw new SimError(404, 'NOT_FOUND', route);
    },
  });
  return Object.assign(server, { total });
}

/** The reference adapter: source and target of `students`. */
export function createReferenceAdapter(
  opts: { baseURL: string; clientSecret?: string } & Partial<HttpClientOptions>,
): SourceAdapter<'students', RefStudent> & TargetAdapter<'students', RefStudent> {
  const system = 'reference';
  const http = createHttpClient({
    system,
    timeoutMs: 2000,
    ...opts,
    auth: {
      kind: 'oauth2-client-credentials',
      tokenUrl: `${opts.baseURL}/oauth/token`,
      clientId: REF_CLIENT.clientId,
      clientSecret: opts.clientSecret ?? REF_CLIENT.clientSecret,
    },
    statusCodes: { 409: 'ERR_ADAPTER_WINDOW_CLOSED' },
  });
  return {
    system,
    async *listChanges(_entity, o): AsyncIterable<ChangeFeed<RefStudent>> {
      const pages = paginate(
        async (cursor) => {
          const res = await http.get('/students', { params: { pageSize: o.pageSize, cursor } });
          return parseWire(pageWire, res.data, system);
        },
        { system, cursor: o.cursor },
      );
      yield* pages;
    },
    async health() {
      try {
        await http.get('/health');
        return { ok: true };
      } catch (err) {
        return { ok: false, detail: err instanceof AppError ? err.code : 'error' };
      }
    },
    async write(_entity, records, { idempotencyKey }): Promise<WriteReceipt> {
      const res = await http.post(
        '/students',
        { items: records },
        { headers: { 'Idempotency-Key': idempotencyKey } },
      );
      const receipt = parseWire(receiptWire, res.data, system);
      return { accepted: receipt.accepted, rejected: [], receiptId: receipt.receiptId };
    },
  };
}
