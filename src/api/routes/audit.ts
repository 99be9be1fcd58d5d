/**
 * The audit log for the dashboard and auditors (issue 11, scope `audit:read`): search it newest first, and
 * verify its hash chain. Codes, ids and times only: no personal data leaves here.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { verifyAudit } from '../../audit/chain.js';
import { AppError } from '../../errors.js';
import { AUDIT_ACTIONS } from '../../store/audit-log.js';
import type { Db } from '../../store/db.js';
import { createOverviewRepo, type OverviewRepo } from '../../store/overview.js';
import { iso } from '../time.js';
import { problems } from '../problem.js';
import { pageQuery } from '../paging.js';
import { fromNotAfterTo, timeRangeOf, timeRangeQuery } from '../query.js';

const Problems = { ...problems(400, 401, 403) };

type AuditApp = Parameters<FastifyPluginAsyncZod<{ db: Db }>>[0];

const WRITTEN: ReadonlySet<string> = new Set(AUDIT_ACTIONS);

/**
 * The actions the search takes, sorted: every action truc writes, and every one the log holds (an older name its rows
 * still carry stays searchable). What a refusal names and what `GET /v1/audit/actions` lists (the dashboard offers it).
 */
async function searchableActions(repo: OverviewRepo): Promise<string[]> {
  return [...new Set([...AUDIT_ACTIONS, ...(await repo.auditActions())])].sort();
}

/**
 * fix31b: an action filter that names no action of the log answered an empty list, so a mistyped one read as "nothing
 * happened". The valid names ({@link searchableActions}) are named in the refusal.
 */
function unknownAction(searchable: readonly string[]): AppError {
  const valid = searchable.join(', ');
  return new AppError('ERR_VALIDATION', undefined, {
    errors: [
      {
        pointer: '/querystring/action',
        rule: 'invalid_value',
        // the names once, after both languages' words (codes stay English)
        message: `không phải hành động nào của nhật ký kiểm toán; một trong / not an action of the audit log; one of: ${valid}`,
      },
    ],
  });
}

/** An entry of the audit list (GET /v1/audit). */
const AuditItem = z.object({
  seq: z
    .number()
    .int()
    .meta({
      description:
        "vị trí trong chuỗi băm: thứ tự của nhật ký (danh sách xếp theo seq, audit verify đi theo seq) / the entry's " +
        "place in the hash chain: the log's order (the list is sorted by it, audit verify walks it)",
    }),
  at: z.string().meta({
    description:
      'lúc việc xảy ra, theo đồng hồ của tiến trình ghi; không phải thứ tự: một sự kiện ghi trên đường nóng vào chuỗi ' +
      'sau đó (khoảng 1 giây, lâu hơn khi việc nối chuỗi lỗi), nên seq lớn hơn có thể mang at sớm hơn; from và to lọc ' +
      "theo at / when it happened, by the recording process's clock; not the order: an event a hot path records is " +
      'chained after (about a second, longer while chaining fails), so a later seq may carry an earlier at; from and ' +
      'to filter by at',
  }),
  actor: z.string().meta({
    description:
      'mã định danh của người làm (id của client, operator:cli:<tên>, system:…, schedule:<tên>), như ' +
      'bộ lọc actor nhận / who acted, by id (a client id, operator:cli:<name>, system:…, ' +
      'schedule:<name>), as the actor filter takes it',
  }),
  actorName: z
    .string()
    .nullable()
    .meta({
      description:
        'tên người làm lúc ghi (tên hiển thị của client, hoặc tên người vận hành CLI; fix36b), giữ ngoài chuỗi ' +
        'băm: không chống sửa đổi, actor mới là bằng chứng; null: truc không biết tên, hoặc dòng ghi trước ' +
        "fix36b / who acted, by name as it was when the entry was recorded (the client's display name, or the " +
        "CLI operator's; fix36b). Kept outside the hash chain: not tamper-evident, `actor` (the id) is. null: " +
        'truc knew no name, or the entry is older than fix36b',
    }),
  action: z.string(),
  subject: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

/** The audit trail, filtered by actor, action, subject and time. */
function listRoute(app: AuditApp, opts: { db: Db }): void {
  const repo = createOverviewRepo(opts.db);

  app.get(
    '/v1/audit',
    {
      config: { scope: 'audit:read' },
      schema: {
        tags: ['operations'],
        summary:
          'Nhật ký kiểm toán, theo thứ tự chuỗi: mục vào chuỗi sau cùng trước (seq giảm dần) / Audit log search in ' +
          'the chain’s order: the last chained first (seq descending)',
        querystring: z
          .object({
            actor: z.string().min(1).max(200).optional(),
            action: z
              .string()
              .min(1)
              .max(100)
              .optional()
              .meta({
                description:
                  'Một hành động truc ghi, hoặc một hành động cũ mà nhật ký còn giữ; tên khác: 400 ERR_VALIDATION nêu các ' +
                  `tên hợp lệ / an action truc writes, or an older one rows of the log still carry; any other name is a ` +
                  `400 ERR_VALIDATION naming the valid ones. Written now: ${AUDIT_ACTIONS.join(', ')}`,
              }),
            subject: z.string().min(1).max(200).optional(),
            ...timeRangeQuery(),
            ...pageQuery(500, 100),
          })
          .strict()
          .superRefine(fromNotAfterTo),
        response: {
          200: z.object({
            items: z.array(AuditItem),
          }),
          ...Problems,
        },
      },
    },
    async function audit(request) {
      const { actor, action, subject, limit, offset } = request.query;
      if (action !== undefined && !WRITTEN.has(action) && !(await repo.auditActionWritten(action)))
        throw unknownAction(await searchableActions(repo));
      const rows = await repo.audit({ actor, action, subject, ...timeRangeOf(request.query) }, limit, offset);
      return { items: rows.map((r) => ({ ...r, at: iso(r.at)! })) };
    },
  );
}

/**
 * The actions the search takes (fix32b): the dashboard's audit page offers these as the action is typed, the same
 * set the search's refusal names (older names the log holds among them), not a list of its own.
 */
function actionsRoute(app: AuditApp, opts: { db: Db }): void {
  const repo = createOverviewRepo(opts.db);
  app.get(
    '/v1/audit/actions',
    {
      config: { scope: 'audit:read' },
      schema: {
        tags: ['operations'],
        summary:
          'Các hành động tìm được trong nhật ký kiểm toán / The actions the audit search takes: every one truc writes and every one the log holds, sorted',
        response: { 200: z.object({ items: z.array(z.string()) }), ...Problems },
      },
    },
    async function auditActions() {
      return { items: await searchableActions(repo) };
    },
  );
}

/** Verify the hash chain of the audit log. */
function verifyRoute(app: AuditApp, opts: { db: Db }): void {
  app.get(
    '/v1/audit/verify',
    {
      config: { scope: 'audit:read' },
      schema: {
        tags: ['operations'],
        summary: 'Kiểm tra chuỗi băm / Verify the audit hash chain',
        response: {
          200: z.object({
            ok: z.boolean(),
            rows: z.number().int(),
            head: z.string().nullable(),
            brokenAt: z.number().int().nullable(),
            reason: z.string().nullable(),
          }),
          ...Problems,
        },
      },
    },
    async function verify() {
      const r = await verifyAudit(opts.db);
      return r.ok
        ? { ok: true, rows: r.rows, head: r.head, brokenAt: null, reason: null }
        : { ok: false, rows: r.rows, head: null, brokenAt: r.brokenAt, reason: r.reason };
    },
  );
}

const auditRoutes: FastifyPluginAsyncZod<{ db: Db }> = async function auditRoutes(app, opts) {
  listRoute(app, opts);
  actionsRoute(app, opts);
  verifyRoute(app, opts);
};
export default auditRoutes;
