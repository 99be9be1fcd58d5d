/**
 * An API harness for integration tests: deps on one backend, `buildApp`, a few clients with tokens,
 * and helpers to push batches, count what a request changed and check problem+json answers.
 */
import type { FastifyInstance, HTTPMethods, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Db } from '../../src/store/db.js';
import { ProblemSchema } from '../../src/api/problem.js';
import { ERRORS, type ErrorCode } from '../../src/errors.js';
import { addClient, setClientDisabled, type NewClient } from '../../src/ops.js';
import { createClientsRepo } from '../../src/store/clients.js';
import { OTHER_SCHOOL, SCHOOL, student as aStudent } from '../factories/records.js';
import { countRows, makeDeps, type Backend, type MakeDepsOptions, type TestEnv } from './env.js';
import { MEMORY_DB_TIMEOUT_MS } from './memory-db.js';
import { useForSuite } from './suite.js';

export const S1 = SCHOOL;
export const S2 = OTHER_SCHOOL;
export const OTHER = '79000099';

/** A valid canonical student of `school` (test/factories/records.ts). */
export const student = (code: string, school = S1) => aStudent(code, { schoolCode: school });

export const goodBody = (codes = ['HS1'], school = S1) => ({
  entity: 'students',
  records: codes.map((c) => student(c, school)),
});

export type ClientName = 'vendor' | 'other' | 'reader' | 'admin' | 'disabled';

export interface ProblemBody {
  title: string;
  detail?: string;
  errors?: Array<{ pointer: string; rule: string; message: string }>;
}

export interface ApiHarness {
  env: TestEnv;
  app: FastifyInstance;
  /** vendor: S1+S2; other: OTHER; reader: S1 read-only; admin: city admin; disabled: disabled after login. */
  clients: Record<ClientName, NewClient>;
  tokens: Record<ClientName, string>;
  tokenOf(c: Credentials, extra?: Record<string, string>): Promise<string>;
  pushBatch(
    token: string | undefined,
    school: string,
    payload: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  get(url: string, token?: string): Promise<LightMyRequestResponse>;
  /** `method url` with `token` as the bearer (none when undefined) and `payload` as a JSON body. */
  send(method: HTTPMethods, url: string, token?: string, payload?: unknown): Promise<LightMyRequestResponse>;
  /** Audit entries (chained) with this action. */
  audits(action: string): Promise<number>;
  /** Row counts any accepted (or half-accepted) request would change. */
  snapshot(): Promise<Record<'batches' | 'outbox' | 'idempotency' | 'audit' | 'findings', number>>;
  close(): Promise<void>;
}

export const bearer = (t: string | undefined) => ({ authorization: `Bearer ${t ?? ''}` });

/** What a client logs in with. */
export type Credentials = Pick<NewClient, 'clientId' | 'clientSecret'>;

/** A bearer token of client `c` from `app`'s token endpoint (client credentials, `extra` fields added); 200 expected. */
export async function tokenFor(
  app: FastifyInstance,
  c: Credentials,
  extra: Record<string, string> = {},
): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: {
      grant_type: 'client_credentials',
      client_id: c.clientId,
      client_secret: c.clientSecret,
      ...extra,
    },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ access_token: string }>().access_token;
}

/** A client's role and what it may reach, as `addClient` takes them (its name is its key in `tokensFor`). */
export type ClientDef = Omit<Parameters<typeof addClient>[1], 'name'>;

/** Adds a client of each definition, named by its key, to `db`; a bearer token of each from `app`, by name. */
export async function tokensFor<N extends string>(
  app: FastifyInstance,
  db: Db,
  defs: Record<N, ClientDef>,
): Promise<Record<N, string>> {
  const tokens = {} as Record<N, string>;
  for (const name of Object.keys(defs) as N[])
    tokens[name] = await tokenFor(app, await addClient(db, { name, ...defs[name] }));
  return tokens;
}

/** A bilingual RFC 9457 problem with the given status and code, correlated to the request. */
export function expectProblem(res: LightMyRequestResponse, status: number, code: ErrorCode): ProblemBody {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json<Record<string, unknown>>();
  expect(ProblemSchema.safeParse(body).success, res.body).toBe(true);
  expect(body).toMatchObject({ status, code, messages: { vi: ERRORS[code].vi, en: ERRORS[code].en } });
  expect(body.correlationId).toBe(res.headers['x-correlation-id']);
  return body as unknown as ProblemBody;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * A problem as two answers must share it to tell a caller nothing more (another school's batch against an id naming
 * nothing): its correlation and instance blanked, and the id its detail names (walk12: a 404 names the id asked for,
 * the caller's own) as `<id>`.
 */
export const problemShape = (b: { detail?: string }): object => ({
  ...b,
  correlationId: '',
  instance: '',
  ...(b.detail === undefined ? {} : { detail: b.detail.replace(UUID, '<id>') }),
});

/**
 * An RFC 6749 §5.2 error of the token endpoint: `application/json`, `error` + `error_description`
 * (§5.2: only %x20-21 / %x23-5B / %x5D-7E, so the English words; the Vietnamese are in `title`/`messages`),
 * with the problem fields riding along; never cached.
 */
export function expectOauthError(
  res: LightMyRequestResponse,
  status: number,
  error: string,
  code: ErrorCode,
): Record<string, unknown> {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['cache-control']).toBe('no-store');
  const body = res.json<Record<string, unknown>>();
  expect(body).toMatchObject({
    error,
    error_description: expect.stringMatching(/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/),
    status,
    code,
  });
  expect(body.correlationId).toBe(res.headers['x-correlation-id']);
  return body;
}

/** The harness's clients (the disabled one disabled after its token was issued) and their tokens. */
async function harnessClients(app: FastifyInstance, db: Db) {
  const tokenOf = (c: Credentials, extra?: Record<string, string>) => tokenFor(app, c, extra);
  const clients: Record<ClientName, NewClient> = {
    vendor: await addClient(db, { name: 'Vendor A', role: 'vendor', schools: [S1, S2] }),
    other: await addClient(db, { name: 'Vendor B', role: 'vendor', schools: [OTHER] }),
    reader: await addClient(db, { name: 'Reader', role: 'vendor', schools: [S1], scopes: ['batches:read'] }),
    admin: await addClient(db, { name: 'City', role: 'city-admin' }),
    disabled: await addClient(db, { name: 'Gone', role: 'vendor', schools: [S1] }),
  };
  const tokens = {} as Record<ClientName, string>;
  for (const k of Object.keys(clients) as ClientName[]) tokens[k] = await tokenOf(clients[k]);
  await setClientDisabled(db, clients.disabled.clientId, true);
  return { clients, tokens, tokenOf };
}

/**
 * Runs `fn` with the harness's client `who` renamed to `name` (what it did before keeps the name it had then: truc
 * names an actor as it was when it acted, store/actor-names.ts), its own name put back after.
 */
export async function whileRenamed(
  h: ApiHarness,
  who: ClientName,
  name: string,
  fn: () => Promise<void>,
): Promise<void> {
  const clients = createClientsRepo(h.env.deps.db);
  await clients.update(h.clients[who].clientId, { name });
  try {
    await fn();
  } finally {
    await clients.update(h.clients[who].clientId, { name: h.clients[who].name });
  }
}

/** Requests to the app in process: a batch pushed, a GET, any other method with a JSON body. */
function requestsTo(app: FastifyInstance): Pick<ApiHarness, 'pushBatch' | 'get' | 'send'> {
  return {
    pushBatch(token, school, payload, headers = {}) {
      return app.inject({
        method: 'POST',
        url: `/v1/schools/${school}/batches`,
        headers: {
          'content-type': 'application/json',
          ...(token === undefined ? {} : bearer(token)),
          ...headers,
        },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
    },
    get(url, token) {
      return app.inject({ method: 'GET', url, headers: token === undefined ? {} : bearer(token) });
    },
    send(method, url, token, payload) {
      return app.inject({
        method,
        url,
        headers: {
          ...(token === undefined ? {} : bearer(token)),
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
      });
    },
  };
}

export async function startApiHarness(backend: Backend, opts: MakeDepsOptions = {}): Promise<ApiHarness> {
  const env = await makeDeps(backend, opts);
  const app = await buildApp(env.deps);
  await app.ready();
  const db = env.deps.db;
  return {
    env,
    app,
    ...(await harnessClients(app, db)),
    ...requestsTo(app),
    audits(action) {
      return countRows(db, 'truc.audit_log', `action = '${action.replace(/'/g, "''")}'`);
    },
    async snapshot() {
      return {
        batches: await countRows(db, 'truc.batches'),
        outbox: await countRows(db, 'truc.outbox'),
        idempotency: await countRows(db, 'truc.idempotency_keys'),
        // Chained or still pending (batches' events are chained off their transaction): one statement.
        audit: (
          await db.query<{ n: number }>(
            'SELECT (SELECT count(*) FROM truc.audit_log)::int + (SELECT count(*) FROM truc.audit_pending)::int AS n',
          )
        ).rows[0]!.n,
        findings: await countRows(db, 'truc.findings'),
      };
    },
    async close() {
      await app.close();
      await env.cleanup();
    },
  };
}

/**
 * Base URLs that make truc configured for every system it pulls from (the test profile gives their credentials and
 * no URL): a pull is requested only from a configured system (src/config.ts `systemConfigured`). Nothing is called
 * unless a worker runs the pull.
 */
export const CONFIGURED_SYSTEMS_ENV: Readonly<Record<string, string>> = {
  HCM_CSDL_BASE_URL: 'http://127.0.0.1:9',
  MOET_PCGD_BASE_URL: 'http://127.0.0.1:9',
  SMAS_BASE_URL: 'http://127.0.0.1:9',
  VNEDU_BASE_URL: 'http://127.0.0.1:9',
};

/**
 * The harness of the enclosing suite (or file) on `backend`: started before its tests, closed after
 * them. The object is filled in by the `beforeAll` hook, so tests and later hooks use it as is.
 */
export function useApiHarness(backend: Backend, opts: MakeDepsOptions = {}): ApiHarness {
  // PGlite's start-up is slow on a busy machine.
  return useForSuite(
    () => startApiHarness(backend, opts),
    (h) => h.close(),
    MEMORY_DB_TIMEOUT_MS,
  );
}
