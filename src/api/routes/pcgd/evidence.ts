/**
 * PCGD-XMC evidence routes, in three groups: the lineage (the persons behind a figure, enrolment
 * mismatches), the documents (the signed package, its signature and certificate, the forms) and the
 * deadlines.
 */
import { z } from 'zod';
import { decimal } from '../../query.js';
import { appendAudit } from '../../../audit/chain.js';
import { AppError, both } from '../../../errors.js';
import { deadlineView } from '../../../reporting/pcgd/deadlines.js';
import { workingYearAt } from '../../../reporting/pcgd/persons-year.js';
import { checkReportYear } from '../../../reporting/pcgd/years.js';
import {
  enrolmentMismatches,
  lineageSelection,
  ruleSetOf,
  signerFor,
} from '../../../reporting/pcgd/service.js';
import { createPcgdRepo, type ReportRow } from '../../../store/pcgd.js';
import { type PcgdApp, type PcgdContext, type PcgdRouteOptions } from './context.js';
import { Year, ReportIdParams, Enrolment, LineageRecord, Deadline, errors, binary, read } from './schemas.js';

/**
 * The forms (pdf-lib, fontkit, signpdf, exceljs: ~2 CPU-s to load) are loaded by the first download,
 * not by every api and worker process at its start (issue 7: a restarted worker's start-up delays
 * its recovery).
 */
const forms = () => import('../../../reporting/pcgd/forms.js');

export function evidenceRoutes(app: PcgdApp, opts: PcgdRouteOptions, ctx: PcgdContext): void {
  lineageRoutes(app, opts, ctx);
  documentRoutes(app, ctx);
  deadlineRoutes(app, opts, ctx);
}

/** `GET /v1/pcgd/reports/:reportId/figures/:code/records`: the persons behind a figure, paged; each read audited. */
const PROVINCE_PERSONS = both(
  'những người đứng sau một chỉ tiêu của tỉnh nằm trong báo cáo của các xã (xem `communes`)',
  'the persons behind a province figure are in its communes’ reports (see `communes`)',
);
/** A figure's code and the page's `after` refused by their form (walk7 W7-2: the words were the regex). */
const FIGURE_CODE_WORDS = both(
  'mã chỉ tiêu (indicators[].code của báo cáo) hoặc inClassNotEnrolled, enrolledNotInClass, unmatchable, matchedByName',
  'an indicator code (the report’s indicators[].code) or inClassNotEnrolled, enrolledNotInClass, unmatchable, matchedByName',
);
const AFTER_WORDS = both('giá trị next của trang trước', 'the previous page’s next');
const noFigure = (code: string) =>
  both(`báo cáo không có chỉ tiêu ${code}`, `no figure ${code} in the report`);

function recordsRoute(app: PcgdApp, opts: PcgdRouteOptions, ctx: PcgdContext): void {
  const { actorOf, reportFor } = ctx;
  app.get(
    '/v1/pcgd/reports/:reportId/figures/:code/records',
    {
      ...read,
      schema: {
        operationId: 'listPcgdFigureRecords',
        tags: ['pcgd'],
        summary:
          'Những người đứng sau một chỉ tiêu (phân trang) / The persons behind a figure (paged): an indicator code, or inClassNotEnrolled, enrolledNotInClass, unmatchable, matchedByName',
        params: ReportIdParams.extend({
          code: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, FIGURE_CODE_WORDS),
        }).strict(),
        querystring: z
          .object({
            after: z
              .string()
              .regex(/^[A-Za-z0-9._:-]{1,64}$/, AFTER_WORDS)
              .optional(),
            limit: decimal(z.number().int().min(1).max(500)).prefault(100),
          })
          .strict(),
        response: {
          200: z.object({
            reportId: z.number().int(),
            code: z.string(),
            items: z.array(LineageRecord),
            next: z.string().nullable(),
          }),
          ...errors,
        },
      },
    },
    async function records(request) {
      const actor = actorOf(request);
      const { reportId, code } = request.params;
      const row = await reportFor(actor, reportId, 'records');
      if (row.unit_level !== 'commune') throw new AppError('ERR_VALIDATION', PROVINCE_PERSONS);
      const sel = lineageSelection(code, ruleSetOf(opts.config.pcgd));
      if (!sel) throw new AppError('ERR_NOT_FOUND', noFigure(code));
      const { after, limit } = request.query;
      const items = await createPcgdRepo(opts.db).lineagePage(reportId, sel, { after, limit });
      // Reading personal data is recorded (who, which report and figure; never the persons).
      const subject = `pcgd-report:${reportId}`;
      const recordsRead = {
        actor: actor.clientId,
        action: 'pcgd.records-read' as const,
        subject,
        details: { code, count: items.length },
      };
      await opts.db.tx((q) => appendAudit(q, [recordsRead], opts.now()));
      return { reportId, code, items, next: items.length === limit ? items.at(-1)!.personRef : null };
    },
  );
}

const MISMATCH_KINDS = Enrolment.keyof().options;
const MismatchRecordsUrls = z
  .object(
    Object.fromEntries(MISMATCH_KINDS.map((k) => [k, z.string()])) as Record<
      (typeof MISMATCH_KINDS)[number],
      z.ZodString
    >,
  )
  .nullable()
  .meta({
    description:
      'Đường dẫn danh sách người của từng loại sai lệch, trên báo cáo của xã; null: xã không có báo cáo riêng (báo cáo ' +
      'tỉnh tính từ dữ liệu người) / each kind’s records URL, on the commune’s own report; null: the commune has no ' +
      'report of its own (a province report computed from persons)',
  });

/** Each mismatch kind's records URL on a commune report (walk8 W8-8: was one template for every kind and report). */
function mismatchRecordsUrls(communeReportId: number | null) {
  if (communeReportId === null) return null;
  const url = (k: string) => `/v1/pcgd/reports/${communeReportId}/figures/${k}/records`;
  return Object.fromEntries(MISMATCH_KINDS.map((k) => [k, url(k)])) as Record<
    (typeof MISMATCH_KINDS)[number],
    string
  >;
}

/** `GET /v1/pcgd/reports/:reportId/enrolment-mismatches`: survey vs enrolment mismatches per commune. */
function mismatchesRoute(app: PcgdApp, opts: PcgdRouteOptions, ctx: PcgdContext): void {
  const { actorOf, reportFor } = ctx;
  app.get(
    '/v1/pcgd/reports/:reportId/enrolment-mismatches',
    {
      ...read,
      schema: {
        operationId: 'listPcgdEnrolmentMismatches',
        tags: ['pcgd'],
        summary:
          'Sai lệch giữa điều tra và dữ liệu học sinh, theo xã / Survey vs enrolment mismatches, counted per commune',
        params: ReportIdParams,
        response: {
          200: z.object({
            reportId: z.number().int(),
            communes: z.array(
              Enrolment.extend({ communeCode: z.string(), recordsUrls: MismatchRecordsUrls }),
            ),
          }),
          ...errors,
        },
      },
    },
    async function mismatches(request) {
      const row = await reportFor(actorOf(request), request.params.reportId, 'read');
      return {
        reportId: row.id,
        communes: enrolmentMismatches(row).map(({ communeReportId, ...c }) => ({
          ...c,
          recordsUrls: mismatchRecordsUrls(communeReportId),
        })),
      };
    },
  );
}

/** The persons behind a figure (audited reads) and the enrolment mismatches per commune. */
function lineageRoutes(app: PcgdApp, opts: PcgdRouteOptions, ctx: PcgdContext): void {
  recordsRoute(app, opts, ctx);
  mismatchesRoute(app, opts, ctx);
}

/** One download of a report's evidence: its path, operation, summary, media type and bytes. */
interface DownloadFile {
  path: string;
  operationId: string;
  summary: string;
  type: string;
  body: (row: ReportRow) => Promise<Buffer>;
}

/** `GET <file.path>`: the report's file as an attachment named after the unit, year and version. */
function downloadRoute(
  app: PcgdApp,
  ctx: PcgdContext,
  { path, operationId, summary, type, body }: DownloadFile,
): void {
  const { actorOf, reportFor } = ctx;
  app.get(
    path,
    {
      ...read,
      schema: {
        operationId,
        tags: ['pcgd'],
        summary,
        params: ReportIdParams,
        response: { 200: binary(type), ...errors },
      },
    },
    async function downloadFile(request, reply) {
      const row = await reportFor(actorOf(request), request.params.reportId, 'read');
      const bytes = await body(row);
      const file =
        path === '/v1/pcgd/reports/:reportId/package'
          ? 'package.json'
          : path.slice(path.lastIndexOf('/') + 1);
      return reply
        .type(type)
        .header(
          'content-disposition',
          `attachment; filename="pcgd-${row.unit_code}-${row.year}-v${row.version}-${file}"`,
        )
        .send(bytes);
    },
  );
}

/** The signed evidence package, its detached signature and signer certificate, and the forms made from it. */
function documentRoutes(app: PcgdApp, ctx: PcgdContext): void {
  const { deps, evidenceOf } = ctx;
  const download = (file: DownloadFile) => downloadRoute(app, ctx, file);
  download({
    path: '/v1/pcgd/reports/:reportId/package',
    operationId: 'getPcgdPackage',
    summary: 'Gói bằng chứng đã ký (JSON chuẩn hóa) / The signed evidence package (canonical JSON)',
    type: 'application/json',
    body: async (row) => (await evidenceOf(row)).package,
  });
  download({
    path: '/v1/pcgd/reports/:reportId/package.p7s',
    operationId: 'getPcgdPackageSignature',
    summary: 'Chữ ký CMS/PKCS#7 tách rời của gói (DER) / The package’s detached CMS/PKCS#7 signature (DER)',
    type: 'application/pkcs7-signature',
    body: async (row) => (await evidenceOf(row)).signature,
  });
  download({
    path: '/v1/pcgd/reports/:reportId/certificate.pem',
    operationId: 'getPcgdSignerCertificate',
    summary: 'Chứng thư số của người ký (PEM) / The signer’s certificate (PEM)',
    type: 'application/x-pem-file',
    body: async (row) => Buffer.from((await evidenceOf(row)).signer_certificate, 'utf8'),
  });
  download({
    path: '/v1/pcgd/reports/:reportId/forms.xlsx',
    operationId: 'getPcgdFormsXlsx',
    summary: 'Biểu mẫu Excel từ gói đã ký / The Excel forms, made from the signed package',
    type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    body: async (row) => (await forms()).xlsxFromPackage((await evidenceOf(row)).package),
  });
  download({
    path: '/v1/pcgd/reports/:reportId/forms.pdf',
    operationId: 'getPcgdFormsPdf',
    summary: 'Biểu mẫu PDF có chữ ký số / The PDF forms with an embedded signature',
    type: 'application/pdf',
    body: async (row) =>
      (await forms()).pdfFromPackage((await evidenceOf(row)).package, await signerFor(deps, row.unit_code)),
  });
}

/** GET /v1/pcgd/deadlines' `counts`: units per state, and the submitted late among the submitted (walk2 F7). */
const DeadlineCounts = z.object({
  submitted: z.number().int(),
  'on-track': z.number().int(),
  'at-risk': z.number().int(),
  late: z.number().int().meta({ description: 'chưa nộp, đã quá hạn / not submitted, past the deadline' }),
  submittedLate: z
    .number()
    .int()
    .meta({
      description:
        'trong số đã nộp (submitted), số đơn vị nộp vào hoặc sau hạn (cũng được tính là đã nộp) / ' +
        'of the submitted, the units submitted on or after their deadline (counted as submitted too)',
    }),
});

/** Deadlines per unit: not yet submitted, at risk, late. */
function deadlineRoutes(app: PcgdApp, opts: PcgdRouteOptions, ctx: PcgdContext): void {
  const { now, actorOf } = ctx;
  app.get(
    '/v1/pcgd/deadlines',
    {
      ...read,
      schema: {
        operationId: 'listPcgdDeadlines',
        tags: ['pcgd'],
        summary:
          'Hạn nộp theo đơn vị: chưa nộp, có nguy cơ trễ, trễ / Deadlines per unit: not yet submitted, at risk, late',
        querystring: z
          .object({
            year: Year.optional().meta({
              description:
                'Năm báo cáo, từ 2014 (Nghị định 20/2014/NĐ-CP) đến năm sau; bỏ trống: năm làm việc PCGD-XMC đang mở ' +
                'hôm nay (từ pcgd.calendar.opensOn, 1/9) / report year, from 2014 (Decree 20/2014/NĐ-CP) to next year; ' +
                'left out: the PCGD-XMC working year open today (from pcgd.calendar.opensOn, 1 September)',
            }),
            province: z
              .string()
              .regex(/^\d{2}$/, both('mã tỉnh 2 chữ số (ví dụ 79)', 'a 2-digit province code (e.g. 79)'))
              .default('79'),
          })
          .strict(),
        response: {
          200: z.object({
            year: z.number().int(),
            province: z.string(),
            today: z.string(),
            counts: DeadlineCounts,
            units: z.array(Deadline),
          }),
          ...errors,
        },
      },
    },
    async function deadlines(request) {
      const at = now();
      const { province } = request.query;
      // walk6b W6b-2: an officer asking with no year was told it is required; the working year open today is meant.
      const year = request.query.year ?? workingYearAt(at, opts.config.pcgd.calendar.opensOn);
      checkReportYear(year, 'deadlines', at, '/querystring/year'); // fix32a: ?year=2099 answered 200
      const view = await deadlineView(opts.db, opts.config.pcgd, {
        year,
        provinceCode: province,
        actor: actorOf(request),
        now: at,
      });
      const today = new Date(at.getTime() + 7 * 3600 * 1000).toISOString().slice(0, 10);
      return { year, province, today, counts: view.counts, units: view.rows };
    },
  );
}
