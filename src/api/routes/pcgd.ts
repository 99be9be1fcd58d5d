/**
 * PCGD-XMC reports (issue 10): ask for a unit's figures to be computed, read them with their
 * validation findings and unverified settings, walk the lifecycle (check, approve, submit, reopen),
 * see the persons behind a figure and the enrolment mismatches per commune, download the signed
 * evidence and the forms, and watch the deadlines. Who may do what on which unit is decided by the
 * service (src/reporting/pcgd/access.ts); the token's scope only opens the door (`pcgd:read`,
 * `pcgd:write`). Heavy work is queued: computing and delivering are jobs.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit } from '../../audit/chain.js';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import { enqueue, pcgdCompute, pcgdSubmit } from '../../jobs/contracts.js';
import { requireUnit, type PcgdActor } from '../../reporting/pcgd/access.js';
import { deadlineView } from '../../reporting/pcgd/deadlines.js';
import { pdfFromPackage, xlsxFromPackage } from '../../reporting/pcgd/forms.js';
import {
  approveReport,
  enrolmentMismatches,
  lineageSelection,
  reportView,
  requestCompute,
  requestReopen,
  requestSubmit,
  ruleSetOf,
  signerFor,
  type PcgdDeps,
} from '../../reporting/pcgd/service.js';
import type { Db } from '../../store/db.js';
import { createPcgdRepo, type ReportRow } from '../../store/pcgd.js';
import { principalOf } from '../plugins/auth.js';
import { ProblemSchema } from '../problem.js';

const UnitCode = z
  .string()
  .regex(/^(\d{2}|\d{5})$/)
  .meta({
    description: 'Mã xã (5 chữ số) hoặc mã tỉnh (2 chữ số) / commune (5 digits) or province (2 digits) code',
  });
const Year = z.coerce.number().int().min(2014).max(2100);
const ReportIdParams = z
  .object({
    reportId: z.coerce
      .number()
      .int()
      .positive()
      .max(2 ** 53 - 1),
  })
  .strict();

const ComputeRequest = z
  .object({ unitCode: UnitCode, year: Year })
  .strict()
  .meta({ id: 'PcgdComputeRequest' });
const Accepted = z
  .object({
    reportId: z.number().int(),
    version: z.number().int(),
    status: z.string(),
    statusUrl: z.string(),
  })
  .meta({ id: 'PcgdAccepted' });

const Indicator = z.object({
  code: z.string(),
  numerator: z.number().int(),
  denominator: z.number().int(),
  rate: z.number().nullable(),
});
const Enrolment = z.object({
  inClassNotEnrolled: z.number().int(),
  enrolledNotInClass: z.number().int(),
  unmatchable: z.number().int(),
  matchedByName: z.number().int(),
});
const Message = z.object({ vi: z.string(), en: z.string() });
const Shortfall = z.union([
  z.object({
    kind: z.literal('indicator'),
    indicator: z.string(),
    threshold: z.number(),
    numerator: z.number().int(),
    denominator: z.number().int(),
    morePersons: z.number().int().nullable(),
    unverified: z.boolean().optional(),
    message: Message,
  }),
  z.object({ kind: z.literal('requires'), level: z.string(), message: Message }),
  z.object({
    kind: z.literal('communes'),
    share: z.number(),
    communesMeeting: z.number().int(),
    communes: z.number().int(),
    moreCommunes: z.number().int().nullable(),
    message: Message,
  }),
]);
const Level = z
  .object({
    level: z.string(),
    met: z.boolean(),
    shortfall: z
      .array(Shortfall)
      .meta({ description: 'why not met: the criterion that failed and by how many persons' }),
    communesMeeting: z.number().int().optional(),
    communes: z.number().int().optional(),
    share: z.number().optional(),
  })
  .meta({ id: 'PcgdLevel' });
const Finding = z
  .object({
    rule: z.string(),
    severity: z.enum(['error', 'warning', 'info']),
    communeCode: z.string().optional(),
    indicator: z.string().optional(),
    level: z.string().optional(),
    count: z.number().int().optional(),
    vi: z.string(),
    en: z.string(),
  })
  .meta({ id: 'PcgdFinding' });
const Report = z
  .object({
    reportId: z.number().int(),
    unitCode: z.string(),
    unitLevel: z.enum(['commune', 'province']),
    year: z.number().int(),
    version: z.number().int(),
    status: z.enum(['pending', 'failed', 'computed', 'checked', 'approved', 'submitted', 'receipted']),
    errorCode: z.string().nullable(),
    superseded: z.boolean(),
    supersedes: z.number().int().nullable(),
    difficult: z.boolean().nullable(),
    ruleSet: z.object({
      version: z.string(),
      settingsDigest: z.string(),
      unverified: z.array(
        z.object({
          setting: z.string(),
          value: z.union([z.string(), z.number(), z.boolean()]),
          why: z.object({ vi: z.string(), en: z.string() }),
        }),
      ),
    }),
    mappingVersions: z.array(z.string()),
    persons: z.number().int(),
    indicators: z.array(Indicator),
    levels: z.array(Level),
    communes: z
      .array(
        z.object({
          communeCode: z.string(),
          difficult: z.boolean(),
          population: z.number().int(),
          levels: z.array(z.object({ level: z.string(), met: z.boolean() })),
          source: z
            .object({
              reportId: z.number().int(),
              version: z.number().int(),
              status: z.string(),
              packageSha256: z.string().nullable(),
            })
            .nullable()
            .meta({
              description:
                'the commune’s approved report the figures were taken from; null: computed from the survey persons (the commune has no approved report, which blocks the province’s approval)',
            }),
        }),
      )
      .optional(),
    enrolment: Enrolment.nullable(),
    findings: z.array(Finding),
    lineageDigest: z.string(),
    computedAt: z.string(),
    approvedBy: z.string().nullable(),
    approvedAt: z.string().nullable(),
    submittedAt: z.string().nullable(),
    receiptedAt: z.string().nullable(),
    receipt: z.unknown(),
    reopenReason: z.string().nullable(),
    delivery: z.object({
      attempts: z.number().int(),
      lastError: z.string().nullable(),
      notBefore: z.string().nullable(),
    }),
  })
  .meta({ id: 'PcgdReport' });

const LineageRecord = z.object({
  personRef: z.string(),
  communeCode: z.string(),
  age: z.number().int(),
  inNumerator: z.boolean(),
  changedSince: z.boolean(),
  householdNo: z.string().nullable(),
  fullName: z.string().nullable(),
  birthDate: z.string().nullable(),
});

const Deadline = z.object({
  unitCode: z.string(),
  unitLevel: z.enum(['commune', 'province']),
  unitName: z.string(),
  submitBefore: z.string(),
  daysLeft: z.number().int(),
  reportId: z.number().int().nullable(),
  version: z.number().int().nullable(),
  status: z.string(),
  state: z.enum(['submitted', 'on-track', 'at-risk', 'late']),
  submittedAt: z.string().nullable(),
  receiptedAt: z.string().nullable(),
  submittedLate: z.boolean(),
});

const errors = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  422: ProblemSchema,
};
const binary = (type: string) => z.any().meta({ description: `${type} (binary)` });
const read = { config: { scope: 'pcgd:read' } } as const;
const write = { config: { scope: 'pcgd:write' } } as const;
const security = [{ bearerAuth: [] }];

const pcgdRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config; now?: () => Date }> =
  async function pcgdRoutes(app, opts) {
    const deps: PcgdDeps = { db: opts.db, pcgd: opts.config.pcgd, dataDir: opts.config.database.dataDir };
    const now = opts.now ?? (() => new Date());
    const actorOf = (request: Parameters<typeof principalOf>[0]): PcgdActor => {
      const p = principalOf(request);
      return { clientId: p.clientId, role: p.role, units: p.units };
    };
    const statusUrl = (id: number) => `/v1/pcgd/reports/${id}`;

    /** The report, after checking the caller may do `action` on its unit. */
    async function reportFor(
      actor: PcgdActor,
      reportId: number,
      action: Parameters<typeof requireUnit>[1],
    ): Promise<ReportRow> {
      const row = await createPcgdRepo(opts.db).get(reportId);
      if (!row) throw new AppError('ERR_NOT_FOUND');
      requireUnit(actor, action, row.unit_code);
      return row;
    }
    async function evidenceOf(row: ReportRow) {
      const ev = await createPcgdRepo(opts.db).evidence(row.id);
      if (!ev)
        throw new AppError(
          'ERR_PCGD_INVALID_TRANSITION',
          `report ${row.id} is ${row.status}: no signed package yet`,
        );
      return ev;
    }

    app.post(
      '/v1/pcgd/reports',
      {
        ...write,
        schema: {
          operationId: 'computePcgdReport',
          tags: ['pcgd'],
          summary: 'Tính số liệu PCGD-XMC của một đơn vị / Compute a unit’s PCGD-XMC figures (queued)',
          security,
          body: ComputeRequest,
          response: { 202: Accepted, ...errors },
        },
      },
      async function compute(request, reply) {
        const actor = actorOf(request);
        const { unitCode, year } = request.body;
        requireUnit(actor, 'compute', unitCode);
        const created = await opts.db.tx(async (q) => {
          const r = await requestCompute(deps, q, { unitCode, year, actor: actor.clientId });
          await enqueue(q, pcgdCompute, { reportId: r.id });
          return r;
        });
        void reply.header('location', statusUrl(created.id));
        return reply.code(202).send({
          reportId: created.id,
          version: created.version,
          status: 'pending',
          statusUrl: statusUrl(created.id),
        });
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
          security,
          params: ReportIdParams,
          response: { 200: Report, ...errors },
        },
      },
      async function getReport(request) {
        return reportView(await reportFor(actorOf(request), request.params.reportId, 'read'));
      },
    );

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
          security,
          params: ReportIdParams,
          response: { 200: Report, ...errors },
        },
      },
      async function check(request) {
        const row = await reportFor(actorOf(request), request.params.reportId, 'read');
        if (row.status === 'pending' || row.status === 'failed')
          throw new AppError('ERR_PCGD_INVALID_TRANSITION', `report is ${row.status}`);
        if (row.status === 'computed') {
          const findings = (row.findings as Array<{ rule: string; severity: string; en: string }>).filter(
            (f) => f.severity === 'error',
          );
          throw new AppError('ERR_PCGD_CHECK_FAILED', `${findings.length} error finding(s)`, {
            errors: findings.map((f, i) => ({
              pointer: `/findings/${i}`,
              rule: f.rule,
              message: f.en,
            })),
          });
        }
        return reportView(row);
      },
    );

    app.post(
      '/v1/pcgd/reports/:reportId/approve',
      {
        ...write,
        schema: {
          operationId: 'approvePcgdReport',
          tags: ['pcgd'],
          summary:
            'Duyệt, ký số và khóa số liệu (cán bộ PCGD của đơn vị hoặc quản trị thành phố) / Approve, sign and lock the figures (an officer of the unit or a city admin)',
          security,
          params: ReportIdParams,
          response: { 200: Report, ...errors },
        },
      },
      async function approve(request) {
        const actor = actorOf(request);
        await reportFor(actor, request.params.reportId, 'approve');
        return reportView(
          await approveReport(deps, { reportId: request.params.reportId, actor: actor.clientId }),
        );
      },
    );

    app.post(
      '/v1/pcgd/reports/:reportId/submit',
      {
        ...write,
        schema: {
          operationId: 'submitPcgdReport',
          tags: ['pcgd'],
          summary:
            'Gửi số liệu đã duyệt lên Bộ (xếp hàng) / Deliver the approved figures to the Ministry (queued)',
          security,
          params: ReportIdParams,
          response: { 202: Accepted, ...errors },
        },
      },
      async function submit(request, reply) {
        const actor = actorOf(request);
        await reportFor(actor, request.params.reportId, 'submit');
        const row = await opts.db.tx(async (q) => {
          const r = await requestSubmit(q, { reportId: request.params.reportId, actor: actor.clientId });
          if (r.queued) await enqueue(q, pcgdSubmit, { reportId: r.row.id });
          return r.row;
        });
        return reply
          .code(202)
          .send({ reportId: row.id, version: row.version, status: row.status, statusUrl: statusUrl(row.id) });
      },
    );

    app.post(
      '/v1/pcgd/reports/:reportId/reopen',
      {
        ...write,
        schema: {
          operationId: 'reopenPcgdReport',
          tags: ['pcgd'],
          summary:
            'Cấp trên mở lại số liệu đã duyệt: tạo phiên bản mới, giữ bản cũ / A higher level reopens approved figures: a new version, the old one kept',
          security,
          params: ReportIdParams,
          body: z
            .object({ reason: z.string().trim().min(3).max(500) })
            .strict()
            .meta({ id: 'PcgdReopenRequest' }),
          response: { 202: Accepted, ...errors },
        },
      },
      async function reopen(request, reply) {
        const actor = actorOf(request);
        await reportFor(actor, request.params.reportId, 'reopen');
        const created = await opts.db.tx(async (q) => {
          const r = await requestReopen(deps, q, {
            reportId: request.params.reportId,
            actor: actor.clientId,
            reason: request.body.reason,
          });
          await enqueue(q, pcgdCompute, { reportId: r.id });
          return r;
        });
        void reply.header('location', statusUrl(created.id));
        return reply.code(202).send({
          reportId: created.id,
          version: created.version,
          status: 'pending',
          statusUrl: statusUrl(created.id),
        });
      },
    );

    app.get(
      '/v1/pcgd/reports/:reportId/figures/:code/records',
      {
        ...read,
        schema: {
          operationId: 'listPcgdFigureRecords',
          tags: ['pcgd'],
          summary:
            'Những người đứng sau một chỉ tiêu (phân trang) / The persons behind a figure (paged): an indicator code, or inClassNotEnrolled, enrolledNotInClass, unmatchable, matchedByName',
          security,
          params: ReportIdParams.extend({ code: z.string().regex(/^[A-Za-z0-9_]{1,64}$/) }).strict(),
          querystring: z
            .object({
              after: z
                .string()
                .regex(/^[A-Za-z0-9._:-]{1,64}$/)
                .optional(),
              limit: z.coerce.number().int().min(1).max(500).default(100),
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
        if (row.unit_level !== 'commune')
          throw new AppError(
            'ERR_VALIDATION',
            'the persons behind a province figure are in its communes’ reports (see `communes`)',
          );
        const sel = lineageSelection(code, ruleSetOf(opts.config.pcgd));
        if (!sel) throw new AppError('ERR_NOT_FOUND', `no figure ${code} in the report`);
        const { after, limit } = request.query;
        const items = await createPcgdRepo(opts.db).lineagePage(reportId, sel, { after, limit });
        // Reading personal data is recorded (who, which report and figure; never the persons).
        await opts.db.tx((q) =>
          appendAudit(q, [
            {
              actor: actor.clientId,
              action: 'pcgd.records-read',
              subject: `pcgd-report:${reportId}`,
              details: { code, count: items.length },
            },
          ]),
        );
        return { reportId, code, items, next: items.length === limit ? items.at(-1)!.personRef : null };
      },
    );

    app.get(
      '/v1/pcgd/reports/:reportId/enrolment-mismatches',
      {
        ...read,
        schema: {
          operationId: 'listPcgdEnrolmentMismatches',
          tags: ['pcgd'],
          summary:
            'Sai lệch giữa điều tra và dữ liệu học sinh, theo xã / Survey vs enrolment mismatches, counted per commune',
          security,
          params: ReportIdParams,
          response: {
            200: z.object({
              reportId: z.number().int(),
              communes: z.array(Enrolment.extend({ communeCode: z.string() })),
              recordsUrl: z.string(),
            }),
            ...errors,
          },
        },
      },
      async function mismatches(request) {
        const row = await reportFor(actorOf(request), request.params.reportId, 'read');
        return {
          reportId: row.id,
          communes: enrolmentMismatches(row),
          recordsUrl: `/v1/pcgd/reports/{communeReportId}/figures/{inClassNotEnrolled|enrolledNotInClass|unmatchable|matchedByName}/records`,
        };
      },
    );

    const download = (
      path: string,
      operationId: string,
      summary: string,
      type: string,
      body: (row: ReportRow) => Promise<Buffer>,
    ) =>
      app.get(
        path,
        {
          ...read,
          schema: {
            operationId,
            tags: ['pcgd'],
            summary,
            security,
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

    download(
      '/v1/pcgd/reports/:reportId/package',
      'getPcgdPackage',
      'Gói bằng chứng đã ký (JSON chuẩn hóa) / The signed evidence package (canonical JSON)',
      'application/json',
      async (row) => (await evidenceOf(row)).package,
    );
    download(
      '/v1/pcgd/reports/:reportId/package.p7s',
      'getPcgdPackageSignature',
      'Chữ ký CMS/PKCS#7 tách rời của gói (DER) / The package’s detached CMS/PKCS#7 signature (DER)',
      'application/pkcs7-signature',
      async (row) => (await evidenceOf(row)).signature,
    );
    download(
      '/v1/pcgd/reports/:reportId/certificate.pem',
      'getPcgdSignerCertificate',
      'Chứng thư số của người ký (PEM) / The signer’s certificate (PEM)',
      'application/x-pem-file',
      async (row) => Buffer.from((await evidenceOf(row)).signer_certificate, 'utf8'),
    );
    download(
      '/v1/pcgd/reports/:reportId/forms.xlsx',
      'getPcgdFormsXlsx',
      'Biểu mẫu Excel từ gói đã ký / The Excel forms, made from the signed package',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      async (row) => xlsxFromPackage((await evidenceOf(row)).package),
    );
    download(
      '/v1/pcgd/reports/:reportId/forms.pdf',
      'getPcgdFormsPdf',
      'Biểu mẫu PDF có chữ ký số / The PDF forms with an embedded signature',
      'application/pdf',
      async (row) => pdfFromPackage((await evidenceOf(row)).package, await signerFor(deps, row.unit_code)),
    );

    app.get(
      '/v1/pcgd/deadlines',
      {
        ...read,
        schema: {
          operationId: 'listPcgdDeadlines',
          tags: ['pcgd'],
          summary:
            'Hạn nộp theo đơn vị: chưa nộp, có nguy cơ trễ, trễ / Deadlines per unit: not yet submitted, at risk, late',
          security,
          querystring: z
            .object({
              year: Year,
              province: z
                .string()
                .regex(/^\d{2}$/)
                .default('79'),
            })
            .strict(),
          response: {
            200: z.object({
              year: z.number().int(),
              province: z.string(),
              today: z.string(),
              counts: z.object({
                submitted: z.number().int(),
                'on-track': z.number().int(),
                'at-risk': z.number().int(),
                late: z.number().int(),
              }),
              units: z.array(Deadline),
            }),
            ...errors,
          },
        },
      },
      async function deadlines(request) {
        const at = now();
        const { year, province } = request.query;
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
  };
export default pcgdRoutes;
