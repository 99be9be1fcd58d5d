/**
 * The adapter contract every external system implements (DESIGN §2, CONVENTIONS synthesis 4).
 *
 * Adapters speak only their system's wire types: they never import `src/canonical`. A job composes
 * `source.listChanges → mapping.toCanonical → mapping.fromCanonical → target.write`.
 *
 * Optional fields also accept an explicit `undefined` (zod's `.optional()` output fits directly under
 * `exactOptionalPropertyTypes`).
 */

import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';

/** Where a client-credentials (OAuth2) client connects, and as whom. `clientSecret` is a secret: never log it. */
export interface OAuthClientSettings {
  /** Base URL of the system (modelled) or of its simulator. */
  baseURL: string;
  clientId: string;
  clientSecret: string;
  /** Token endpoint. @defaultValue `${baseURL}/oauth/token` */
  tokenUrl?: string;
}

/** What a client needs from the process. */
export interface ClientDeps {
  logger?: Logger;
  metrics?: Pick<Metrics, 'externalRequestDuration'>;
  /** Clock for token expiry and Retry-After dates. */
  now?: () => number;
}

/** One page of a paginated listing. */
export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page; absent on the last page. */
  nextCursor?: string | undefined;
  /** Per item, its bytes as received, where the client tells them (see {@link ChangeFeed.itemBytes}). */
  itemBytes?: readonly Uint8Array[] | undefined;
}

/** One page of a change feed. */
export interface ChangeFeed<T> {
  /** The changed records of this page, in the system's wire shape. */
  items: T[];
  /**
   * Per item, in order, its bytes as the system sent them, where the client can tell them (hcm-csdl): the
   * same bytes always make the same item, so a consumer may recognise an unchanged record by them.
   */
  itemBytes?: readonly Uint8Array[] | undefined;
  /**
   * Opaque cursor to resume right after this page (store it after the page is processed);
   * absent on the last page.
   */
  nextCursor?: string | undefined;
  /**
   * ISO time to pass as `since` in the next run once the feed is exhausted (usually on the last page).
   * Absent when the system does not tell.
   */
  watermark?: string | undefined;
  /**
   * Scopes (schools) this listing may not have listed whole: their set kept changing between their pages
   * (a page-number listing over a set that shrinks skips records). A full run deletes nothing of them.
   */
  unstableScopes?: readonly string[] | undefined;
  /**
   * The working year the page's records are of, where the system keeps its data by year (moet-pcgd: the
   * Ministry's PCGD-XMC year the listing asks for, read from the system when the listing began).
   */
  workingYear?: number | undefined;
}

/** Options of {@link SourceAdapter.listChanges}. */
export interface ListChangesOptions {
  /** Only records changed at or after this ISO time (watermark of the previous run). */
  since?: string | undefined;
  /** Resume cursor from a previous {@link ChangeFeed.nextCursor}; wins over `since` position-wise. */
  cursor?: string | undefined;
  /** Records per page; the adapter caps it at the system's maximum. */
  pageSize?: number | undefined;
  /** Restrict to one school, where the system supports it. */
  schoolCode?: string | undefined;
  /**
   * Told the next page's cursor as soon as a page's body shows it, before the page is parsed and checked
   * (where the adapter can: hcm-csdl), so the next request can go out meanwhile (issue 7). A hint only:
   * the parsed page's `nextCursor` decides.
   */
  onNextCursor?: ((cursor: string) => void) | undefined;
}

/** Result of a health probe. */
export interface HealthResult {
  ok: boolean;
  /** Short, non-personal explanation (e.g. `HTTP 503`). */
  detail?: string | undefined;
}

/** A system we read from. `Entity` is the system's entity names, `Wire` its record wire type. */
export interface SourceAdapter<Entity extends string, Wire> {
  /** System id, e.g. `hcm-csdl` (also the metrics `system` label). */
  readonly system: string;
  /**
   * Changes since a watermark (ISO time) or resume cursor, page by page.
   * Throws {@link import('../errors.js').AppError} with an `ERR_ADAPTER_*` code on failure.
   */
  listChanges(entity: Entity, opts: ListChangesOptions): AsyncIterable<ChangeFeed<Wire>>;
  /** Cheap probe of reachability and credentials; never throws. */
  health(): Promise<HealthResult>;
}

/** Options of {@link TargetAdapter.write}. */
export interface WriteOptions {
  /**
   * Deterministic key of this batch: writing the same key twice must have one effect
   * (sent as `Idempotency-Key` or the system's equivalent).
   */
  idempotencyKey: string;
  /**
   * Each request to the system is made inside it, one after another (the caller's pacing and circuit
   * breaker: a batch split by school or into chunks is several requests, each paced); when absent the
   * requests are made directly.
   */
  through?: Through | undefined;
}

/** Makes one request to a system (see {@link WriteOptions.through}). */
export type Through = <T>(request: () => Promise<T>) => Promise<T>;

/** One record a target refused, by index in the batch sent. */
export interface WriteRejection {
  /** Index into the `records` array given to {@link TargetAdapter.write}. */
  index: number;
  /** The system's rejection code (opaque, stable). */
  code: string;
  /** The system's message; may be Vietnamese. Must not contain personal data when logged. */
  message: string;
}

/** What a target reported for one batch. */
export interface WriteReceipt {
  /** Records applied (created, updated or unchanged). */
  accepted: number;
  rejected: WriteRejection[];
  /** The system's receipt / submission id, when it gives one. */
  receiptId?: string | undefined;
  /** True when the system recognised the idempotency key and replayed an earlier result. */
  replayed?: boolean | undefined;
}

/** A system we write to. `Entity` is the system's entity names, `WireIn` its input wire type. */
export interface TargetAdapter<Entity extends string, WireIn> {
  /** System id, e.g. `moet-pcgd`. */
  readonly system: string;
  /**
   * Upserts a batch. Per-record refusals come back in {@link WriteReceipt.rejected}; whole-batch
   * failures throw an `AppError` (`ERR_ADAPTER_*`, e.g. `ERR_ADAPTER_WINDOW_CLOSED`).
   */
  write(entity: Entity, records: WireIn[], opts: WriteOptions): Promise<WriteReceipt>;
}

/** A system that is both read and written (e.g. hcm-csdl). */
export interface SourceTargetAdapter<Entity extends string, Wire, WireIn>
  extends SourceAdapter<Entity, Wire>, TargetAdapter<Entity, WireIn> {}

/** Auth settings understood by `createHttpClient` (see `http.ts`). Secrets: never log. */
export type HttpAuth =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'api-key'; header: string; key: string }
  | {
      kind: 'oauth2-client-credentials';
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
      /** Space-separated scopes, sent as `scope` when set. */
      scope?: string;
    };

// ---- compile-time checks of a wire schema against the types generated from its spec ----
/** `true` when every A is a B. */
export type Assignable<A, B> = [A] extends [B] ? true : false;
/** `true` when A and B are assignable both ways. */
export type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compiles only when T is `true`: `export type _checkWire = [Expect<Mutual<Schema, Generated>>, …]`. */
export type Expect<T extends true> = T;
