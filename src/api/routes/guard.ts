/**
 * The mass-change guard's holds (issue 7; scope `guard`, city admins): list the changes the guard held,
 * inspect one (counts per school and change kind, and the record codes it would delete, move or change —
 * student and staff codes, never personal data), and approve it (it is applied: a held reconciliation
 * runs again and the guard lets it through; a held snapshot's deletions are queued), a run's hold maybe except some
 * schools (their changes rejected, counted: `exceptSchools`, `notApplied`), or reject it (nothing is deleted). Each decision is audited with who took it.
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
import {
  createGuardHoldsRepo,
  type GuardHold as StoredHold,
  type GuardHoldSummary,
} from '../../store/guard-holds.js';
import { createRunExceptRepo, type NotApplied as NotAppliedRow } from '../../store/run-except.js';
import { SchoolCode } from '../batch-contract.js';
import { withoutPersonalNumber } from '../free-text.js';
import { principalOf } from '../plugins/auth.js';
import { iso } from '../time.js';
import { problems } from '../problem.js';
import { pageOf, pageOut, pageQuery } from '../paging.js';
import { decimal } from '../query.js';

const Count = z.number().int();
/** A classes run's counts are per school year (left20 item 1). */
const SchoolYear = z.string().optional().meta({
  description:
    'năm học: lượt kéo lớp được tính trong từng năm học của trường / school year: a classes run is weighed within each school year of a school',
});
const School = z.string().meta({
  description:
    'mã trường; "*" với lượt kéo danh sách trường: các trường của thành phố tính chung, mã trường nằm trong keys / ' +
    'school code; "*" for a schools run: the city\'s schools weighed as one, their codes in keys',
});

const Reason = z
  .object({
    school: School,
    schoolYear: SchoolYear,
    grade: z
      .string()
      .optional()
      .meta({
        description:
          'khối lớp: các bản ghi bị xoá của snapshot học sinh được tính cả trong từng khối của trường / ' +
          "grade: a student snapshot's deletions are weighed within each grade of the school as well",
      }),
    kind: z.enum(['deleted', 'changed']).meta({
      description:
        'deleted: bản ghi bị xoá hoặc chuyển đi; changed: bản ghi bị sửa / deleted: records deleted or moved away; changed: records changed',
    }),
    count: Count,
    live: Count.meta({ description: 'bản ghi đang có của trường / the school’s live records' }),
    ratio: z.number(),
    threshold: z.number(),
  })
  .meta({ id: 'GuardReason' });

const HoldFields = {
  id: Count,
  kind: z.enum(['batch', 'reconcile', 'run']).meta({
    description:
      'reconcile: đối soát của lần kéo toàn bộ; run: một trang của lần kéo (lần kéo chờ duyệt); ' +
      'batch: lô của phần mềm trường / ' +
      "reconcile: a full run's reconciliation; run: a page of a sync run (the run waits); batch: a vendor's batch",
  }),
  batchId: z.string().nullable(),
  syncRunId: Count.nullable(),
  entity: z.string(),
  status: z.enum(['held', 'approved', 'rejected', 'superseded']).meta({
    description:
      'superseded: duyệt sau khi một lần kéo toàn bộ mới hơn đã kéo xong, không xoá gì / approved after a newer full run fetched every page: closed, nothing deleted',
  }),
  reasons: z.array(Reason),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decisionReason: z.string().nullable().meta({
    description:
      'lý do của quyết định, lời của quản trị duyệt hoặc từ chối (nếu có) / why, in the deciding admin’s words (when given)',
  }),
  appliedAt: z.string().nullable().meta({
    description:
      'lúc các bản ghi bị xoá của snapshot được áp dụng / when an approved snapshot’s deletions were applied',
  }),
  applied: Count.nullable(),
  exceptSchools: z.array(z.string()).meta({
    description:
      'các trường mà việc duyệt đã loại ra: thay đổi của chúng bị từ chối (không áp dụng), lần kéo chạy tiếp cho các trường khác / ' +
      'the schools the approval left out: their changes rejected (not applied), the run goes on for the others',
  }),
  weighingUntil: z
    .string()
    .nullable()
    .meta({
      description:
        'lần kéo bị giữ đang cân nhắc các trang tiếp theo: lệnh giữ chưa đủ, chưa thể duyệt trước lúc này (409 ERR_GUARD_WEIGHING; từ chối thì được ngay) / ' +
        'a held run is weighing its next pages: the hold is not whole yet and cannot be approved before then (409 ERR_GUARD_WEIGHING; a rejection is taken at once)',
    }),
};

const HoldSummary = z
  .object({
    ...HoldFields,
    schools: Count,
    totals: z.object({ live: Count, deleted: Count, moved: Count, changed: Count }),
  })
  .meta({ id: 'GuardHoldSummary' });

const SchoolDiff = z
  .object({
    school: School,
    schoolYear: SchoolYear,
    live: Count,
    deleted: Count,
    moved: Count,
    changed: Count,
    regraded: Count.optional().meta({
      description:
        'trong số bản ghi bị sửa, số chỉ đổi khối, lớp (kỳ kết chuyển: ngưỡng nới lỏng) / ' +
        'of the changed records, those whose grade and class alone changed (rollover window: the relaxed threshold)',
    }),
    reconciled: Count.optional().meta({
      description:
        'phần đối soát bị giữ: trong số bản ghi bị xoá, số bản ghi chính phần đối soát sẽ xoá (mã trong keys.deleted); ' +
        'phần còn lại là các trang của lần kéo đã xoá hoặc chuyển đi / ' +
        'a held reconciliation: of the deleted records, those the reconciliation itself would delete (their codes in ' +
        "keys.deleted); the rest are what the run's pages deleted or moved away",
    }),
    keys: z
      .object({ deleted: z.array(z.string()), moved: z.array(z.string()), changed: z.array(z.string()) })
      .meta({
        description: 'mã học sinh / cán bộ / lớp (không có dữ liệu cá nhân) / record codes, no personal data',
      }),
    keysTruncated: z
      .literal(true)
      .optional()
      .meta({
        description:
          'lần chạy bị giữ đã cân các trang sau: keys chỉ có một phần mã của trường (số đếm ở trên là đủ) / ' +
          'a held run weighed ahead: keys has some of the school’s codes only (the counts above are all of them)',
      }),
    window: z.object({ since: z.string(), changed: Count, deleted: Count }).optional().meta({
      description:
        'lô của nhà cung cấp: trong các số trên, số bản ghi các lô trước của trường đã sửa / xoá từ `since` (không nằm trong keys) / a vendor batch: of the counts above, the records the school’s earlier vendor batches changed / deleted since `since` (not among keys)',
    }),
  })
  .meta({ id: 'GuardSchoolDiff' });

/** What the run did not apply of a school an approval left out (../../store/run-except.ts). */
const NotApplied = z
  .object({
    school: z.string(),
    records: Count.meta({
      description:
        'bản ghi và bản ghi xoá của các trang không áp dụng / the pages’ records and tombstones not applied',
    }),
    deletions: Count.meta({
      description: 'bản ghi phần đối soát không xoá / records the reconciliation did not delete',
    }),
  })
  .meta({ id: 'GuardNotApplied' });

const Hold = z
  .object({
    ...HoldFields,
    diff: z.array(SchoolDiff),
    notApplied: z.array(NotApplied).meta({
      description:
        'lần kéo của lệnh giữ: những gì chưa áp dụng của các trường bị loại ra, theo trường / ' +
        "the hold's run: what it did not apply of the schools left out, per school",
    }),
  })
  .meta({ id: 'GuardHold' });

const IdParams = z.object({ id: decimal(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)) }).strict();

function fields(h: Omit<StoredHold, 'diff'>) {
  return {
    id: h.id,
    kind: h.kind,
    batchId: h.batchId,
    syncRunId: h.syncRunId,
    entity: h.entity,
    status: h.status,
    reasons: h.reasons,
    createdAt: iso(h.createdAt)!,
    decidedAt: iso(h.decidedAt),
    decidedBy: h.decidedBy,
    decisionReason: h.decisionReason,
    appliedAt: iso(h.appliedAt),
    applied: h.applied,
    weighingUntil: iso(h.weighingUntil),
    exceptSchools: h.exceptSchools,
  };
}
const summaryView = (h: GuardHoldSummary) => ({ ...fields(h), schools: h.schools, totals: h.totals });
const holdView = (h: StoredHold, notApplied: NotAppliedRow[]) => ({
  ...fields(h),
  diff: h.diff,
  notApplied,
});
/** What the hold's run did not apply of the schools left out (none for a batch's hold). */
const notAppliedOf = (db: Queryable, h: StoredHold) => createRunExceptRepo(db).ofHold(h);

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
      const hold = await createGuardHoldsRepo(opts.db).get(request.params.id);
      if (!hold)
        throw new AppError(
          'ERR_NOT_FOUND',
          both(`không có lệnh giữ ${request.params.id}`, `no guard hold ${request.params.id}`),
        );
      return holdView(hold, await notAppliedOf(opts.db, hold));
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
          `lý do, lưu cùng quyết định (decisionReason) và trong nhật ký kiểm toán của nó (một dòng, 1–${REASON_MAX} ký tự; ` +
          `không chứa số định danh, CMND hay số điện thoại: 400 ERR_FREE_TEXT_PERSONAL_DATA) / ` +
          `why, kept with the decision (decisionReason) and in its audit entry (one line, 1–${REASON_MAX} characters; ` +
          `no personal ID, old ID card or phone number: 400 ERR_FREE_TEXT_PERSONAL_DATA)`,
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
        'duyệt trừ các trường này (mã trường của lệnh giữ): thay đổi của chúng bị từ chối — các trang của lần kéo và phần ' +
        'đối soát không áp dụng gì của chúng, có đếm và ghi nhật ký; các trường khác được duyệt. Chỉ với lệnh giữ của một lần ' +
        'kéo (run, reconcile); mã không có trong lệnh giữ: 400 ERR_GUARD_EXCEPT_SCHOOLS, không thay đổi gì. Từ chối chỉ một ' +
        'số trường cũng là cách này / approve except these schools (codes of the hold): their changes rejected — the run’s ' +
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
      return holdView(hold, await notAppliedOf(opts.db, hold));
    },
  );
}

const guardRoutes: FastifyPluginAsyncZod<GuardRouteOptions> = async function guardRoutes(app, opts) {
  listHoldsRoute(app, opts);
  getHoldRoute(app, opts);
  decideHoldRoute(app, opts, 'approve');
  decideHoldRoute(app, opts, 'reject');
};
export default guardRoutes;
