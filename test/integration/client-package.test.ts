/**
 * The `@truc/client` package (packages/client) against a listening truc (PGlite, queues in the
 * database, the worker role running): one token fetched and shared by concurrent calls, a new one
 * before expiry and after a 401, RFC 6749 and RFC 9457 errors mapped to typed errors, a push with an
 * Idempotency-Key polled to the end, findings, reads with cursors and ETags, the change feed, and
 * webhook deliveries verified by `verifyWebhook`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTrucClient,
  TrucApiError,
  TrucOAuthError,
  verifyWebhook,
  WebhookVerificationError,
  type TrucClient,
} from '../../packages/client/src/index.js';
import { addClient, type NewClient } from '../../src/ops.js';
import { startApi, startWorkerRole, type Running } from '../../src/roles.js';
import { OTHER_SCHOOL, SCHOOL, student } from '../factories/records.js';
import { backends, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { onTheWire } from '../helpers/truc-client.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let env: TestEnv;
let api: Running & { url: string };
let worker: Running;
let vendor: NewClient;
let hooks: WebhookReceiver;

beforeAll(async () => {
  env = await makeDeps(backends()[0]!);
  api = await startApi(env.deps, { port: 0, host: '127.0.0.1' });
  worker = startWorkerRole(env.deps);
  vendor = await addClient(env.deps.db, { name: 'Client package', role: 'vendor', schools: [SCHOOL] });
  hooks = await startWebhookReceiver('/truc');
}, 120_000);
afterAll(async () => {
  await hooks?.close();
  await worker?.stop();
  await api?.stop();
  await env?.cleanup();
});

/** A fetch that counts token requests and lets a test spoil the bearer token of the next API call. */
function countingFetch() {
  const seen = { tokens: 0, spoilNext: false, authorizations: [] as string[] };
  const wrapped: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    if (new URL(request.url).pathname === '/oauth/token') seen.tokens += 1;
    else {
      if (seen.spoilNext) {
        seen.spoilNext = false;
        request.headers.set('authorization', 'Bearer not-a-token');
      }
      seen.authorizations.push(request.headers.get('authorization') ?? '');
    }
    return fetch(request);
  };
  return { seen, fetch: wrapped };
}

const asVendor = (over: Partial<Parameters<typeof createTrucClient>[0]> = {}): TrucClient =>
  createTrucClient({
    baseUrl: api.url,
    clientId: vendor.clientId,
    clientSecret: vendor.clientSecret,
    ...over,
  });

const body = (codes: string[]) => ({
  entity: 'students' as const,
  format: 'canonical' as const,
  records: onTheWire<'CanonicalStudentsRecord'>(codes.map((c) => student(c))),
});

describe('@truc/client tokens', () => {
  it('fetches one token for many calls, concurrent ones included', async () => {
    const { seen, fetch } = countingFetch();
    const truc = asVendor({ fetch });
    await Promise.all(Array.from({ length: 5 }, () => truc.api.GET('/v1/changes')));
    await truc.api.GET('/v1/changes');
    expect(seen.tokens).toBe(1);
    expect(new Set(seen.authorizations).size).toBe(1);
    expect(seen.authorizations[0]).toMatch(/^Bearer ey/);
  });

  it('fetches a new token shortly before the old one expires (injected clock)', async () => {
    let now = Date.parse('2026-09-01T08:00:00Z');
    const { seen, fetch } = countingFetch();
    const truc = asVendor({ fetch, now: () => now });
    await truc.token();
    now += 60_000;
    await truc.token();
    expect(seen.tokens).toBe(1);
    now += env.config.auth.tokenTtlSeconds * 1000; // past expiry, margin included
    const fresh = await truc.token();
    expect(seen.tokens).toBe(2);
    expect((await truc.api.GET('/v1/changes')).response.status).toBe(200);
    expect(seen.authorizations.at(-1)).toBe(`Bearer ${fresh}`);
  });

  it('after a 401 it drops the token, fetches a new one and sends the request once more', async () => {
    const { seen, fetch } = countingFetch();
    const truc = asVendor({ fetch });
    await truc.token();
    seen.spoilNext = true;
    const { response } = await truc.api.GET('/v1/changes');
    expect(response.status).toBe(200);
    expect(seen.tokens).toBe(2);
    expect(seen.authorizations.slice(-2)[0]).toBe('Bearer not-a-token');
  });

  it('a refused secret is a TrucOAuthError with the RFC 6749 error, and no token is kept', async () => {
    const truc = asVendor({ clientSecret: 'wrong-secret-wrong-secret' });
    const err = await truc.token().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrucOAuthError);
    expect(err).toMatchObject({ status: 401, error: 'invalid_client', correlationId: expect.any(String) });
    expect(truc.tokens?.fetched).toBe(0);
  });
});

describe('@truc/client calls', () => {
  it('another school is a TrucApiError with the problem code and correlation id', async () => {
    const err = await asVendor()
      .pushBatch(OTHER_SCHOOL, body(['X1']))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrucApiError);
    const e = err as TrucApiError;
    expect(e.status).toBe(403);
    expect(e.code).toMatch(/^ERR_/);
    expect(e.problem?.messages.vi).toBeTruthy();
    expect(e.correlationId).toBe(e.problem?.correlationId);
    expect(e.retryable).toBe(false);
  });

  it('pushes with an Idempotency-Key (resent: the same batch), polls to done, pages findings', async () => {
    const truc = asVendor();
    const records = body(['CP1', 'CP2']);
    records.records.push(
      onTheWire<'CanonicalStudentsRecord'>([student('CPBAD', { birthDate: '2019-02-30' })])[0]!,
    );
    const first = await truc.pushBatch(SCHOOL, records);
    expect(first.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    const again = await truc.pushBatch(SCHOOL, records, { idempotencyKey: first.idempotencyKey });
    expect(again.batchId).toBe(first.batchId);

    const done = await truc.waitForBatch(first.batchId, { intervalMs: 100, timeoutMs: 60_000 });
    expect(done).toMatchObject({ status: 'done', counts: { received: 3, accepted: 2, rejected: 1 } });
    const paged = [];
    for await (const f of truc.findings(first.batchId, { limit: 1 })) paged.push(f);
    const { data: onePage } = await truc.api.GET('/v1/batches/{batchId}/findings', {
      params: { path: { batchId: first.batchId }, query: { limit: 1000 } },
    });
    expect(paged).toEqual(onePage!.items);
    expect(paged.filter((f) => f.severity === 'error').map((f) => f.recordIndex)).toContain(2);
    const dry = await truc.dryRun(SCHOOL, body(['CP3']));
    expect(dry).toMatchObject({ dryRun: true, counts: { received: 1 } });
  });

  it('reads records with cursors and ETags, and follows the change feed to its end', async () => {
    const truc = asVendor();
    await truc.pushAndWait(SCHOOL, body(['RD1', 'RD2', 'RD3']), { intervalMs: 100, timeoutMs: 60_000 });
    const keys = [];
    const read = truc.records(SCHOOL, 'students', { limit: 2 });
    expect(read.nextUpdatedSince).toBeUndefined();
    for await (const r of read) keys.push(r.key);
    expect(keys).toEqual(expect.arrayContaining(['RD1', 'RD2', 'RD3']));
    expect(new Set(keys).size).toBe(keys.length);
    // Once read to the end, the read answers the updatedSince of the next (review30 F1): it lists what changed since.
    expect(read.nextUpdatedSince).toEqual(expect.any(String));
    await truc.pushAndWait(SCHOOL, body(['RD4']), { intervalMs: 100, timeoutMs: 60_000 });
    const since = [];
    for await (const r of truc.records(SCHOOL, 'students', { updatedSince: read.nextUpdatedSince! })) {
      since.push(r.key);
    }
    expect(since).toContain('RD4');

    const one = await truc.record(SCHOOL, 'students', 'RD1');
    expect(one?.record).toMatchObject({ studentCode: 'RD1' });
    expect(await truc.record(SCHOOL, 'students', 'RD1', { etag: one!.etag })).toBeNull();
    await expect(truc.record(SCHOOL, 'students', 'NOPE')).rejects.toMatchObject({ status: 404 });

    const changed = [];
    let cursor: string | undefined;
    for await (const page of truc.changes({ limit: 2 })) {
      changed.push(...page.items.map((c) => c.key));
      cursor = page.nextCursor;
    }
    expect(changed).toEqual(expect.arrayContaining(['RD1', 'RD2', 'RD3']));
    const after = [];
    for await (const page of truc.changes({ cursor: cursor! })) after.push(...page.items);
    expect(after).toEqual([]);
  });

  it('verifies a webhook delivery; a changed body or an old timestamp is refused', async () => {
    const truc = asVendor();
    const { data: hook, error } = await truc.api.POST('/v1/webhooks', {
      body: { url: hooks.url, events: ['batch.finished'] },
    });
    expect(hook, JSON.stringify(error)).toBeDefined();
    const { response } = await truc.api.POST('/v1/webhooks/{id}/ping', {
      params: { path: { id: hook!.id } },
    });
    expect(response.status).toBe(202);
    const delivery = await waitFor(() => hooks.received.find((r) => r.body.includes('webhook.ping')), {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'the ping delivery',
    });
    const event = verifyWebhook(hook!.secret, delivery.body, delivery.headers);
    expect(event).toMatchObject({ id: delivery.headers['webhook-id'], type: 'webhook.ping' });
    expect(() => verifyWebhook(hook!.secret, `${delivery.body} `, delivery.headers)).toThrow(
      WebhookVerificationError,
    );
    const stale = { ...delivery.headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 3600) };
    expect(() => verifyWebhook(hook!.secret, delivery.body, stale)).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(hook!.secret, delivery.body, new Headers())).toThrow(WebhookVerificationError);
  });
});
