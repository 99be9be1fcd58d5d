/**
 * `GET /v1/pcgd/reports`: a unit's report versions, newest first, paged, each with its status (fix35e), whether it is
 * outdated and its receipt id (fix36a; built by src/reporting/pcgd/list.ts, as `truc pcgd list --json` prints it).
 */
import { z } from 'zod';
import { requireUnit } from '../../../reporting/pcgd/access.js';
import { unitOf } from '../../../reporting/pcgd/unit.js';
import { checkReportYear } from '../../../reporting/pcgd/years.js';
import { listReports } from '../../../reporting/pcgd/list.js';
import { REPORT_STATUSES } from '../../../store/pcgd.js';
import { decimal } from '../../query.js';
import type { PcgdApp, PcgdContext, PcgdRouteOptions } from './context.js';
import { errors, read, UnitCode, Year } from './schemas.js';

const Status = z.enum(REPORT_STATUSES);
const ListedReport = z
  .object({
    reportId: z.number().int(),
    year: z.number().int(),
    version: z.number().int(),
    status: Status,
    superseded: z.boolean().meta({
      description: 'thay bởi phiên bản mới hơn / replaced by a newer version',
    }),
    outdated: z.boolean().meta({
      description:
        'báo cáo tỉnh dựa trên phiên bản xã đã được thay: tính lại / a province report built on a commune version replaced since: compute it again',
    }),
    reopenReason: z.string().nullable(),
    computedAt: z.string(),
    approvedAt: z.string().nullable(),
    submittedAt: z.string().nullable(),
    receiptedAt: z.string().nullable(),
    receiptId: z.string().nullable().meta({
      description: 'mã biên nhận của Bộ / the Ministry’s receipt id (null until receipted)',
    }),
    submitBefore: z.string().meta({
      description:
        'hạn nộp của đơn vị: nộp trước ngày này (giờ Việt Nam) / the unit’s deadline: submit before this date (exclusive, Vietnam time)',
    }),
    late: z.boolean().meta({
      description:
        'đơn vị trễ hạn: quá hạn chưa nộp, hoặc lần nộp đầu được Bộ nhận vào hoặc sau hạn / the unit missed its deadline: not submitted past it, or its first receipted submission on or after it (as GET /v1/pcgd/reports/{reportId})',
    }),
  })
  .meta({ id: 'PcgdListedReport' });

export function listRoute(app: PcgdApp, opts: PcgdRouteOptions, ctx: PcgdContext): void {
  app.get(
    '/v1/pcgd/reports',
    {
      ...read,
      schema: {
        operationId: 'listPcgdReports',
        tags: ['pcgd'],
        summary:
          'Các phiên bản báo cáo của một đơn vị, mới nhất trước / A unit’s report versions, newest first (paged)',
        querystring: z
          .object({
            unit: UnitCode,
            year: Year.optional(),
            limit: decimal(z.number().int().min(1).max(500)).default(50),
            offset: decimal(z.number().int().min(0)).default(0),
          })
          .strict(),
        response: {
          200: z.object({
            unitCode: z.string(),
            year: z.number().int().nullable(),
            total: z.number().int(),
            limit: z.number().int(),
            offset: z.number().int(),
            items: z.array(ListedReport),
          }),
          ...errors,
        },
      },
    },
    async function listUnitReports(request) {
      const { unit, year, limit, offset } = request.query;
      unitOf(unit); // pcgd13: an old code is told what it became, not answered an empty list
      requireUnit(ctx.actorOf(request), 'read', unit);
      if (year !== undefined) checkReportYear(year, 'deadlines', ctx.now(), '/querystring/year');
      return listReports(
        opts.db,
        unit,
        year ?? null,
        { limit, offset },
        { calendar: opts.config.pcgd.calendar, now: ctx.now() },
      );
    },
  );
}
