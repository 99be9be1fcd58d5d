/**
 * Transport of hcm-csdl: OAuth2 client credentials, cursor pagination of the change feeds, batched
 * upserts with Idempotency-Key, and a health probe — on the shared {@link createHttpClient}.
 * Returns parsed wire records (schema.ts); no canonical model here.
 */
import { createHash } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import type { ZodType } from 'zod';
import { isAppError } from '../../errors.js';
import {
  clientCredentials,
  createHttpClient,
  headTransport,
  jsonPage,
  processOptions,
  recordBytesOf,
} from '../http.js';
import { clampPageSize, paginate, parseWire, peekStringField } from '../wire.js';
import type {
  ChangeFeed,
  ClientDeps,
  OAuthClientSettings,
  HealthResult,
  ListChangesOptions,
  WriteOptions,
  WriteReceipt,
} from '../types.js';
import { pageAsIs } from './page-as-is.js';
import {
  ENTITY_SCHEMAS,
  HCM_CSDL_MAX_PAGE,
  receiptSchema,
  type HcmCsdlDeletable,
  type HcmCsdlEntity,
  type HcmCsdlWire,
  type HcmCsdlWireIn,
  type Receipt,
} from './schema.js';

/** System id (metrics label, logs). */
export const HCM_CSDL_SYSTEM = 'hcm-csdl';

/**
 * Settings of the hcm-csdl client; `baseURL` e.g. `https://csdl.example.hcm.edu.vn` (the real host is not
 * known, DOMAIN §6.3). `clientSecret` is a secret: never log it.
 */
export interface HcmCsdlConfig extends OAuthClientSettings {
  scope?: string;
  /** @defaultValue 10000 */
  timeoutMs?: number;
  /** In-client retries of GETs on transient errors. @defaultValue 2 */
  maxRetries?: number;
  /** Records per page when the caller does not say. @defaultValue 1000 */
  defaultPageSize?: number;
}

/** What the client needs from the process. */
export type HcmCsdlDeps = ClientDeps;

interface WirePage<T> {
  data: T[];
  nextCursor?: string;
  watermark: string;
  /** Per record of `data`, its bytes as received (`recordBytesOf`), when known. */
  bytes?: readonly Uint8Array[];
}

/** The hcm-csdl client (see {@link createHcmCsdlClient}). */
export type HcmCsdlClient = ReturnType<typeof createHcmCsdlClient>;

/**
 * Idempotency key of chunk `index` of a batch: the key itself for a single chunk, otherwise
 * `<key>.<index>.<digest of the chunk's body>` (a batch sent again with one chunk's records changed
 * replays the chunks that are the same and sends the changed one as a request of its own: the same key
 * with another body is refused, and the chunks after it would never be sent; review15 BUG 1); keys that
 * would exceed 200 characters are replaced by their SHA-256.
 */
function chunkKey(key: string, index: number, chunks: number, body: unknown): string {
  if (chunks === 1) return key.length <= 200 ? key : createHash('sha256').update(key).digest('hex');
  const digest = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  const out = `${key}.${index}.${digest}`;
  return out.length <= 200 ? out : createHash('sha256').update(out).digest('hex');
}

/** Merges chunk receipts into one; rejection indexes become indexes into the whole batch. */
function mergeReceipts(parts: Array<{ receipt: Receipt; offset: number; replayed: boolean }>): WriteReceipt {
  const merged: WriteReceipt = { accepted: 0, rejected: [] };
  const ids: string[] = [];
  for (const { receipt, offset } of parts) {
    merged.accepted += receipt.accepted;
    for (const r of receipt.rejected) merged.rejected.push({ ...r, index: r.index + offset });
    ids.push(receipt.receiptId);
  }
  if (ids.length > 0) merged.receiptId = ids.join(',');
  if (parts.length > 0 && parts.every((p) => p.replayed)) merged.replayed = true;
  return merged;
}

/** One chunk's receipt and whether the server answered it as a replay. */
interface ChunkAnswer {
  receipt: Receipt;
  replayed: boolean;
}

/**
 * Sends `items` in chunks of ≤ 1000 in order (each request inside `opts.through` when given), each with
 * its own Idempotency-Key derived from `opts.idempotencyKey` (and from its body when there are several),
 * and merges the receipts. A failing chunk throws (earlier chunks
 * stay applied; re-sending the same key with the same items replays them).
 */
async function inChunks<T>(
  items: readonly T[],
  opts: WriteOptions,
  send: (slice: readonly T[], chunkKey: string) => Promise<ChunkAnswer>,
): Promise<WriteReceipt> {
  const key = opts.idempotencyKey;
  if (items.length === 0) return { accepted: 0, rejected: [] };
  const chunks = Math.ceil(items.length / HCM_CSDL_MAX_PAGE);
  const parts: Array<ChunkAnswer & { offset: number }> = [];
  for (let i = 0; i < chunks; i++) {
    const offset = i * HCM_CSDL_MAX_PAGE;
    const slice = items.slice(offset, offset + HCM_CSDL_MAX_PAGE);
    const call = () => send(slice, chunkKey(key, i, chunks, slice));
    const part = opts.through ? await opts.through(call) : await call();
    parts.push({ ...part, offset });
  }
  return mergeReceipts(parts);
}

/** Sends one chunk with its Idempotency-Key and reads the receipt and the replay header. */
async function sendChunk(
  http: AxiosInstance,
  req: { method: 'put' | 'post'; url: string; body: unknown },
  key: string,
): Promise<ChunkAnswer> {
  const res = await http.request<unknown>({
    method: req.method,
    url: req.url,
    data: req.body,
    headers: { 'Idempotency-Key': key, 'content-type': 'application/json' },
  });
  const receipt = parseWire(receiptSchema, res.data, HCM_CSDL_SYSTEM);
  return { receipt, replayed: String(res.headers['idempotency-replayed'] ?? '') === 'true' };
}

/** Bytes of a page's body from its `nextCursor` field on in which a cursor hint is looked for. */
const CURSOR_WINDOW = 64 * 1024;

/**
 * What tells `hint` a page's next cursor from its body's text before the body is decoded and checked
 * (issue 7: the next request goes out meanwhile; a hint, see `peekStringField`): a transport that looks
 * at the head of the body as it arrives (where the simulator sends it), else a response transform that
 * looks at the whole text. Once per answer, a 2xx only.
 */
function cursorHint(hint: (cursor: string) => void) {
  let told = false;
  const ok = (status?: number) => status !== undefined && status >= 200 && status < 300;
  const tell = (text: string): boolean => {
    const next = peekStringField(text, 'nextCursor');
    if (next === undefined) return false;
    told = true;
    try {
      hint(next);
    } catch {
      // a hint that fails changes nothing of the page
    }
    return true;
  };
  return {
    transport: headTransport((head, status) => !ok(status) || tell(head)),
    transformResponse: [
      (data: unknown, _headers: unknown, status?: number): unknown => {
        if (!told && ok(status) && Buffer.isBuffer(data)) {
          // Read as bytes (`jsonPage`): the text from the field's first occurrence on.
          const at = data.indexOf('"nextCursor"');
          if (at >= 0) tell(data.toString('utf8', at, Math.min(data.length, at + CURSOR_WINDOW)));
        } else if (!told && ok(status) && typeof data === 'string') tell(data);
        told = false;
        return data;
      },
    ],
  };
}

/** One page of `GET /v1/<entity>`. A cursor carries the original filters, so only it is sent. */
async function fetchPageWith<E extends HcmCsdlEntity>(
  http: AxiosInstance,
  defaultPageSize: number,
  entity: E,
  opts: ListChangesOptions,
): Promise<WirePage<HcmCsdlWire[E]>> {
  const params: Record<string, string | number> = {
    limit: clampPageSize(opts.pageSize, defaultPageSize, HCM_CSDL_MAX_PAGE),
  };
  if (opts.cursor) params.cursor = opts.cursor;
  else {
    if (opts.since) params.updatedSince = opts.since;
    if (opts.schoolCode) params.maTruong = opts.schoolCode;
  }
  // The page's body read as bytes and parsed piece by piece (issue 7: see `jsonPage`).
  const res = await http.get<unknown>(`/v1/${entity}`, {
    params,
    ...jsonPage('data'),
    ...(opts.onNextCursor ? cursorHint(opts.onNextCursor) : {}),
  });
  const schema = ENTITY_SCHEMAS[entity].page as unknown as ZodType<WirePage<HcmCsdlWire[E]>>;
  const bytes = recordBytesOf(res.data);
  // Records fingerprinted by their bytes as received are taken as they are, not copied (./page-as-is.ts).
  const page =
    (bytes ? pageAsIs(schema, res.data) : undefined) ?? parseWire(schema, res.data, HCM_CSDL_SYSTEM);
  // The schema keeps the records' order and number (a page passes whole or fails).
  return bytes?.length === page.data.length ? { ...page, bytes } : page;
}

/** Creates the hcm-csdl client. */
export function createHcmCsdlClient(config: HcmCsdlConfig, deps: HcmCsdlDeps = {}) {
  const base = config.baseURL.replace(/\/+$/, '');
  const http: AxiosInstance = createHttpClient({
    system: HCM_CSDL_SYSTEM,
    baseURL: base,
    timeoutMs: config.timeoutMs ?? 10_000,
    maxRetries: config.maxRetries ?? 2,
    auth: clientCredentials(config, base),
    ...processOptions(deps),
  });
  const defaultPageSize = clampPageSize(config.defaultPageSize, HCM_CSDL_MAX_PAGE, HCM_CSDL_MAX_PAGE);

  /** One page of `GET /v1/<entity>`. A cursor carries the original filters, so only it is sent. */
  const fetchPage = <E extends HcmCsdlEntity>(entity: E, opts: ListChangesOptions) =>
    fetchPageWith(http, defaultPageSize, entity, opts);

  /** Changes since `since` (or from `cursor`), one {@link ChangeFeed} per page, tombstones included. */
  async function* listChanges<E extends HcmCsdlEntity>(
    entity: E,
    opts: ListChangesOptions = {},
  ): AsyncGenerator<ChangeFeed<HcmCsdlWire[E]>> {
    const pages = paginate<HcmCsdlWire[E]>(
      async (cursor) => {
        const page = await fetchPage(entity, { ...opts, ...(cursor ? { cursor } : {}) });
        watermark = page.watermark;
        const items = { items: page.data, ...(page.bytes ? { itemBytes: page.bytes } : {}) };
        return page.nextCursor ? { ...items, nextCursor: page.nextCursor } : items;
      },
      { ...(opts.cursor ? { cursor: opts.cursor } : {}), system: HCM_CSDL_SYSTEM },
    );
    let watermark = '';
    for await (const page of pages) yield { ...page, watermark };
  }

  /**
   * Upserts records in chunks of ≤ 1000, each with its own Idempotency-Key derived from
   * `idempotencyKey`, and returns the merged receipt. Chunks are sent in order; a failing chunk throws
   * (earlier chunks stay applied; re-sending the same key replays them).
   */
  const write = <E extends HcmCsdlEntity>(
    entity: E,
    records: readonly HcmCsdlWireIn[E][],
    opts: WriteOptions,
  ): Promise<WriteReceipt> =>
    inChunks(records, opts, (data, key) =>
      sendChunk(http, { method: 'put', url: `/v1/${entity}:batch`, body: { data } }, key),
    );

  /**
   * Deletes records by key (`POST /v1/<entity>:batchDelete`) in chunks of ≤ 1000, each with its own
   * Idempotency-Key derived from `idempotencyKey`; unknown or already deleted keys count as accepted.
   */
  const remove = (entity: HcmCsdlDeletable, keys: readonly string[], opts: WriteOptions) =>
    inChunks(keys, opts, (slice, key) =>
      sendChunk(http, { method: 'post', url: `/v1/${entity}:batchDelete`, body: { keys: slice } }, key),
    );

  /** `GET /v1/ping` with a token: reachability and credentials. Never throws. */
  async function health(): Promise<HealthResult> {
    try {
      await http.get('/v1/ping');
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: isAppError(err) ? err.code : 'unexpected error' };
    }
  }

  return { system: HCM_CSDL_SYSTEM, fetchPage, listChanges, write, remove, health };
}
