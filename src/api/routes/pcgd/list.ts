/** `GET /v1/pcgd/reports`: a unit's report versions, newest first, paged, each with its status (fix35e). */
import { z } from 'zod';
import { requireUnit } from '../../../reporting/pcgd/access.js';
import { checkReportYear } from '../../../reporting/pcgd/years.js';
import { createPcgdRepo, REPORT_STATUSES } from '../../../store/pcgd.js';
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
    reopenReason: z.string().nullable(),
    computedAt: z.string(),
    approvedAt: z.string().nullable(),
    submittedAt: z.string().nullable(),
    receiptedAt: z.string().nullable(),
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
    async function listReports(request) {
      const { unit, year, limit, offset } = request.query;
      requireUnit(ctx.actorOf(request), 'read', unit);
      if (year !== undefined) checkReportYear(year, 'deadlines', ctx.now(), '/querystring/year');
      const page = await createPcgdRepo(opts.db).versionsOf(unit, year ?? null, { limit, offset });
      return {
        unitCode: unit,
        year: year ?? null,
        total: page.total,
        limit,
        offset,
        items: page.rows.map((r) => ({
          reportId: r.id,
          year: r.year,
          version: r.version,
          status: r.status,
          superseded: r.superseded_at !== null,
          reopenReason: r.reopen_reason,
          computedAt: r.computed_at.toISOString(),
          approvedAt: r.approved_at?.toISOString() ?? null,
          submittedAt: r.submitted_at?.toISOString() ?? null,
          receiptedAt: r.receipted_at?.toISOString() ?? null,
        })),
      };
    },
  );
}
