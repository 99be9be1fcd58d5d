/**
 * `createTrucClient`: truc's API for a vendor in a few calls. Every request carries a cached OAuth
 * token (fetched with the client credentials, refreshed before it expires, fetched again once after a
 * 401); every push carries an `Idempotency-Key` and is retried with that same key after a network
 * error, a 429 or a 503. `api` is the whole typed client (openapi-fetch over the committed spec) for
 * anything the helpers do not cover.
 */
import { randomUUID } from 'node:crypto';
import createClient, { type Client } from 'openapi-fetch';
import { TrucApiError } from './errors.js';
import type { paths } from './generated/truc.v1.js';
import { createTokenSource, type TokenSource } from './token.js';
import type {
  BatchBody,
  BatchStatus,
  PushOptions,
  RecordEntity,
  RecordRead,
  StoredRecord,
  TrucClient,
  TrucClientOptions,
  WaitOptions,
} from './types.js';

const PUSH_PATH = /\/v1\/schools\/[^/]+\/batches$/;

/** A fetch that adds the bearer token, an Idempotency-Key to pushes, and retries once after a 401. */
function authenticatedFetch(base: typeof fetch, tokens: TokenSource | undefined, fixed: string | undefined) {
  return async function trucFetch(request: Request): Promise<Response> {
    if (request.method === 'POST' && PUSH_PATH.test(new URL(request.url).pathname)) {
      if (!request.headers.has('idempotency-key')) request.headers.set('idempotency-key', randomUUID());
    }
    if (!tokens) {
      if (fixed !== undefined) request.headers.set('authorization', `Bearer ${fixed}`);
      return base(request);
    }
    const again = request.clone();
    const token = await tokens.get();
    request.headers.set('authorization', `Bearer ${token}`);
    const response = await base(request);
    if (response.status !== 401) return response;
    // the token was revoked or the signing key rotated: one new token, one more try
    await response.body?.cancel();
    tokens.invalidate(token);
    again.headers.set('authorization', `Bearer ${await tokens.get()}`);
    return base(again);
  };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Pagination endpoints and key names of the read routes, by entity. */
const READ_KEY = { students: 'studentCode', staff: 'staffCode', classes: 'classKey' } as const;

/** The client's token source when it logs in with a client id and secret (else it sends `opts.token`). */
function tokenSourceOf(opts: TrucClientOptions, fetch: typeof globalThis.fetch): TokenSource | undefined {
  if (opts.clientId === undefined || opts.clientSecret === undefined) return undefined;
  return createTokenSource({
    baseUrl: opts.baseUrl,
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    fetch,
    ...(opts.scope === undefined ? {} : { scope: opts.scope }),
    ...(opts.now === undefined ? {} : { now: opts.now }),
    ...(opts.refreshMarginSeconds === undefined ? {} : { refreshMarginSeconds: opts.refreshMarginSeconds }),
  });
}

/** A read of a school's records: the walk of its pages, and the watermark its last page answers. */
function recordRead(
  api: Client<paths>,
  schoolCode: string,
  entity: RecordEntity,
  o: { updatedSince?: string; limit?: number },
): RecordRead {
  // the three list routes share their parameters and RecordPage answer
  const path = `/v1/schools/{schoolCode}/${entity}` as '/v1/schools/{schoolCode}/students';
  let watermark: string | undefined;
  async function* walk(): AsyncGenerator<StoredRecord, void> {
    let cursor: string | undefined;
    do {
      const query = {
        ...(o.limit === undefined ? {} : { limit: o.limit }),
        ...(o.updatedSince === undefined ? {} : { updatedSince: o.updatedSince }),
        ...(cursor === undefined ? {} : { cursor }),
      };
      const { data, error, response } = await api.GET(path, { params: { path: { schoolCode }, query } });
      if (!data) throw new TrucApiError(response, error, `list ${entity}`);
      yield* data.items;
      cursor = data.nextCursor ?? undefined;
      // the last page answers the read's watermark (its first page's, carried by the cursors)
      if (cursor === undefined) watermark = data.nextUpdatedSince ?? undefined;
    } while (cursor !== undefined);
  }
  return Object.defineProperty(walk(), 'nextUpdatedSince', { get: () => watermark }) as RecordRead;
}

/** The paged reads: a batch's findings, a school's records and one record, the change feed. */
function reads(
  api: Client<paths>,
): Pick<TrucClient, 'findings' | 'records' | 'record' | 'changes' | 'listBatches'> {
  return {
    async *listBatches(schoolCode, query = {}) {
      let cursor: string | undefined;
      do {
        const { data, error, response } = await api.GET('/v1/schools/{schoolCode}/batches', {
          params: { path: { schoolCode }, query: { ...query, ...(cursor === undefined ? {} : { cursor }) } },
        });
        if (!data) throw new TrucApiError(response, error, 'listBatches');
        yield* data.items;
        cursor = data.nextCursor ?? undefined;
      } while (cursor !== undefined);
    },
    async *findings(batchId, query = {}) {
      const limit = query.limit ?? 100;
      for (let offset = query.offset ?? 0; ;) {
        const { data, error, response } = await api.GET('/v1/batches/{batchId}/findings', {
          params: { path: { batchId }, query: { ...query, limit, offset } },
        });
        if (!data) throw new TrucApiError(response, error, 'getFindings');
        yield* data.items;
        if (data.items.length < limit) return;
        offset += data.items.length;
      }
    },
    records: (schoolCode, entity, o = {}) => recordRead(api, schoolCode, entity, o),
    async record(schoolCode, entity, key, o = {}) {
      const path =
        `/v1/schools/{schoolCode}/${entity}/{${READ_KEY[entity]}}` as '/v1/schools/{schoolCode}/students/{studentCode}';
      const { data, error, response } = await api.GET(path, {
        params: {
          path: { schoolCode, [READ_KEY[entity]]: key } as { schoolCode: string; studentCode: string },
          ...(o.etag === undefined ? {} : { header: { 'if-none-match': o.etag } }),
        },
      });
      if (response.status === 304) return null;
      if (!data) throw new TrucApiError(response, error, `get ${entity} record`);
      return data;
    },
    async *changes(o = {}) {
      let cursor = o.cursor;
      for (;;) {
        const query = {
          ...(cursor === undefined ? {} : { cursor }),
          ...(o.schoolCode === undefined ? {} : { schoolCode: o.schoolCode }),
          ...(o.limit === undefined ? {} : { limit: o.limit }),
        };
        const { data, error, response } = await api.GET('/v1/changes', { params: { query } });
        if (!data) throw new TrucApiError(response, error, 'listChanges');
        if (data.items.length === 0) return;
        yield data;
        cursor = data.nextCursor;
      }
    },
  };
}

/** Runs `attempt` again after a network error or a retryable answer (same request, same idempotency key). */
function retrying(retries: number, sleep: (ms: number) => Promise<void>) {
  return async function withRetries<T>(attempt: () => Promise<T>): Promise<T> {
    for (let n = 0; ; n += 1) {
      try {
        return await attempt();
      } catch (err) {
        const network = err instanceof TypeError;
        const busy = err instanceof TrucApiError && err.retryable;
        if (n >= retries || !(network || busy)) throw err;
        const backoff = Math.min(30_000, 500 * 2 ** n) * (0.5 + Math.random() / 2);
        await sleep(busy && err.retryAfter !== undefined ? err.retryAfter * 1000 : backoff);
      }
    }
  };
}

/** The batch calls: push (retried under one idempotency key), dry run, status, wait, push and wait. */
function batches(
  api: Client<paths>,
  withRetries: ReturnType<typeof retrying>,
  sleep: (ms: number) => Promise<void>,
): Pick<TrucClient, 'pushBatch' | 'dryRun' | 'batch' | 'waitForBatch' | 'pushAndWait'> {
  async function batch(batchId: string): Promise<BatchStatus> {
    const { data, error, response } = await api.GET('/v1/batches/{batchId}', {
      params: { path: { batchId } },
    });
    if (!data) throw new TrucApiError(response, error, 'getBatch');
    return data;
  }

  async function pushBatch(schoolCode: string, body: BatchBody, o: PushOptions = {}) {
    const idempotencyKey = o.idempotencyKey ?? randomUUID();
    return withRetries(async () => {
      const { data, error, response } = await api.POST('/v1/schools/{schoolCode}/batches', {
        params: { path: { schoolCode }, header: { 'idempotency-key': idempotencyKey } },
        body,
      });
      if (!data || !('batchId' in data)) throw new TrucApiError(response, error, 'pushBatch');
      return { ...data, idempotencyKey };
    });
  }

  async function waitForBatch(batchId: string, o: WaitOptions = {}): Promise<BatchStatus> {
    const deadline = Date.now() + (o.timeoutMs ?? 600_000);
    for (;;) {
      o.signal?.throwIfAborted();
      const status = await batch(batchId);
      // A held batch waits for a person (review24): answered as it stands, not polled until the timeout.
      if (status.status === 'done' || status.status === 'failed' || status.status === 'held') return status;
      if (Date.now() >= deadline)
        throw new Error(
          `waitForBatch: batch ${batchId} still ${status.status} after ${o.timeoutMs ?? 600_000} ms`,
        );
      await sleep(o.intervalMs ?? 1000);
    }
  }

  return {
    pushBatch,
    async dryRun(schoolCode, body) {
      const { data, error, response } = await api.POST('/v1/schools/{schoolCode}/batches', {
        params: { path: { schoolCode }, query: { dryRun: 'true' } },
        body,
      });
      if (!data || !('dryRun' in data)) throw new TrucApiError(response, error, 'pushBatch?dryRun');
      return data;
    },
    batch,
    waitForBatch,
    async pushAndWait(schoolCode, body, o = {}) {
      const accepted = await pushBatch(schoolCode, body, o);
      return waitForBatch(accepted.batchId, o);
    },
  };
}

export function createTrucClient(opts: TrucClientOptions): TrucClient {
  const base = opts.fetch ?? globalThis.fetch;
  const sleep = opts.sleep ?? defaultSleep;
  if ((opts.clientId === undefined) !== (opts.clientSecret === undefined))
    throw new TypeError('createTrucClient: give clientId and clientSecret together');
  const tokens = tokenSourceOf(opts, base);
  const api = createClient<paths>({
    baseUrl: opts.baseUrl,
    fetch: authenticatedFetch(base, tokens, opts.token),
    ...(opts.language === undefined ? {} : { headers: { 'accept-language': opts.language } }),
  });
  return {
    api,
    tokens,
    async token() {
      return tokens ? tokens.get() : opts.token;
    },
    ...batches(api, retrying(opts.retries ?? 3, sleep), sleep),
    ...reads(api),
  };
}
