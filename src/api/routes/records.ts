/**
 * Reads (issue 9): the canonical records of the caller's schools, paged by opaque cursors and
 * `updatedSince`, single records with ETags and `If-None-Match`, and the change feed
 * `GET /v1/changes`. Tenancy: the auth plugin refuses a `:schoolCode` the caller cannot read before
 * anything runs, and every query is scoped by school in the store.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isProvisionalStudentCode } from '../../canonical/student.js';
import { AppError, both } from '../../errors.js';
import type { Db } from '../../store/db.js';
import {
  changeCursor,
  createReadsRepo,
  encodeCursor,
  type ChangePosition,
  type ReadableEntity,
  type StoredRecord,
} from '../../store/reads.js';
import { canAccessSchool, forbiddenSchool, principalOf } from '../plugins/auth.js';
import { holdsForbiddenText } from '../plugins/input.js';
import { etagMatches } from '../etag.js';
import { problems } from '../problem.js';
import { decimal, isoTime } from '../query.js';
import { SchoolCode } from '../school-code.js';
import { noSchoolHeld, requireSchoolHeld } from '../school-held.js';
import { noRecordHeld } from '../not-found.js';

/** Entities a school's records are read by, with the path segment and the record key's name. */
const RecordKey = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/, 'khoá bản ghi không hợp lệ / invalid record key')
  .refine((k) => !k.split('/').some((part) => part === '..' || part === '.' || part === ''), {
    message: 'khoá bản ghi không hợp lệ / invalid record key',
  });

/**
 * A student's code in a path: a record key, and one starting `TAM-` (any case) the provisional code's shape, as every
 * stored student's is (StudentCodeSchema): `TAM-` with 11 digits was a 404 that did not say why (walk13).
 */
const StudentKey = RecordKey.refine((k) => !/^tam-/i.test(k) || isProvisionalStudentCode(k), {
  message:
    'mã học sinh tạm phải là TAM- và 12 chữ số định danh cá nhân / a provisional student code is TAM- followed by the 12-digit personal ID',
});

const READABLE: ReadonlyArray<{
  entity: ReadableEntity;
  keyName: string;
  key: z.ZodType<string>;
  summary: string;
}> = [
  {
    entity: 'classes',
    keyName: 'classKey',
    key: RecordKey,
    summary: 'Lớp học của trường / A school’s classes',
  },
  {
    entity: 'students',
    keyName: 'studentCode',
    key: StudentKey,
    summary: 'Học sinh của trường / A school’s students',
  },
  {
    entity: 'staff',
    keyName: 'staffCode',
    key: RecordKey,
    summary: 'Cán bộ, giáo viên của trường / A school’s staff',
  },
];

const Cursor = z
  .string()
  .max(512)
  .meta({ description: 'Con trỏ trang tiếp / opaque cursor of the next page' });

const PageQuery = z
  .object({
    limit: decimal(z.number().int().min(1).max(1000)).prefault(100),
    cursor: Cursor.optional(),
    updatedSince: isoTime()
      .optional()
      .meta({
        description:
          'Chỉ bản ghi có lần thay đổi cuối bắt đầu từ thời điểm này (giờ ISO 8601 có múi giờ, hoặc một ngày YYYY-MM-DD: 00:00 giờ Việt Nam). Để giữ bản sao của trường: gửi nextUpdatedSince của trang cuối lần đọc trước, mọi bản ghi được tạo hay sửa mà lần đọc đó chưa thấy đều được liệt kê; bản ghi bị xoá thì không (GET /v1/changes liệt kê) / ' +
          'only records whose last change began at or after this time (an ISO 8601 time with its offset, or a day YYYY-MM-DD: its 00:00 in Vietnam, +07:00, as every list’s from/to). To keep a copy of a school, send the nextUpdatedSince of your previous read’s last page: every record created or changed that the read could not see is listed; deletes are not (GET /v1/changes lists them)',
      }),
  })
  .strict();

const RecordItem = z
  .object({
    key: z.string(),
    etag: z.string(),
    updatedAt: z.string(),
    record: z.record(z.string(), z.unknown()).meta({ description: 'Bản ghi chuẩn / the canonical record' }),
  })
  .meta({ id: 'StoredRecord' });

const RecordPage = z
  .object({
    items: z.array(RecordItem),
    nextCursor: z.string().nullable().meta({ description: 'null at the end' }),
    nextUpdatedSince: z
      .string()
      .nullable()
      .meta({
        description:
          'Trang cuối (nextCursor null): updatedSince của lần đọc sau; mọi thay đổi mà lần đọc này (mọi trang của nó) chưa thấy đều có updatedAt từ thời điểm này trở đi. null ở các trang khác: đọc hết đã / ' +
          'on the last page (nextCursor null): the updatedSince of your next read; every change this read (all its pages) could not see has its updatedAt at or after this time. null on the other pages: read to the end first',
      }),
  })
  .meta({ id: 'RecordPage' });

const Change = z
  .object({
    entity: z.enum(['schools', 'classes', 'students', 'staff']),
    key: z.string(),
    schoolCode: z.string(),
    op: z.enum(['create', 'update', 'delete']),
    changedAt: z.string(),
    url: z.string().nullable().meta({ description: 'Where the record reads now; null for a delete' }),
  })
  .meta({ id: 'Change' });

const ChangePage = z
  .object({
    items: z.array(Change),
    nextCursor: z
      .string()
      .meta({ description: 'Gửi lại để nhận thay đổi tiếp theo / send it back for the next changes' }),
  })
  .meta({ id: 'ChangePage' });

const ChangesQuery = z
  .object({
    limit: decimal(z.number().int().min(1).max(1000)).prefault(500),
    cursor: Cursor.optional(),
    schoolCode: SchoolCode.optional(),
  })
  .strict();

const ETagHeaders = z.object({ 'if-none-match': z.string().max(256).optional() });

/** Decodes a cursor this API issued; anything else is ERR_INVALID_CURSOR, never a 500. */
export function decodeCursor<T>(raw: string | undefined, shape: z.ZodType<T>): T | undefined {
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw new AppError('ERR_INVALID_CURSOR');
  }
  const ok = shape.safeParse(parsed);
  if (!ok.success) throw new AppError('ERR_INVALID_CURSOR');
  return ok.data;
}

/**
 * A record page's cursor: the last key served (k) and, since review30 F1, the watermark of the walk's first page (w).
 * Its values must fit what they are read into (review26b F2, F3: else PostgreSQL refuses them, a 500).
 */
const KeyCursor = z
  .object({
    k: z
      .string()
      .max(128)
      .refine((k) => !holdsForbiddenText(k)),
    w: z.iso.datetime().optional(),
  })
  .strict();
const XID8_MAX = 2n ** 64n - 1n;
const BIGINT_MAX = 2n ** 63n - 1n;
const digitsUpTo = (max: bigint) => z.string().refine((d) => /^\d{1,20}$/.test(d) && BigInt(d) <= max);
/** A feed position: row (t: xid8, s: bigint) and, since migration 350, how many of its keys were served (i); without i, all. */
const FeedCursor = z
  .object({
    t: digitsUpTo(XID8_MAX),
    s: digitsUpTo(BIGINT_MAX),
    i: z
      .string()
      .regex(/^\d{1,10}$/, both('không phải vị trí của con trỏ', 'not a position of a cursor'))
      .optional(),
  })
  .strict();

const etagOf = (r: StoredRecord): string => `"${r.fingerprint}"`;
/**
 * A 304's payload: none. The schema's `null` sent as such wrote `Content-Length: 4` on a bodiless 304 (review26b N1;
 * RFC 9110 §8.6); fastify sends nothing for undefined, which the typed reply does not allow: hence the cast.
 */
const NO_BODY = undefined as unknown as null;

function item(r: StoredRecord) {
  return {
    key: r.key,
    etag: etagOf(r),
    updatedAt: r.updatedAt.toISOString(),
    record: r.data as Record<string, unknown>,
  };
}

const common = {
  tags: ['records'],
};

type ReadApp = Parameters<FastifyPluginAsyncZod<{ db: Db }>>[0];
type Reads = ReturnType<typeof createReadsRepo>;

/** A school's own record (ETag, If-None-Match). */
function schoolRoute(app: ReadApp, reads: Reads): void {
  app.get(
    '/v1/schools/:schoolCode',
    {
      config: { scope: 'records:read' },
      schema: {
        ...common,
        operationId: 'getSchool',
        summary: 'Bản ghi của trường / A school’s record',
        params: z.object({ schoolCode: SchoolCode }).strict(),
        headers: ETagHeaders,
        response: {
          200: RecordItem,
          304: z.null().describe('Không đổi / Not modified'),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async function getSchool(request, reply) {
      const { schoolCode } = request.params;
      const r = await reads.record('schools', schoolCode, schoolCode);
      if (!r) throw new AppError('ERR_NOT_FOUND', noSchoolHeld(schoolCode));
      void reply.header('etag', etagOf(r));
      if (etagMatches(request.headers['if-none-match'], etagOf(r))) return reply.code(304).send(NO_BODY);
      return item(r);
    },
  );
}

/**
 * A page of a school's records, and the read's watermark on its last page (review30 F1): taken before the walk's
 * first page is read (src/store/reads.ts `watermark`), carried by its cursors, answered on its last page. A later
 * page's own would be unsound: a change committed between the first page and it, to a key already served, is older
 * than it. (A cursor of a walk begun before review30 F1 carries none: its page's own is the best left.)
 */
async function listPage(
  reads: Reads,
  entity: ReadableEntity,
  schoolCode: string,
  query: { limit: number; cursor?: string | undefined; updatedSince?: string | undefined },
) {
  const { limit, cursor, updatedSince } = query;
  const after = decodeCursor(cursor, KeyCursor);
  const walkFrom = after?.w === undefined ? await reads.watermark() : new Date(after.w);
  const rows = await reads.page(entity, schoolCode, {
    afterKey: after?.k,
    updatedSince: updatedSince ? new Date(updatedSince) : undefined,
    limit: limit + 1,
  });
  // A school truc holds nothing of is a 404, as its own record is (GET /v1/schools/{code}); was an empty page
  // (api27, one rule for an unknown id). A school truc holds records of (its own, or its classes', students' or
  // staff's) is an empty 200 (review30 F4). Asked only of an empty page: a page with records needs no look.
  if (rows.length === 0) await requireSchoolHeld(reads, schoolCode);
  const more = rows.length > limit;
  const items = (more ? rows.slice(0, limit) : rows).map(item);
  const last = items.at(-1);
  const w = walkFrom.toISOString();
  return more && last
    ? { items, nextCursor: encodeCursor({ k: last.key, w }), nextUpdatedSince: null }
    : { items, nextCursor: null, nextUpdatedSince: w };
}

/** An entity's records of a school, paged by cursor and `updatedSince`, and one record with its ETag. */
function entityRoutes(
  app: ReadApp,
  reads: Reads,
  { entity, keyName, key, summary }: (typeof READABLE)[number],
): void {
  app.get(
    `/v1/schools/:schoolCode/${entity}`,
    {
      config: { scope: 'records:read' },
      schema: {
        ...common,
        operationId: `list${entity[0]?.toUpperCase()}${entity.slice(1)}`,
        summary,
        params: z.object({ schoolCode: SchoolCode }).strict(),
        querystring: PageQuery,
        response: { 200: RecordPage, ...problems(400, 401, 403, 404) },
      },
    },
    async function listRecords(request) {
      return listPage(reads, entity, request.params.schoolCode, request.query);
    },
  );

  app.get(
    `/v1/schools/:schoolCode/${entity}/:${keyName}`,
    {
      config: { scope: 'records:read' },
      schema: {
        ...common,
        operationId: `get${entity[0]?.toUpperCase()}${entity.slice(1)}Record`,
        summary: `${summary}: một bản ghi / one record (ETag, If-None-Match)`,
        params: z.object({ schoolCode: SchoolCode, [keyName]: key }).strict(),
        headers: ETagHeaders,
        response: {
          200: RecordItem,
          304: z.null().describe('Không đổi / Not modified'),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async function getRecord(request, reply) {
      const params = request.params as Record<string, string>;
      const schoolCode = params['schoolCode'] ?? '';
      const r = await reads.record(entity, schoolCode, params[keyName] ?? '');
      if (!r) {
        await requireSchoolHeld(reads, schoolCode);
        throw new AppError('ERR_NOT_FOUND', noRecordHeld(entity, schoolCode));
      }
      void reply.header('etag', etagOf(r));
      if (etagMatches(request.headers['if-none-match'], etagOf(r))) return reply.code(304).send(NO_BODY);
      return item(r);
    },
  );
}

/** The change feed of the caller's schools. */
function changeFeedRoute(app: ReadApp, reads: Reads): void {
  app.get(
    '/v1/changes',
    {
      config: { scope: 'records:read' },
      schema: {
        ...common,
        operationId: 'listChanges',
        summary:
          'Dòng thay đổi (tạo, sửa, xoá) của các trường được phép / Change feed of your schools’ creates, updates and deletes',
        querystring: ChangesQuery,
        response: { 200: ChangePage, ...problems(400, 401, 403) },
      },
    },
    async function listChanges(request, reply) {
      const p = principalOf(request);
      const { limit, cursor, schoolCode } = request.query;
      if (schoolCode !== undefined && !canAccessSchool(p, schoolCode, 'read'))
        throw forbiddenSchool(schoolCode);
      // A city admin reads every school; anyone else only the schools of its token.
      const schools =
        schoolCode !== undefined ? [schoolCode] : p.role === 'city-admin' ? undefined : p.schools;
      const decoded = decodeCursor(cursor, FeedCursor);
      const after: ChangePosition | undefined = decoded
        ? { tx: decoded.t, seq: decoded.s, index: decoded.i }
        : undefined;
      const page = await reads.changes({ schools, after, limit });
      // At the end the same cursor comes back: poll with it later for what happens next.
      const nextCursor = page.last
        ? changeCursor(page.last)
        : (cursor ?? changeCursor({ tx: '0', seq: '0' }));
      // The store serialised the items in the ChangePage shape declared above (test/integration/
      // api-reads.test.ts checks every field against it): sent as they are, not parsed and
      // re-serialised by the zod serializer, which costs more than the query on a page of 1,000.
      return reply
        .type('application/json; charset=utf-8')
        .send(`{"items":${page.json},"nextCursor":${JSON.stringify(nextCursor)}}` as never);
    },
  );
}

const readRoutes: FastifyPluginAsyncZod<{ db: Db }> = async function readRoutes(app, opts) {
  const reads = createReadsRepo(opts.db);
  schoolRoute(app, reads);
  for (const readable of READABLE) entityRoutes(app, reads, readable);
  changeFeedRoute(app, reads);
};
export default readRoutes;
