/**
 * SMAS transport: API key auth, page/offset pagination behind async iteration, and SMAS error bodies
 * (`{ Success: false, Message, ErrorCode }`) turned into AppErrors that carry the vendor's code.
 * Transport only: returns parsed wire records, knows nothing of the canonical model.
 */
import type { AxiosInstance, AxiosResponse } from 'axios';
import type { ZodType } from 'zod';
import { AppError, type ErrorCode } from '../../errors.js';
import { clampPageSize, parseWire } from '../wire.js';
import {
  MAX_PAGES,
  MAX_RELISTS,
  schoolHttpClient,
  servedAtOf,
  vendorAppError,
  withVendorErrors,
  type SchoolClientOptions,
  type VendorError,
} from '../school-system/transport.js';
import {
  smasClassPageSchema,
  smasErrorSchema,
  smasHealthSchema,
  smasReceiptSchema,
  smasSchoolPageSchema,
  smasStaffPageSchema,
  smasStudentPageSchema,
  type SmasDeleteRequest,
  type SmasEntity,
  type SmasHealth,
  type SmasReceipt,
  type SmasRecordOf,
  type SmasSchool,
  SMAS_MAX_PAGE_SIZE,
  SMAS_DEFAULT_PAGE_SIZE,
  SMAS_API_KEY_HEADER,
  SMAS_IDEMPOTENCY_HEADER,
  SMAS_REPLAY_HEADER,
} from './schema.js';

export const SMAS_SYSTEM = 'smas';

/**
 * AppError code of each SMAS `ErrorCode`, used when SMAS reports a failure inside an HTTP 200
 * (`Success: false`); for non-2xx responses the HTTP status decides (shared contract in http.ts).
 */
const SMAS_ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  AUTH_INVALID_KEY: 'ERR_ADAPTER_AUTH',
  AUTH_SCHOOL_FORBIDDEN: 'ERR_ADAPTER_FORBIDDEN',
  SCHOOL_NOT_FOUND: 'ERR_ADAPTER_REJECTED',
  INVALID_PARAMETER: 'ERR_ADAPTER_REJECTED',
  INVALID_BODY: 'ERR_ADAPTER_REJECTED',
  IDEMPOTENCY_KEY_REUSED: 'ERR_ADAPTER_REJECTED',
  BATCH_TOO_LARGE: 'ERR_ADAPTER_REJECTED',
  RATE_LIMITED: 'ERR_ADAPTER_RATE_LIMITED',
  INTERNAL_ERROR: 'ERR_ADAPTER_UNAVAILABLE',
  MAINTENANCE: 'ERR_ADAPTER_UNAVAILABLE',
};

/** Options of {@link createSmasClient}. Secrets: `apiKey` is never logged. */
export interface SmasClientOptions extends SchoolClientOptions {
  apiKey: string;
}

/** One SMAS page, decoded. */
export interface SmasPage<T> {
  items: T[];
  page: number;
  pageSize: number;
  totalRecord: number;
  /** True when no further page holds records. */
  last: boolean;
  /** When SMAS served the page, by its clock (`Date` header, epoch ms), where it tells. */
  servedAt?: number;
}

/** Query of {@link SmasClient.pages}. */
export interface SmasPageQuery {
  modifiedSince?: string;
  /** 1-based page to start at. @defaultValue 1 */
  startPage?: number;
  /** @defaultValue {@link SMAS_DEFAULT_PAGE_SIZE}, capped at {@link SMAS_MAX_PAGE_SIZE} */
  pageSize?: number;
}

/** A batch receipt (upsert or delete) plus whether SMAS replayed it. */
export interface SmasUpsertResult {
  receipt: SmasReceipt;
  replayed: boolean;
}

const PAGE_SCHEMAS = {
  students: smasStudentPageSchema,
  staff: smasStaffPageSchema,
  classes: smasClassPageSchema,
} as const;

/** The SMAS error of an error body (`{ Success: false, Message, ErrorCode }`), else undefined. */
function smasErrorOf(body: unknown): VendorError[] | undefined {
  const parsed = smasErrorSchema.safeParse(body);
  return parsed.success ? [{ code: parsed.data.ErrorCode, message: parsed.data.Message }] : undefined;
}

/**
 * Re-throws an adapter failure with the SMAS `ErrorCode` attached (detail and `errors[0].rule` =
 * `SMAS_<ErrorCode>`), keeping the code http.ts chose from the status. Non-SMAS bodies pass unchanged.
 */
function withSmasError(err: unknown): unknown {
  return withVendorErrors(err, 'SMAS', smasErrorOf);
}

/** Parses a 2xx body; a `Success: false` body inside a 200 becomes an AppError by {@link SMAS_ERROR_CODES}. */
function decode<T>(res: AxiosResponse, schema: ZodType<T>): T {
  const failure = smasErrorOf(res.data);
  if (failure) {
    const code = SMAS_ERROR_CODES[failure[0]?.code ?? ''] ?? 'ERR_ADAPTER_REJECTED';
    const detail = `smas ${res.config.method?.toUpperCase() ?? 'GET'} failed inside HTTP ${res.status}`;
    throw vendorAppError(code, 'SMAS', failure, detail);
  }
  return parseWire(schema, res.data, SMAS_SYSTEM);
}

async function call<T>(run: () => Promise<AxiosResponse>, schema: ZodType<T>): Promise<T> {
  try {
    return decode(await run(), schema);
  } catch (err) {
    throw withSmasError(err);
  }
}

const schoolPath = (code: string) => `/schools/${encodeURIComponent(code)}`;

/** One page of an entity of one school. */
async function fetchPageOf<E extends SmasEntity>(
  http: AxiosInstance,
  entity: E,
  schoolCode: string,
  q: { modifiedSince?: string; page: number; pageSize: number },
): Promise<SmasPage<SmasRecordOf[E]>> {
  const params = {
    page: q.page,
    pageSize: q.pageSize,
    ...(q.modifiedSince ? { modifiedSince: q.modifiedSince } : {}),
  };
  let servedAt: number | undefined;
  const body = await call(
    async () => {
      const res = await http.get(`${schoolPath(schoolCode)}/${entity}`, { params });
      servedAt = servedAtOf(res.headers);
      return res;
    },
    PAGE_SCHEMAS[entity] as unknown as ZodType<{
      Data: SmasRecordOf[E][];
      TotalRecord: number;
      Page: number;
      PageSize: number;
    }>,
  );
  const last = body.Data.length === 0 || body.Page * body.PageSize >= body.TotalRecord;
  return {
    items: body.Data,
    page: body.Page,
    pageSize: body.PageSize,
    totalRecord: body.TotalRecord,
    last,
    ...(servedAt === undefined ? {} : { servedAt }),
  };
}

/**
 * Every school the key covers, ordered by code. Read again from page 1 when `TotalRecord` changes between
 * its pages (a school skipped would have all its records unseen by a full run), at most
 * {@link MAX_RELISTS} times; then the listing fails (the job tries again later).
 */
async function listSchoolsOf(http: AxiosInstance): Promise<SmasSchool[]> {
  for (let tries = 0; tries <= MAX_RELISTS; tries++) {
    const out: SmasSchool[] = [];
    let total: number | undefined;
    for (let page = 1; page <= MAX_PAGES; page++) {
      const body = await call(
        () => http.get('/schools', { params: { page, pageSize: SMAS_MAX_PAGE_SIZE } }),
        smasSchoolPageSchema,
      );
      if (total !== undefined && body.TotalRecord !== total) break;
      total = body.TotalRecord;
      for (const school of body.Data) out.push(school); // not a spread: a page of any size (review9)
      if (body.Data.length === 0 || body.Page * body.PageSize >= body.TotalRecord) {
        return out.sort((a, b) => (a.MaTruong < b.MaTruong ? -1 : a.MaTruong > b.MaTruong ? 1 : 0));
      }
    }
  }
  throw new AppError('ERR_ADAPTER_UNAVAILABLE', 'smas: the list of schools kept changing while it was read');
}

/** One batch write (upsert or delete) under its idempotency key; the receipt and whether SMAS replayed it. */
async function postBatch(
  http: AxiosInstance,
  path: string,
  body: unknown,
  idempotencyKey: string,
): Promise<SmasUpsertResult> {
  let replayed = false;
  const receipt = await call(async () => {
    const res = await http.post(path, body, {
      headers: { [SMAS_IDEMPOTENCY_HEADER]: idempotencyKey, 'content-type': 'application/json' },
    });
    replayed = String(res.headers[SMAS_REPLAY_HEADER.toLowerCase()] ?? '') === 'true';
    return res;
  }, smasReceiptSchema);
  return { receipt, replayed };
}

/** The SMAS client: typed calls over one axios instance from {@link schoolHttpClient}. */
export function createSmasClient(opts: SmasClientOptions) {
  const http: AxiosInstance = schoolHttpClient(SMAS_SYSTEM, opts, {
    kind: 'api-key',
    header: SMAS_API_KEY_HEADER,
    key: opts.apiKey,
  });

  /** One page of an entity of one school. */
  const fetchPage = <E extends SmasEntity>(
    entity: E,
    schoolCode: string,
    q: { modifiedSince?: string; page: number; pageSize: number },
  ) => fetchPageOf(http, entity, schoolCode, q);

  /** Pages of an entity of one school, from `startPage` to the last; pagination stays inside. */
  async function* pages<E extends SmasEntity>(
    entity: E,
    schoolCode: string,
    q: SmasPageQuery = {},
  ): AsyncGenerator<SmasPage<SmasRecordOf[E]>> {
    const pageSize = clampPageSize(q.pageSize, SMAS_DEFAULT_PAGE_SIZE, SMAS_MAX_PAGE_SIZE);
    let page = Math.max(1, Math.floor(q.startPage ?? 1));
    for (let n = 0; n < MAX_PAGES; n++, page++) {
      const got = await fetchPage(entity, schoolCode, {
        page,
        pageSize,
        ...(q.modifiedSince ? { modifiedSince: q.modifiedSince } : {}),
      });
      yield got;
      if (got.last) return;
    }
    throw new AppError('ERR_ADAPTER_RESPONSE_INVALID', `smas: more than ${MAX_PAGES} pages`);
  }

  /** Every school the key covers, ordered by code. */
  const listSchools = () => listSchoolsOf(http);

  /** Batch upsert of one school's records (at most {@link SMAS_MAX_BATCH}). */
  function upsert<E extends SmasEntity>(
    entity: E,
    schoolCode: string,
    records: readonly SmasRecordOf[E][],
    idempotencyKey: string,
  ): Promise<SmasUpsertResult> {
    return postBatch(
      http,
      `${schoolPath(schoolCode)}/${entity}/batch`,
      { DanhSach: records },
      idempotencyKey,
    );
  }

  /** Batch delete of one school's records by key (at most {@link SMAS_MAX_BATCH}); unknown keys count as done. */
  function remove(
    entity: SmasEntity,
    schoolCode: string,
    keys: readonly string[],
    idempotencyKey: string,
  ): Promise<SmasUpsertResult> {
    const body: SmasDeleteRequest = { DanhSachMa: [...keys] };
    return postBatch(http, `${schoolPath(schoolCode)}/${entity}/delete`, body, idempotencyKey);
  }

  /** Liveness and credential probe. */
  function health(): Promise<SmasHealth> {
    return call(() => http.get('/health'), smasHealthSchema);
  }

  return { fetchPage, pages, listSchools, upsert, remove, health };
}

/** The SMAS client. */
export type SmasClient = ReturnType<typeof createSmasClient>;
