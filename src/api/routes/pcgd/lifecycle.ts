/** PCGD-XMC lifecycle routes: compute and read a report version; check, approve and submit it; reopen it. */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AppError, both } from '../../../errors.js';
import { enqueue, isDecisionReason, pcgdCompute, pcgdSubmit } from '../../../jobs/contracts.js';
import { requireUnit } from '../../../reporting/pcgd/access.js';
import { reportDeadline } from '../../../reporting/pcgd/deadlines.js';
import {
  approveReport,
  requestCompute,
  requestReopen,
  requestSubmit,
} from '../../../reporting/pcgd/service.js';
import type { Queryable } from '../../../store/db.js';
import { withoutPersonalNumber } from '../../free-text.js';
import { type PcgdApp, type PcgdContext, type PcgdRouteOptions } from './context.js';
import {
  ReportIdParams,
  ComputeRequest,
  Accepted,
  Report,
  SubmitAccepted,
  errors,
  read,
  write,
} from './schemas.js';

/** Creates a report version and queues its computation in one transaction; answers 202 with its status URL. */
async function queueCompute(
  opts: PcgdRouteOptions,
  ctx: PcgdContext,
  reply: FastifyReply,
  create: (q: Queryable) => Promise<{ id: number; version: number }>,
): Promise<FastifyReply> {
  const created = await opts.db.tx(async (q) => {
    const r = await create(q);
    await enqueue(q, pcgdCompute, { reportId: r.id });
    return r;
  });
  void reply.header('location', ctx.statusUrl(created.id));
  return reply.code(202).send({
    reportId: created.id,
    version: created.version,
    status: 'pending',
    statusUrl: ctx.statusUrl(created.id),
  });
}

export function lifecycleRoutes(app: PcgdApp, opts: PcgdRouteOptions, ctx: PcgdContext): void {
  versionRoutes(app, opts, ctx);
  signOffRoutes(app, opts, ctx);
  reopenRoute(app, opts, ctx);
}

/** Compute a unit's figures (a new version, queued) and read a version. */
function versionRoutes(app: PcgdApp, opts: PcgdRouteOptions, ctx: PcgdContext): void {
  const { deps, actorOf, reportFor, viewOf } = ctx;
  app.post(
    '/v1/pcgd/reports',
    {
      ...write,
      schema: {
        operationId: 'computePcgdReport',
        tags: ['pcgd'],
        summary: 'Tính số liệu PCGD-XMC của một đơn vị / Compute a unit’s PCGD-XMC figures (queued)',
        body: ComputeRequest,
        response: { 202: Accepted, ...errors },
      },
    },
    async function compute(request, reply) {
      const actor = actorOf(request);
      const { unitCode, year } = request.body;
      requireUnit(actor, 'compute', unitCode);
      return queueCompute(opts, ctx, reply, (q) =>
        requestCompute(deps, q, { unitCode, year, actor: actor.clientId }),
      );
    },
  );

  app.get(
    '/v1/pcgd/reports/:reportId',
    {
      ...read,
      schema: {
        operationId: 'getPcgdReport',
        tags: ['pcgd'],
        summary:
          'Báo cáo PCGD-XMC: số liệu, mức đạt, kết quả kiểm tra / A PCGD-XMC report: figures, levels, findings',
        params: ReportIdParams,
        response: { 200: Report, ...errors },
      },
    },
    async function getReport(request) {
      return viewOf(await reportFor(actorOf(request), request.params.reportId, 'read'));
    },
  );
}

/** `POST /v1/pcgd/reports/:reportId/check`: checks the figures before approval. */
function checkRoute(app: PcgdApp, opts: PcgdRouteOptions, ctx: PcgdContext): void {
  const { actorOf, reportFor, viewOf } = ctx;
  app.post(
    '/v1/pcgd/reports/:reportId/check',
    {
      ...write,
      schema: {
        operationId: 'checkPcgdReport',
        tags: ['pcgd'],
        summary: 'Kiểm tra số liệu trước khi duyệt / Check the figures before approval',
        description:
          'Trả về báo cáo khi không có lỗi; 422 ERR_PCGD_CHECK_FAILED liệt kê các lỗi. / The report when it has no error findings; 422 ERR_PCGD_CHECK_FAILED lists them.',
        params: ReportIdParams,
        response: { 200: Report, ...errors },
      },
    },
    async function check(request) {
      const row = await reportFor(actorOf(request), request.params.reportId, 'read');
      if (row.status === 'pending' || row.status === 'failed')
        throw new AppError(
          'ERR_PCGD_INVALID_TRANSITION',
          both(`báo cáo đang ${row.status}`, `report is ${row.status}`),
        );
      if (row.status === 'computed') {
        const findings = (
          row.findings as Array<{ rule: string; severity: string; vi: string; en: string }>
        ).filter((f) => f.severity === 'error');
        throw new AppError(
          'ERR_PCGD_CHECK_FAILED',
          both(`${findings.length} lỗi`, `${findings.length} error finding(s)`),
          {
            errors: findings.map((f, i) => ({
              pointer: `/findings/${i}`,
              rule: f.rule,
              message: both(f.vi, f.en),
            })),
          },
        );
      }
      return viewOf(row);
    },
  );
}

/** `POST /v1/pcgd/reports/:reportId/approve`: approves, signs and locks the figures. */
function approveRoute(app: PcgdApp, opts: PcgdRouteOptions, ctx: PcgdContext): void {
  const { deps, actorOf, reportFor, viewOf } = ctx;
  app.post(
    '/v1/pcgd/reports/:reportId/approve',
    {
      ...write,
      schema: {
        operationId: 'approvePcgdReport',
        tags: ['pcgd'],
        summary:
          'Duyệt, ký số và khoá số liệu (cán bộ PCGD của đơn vị hoặc quản trị thành phố) / Approve, sign and lock the figures (an officer of the unit or a city admin)',
        params: ReportIdParams,
        response: { 200: Report, ...errors },
      },
    },
    async function approve(request) {
      const actor = actorOf(request);
      await reportFor(actor, request.params.reportId, 'approve');
      return viewOf(await approveReport(deps, { reportId: request.params.reportId, actor: actor.clientId }));
    },
  );
}

/** `POST /v1/pcgd/reports/:reportId/submit`: queues the delivery of the approved figures to the Ministry. */
function submitRoute(app: PcgdApp, opts: PcgdRouteOptions, ctx: PcgdContext): void {
  const { actorOf, statusUrl, reportFor } = ctx;
  app.post(
    '/v1/pcgd/reports/:reportId/submit',
    {
      ...write,
      schema: {
        operationId: 'submitPcgdReport',
        tags: ['pcgd'],
        summary:
          'Gửi số liệu đã duyệt lên Bộ (xếp hàng) / Deliver the approved figures to the Ministry (queued)',
        params: ReportIdParams,
        response: { 202: SubmitAccepted, ...errors },
      },
    },
    async function submit(request, reply) {
      const actor = actorOf(request);
      await reportFor(actor, request.params.reportId, 'submit');
      const row = await opts.db.tx(async (q) => {
        const r = await requestSubmit(q, {
          reportId: request.params.reportId,
          actor: actor.clientId,
          at: opts.now(),
        });
        if (r.queued) await enqueue(q, pcgdSubmit, { reportId: r.row.id });
        return r.row;
      });
      const deadline = await reportDeadline(opts.db, opts.config.pcgd.calendar, row, opts.now());
      const queued = {
        reportId: row.id,
        version: row.version,
        status: row.status,
        statusUrl: statusUrl(row.id),
      };
      return reply.code(202).send({ ...queued, ...deadline });
    },
  );
}

/** The sign-off: check the figures, approve (sign and lock) them, submit them to the Ministry (queued). */
function signOffRoutes(app: PcgdApp, opts: PcgdRouteOptions, ctx: PcgdContext): void {
  checkRoute(app, opts, ctx);
  approveRoute(app, opts, ctx);
  submitRoute(app, opts, ctx);
}

/** A higher level reopens approved figures: a new version is computed, the old one kept. */
function reopenRoute(app: PcgdApp, opts: PcgdRouteOptions, ctx: PcgdContext): void {
  const { deps, actorOf, reportFor } = ctx;
  app.post(
    '/v1/pcgd/reports/:reportId/reopen',
    {
      ...write,
      schema: {
        operationId: 'reopenPcgdReport',
        tags: ['pcgd'],
        summary:
          'Cấp trên mở lại số liệu đã duyệt: tạo phiên bản mới, giữ bản cũ / A higher level reopens approved figures: a new version, the old one kept',
        params: ReportIdParams,
        body: z
          .object({
            reason: withoutPersonalNumber(
              z
                .string()
                .trim()
                .min(3)
                .max(500)
                .refine(isDecisionReason, {
                  message: both(
                    'một dòng chữ, không ký tự điều khiển',
                    'one line of text, no control characters',
                  ),
                }),
            ).meta({
              description:
                'vì sao mở lại, lưu trong nhật ký kiểm toán (3–500 ký tự, một dòng, không ký tự điều khiển; không chứa ' +
                'số định danh, CMND hay số điện thoại: 400 ERR_FREE_TEXT_PERSONAL_DATA) / why it is reopened, kept in ' +
                'the audit log (3–500 characters, one line, no control characters; no personal ID, old ID card or ' +
                'phone number: 400 ERR_FREE_TEXT_PERSONAL_DATA)',
            }),
          })
          .strict()
          .meta({ id: 'PcgdReopenRequest' }),
        response: { 202: Accepted, ...errors },
      },
    },
    async function reopen(request, reply) {
      const actor = actorOf(request);
      await reportFor(actor, request.params.reportId, 'reopen');
      return queueCompute(opts, ctx, reply, (q) =>
        requestReopen(deps, q, {
          reportId: request.params.reportId,
          actor: actor.clientId,
          reason: request.body.reason,
        }),
      );
    },
  );
}
