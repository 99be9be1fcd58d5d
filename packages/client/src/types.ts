/**
 * The shapes of `createTrucClient` (./client.ts): the API's schemas it reads and sends, its options, and the
 * `TrucClient` it returns.
 */
import type { Client } from 'openapi-fetch';
import type { components, paths } from './generated/truc.v1.js';
import type { TokenSource } from './token.js';

type Schemas = components['schemas'];
export type BatchBody = Schemas['BatchRequestInput'];
export type BatchAccepted = Schemas['BatchAccepted'];
export type BatchStatus = Schemas['BatchStatus'];
export type DryRunResult = Schemas['DryRunResult'];
export type Finding = Schemas['Finding'];
export type StoredRecord = Schemas['StoredRecord'];
export type Change = Schemas['Change'];
export type ChangePage = Schemas['ChangePage'];
export type BatchListItem = Schemas['BatchListItem'];
/** The filters of a school's batch list (`listBatches`); its pages are walked for you. */
export type BatchListQuery = Omit<
  NonNullable<paths['/v1/schools/{schoolCode}/batches']['get']['parameters']['query']>,
  'cursor'
>;
/**
 * A read of a school's records (`records`): the records, one at a time; once the last is read, the read's
 * `nextUpdatedSince`.
 */
export interface RecordRead extends AsyncGenerator<StoredRecord, void> {
  /**
   * Once the read has gone through its last page: the `updatedSince` of your next read (store it with your copy).
   * Every record created or changed that this read could not see has its `updatedAt` at or after it, even a write
   * that began before this read and committed after it. `undefined` until the read has ended (a read you stopped
   * early answers none: keep the `updatedSince` you had).
   */
  readonly nextUpdatedSince: string | undefined;
}
export type FindingsQuery = NonNullable<
  paths['/v1/batches/{batchId}/findings']['get']['parameters']['query']
>;
/** The entities a vendor reads back. */
export type RecordEntity = 'students' | 'staff' | 'classes';

export interface TrucClientOptions {
  /** Where truc answers, e.g. `https://truc.example.gov.vn` (no trailing `/v1`). */
  baseUrl: string;
  /** The client id the city issued (with `clientSecret`); omit both for anonymous calls. */
  clientId?: string;
  clientSecret?: string;
  /** Scopes to ask for (space-separated); by default all the client holds. */
  scope?: string;
  /** A bearer token to send as is, instead of client credentials (it is never refreshed). */
  token?: string;
  /** `Accept-Language` for bilingual messages. @defaultValue none (truc answers Vietnamese first) */
  language?: string;
  /** How often a push is retried after a network error, 429 or 503. @defaultValue 3 */
  retries?: number;
  /** The fetch to use (tests, proxies, instrumentation). @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** Milliseconds since the epoch, for token expiry. @defaultValue Date.now */
  now?: () => number;
  /** Refresh the token this many seconds before it expires. @defaultValue 60 */
  refreshMarginSeconds?: number;
  /** Waits between retries and polls. @defaultValue setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

export interface PushOptions {
  /** Reuse a key to resend the same batch after a crash; new one per batch otherwise. @defaultValue a random UUID */
  idempotencyKey?: string;
}

export interface WaitOptions {
  /** @defaultValue 1000 */
  intervalMs?: number;
  /** @defaultValue 600000 (ten minutes) */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface TrucClient {
  /** The typed client of the whole API (openapi-fetch), authenticated. */
  readonly api: Client<paths>;
  /** The cached token source, undefined for anonymous or fixed-token clients. */
  readonly tokens: TokenSource | undefined;
  /** A valid access token (cached). */
  token(): Promise<string | undefined>;
  /**
   * Pushes a batch (202: stored and queued, or `status: 'done'` with its `counts` when an unchanged re-push was
   * judged at once); the answer carries the idempotency key used.
   */
  pushBatch(
    schoolCode: string,
    body: BatchBody,
    opts?: PushOptions,
  ): Promise<BatchAccepted & { idempotencyKey: string }>;
  /** Validates a batch and answers its findings at once (`?dryRun=true`); stores nothing. */
  dryRun(schoolCode: string, body: BatchBody): Promise<DryRunResult>;
  /** The batch's status now. */
  batch(batchId: string): Promise<BatchStatus>;
  /**
   * Polls until the batch is `done` or `failed`, or `held` by the mass-change guard (it then waits for a city
   * admin's decision, not for truc: its `guard` says so; poll `batch` later, or take the `batch.finished` webhook).
   */
  waitForBatch(batchId: string, opts?: WaitOptions): Promise<BatchStatus>;
  /** `pushBatch` then `waitForBatch`. */
  pushAndWait(schoolCode: string, body: BatchBody, opts?: PushOptions & WaitOptions): Promise<BatchStatus>;
  /** Every finding of a batch, page by page (`limit` is the page size). */
  findings(batchId: string, query?: FindingsQuery): AsyncGenerator<Finding>;
  /**
   * Every record of an entity of a school, following the opaque cursors; with `updatedSince`, only the records
   * created or changed since (a record's `updatedAt` is its writing transaction's start). To keep a copy of a school:
   * read it whole once, then each time pass the `nextUpdatedSince` the previous read answered (`read.nextUpdatedSince`
   * once it has ended): no change is missed, even one committed after a read that began before it. Deletes are not
   * listed: `changes` lists them.
   */
  records(
    schoolCode: string,
    entity: RecordEntity,
    opts?: { updatedSince?: string; limit?: number },
  ): RecordRead;
  /** One record; with `etag` (its last ETag) an unchanged record answers `null` (304). */
  record(
    schoolCode: string,
    entity: RecordEntity,
    key: string,
    opts?: { etag?: string },
  ): Promise<StoredRecord | null>;
  /**
   * The change feed from `cursor` (the start when omitted), one page at a time until caught up.
   * Store each page's `nextCursor` once its items are handled and start there next time.
   */
  changes(opts?: { cursor?: string; schoolCode?: string; limit?: number }): AsyncGenerator<ChangePage>;
  /** Your batches of a school, newest first (a lost batch id), filtered by status, entity, from/to; every page. */
  listBatches(schoolCode: string, query?: BatchListQuery): AsyncGenerator<BatchListItem>;
}
