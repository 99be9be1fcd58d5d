import nock from 'nock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createHttpClient, type HttpClientOptions } from '../../../src/adapters/http.js';
import { classifyError, parseRetryAfter } from '../../../src/adapters/classify.js';
import { clampPageSize, paginate, parseWire } from '../../../src/adapters/wire.js';
import { AppError } from '../../../src/errors.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';

const BASE = 'http://sys.test';
const client = (o: Partial<HttpClientOptions> = {}) =>
  createHttpClient({ system: 'sys', baseURL: BASE, ...o });
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as AppError,
  );

function captureLogs() {
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (s: string) => void lines.push(s) });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

afterEach(() => {
  nock.cleanAll();
});

describe('createHttpClient — error normalisation', () => {
  it.each([
    [401, 'ERR_ADAPTER_AUTH', false],
    [403, 'ERR_ADAPTER_FORBIDDEN', false],
    [400, 'ERR_ADAPTER_REJECTED', false],
    [422, 'ERR_ADAPTER_REJECTED', false],
    [408, 'ERR_ADAPTER_TIMEOUT', true],
    [500, 'ERR_ADAPTER_UNAVAILABLE', true],
    [503, 'ERR_ADAPTER_UNAVAILABLE', true],
  ])('HTTP %i → %s', async (status, code, retryable) => {
    nock(BASE).get('/x').reply(status, '<html>oops</html>');
    const err = await failure(client().get('/x'));
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
  });

  it('429 carries Retry-After in seconds', async () => {
    nock(BASE).get('/x').reply(429, {}, { 'Retry-After': '30' });
    const err = await failure(client().get('/x'));
    expect(err).toMatchObject({ code: 'ERR_ADAPTER_RATE_LIMITED', retryable: true, retryAfterSeconds: 30 });
  });

  it('429 carries Retry-After given as an HTTP date', async () => {
    const now = Date.parse('2025-10-01T08:00:00Z');
    nock(BASE).get('/x').reply(429, {}, { 'Retry-After': 'Wed, 01 Oct 2025 08:02:00 GMT' });
    const err = await failure(client({ now: () => now }).get('/x'));
    expect(err).toMatchObject({ code: 'ERR_ADAPTER_RATE_LIMITED', retryAfterSeconds: 120 });
  });

  it('per-system status overrides (409 → window closed)', async () => {
    nock(BASE).post('/submit').reply(409, { code: 'CLOSED' });
    const err = await failure(
      client({ statusCodes: { 409: 'ERR_ADAPTER_WINDOW_CLOSED' } }).post('/submit', {}),
    );
    expect(err.code).toBe('ERR_ADAPTER_WINDOW_CLOSED');
  });

  it.each(['ECONNRESET', 'ECONNREFUSED'])('%s → ERR_ADAPTER_UNAVAILABLE', async (code) => {
    nock(BASE)
      .get('/x')
      .replyWithError(Object.assign(new Error(code), { code }));
    const err = await failure(client().get('/x'));
    expect(err).toMatchObject({ code: 'ERR_ADAPTER_UNAVAILABLE', retryable: true });
  });

  it('timeout → ERR_ADAPTER_TIMEOUT', async () => {
    nock(BASE).get('/slow').delay(500).reply(200, {});
    const err = await failure(client({ timeoutMs: 50 }).get('/slow'));
    expect(err).toMatchObject({ code: 'ERR_ADAPTER_TIMEOUT', retryable: true });
  });

  it('truncated JSON → ERR_ADAPTER_RESPONSE_INVALID; valid JSON is decoded', async () => {
    nock(BASE).get('/bad').reply(200, '{"items":[1,', { 'content-type': 'application/json' });
    nock(BASE)
      .get('/good')
      .reply(200, { items: [1] });
    expect((await failure(client().get('/bad'))).code).toBe('ERR_ADAPTER_RESPONSE_INVALID');
    expect((await client().get('/good')).data).toEqual({ items: [1] });
  });

  it('the cause keeps no request config (safe to log), the vendor body stays reachable', async () => {
    nock(BASE).get('/x').reply(400, { problem: 'bad field' });
    const err = await failure(client({ auth: { kind: 'bearer', token: 'sekret-token' } }).get('/x'));
    expect(JSON.stringify(err.cause)).not.toContain('sekret-token');
    expect((err.cause as { responseBody: unknown }).responseBody).toEqual({ problem: 'bad field' });
  });
});

describe('createHttpClient — auth', () => {
  it('bearer and api-key headers', async () => {
    nock(BASE, { reqheaders: { authorization: 'Bearer t1' } })
      .get('/a')
      .reply(200, {});
    nock(BASE, { reqheaders: { 'x-api-key': 'k1' } })
      .get('/b')
      .reply(200, {});
    await client({ auth: { kind: 'bearer', token: 't1' } }).get('/a');
    await client({ auth: { kind: 'api-key', header: 'X-Api-Key', key: 'k1' } }).get('/b');
    expect(nock.isDone()).toBe(true);
  });

  const oauth = {
    kind: 'oauth2-client-credentials',
    tokenUrl: `${BASE}/oauth/token`,
    clientId: 'id',
    clientSecret: 'sec',
  } as const;
  const basic = `Basic ${Buffer.from('id:sec').toString('base64')}`;

  it('fetches the token once and reuses it until shortly before expiry', async () => {
    let now = 1_000_000;
    const tokens = nock(BASE, { reqheaders: { authorization: basic } })
      .post('/oauth/token', 'grant_type=client_credentials')
      .reply(200, { access_token: 'T1', expires_in: 300 })
      .post('/oauth/token')
      .reply(200, { access_token: 'T2', expires_in: 300 });
    const api = nock(BASE)
      .get('/d')
      .times(2)
      .matchHeader('authorization', 'Bearer T1')
      .reply(200, {})
      .get('/d')
      .matchHeader('authorization', 'Bearer T2')
      .reply(200, {});
    const c = client({ auth: oauth, now: () => now });
    await c.get('/d');
    now += 200_000; // still valid
    await c.get('/d');
    now += 80_000; // within the refresh margin (30 s before expiry)
    await c.get('/d');
    expect(tokens.isDone()).toBe(true);
    expect(api.isDone()).toBe(true);
  });

  // A caller that hands a Date clock (JavaScript, or a spread of wider deps) must not defeat the cache.
  it('reuses the token when the clock returns a Date', async () => {
    const tokens = nock(BASE).post('/oauth/token').once().reply(200, { access_token: 'T1', expires_in: 300 });
    const api = nock(BASE).get('/d').times(2).matchHeader('authorization', 'Bearer T1').reply(200, {});
    const c = client({ auth: oauth, now: (() => new Date()) as unknown as () => number });
    await c.get('/d');
    await c.get('/d');
    expect(tokens.isDone()).toBe(true);
    expect(api.isDone()).toBe(true);
  });

  it('refreshes the token once on 401, then gives up with ERR_ADAPTER_AUTH', async () => {
    nock(BASE)
      .post('/oauth/token')
      .reply(200, { access_token: 'OLD', expires_in: 3600 })
      .post('/oauth/token')
      .reply(200, { access_token: 'NEW', expires_in: 3600 });
    nock(BASE).get('/d').matchHeader('authorization', 'Bearer OLD').reply(401);
    nock(BASE).get('/d').matchHeader('authorization', 'Bearer NEW').reply(200, { ok: 1 });
    const c = client({ auth: oauth });
    expect((await c.get('/d')).data).toEqual({ ok: 1 });

    nock(BASE)
      .get('/d')
      .reply(401)
      .post('/oauth/token')
      .reply(200, { access_token: 'NEWER' })
      .get('/d')
      .reply(401);
    const err = await failure(c.get('/d'));
    expect(err.code).toBe('ERR_ADAPTER_AUTH');
    expect(nock.isDone()).toBe(true);
  });

  it('a refused client at the token endpoint → ERR_ADAPTER_AUTH', async () => {
    nock(BASE).post('/oauth/token').reply(401, { error: 'invalid_client' });
    expect((await failure(client({ auth: oauth }).get('/d'))).code).toBe('ERR_ADAPTER_AUTH');
  });
});

describe('createHttpClient — logs and metrics', () => {
  it('one line per call without bodies, auth headers, tokens or query strings', async () => {
    const { logger, lines, parsed } = captureLogs();
    const metrics = createMetrics();
    nock(BASE).get('/students/079203001234').query(true).reply(200, { fullName: 'Nguyễn Văn An' });
    nock(BASE).post('/students').reply(422, { error: 'personalId 079203009999 invalid' });
    const c = client({ logger, metrics, auth: { kind: 'bearer', token: 'very-secret-token' } });
    await c.get('/students/079203001234', { params: { personalId: '079203005555' } });
    await failure(c.post('/students', { fullName: 'Trần Thị Bình', personalId: '079303007777' }));
    expect(lines).toHaveLength(2);
    const all = lines.join('\n');
    for (const secret of ['very-secret-token', 'Bearer', 'Nguyễn', 'Trần', '0792030', '0793030']) {
      expect(all).not.toContain(secret);
    }
    const [ok, rejected] = parsed();
    expect(ok).toMatchObject({
      level: 'debug',
      system: 'sys',
      method: 'GET',
      path: '/students/***',
      status: 200,
    });
    expect(rejected).toMatchObject({
      level: 'info',
      method: 'POST',
      status: 422,
      code: 'ERR_ADAPTER_REJECTED',
    });
    const values = (await metrics.externalRequestDuration.get()).values.filter((v) =>
      v.metricName?.endsWith('_count'),
    );
    expect(values.map((v) => [v.labels.status_class, v.value]).sort()).toEqual([
      ['2xx', 1],
      ['4xx', 1],
    ]);
  });

  it('labels a timeout as status_class timeout', async () => {
    const metrics = createMetrics();
    nock(BASE).get('/slow').delay(300).reply(200, {});
    await failure(client({ metrics, timeoutMs: 30 }).get('/slow'));
    const counts = (await metrics.externalRequestDuration.get()).values.filter((v) =>
      v.metricName?.endsWith('_count'),
    );
    expect(counts.map((v) => v.labels)).toEqual([{ system: 'sys', method: 'GET', status_class: 'timeout' }]);
  });
});

describe('createHttpClient — in-client retry', () => {
  it('retries idempotent GETs on 503 up to maxRetries', async () => {
    nock(BASE).get('/x').times(2).reply(503).get('/x').reply(200, { ok: true });
    const res = await client({ maxRetries: 2, retryBaseMs: 1 }).get('/x');
    expect(res.data).toEqual({ ok: true });
  });

  it('is off by default and never retries POST', async () => {
    nock(BASE).get('/x').reply(503).get('/x').reply(200, {});
    expect((await failure(client().get('/x'))).code).toBe('ERR_ADAPTER_UNAVAILABLE');
    nock.cleanAll();
    const scope = nock(BASE).post('/x').reply(503).post('/x').reply(200, {});
    expect((await failure(client({ maxRetries: 3, retryBaseMs: 1 }).post('/x', {}))).code).toBe(
      'ERR_ADAPTER_UNAVAILABLE',
    );
    expect(scope.pendingMocks()).toHaveLength(1);
  });

  it('never waits out a Retry-After itself: the caller gets it at once (its gate makes every worker wait)', async () => {
    for (const [status, after] of [
      [429, '1'],
      [503, '2'],
      [429, '120'],
    ] as const) {
      nock.cleanAll();
      const scope = nock(BASE).get('/x').reply(status, {}, { 'Retry-After': after }).get('/x').reply(200, {});
      // Not slept through in the client: no timer of a second or more but the call's own timeout (counted, not timed:
      // the time a call took measures the machine too).
      const timers = vi.spyOn(globalThis, 'setTimeout');
      const err = await failure(client({ maxRetries: 2, retryBaseMs: 1, timeoutMs: 30_000 }).get('/x'));
      const waits = timers.mock.calls.map(([, ms]) => ms ?? 0).filter((ms) => ms >= 1000 && ms !== 30_000);
      timers.mockRestore();
      expect(waits).toEqual([]);
      expect(err.retryAfterSeconds).toBe(Number(after));
      expect(scope.pendingMocks()).toHaveLength(1); // one call: no retry behind the caller's back
    }
  });
});

describe('parseWire, classifyError, parseRetryAfter, paginate', () => {
  const schema = z.object({ code: z.string(), birth: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) });

  it('parseWire returns data or throws ERR_ADAPTER_RESPONSE_INVALID with pointers, never values', () => {
    expect(parseWire(schema, { code: 'a', birth: '2019-01-01' }, 'sys')).toEqual({
      code: 'a',
      birth: '2019-01-01',
    });
    let caught: unknown;
    try {
      parseWire(schema, { code: 42, birth: '01/02/2019' }, 'sys');
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'ERR_ADAPTER_RESPONSE_INVALID' });
    const err = caught as AppError;
    expect(err.errors?.map((e) => e.pointer).sort()).toEqual(['/birth', '/code']);
    expect(err.message + JSON.stringify(err.errors)).not.toContain('01/02/2019');
  });

  it('classifyError keeps AppErrors and maps unknown errors to ERR_INTERNAL', () => {
    expect(classifyError(new AppError('ERR_ADAPTER_TIMEOUT'))).toEqual({
      code: 'ERR_ADAPTER_TIMEOUT',
      retryable: true,
    });
    expect(classifyError(new TypeError('x'))).toEqual({ code: 'ERR_INTERNAL', retryable: true });
    const limited = new AppError('ERR_ADAPTER_RATE_LIMITED', undefined, { retryAfterSeconds: 5 });
    expect(classifyError(limited)).toEqual({
      code: 'ERR_ADAPTER_RATE_LIMITED',
      retryable: true,
      retryAfterSeconds: 5,
    });
  });

  it('parseRetryAfter handles seconds, dates, past dates and junk', () => {
    const now = Date.parse('2025-10-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter('Wed, 01 Oct 2025 00:00:10 GMT', now)).toBe(10);
    expect(parseRetryAfter('Tue, 30 Sep 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('paginate follows cursors to the end and stops on a repeated cursor', async () => {
    const pages: Record<string, { items: number[]; nextCursor?: string }> = {
      start: { items: [1, 2], nextCursor: 'b' },
      b: { items: [3], nextCursor: 'c' },
      c: { items: [4] },
    };
    const seen: number[] = [];
    for await (const p of paginate((c) => Promise.resolve(pages[c ?? 'start']!))) seen.push(...p.items);
    expect(seen).toEqual([1, 2, 3, 4]);
    const loop = paginate(() => Promise.resolve({ items: [1], nextCursor: 'same' }), { cursor: 'x' });
    const err = await failure(
      (async () => {
        for await (const _ of loop) void _;
      })(),
    );
    expect(err.code).toBe('ERR_ADAPTER_RESPONSE_INVALID');
  });
});

describe('clampPageSize', () => {
  it('keeps a page size in 1..max, rounded down; absent or not finite → the default', () => {
    expect(clampPageSize(50.9, 100, 500)).toBe(50);
    expect(clampPageSize(0, 100, 500)).toBe(1);
    expect(clampPageSize(9999, 100, 500)).toBe(500);
    expect(clampPageSize(undefined, 100, 500)).toBe(100);
    expect(clampPageSize(Number.NaN, 100, 500)).toBe(100);
    expect(clampPageSize(Number.POSITIVE_INFINITY, 100, 500)).toBe(100);
  });
});
