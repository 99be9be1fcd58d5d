/**
 * The world of review32b's sweep (test/integration/review32b-sweep.test.ts) on real PostgreSQL + Redis: the API
 * with its log captured, a client of each role with a token, real ids to put in a path (a batch, a report, a
 * schedule, a webhook…) and a valid body of each operation that takes one; `send` as any of them, `snapshot` of
 * what a request may write, `record` of each answer judged.
 */
import type { FastifyInstance, HTTPMethods, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildApp } from '../../src/app.js';
import { addClient, type NewClient } from '../../src/ops.js';
import type { Db } from '../../src/store/db.js';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { createGuardHoldsRepo, type SchoolDiff } from '../../src/store/guard-holds.js';
import { A, YEAR } from '../fixtures/pcgd/communes.js';
import { bearer, CONFIGURED_SYSTEMS_ENV, S1, student, tokenFor, type ClientDef } from './api.js';
import { countRows, makeDeps, type TestEnv } from './env.js';
import { judge, type Op, type Seen, type Who } from './hostile-values.js';
import { captureLog } from './log-lines.js';
import { seedFixture } from './pcgd.js';

/** The sweep's clients: a token of each but `target` (a client the admin routes act on). */
const CLIENTS: Record<Exclude<Who, 'none'> | 'target', ClientDef> = {
  vendor: { role: 'vendor', schools: [S1] },
  other: { role: 'vendor', schools: ['79000099'] },
  admin: { role: 'city-admin' },
  auditor: { role: 'auditor' },
  officer: { role: 'pcgd-officer', units: [A] },
  officerB: { role: 'pcgd-officer', units: ['27676'] },
  target: { role: 'vendor', schools: ['79000098'] },
};

/** A valid body of each operation that takes one (`vendor` logs in at the token endpoint). */
const bodiesFor = (vendor: NewClient): Record<string, Record<string, unknown>> => ({
  'POST /oauth/token': {
    grant_type: 'client_credentials',
    client_id: vendor.clientId,
    client_secret: vendor.clientSecret,
  },
  'POST /v1/schools/{schoolCode}/batches': { entity: 'students', records: [student('HS2')] },
  'POST /v1/syncs': { system: 'hcm-csdl', entity: 'students', scope: S1 },
  'POST /v1/guard/holds/{id}/approve': { reason: 'ok' },
  'POST /v1/guard/holds/{id}/reject': { reason: 'ok' },
  'POST /v1/dead-letters/replay': { ids: [1] },
  'POST /v1/admin/clients': { name: 'n', role: 'vendor', schools: [S1] },
  'POST /v1/admin/clients/{clientId}/secret': { overlapSeconds: 0 },
  'PATCH /v1/admin/clients/{clientId}': { name: 'n' },
  'PUT /v1/admin/school-systems/{school}': { system: 'smas' },
  'POST /v1/webhooks': { url: 'https://hooks.example.vn/other', events: ['batch.finished'] },
  'POST /v1/pcgd/reports': { unitCode: A, year: YEAR },
  'POST /v1/pcgd/reports/{reportId}/reopen': { reason: 'kiểm thử' },
  'POST /v1/pcgd/communes/{communeCode}/persons-pull': { full: false },
});

/** What a request may write, counted. */
const countsOf = async (db: Db) => ({
  batches: await countRows(db, 'truc.batches'),
  outbox: await countRows(db, 'truc.outbox'),
  idempotency: await countRows(db, 'truc.idempotency_keys'),
  audit: (await countRows(db, 'truc.audit_log')) + (await countRows(db, 'truc.audit_pending')),
  findings: await countRows(db, 'truc.findings'),
  clients: await countRows(db, 'truc.api_clients'),
  reports: await countRows(db, 'truc.pcgd_reports'),
  webhooks: await countRows(db, 'truc.webhook_subscriptions'),
  syncRuns: await countRows(db, 'truc.sync_runs'),
  schoolSystems: await countRows(db, 'truc.school_systems'),
});

/** The real `{id}` of a path: a webhook's, a guard hold's, else a schedule's. */
const idOf = (path: string, valid: Record<string, string>) =>
  path.startsWith('/v1/webhooks/')
    ? valid.webhookId
    : path.startsWith('/v1/guard/')
      ? valid.holdId
      : valid.id;

/** `op`'s URL with the real ids (or `over`'s values) in its path, and `over`'s values of its query parameters. */
function urlWith(op: Op, valid: Record<string, string>, over: Record<string, string> = {}): string {
  const path = op.path.replace(
    /\{(\w+)\}/g,
    (_m, n: string) => over[n] ?? (n === 'id' ? idOf(op.path, valid) : valid[n]) ?? '1',
  );
  const query = op.params
    .filter((p) => p.in === 'query' && over[p.name] !== undefined)
    .map((p) => `${p.name}=${over[p.name]}`)
    .join('&');
  return query ? `${path}?${query}` : path;
}

export interface SweepWorld {
  log: ReturnType<typeof captureLog>;
  tokens: Record<Who, string | undefined>;
  clients: Record<string, NewClient>;
  /** A real value of each path parameter, by name. */
  valid: Record<string, string>;
  /** A valid body of each operation that takes one, by `METHOD /path`. */
  bodies: Record<string, Record<string, unknown>>;
  /** Every answer recorded, judged. */
  seen: Seen[];
  /** A request as `who`; a string or Buffer payload is sent as raw JSON bytes. */
  send: (
    method: HTTPMethods,
    url: string,
    who: Who,
    payload?: unknown,
    headers?: Record<string, string>,
  ) => Promise<LightMyRequestResponse>;
  snapshot: () => ReturnType<typeof countsOf>;
  record: (op: Op, where: string, value: string, res: LightMyRequestResponse) => void;
  urlOf: (op: Op, over?: Record<string, string>) => string;
  /** The API listening on loopback (on first call), for bytes inject will not send (walk14: raw invalid UTF-8). */
  listen: () => Promise<URL>;
}

/** A held reconciliation deleting half of two schools' students (review35b: the guard's routes on a real hold). */
async function seedHold(db: Db): Promise<number> {
  const school = (code: string, keys: string[]): SchoolDiff => ({
    ...{ school: code, live: 4, deleted: keys.length, moved: 0, changed: 0 },
    keys: { deleted: keys, moved: [], changed: [] },
  });
  const reason = (code: string) => ({
    school: code,
    kind: 'deleted' as const,
    count: 2,
    live: 4,
    ratio: 0.5,
    threshold: 0.1,
  });
  const diff = [school(S1, ['HS1', 'HS2']), school('79000098', ['HS3', 'HS4'])];
  const reasons = [reason(S1), reason('79000098')];
  return createGuardHoldsRepo(db).create({ kind: 'reconcile', entity: 'students', diff, reasons });
}

/** Real ids for the paths: a batch of the vendor's, a report of the officer's, a schedule, a webhook, a hold. */
async function seedIds(w: SweepWorld, db: Db): Promise<Record<string, string>> {
  await createDeadLettersRepo(db).insert({
    ...{ outboxId: undefined, queue: 'push-hcm-csdl', jobName: 'push', errorCode: 'ERR_TARGET_REJECTED' },
    ...{ errorMessage: 'refused', attempts: 3 },
  });
  const batch = await w.send('POST', `/v1/schools/${S1}/batches`, 'vendor', {
    entity: 'students',
    records: [student('HS1')],
  });
  expect(batch.statusCode, batch.body).toBe(202);
  const report = await w.send('POST', '/v1/pcgd/reports', 'officer', { unitCode: A, year: YEAR });
  expect(report.statusCode, report.body).toBe(202);
  const schedules = await w.send('GET', '/v1/schedules', 'admin');
  const hook = await w.send('POST', '/v1/webhooks', 'vendor', {
    url: 'https://hooks.example.vn/truc',
    events: ['batch.finished'],
  });
  expect(hook.statusCode, hook.body).toBe(201);
  return {
    schoolCode: S1,
    code: S1,
    school: S1,
    batchId: batch.json<{ batchId: string }>().batchId,
    syncRunId: '1',
    id: String(schedules.json<{ items?: Array<{ id: string }> }>().items?.[0]?.id ?? '1'),
    clientId: w.clients.target!.clientId,
    classKey: 'L1',
    studentCode: 'HS1',
    staffCode: 'GV1',
    reportId: String(report.json<{ reportId: number }>().reportId),
    communeCode: A,
    webhookId: hook.json<{ id: string }>().id,
    holdId: String(await seedHold(db)),
  };
}

/** `app` listening on loopback: started on the first call, its URL. */
async function listenOnce(app: FastifyInstance): Promise<URL> {
  if (!app.server.listening) return new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
  const a = app.server.address();
  return new URL(typeof a === 'object' && a ? `http://127.0.0.1:${a.port}` : String(a));
}

/** Started before the suite's tests, closed after them: call at the top of its `describe`. */
export function useSweepWorld(): SweepWorld {
  let env: TestEnv;
  let app: FastifyInstance;
  const w: SweepWorld = {
    log: captureLog('debug'),
    tokens: {} as Record<Who, string | undefined>,
    clients: {},
    valid: {},
    bodies: {},
    seen: [],
    send(method, url, who, payload, headers = {}) {
      const raw = typeof payload === 'string' || Buffer.isBuffer(payload);
      return app.inject({
        method,
        url,
        headers: {
          ...(w.tokens[who] === undefined ? {} : bearer(w.tokens[who])),
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(payload === undefined ? {} : { payload: raw ? payload : JSON.stringify(payload) }),
      });
    },
    snapshot: () => countsOf(env.deps.db),
    record(op, where, value, res) {
      const body = res.statusCode >= 400 ? res.json<{ code?: string }>() : {};
      w.seen.push({
        op: `${op.method} ${op.path}`,
        where,
        value: value.slice(0, 24),
        status: res.statusCode,
        code: body.code ?? '',
        problem: judge(res),
      });
    },
    urlOf: (op, over) => urlWith(op, w.valid, over),
    listen: () => listenOnce(app),
  };

  beforeAll(async () => {
    env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      { env: { ...CONFIGURED_SYSTEMS_ENV, TRUC_API_RATE_LIMIT_MAX: '1000000' } },
    );
    await seedFixture(env.deps.db);
    app = await buildApp({ ...env.deps, logger: w.log.logger });
    await app.ready();
    for (const [name, d] of Object.entries(CLIENTS)) {
      w.clients[name] = await addClient(env.deps.db, { name, ...d });
      if (name !== 'target') w.tokens[name as Who] = await tokenFor(app, w.clients[name]);
    }
    w.tokens.none = undefined;
    Object.assign(w.valid, await seedIds(w, env.deps.db));
    Object.assign(w.bodies, bodiesFor(w.clients.vendor!));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  return w;
}
