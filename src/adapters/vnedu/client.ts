/**
 * vnEdu transport: static bearer token, cursor pagination (`after` + `limit` → `{ items, next }`) behind
 * async iteration, and vnEdu error bodies (`{ errors: [{ code, detail }] }`) turned into AppErrors that
 * carry the vendor's code. Transport only: returns parsed wire records, knows nothing of the canonical model.
 */
import type { AxiosInstance, AxiosResponse } from 'axios';
import type { ZodType } from 'zod';
import { AppError } from '../../errors.js';
import { clampPageSize, parseWire } from '../wire.js';
import {
  MAX_PAGES,
  schoolHttpClient,
  servedAtOf,
  withVendorErrors,
  type SchoolClientOptions,
} from '../school-system/transport.js';
import {
  vneduClassPageSchema,
  vneduErrorSchema,
  vneduHealthSchema,
  vneduReceiptSchema,
  vneduSchoolPageSchema,
  vneduStaffPageSchema,
  vneduStudentPageSchema,
  type VneduDeleteRequest,
  type VneduEntity,
  type VneduHealth,
  type VneduReceipt,
  type VneduRecordOf,
  type VneduSchool,
  VNEDU_MAX_LIMIT,
  VNEDU_DEFAULT_LIMIT,
  VNEDU_IDEMPOTENCY_HEADER,
} from './schema.js';

export const VNEDU_SYSTEM = 'vnedu';

/** Options of {@link createVneduClient}. Secrets: `token` is never logged. */
export interface VneduClientOptions extends SchoolClientOptions {
  /** Static bearer token issued by VNPT (modelled). */
  token: string;
}

/** One vnEdu page, decoded; `next` is undefined on the last page. */
export interface VneduPage<T> {
  items: T[];
  next?: string;
  /** When vnEdu served the page, by its clock (`Date` header, epoch ms), where it tells. */
  servedAt?: number;
}

/** Query of {@link VneduClient.pages}. */
export interface VneduPageQuery {
  updatedAfter?: string;
  /** Cursor to start after (a previous page's `next`). */
  after?: string;
  /** @defaultValue {@link VNEDU_DEFAULT_LIMIT}, capped at {@link VNEDU_MAX_LIMIT} */
  limit?: number;
}

const PAGE_SCHEMAS = {
  students: vneduStudentPageSchema,
  staff: vneduStaffPageSchema,
  classes: vneduClassPageSchema,
} as const;

/**
 * Re-throws an adapter failure with the vnEdu error codes attached (detail and `errors[].rule` =
 * `VNEDU_<code>`), keeping the code http.ts chose from the status. Non-vnEdu bodies pass unchanged.
 */
function withVneduError(err: unknown): unknown {
  return withVendorErrors(err, 'VNEDU', (body) => {
    const parsed = vneduErrorSchema.safeParse(body);
    return parsed.success ? parsed.data.errors.map((e) => ({ code: e.code, message: e.detail })) : undefined;
  });
}

async function call<T>(run: () => Promise<AxiosResponse>, schema: ZodType<T>): Promise<T> {
  try {
    const res = await run();
    return parseWire(schema, res.data, VNEDU_SYSTEM);
  } catch (err) {
    throw withVneduError(err);
  }
}

const schoolPath = (code: string) => `/v1/schools/${encodeURIComponent(code)}`;

/** One page of an entity of one school. */
async function fetchPageOf<E extends VneduEntity>(
  http: AxiosInstance,
  entity: E,
  schoolCode: string,
  q: { updatedAfter?: string; after?: string; limit: number },
): Promise<VneduPage<VneduRecordOf[E]>> {
  const params = {
    limit: q.limit,
    ...(q.updatedAfter ? { updated_after: q.updatedAfter } : {}),
    ...(q.after ? { after: q.after } : {}),
  };
  let servedAt: number | undefined;
  const body = await call(
    async () => {
      const res = await http.get(`${schoolPath(schoolCode)}/${entity}`, { params });
      servedAt = servedAtOf(res.headers);
      return res;
    },
    PAGE_SCHEMAS[entity] as unknown as ZodType<{ items: VneduRecordOf[E][]; next: string | null }>,
  );
  const at = servedAt === undefined ? {} : { servedAt };
  return body.next === null || body.next === ''
    ? { items: body.items, ...at }
    : { items: body.items, next: body.next, ...at };
}

/** Every school the token covers, ordered by code. */
async function listSchoolsOf(http: AxiosInstance): Promise<VneduSchool[]> {
  const out: VneduSchool[] = [];
  let after: string | undefined;
  for (let n = 0; n < MAX_PAGES; n++) {
    const body = await call(
      () => http.get('/v1/schools', { params: { limit: VNEDU_MAX_LIMIT, ...(after ? { after } : {}) } }),
      vneduSchoolPageSchema,
    );
    for (const school of body.items) out.push(school); // not a spread: a page of any size (review9)
    if (body.next === null || body.next === '' || body.next === after) break;
    after = body.next;
  }
  return out.sort((a, b) => (a.school_code < b.school_code ? -1 : a.school_code > b.school_code ? 1 : 0));
}

/** One batch write (upsert or delete) under its idempotency key. */
function postBatch(
  http: AxiosInstance,
  path: string,
  body: unknown,
  idempotencyKey: string,
): Promise<VneduReceipt> {
  return call(
    () =>
      http.post(path, body, {
        headers: { [VNEDU_IDEMPOTENCY_HEADER]: idempotencyKey, 'content-type': 'application/json' },
      }),
    vneduReceiptSchema,
  );
}

/** The vnEdu client: typed calls over one axios instance from {@link schoolHttpClient}. */
export function createVneduClient(opts: VneduClientOptions) {
  const http: AxiosInstance = schoolHttpClient(VNEDU_SYSTEM, opts, { kind: 'bearer', token: opts.token });

  /** One page of an entity of one school. */
  const fetchPage = <E extends VneduEntity>(
    entity: E,
    schoolCode: string,
    q: { updatedAfter?: string; after?: string; limit: number },
  ) => fetchPageOf(http, entity, schoolCode, q);

  /** Pages of an entity of one school, from `after` to the end; pagination stays inside. */
  async function* pages<E extends VneduEntity>(
    entity: E,
    schoolCode: string,
    q: VneduPageQuery = {},
  ): AsyncGenerator<VneduPage<VneduRecordOf[E]>> {
    const limit = clampPageSize(q.limit, VNEDU_DEFAULT_LIMIT, VNEDU_MAX_LIMIT);
    let after = q.after;
    const seen = new Set<string>();
    for (let n = 0; n < MAX_PAGES; n++) {
      const got = await fetchPage(entity, schoolCode, {
        limit,
        ...(q.updatedAfter ? { updatedAfter: q.updatedAfter } : {}),
        ...(after ? { after } : {}),
      });
      yield got;
      if (got.next === undefined) return;
      if (got.next === after || seen.has(got.next)) {
        throw new AppError('ERR_ADAPTER_RESPONSE_INVALID', 'vnedu: pagination cursor repeated');
      }
      seen.add(got.next);
      after = got.next;
    }
    throw new AppError('ERR_ADAPTER_RESPONSE_INVALID', `vnedu: more than ${MAX_PAGES} pages`);
  }

  /** Every school the token covers, ordered by code. */
  const listSchools = () => listSchoolsOf(http);

  /** Batch upsert of one school's records (at most {@link VNEDU_MAX_BATCH}). */
  function upsert<E extends VneduEntity>(
    entity: E,
    schoolCode: string,
    records: readonly VneduRecordOf[E][],
    idempotencyKey: string,
  ): Promise<VneduReceipt> {
    return postBatch(http, `${schoolPath(schoolCode)}/${entity}/upsert`, { items: records }, idempotencyKey);
  }

  /** Batch delete of one school's records by id (at most {@link VNEDU_MAX_BATCH}); unknown ids count as done. */
  function remove(
    entity: VneduEntity,
    schoolCode: string,
    ids: readonly string[],
    idempotencyKey: string,
  ): Promise<VneduReceipt> {
    const body: VneduDeleteRequest = { ids: [...ids] };
    return postBatch(http, `${schoolPath(schoolCode)}/${entity}/delete`, body, idempotencyKey);
  }

  /** Liveness and credential probe. */
  function health(): Promise<VneduHealth> {
    return call(() => http.get('/v1/health'), vneduHealthSchema);
  }

  return { fetchPage, pages, listSchools, upsert, remove, health };
}

/** The vnEdu client. */
export type VneduClient = ReturnType<typeof createVneduClient>;
