/**
 * The mass-change guard's holds (issue 7; scope `guard`, city admins): list the changes the guard held,
 * inspect one (counts per school and change kind, and the record codes it would delete, move or change —
 * student and staff codes, never personal data), and approve it (it is applied: a held reconciliation
 * runs again and the guard lets it through; a held snapshot's deletions are queued), a run's hold maybe except some
 * schools (their changes not applied, counted, asked again by the next run: `exceptSchools`, `notApplied`), or reject it (nothing is deleted). Each decision is audited with who took it.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ENTITY_NAMES } from '../../config.js';
import {
  decideHold,
  DECISION_REASON_MAX as REASON_MAX,
  EXCEPT_SCHOOLS_MAX,
  isDecisionReason,
} from '../../jobs/contracts.js';
import { AppError, both } from '../../errors.js';
import type { Db, Queryable } from '../../store/db.js';
import { createGuardHoldsRepo } from '../../store/guard-holds.js';
import { createHoldSchoolsRepo } from '../../store/guard-hold-schools.js';
import { createRunExceptRepo } from '../../store/run-except.js';
import { SchoolCode } from '../school-code.js';
import { withoutPersonalNumber } from '../free-text.js';
import { principalOf } from '../plugins/auth.js';
import { problems } from '../problem.js';
import { pageOf, pageOut, pageQuery } from '../paging.js';
import { decimal } from '../query.js';
import {
  DIFF_FIRST,
  Hold,
  HoldReasons,
  HoldSchools,
  HoldSummary,
  holdView,
  summaryView,
} from './guard/views.js';

const IdParams = z.object({ id: decimal(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)) }).strict();

const noHold = (id: number) =>
  new AppError('ERR_NOT_FOUND', both(`không có lệnh giữ ${id}`, `no guard hold ${id}`));

/**
 * A hold inspected: its totals over all its schools, its first {@link DIFF_FIRST} schools (most affected first), what
 * its run did not apply of the schools left out; undefined when there is no such hold.
 */
async function inspected(db: Queryable, id: number) {
  const hold = await createGuardHoldsRepo(db).summary(id);
  if (!hold) return undefined;
  const first = await createHoldSchoolsRepo(db).page(id, {}, { limit: DIFF_FIRST, offset: 0 });
  return holdView(hold, first?.items ?? [], await createRunExceptRepo(db).ofHold(hold));
}

interface GuardRouteOptions {
  db: Db;
  /** The clock audit entries are stamped with (deps.now). */
  now: () => Date;
}

type GuardApp = Parameters<FastifyPluginAsyncZod<GuardRouteOptions>>[0];

const common = { tags: ['syncs'] };

const config = { scope: 'guard' };

/** `GET /v1/guard/holds`: the holds, newest first, counts only. */
function listHoldsRoute(app: GuardApp, opts: GuardRouteOptions): void {
  app.get(
    '/v1/guard/holds',
    {
      config,
      schema: {
        ...common,
        summary: 'Thay đổi hàng loạt bị giữ / Changes the mass-change guard held, newest first',
        description:
          'Chỉ số đếm, không có mã bản ghi. / Counts only, no record codes (inspect one hold for its codes).',
        querystring: z
          .object({
            status: z.enum(['held', 'approved', 'rejected', 'superseded']).optional(),
            entity: z.enum(ENTITY_NAMES).optional(),
            ...pageQuery(200, 50, 1_000_000),
          })
          .strict(),
        response: {
          200: pageOf(HoldSummary),
          ...problems(400, 401, 403),
        },
      },
    },
    async function listGuardHolds(request) {
      const { status, entity, limit, offset } = request.query;
      const page = await createGuardHoldsRepo(opts.db).list({ status, entity, limit, offset });
      return pageOut(page, { limit, offset }, summaryView);
    },
  );
}

/** `GET /v1/guard/holds/:id`: one hold with its counts and record codes per school. */
function getHoldRoute(app: GuardApp, opts: GuardRouteOptions): void {
  app.get(
    '/v1/guard/holds/:id',
    {
      config,
      schema: {
        ...common,
        summary: 'Xem một thay đổi bị giữ / Inspect a held change: counts and record codes per school',
        params: IdParams,
        response: {
          200: Hold,
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async function getGuardHold(request) {
      const hold = await inspected(opts.db, request.params.id);
      if (!hold) throw noHold(request.params.id);
      return hold;
    },
  );
}

/** Query of `GET /v1/guard/holds/:id/schools`. */
const SchoolsQuery = z
  .object({
    school: SchoolCode.optional().meta({
      description:
        'mã trường bắt đầu bằng chuỗi này (cả mã: một trường) / school codes starting with this (a whole code: one school)',
    }),
    over: z.enum(['true', 'false']).default('false').meta({
      description:
        'true: chỉ các trường vượt ngưỡng (có trong reasons) / true: only the schools over a threshold (named by reasons)',
    }),
    ...pageQuery(500, DIFF_FIRST, 1_000_000),
  })
  .strict();

/** `GET /v1/guard/holds/:id/schools`: a page of the hold's schools, most affected first (fix34a). */
function holdSchoolsRoute(app: GuardApp, opts: GuardRouteOptions): void {
  app.get(
    '/v1/guard/holds/:id/schools',
    {
      config,
      schema: {
        ...common,
        summary:
          'Các trường của một thay đổi bị giữ, theo trang / A held change’s schools, a page at a time, most affected first',
        description:
          'Số đếm và mã bản ghi của từng trường, trường bị ảnh hưởng nhiều nhất (xoá + chuyển đi + thay đổi) trước, rồi theo mã ' +
          'trường. / Each school’s counts and record codes, the most affected (deleted + moved + changed) first, then by ' +
          'school code; `total` counts the schools matching the filter.',
        params: IdParams,
        querystring: SchoolsQuery,
        response: {
          200: HoldSchools,
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async function getGuardHoldSchools(request) {
      const { id } = request.params;
      const { school, over, limit, offset } = request.query;
      const page = await createHoldSchoolsRepo(opts.db).page(
        id,
        { school, over: over === 'true' },
        { limit, offset },
      );
      if (!page) throw noHold(id);
      return { holdId: id, ...pageOut(page, { limit, offset }, (d) => d) };
    },
  );
}

/** `GET /v1/guard/holds/:id/reasons`: a page of the hold's reasons, the highest ratio first (fix35a). */
function holdReasonsRoute(app: GuardApp, opts: GuardRouteOptions): void {
  app.get(
    '/v1/guard/holds/:id/reasons',
    {
      config,
      schema: {
        ...common,
        summary:
          'Các ngưỡng bị vượt của một thay đổi bị giữ, theo trang / A held change’s reasons, a page at a time, the school of the highest ratio first',
        description:
          'Thứ tự như reasons của lệnh giữ (trường có tỉ lệ cao nhất trước, cả trường rồi các khối theo thứ tự); `total`: tất cả lý do. / ' +
          'In the order of the hold’s `reasons` (the school of the highest ratio first, the whole school, then its grades in order); `total` counts them all.',
        params: IdParams,
        querystring: z.object({ ...pageQuery(500, 50, 1_000_000) }).strict(),
        response: {
          200: HoldReasons,
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async function getGuardHoldReasons(request) {
      const { id } = request.params;
      const { limit, offset } = request.query;
      const page = await createHoldSchoolsRepo(opts.db).reasons(id, { limit, offset });
      if (!page) throw noHold(id);
      return { holdId: id, ...pageOut(page, { limit, offset }, (r) => r) };
    },
  );
}

/**
 * The optional body of a decision: why, kept in its audit entry (review25 F1: it was dropped without a word, only the
 * CLI's `--reason` was kept).
 */
const Decision = z
  .object({
    reason: withoutPersonalNumber(
      z
        .string()
        .trim()
        .min(1)
        .max(REASON_MAX)
        .refine(isDecisionReason, {
          message: both('một dòng chữ, không ký tự điều khiển', 'one line of text, no control characters'),
        }),
    )
      .optional()
      .meta({
        description:
          `lý do, lưu cùng quyết định (decisionReason) và trong nhật ký kiểm toán của nó; nhà cung cấp của lô bị giữ ` +
          `cũng đọc được (GET /v1/batches/{id} và webhook batch.finished: guard.decisionReason, người quyết định chỉ ` +
          `theo vai trò) (một dòng, 1–${REASON_MAX} ký tự; ` +
          `không chứa số định danh, CMND hay số điện thoại: 400 ERR_FREE_TEXT_PERSONAL_DATA) / ` +
          `why, kept with the decision (decisionReason) and in its audit entry; a held batch's vendor reads it too ` +
          `(GET /v1/batches/{id} and the batch.finished webhook: guard.decisionReason, who decided as a role only) ` +
          `(one line, 1–${REASON_MAX} characters; no personal ID, old ID card or phone number: 400 ERR_FREE_TEXT_PERSONAL_DATA)`,
      }),
  })
  .strict()
  .meta({ id: 'GuardDecision' });

/** An approval's body: a decision's, and the schools it leaves out (fix33b). */
const Approval = Decision.extend({
  exceptSchools: z
    .array(SchoolCode)
    .min(1)
    .max(EXCEPT_SCHOOLS_MAX)
    .optional()
    .meta({
      description:
        'duyệt trừ các trường này (mã trường của lệnh giữ): thay đổi của chúng chưa được quyết, hỏi lại ở lần kéo sau — các trang của lần kéo và phần ' +
        'đối soát không áp dụng gì của chúng, có đếm và ghi nhật ký; các trường khác được duyệt. Chỉ với lệnh giữ của một lần ' +
        'kéo (run, reconcile); mã không có trong lệnh giữ: 400 ERR_GUARD_EXCEPT_SCHOOLS, không thay đổi gì. Từ chối chỉ một ' +
        'số trường cũng là cách này / approve except these schools (codes of the hold): their changes not decided, asked again by the next run — the run’s ' +
        'pages and its reconciliation apply nothing of them, counted (notApplied) and audited; the other schools approved. ' +
        "Only a sync run's hold (run, reconcile); a code the hold does not show: 400 ERR_GUARD_EXCEPT_SCHOOLS, nothing " +
        'changed. Rejecting only some schools is this too',
    }),
})
  .strict()
  .meta({ id: 'GuardApproval' });

/** `POST /v1/guard/holds/:id/approve` or `/reject`: the decision, taken by the caller. */
function decideHoldRoute(app: GuardApp, opts: GuardRouteOptions, decision: 'approve' | 'reject'): void {
  app.post(
    `/v1/guard/holds/:id/${decision}`,
    {
      config,
      schema: {
        ...common,
        summary:
          decision === 'approve'
            ? 'Duyệt: áp dụng thay đổi / Approve a held change: it is applied'
            : 'Từ chối: bỏ thay đổi, không xoá gì / Reject a held change: nothing is deleted',
        operationId: decision === 'approve' ? 'approveGuardHold' : 'rejectGuardHold',
        params: IdParams,
        body: (decision === 'approve' ? Approval : Decision).nullish(),
        response: {
          200: Hold,
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async function decideGuardHold(request) {
      const body = request.body as z.infer<typeof Approval> | null | undefined;
      const hold = await opts.db.tx((q) =>
        decideHold(q, {
          holdId: request.params.id,
          decision: decision === 'approve' ? 'approved' : 'rejected',
          by: principalOf(request).clientId,
          at: opts.now(),
          ...(body?.reason ? { reason: body.reason } : {}),
          ...(body?.exceptSchools ? { exceptSchools: body.exceptSchools } : {}),
        }),
      );
      // Closed as superseded (committed, audited): the approval did not take.
      // Overtaken at its schools only (a held page of a whole-city run): the run goes on, still guarded.
      if (hold.overtaken === 'schools')
        throw new AppError(
          'ERR_GUARD_SUPERSEDED_SCHOOLS',
          both(`lệnh giữ ${hold.id}`, `guard hold ${hold.id}`),
        );
      if (hold.status === 'superseded')
        throw new AppError('ERR_GUARD_SUPERSEDED', both(`lệnh giữ ${hold.id}`, `guard hold ${hold.id}`));
      return (await inspected(opts.db, hold.id))!;
    },
  );
}

const guardRoutes: FastifyPluginAsyncZod<GuardRouteOptions> = async function guardRoutes(app, opts) {
  listHoldsRoute(app, opts);
  getHoldRoute(app, opts);
  holdSchoolsRoute(app, opts);
  holdReasonsRoute(app, opts);
  decideHoldRoute(app, opts, 'approve');
  decideHoldRoute(app, opts, 'reject');
};
export default guardRoutes;
