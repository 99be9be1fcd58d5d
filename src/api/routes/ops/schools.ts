/**
 * The operations pages' schools (tidy7, out of ../ops.ts): `GET /v1/ops/schools`, the schools with their sync and
 * quality figures, and `GET /v1/ops/schools/:schoolCode`, one school's batches, findings by rule and sync runs.
 * Codes, counts and times only.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../../config.js';
import { AppError } from '../../../errors.js';
import { readBatchStates } from '../../../jobs/batch-status.js';
import { ratioOf, type Criterion, type QualityConfig } from '../../../quality/index.js';
import type { Db } from '../../../store/db.js';
import type { SchoolBatchRow, SchoolRow as StoredSchool } from '../../../store/overview-schools.js';
import { createOverviewRepo } from '../../../store/overview.js';
import { createReadsRepo } from '../../../store/reads.js';
import { createWebsiteProbesRepo } from '../../../store/website-probes.js';
import { SchoolCode as SchoolCodeParam } from '../../school-code.js';
import { BatchListDelivery } from '../../batch-list-contract.js';
import { noSchoolHeld } from '../../school-held.js';
import { iso } from '../../time.js';
import { pickLang, ProblemSchema, problems } from '../../problem.js';
import { pageOf, pageOut, pageQuery } from '../../paging.js';
import { Ratio, RuleTitles, titlesOf } from '../quality/views.js';
import { SchoolSystemSetBy, Source as SchoolSystemSource } from '../school-systems.js';
import { SchoolBatchChange } from './school-batch.js';
import { OpsSyncRun, syncRunOut } from './sync-runs.js';

const Problems = { ...problems(400, 401, 403) };

const SchoolRow = z
  .object({
    schoolCode: z.string(),
    name: z.string(),
    communeCode: z.string().nullable(),
    sourceSystem: z.string().meta({
      description:
        'nguồn của hồ sơ trường (hệ thống truc nhận bản ghi trường từ đó, thường là CSDL ngành hcm-csdl), không phải ' +
        'phần mềm phục vụ trường / the school record’s source (the system truc took the school’s record from, the ' +
        'city database hcm-csdl nearly everywhere), not the system serving the school',
    }),
    schoolSystem: z
      .string()
      .nullable()
      .meta({
        description:
          'phần mềm quản lý trường phục vụ trường (smas, vnedu…), như truc school-systems list; null khi truc chưa ' +
          'biết / the school-management system serving the school (smas, vnedu, …), as truc school-systems list ' +
          'shows it; null when truc knows none',
      }),
    schoolSystemFrom: SchoolSystemSource.nullable(),
    ...SchoolSystemSetBy,
    lastSeenAt: z.string(),
    lastBatchAt: z.string().nullable(),
    students: z.number().int(),
    staff: z.number().int(),
    classes: z.number().int(),
    received: z
      .number()
      .int()
      .meta({
        description:
          'bản ghi trong các lô của trường nhận 30 ngày qua (mỗi lô đếm riêng) / the records of the school’s batches ' +
          'received in the last 30 days (each batch counted on its own)',
      }),
    failing: z.record(z.string(), z.number()).meta({
      description:
        'theo tiêu chí, số bản ghi trong đó (received) có một phát hiện mức error hoặc warning của tiêu chí; info ' +
        'không tính / per criterion, how many of those records (received) have an error or warning finding of it; ' +
        'info is not counted',
    }),
    criteria: z
      .object({
        dung: Ratio.nullable(),
        du: Ratio.nullable(),
        sach: Ratio.nullable(),
        song: Ratio.nullable(),
      })
      .meta({
        description:
          'tỷ lệ đạt theo tiêu chí: bản ghi nhận trong các lô 30 ngày qua không có phát hiện mức error hay warning ' +
          'của tiêu chí ((received − failing) / received; phát hiện info không làm bản ghi trượt, như thẻ điểm), màu ' +
          'theo ngưỡng của thẻ điểm (quality.colourBands); null khi chưa nhận bản ghi nào / the pass ratio per ' +
          'criterion: the records received in batches in the last 30 days without an error or warning finding of ' +
          'it ((received − failing) / received; an info finding fails no record, as on the scorecards), banded by ' +
          'the scorecards’ bands (quality.colourBands); null when none was received',
      }),
  })
  .meta({ id: 'OpsSchool' });

/** One school's drill-down: its recent batches, its findings by rule, its recent sync runs. */
const SchoolDetail = z.object({
  school: SchoolRow.nullable().meta({
    description:
      'null: mã trường chưa có trong danh sách trường của truc (truc.schools, từ CSDL ngành) nhưng truc có lô hoặc bản ' +
      'ghi của nó (lô của nhà cung cấp được nhận kèm phát hiện DUNG_SCHOOL_UNLISTED); trang vẫn liệt kê lô, phát hiện ' +
      'và lần đồng bộ / null: the code is not in truc’s school list (truc.schools, from the city database) but truc ' +
      'holds batches or records of it (a vendor’s batch is taken with the finding DUNG_SCHOOL_UNLISTED); the page ' +
      'still lists its batches, findings and sync runs',
  }),
  batches: z.array(
    z.object({
      id: z.string(),
      entity: z.string(),
      clientId: z.string(),
      status: z.string().meta({
        description:
          'như GET /v1/batches/{id}: failed khi việc gửi tới một hệ thống đích lỗi hẳn (mã ở errorCode), held khi ' +
          'đang chờ quản trị Sở quyết định / as GET /v1/batches/{id}: failed when its delivery to a target failed for ' +
          'good (that code in errorCode), held while it waits for a city admin',
      }),
      received: z.number().int(),
      accepted: z.number().int(),
      rejected: z.number().int(),
      unchanged: z.number().int(),
      ...SchoolBatchChange,
      deliveries: z.array(BatchListDelivery).meta({
        description:
          'như danh sách lô GET /v1/schools/{code}/batches: mỗi hệ thống đích, trạng thái, mã lỗi và việc lỗi (chạy lại ' +
          'được) / as the batch list GET /v1/schools/{code}/batches: each target, its state, code and dead letters (to ' +
          'replay)',
      }),
      errorCode: z
        .string()
        .nullable()
        .meta({
          description:
            'như GET /v1/batches/{id}: mã của việc gửi lỗi hẳn khi có, ngược lại mã lỗi của lô / as GET ' +
            "/v1/batches/{id}: a delivery's code when one failed for good, else the batch's own",
        }),
      createdAt: z.string(),
      finishedAt: z
        .string()
        .nullable()
        .meta({
          description:
            'như GET /v1/batches/{id}: null khi chưa xong, kể cả khi đang bị giữ chờ duyệt (status held); đã quyết định: ' +
            'lúc quyết định được thực hiện nếu sau lúc nhận lô / as GET /v1/batches/{id}: null while it has not finished, ' +
            'held (status held, waiting for a city admin) included; once decided: when the decision was carried out, if ' +
            'after its ingest',
        }),
    }),
  ),
  findingsByRule: z.array(
    z.object({
      rule: z.string(),
      ...RuleTitles,
      criterion: z.string(),
      severity: z.string(),
      findings: z.number().int(),
      records: z.number().int(),
    }),
  ),
  syncRuns: z.array(OpsSyncRun).meta({
    description:
      '20 lần đồng bộ mới nhất của trường: lần kéo riêng trường (scope là mã trường) và lần kéo cả thành phố (scope ' +
      'null) của hệ thống nguồn hồ sơ trường (sourceSystem) hoặc phần mềm phục vụ trường (schoolSystem), các hệ thống ' +
      'có kéo trường này / the school’s 20 newest sync runs: its own pulls (scope its code) and the city-wide ones ' +
      '(scope null) of the source of its record (sourceSystem) or the system serving it (schoolSystem), the systems ' +
      'whose pulls of everything they serve cover it',
  }),
  websiteProbedAt: z
    .string()
    .nullable()
    .meta({
      description:
        'lần cuối website của trường được kiểm tra (GET /v1/schools/{code}/website trả kết quả đó); null: chưa kiểm tra, ' +
        'đường dẫn đó trả 404 / when the school’s website was last probed (GET /v1/schools/{code}/website serves that ' +
        'probe); null: not probed yet, that route answers 404',
    }),
});

/**
 * A school as listed, each criterion's pass ratio judged by the scorecards' one rule under the city's bands (ui29:
 * the dashboard judged schools on bands of its own, 90/70, while the scorecards used the configured 90/75).
 */
const schoolOut = (bands: QualityConfig['colourBands']) => (s: StoredSchool) => {
  const judged = (c: Criterion) =>
    s.received > 0 ? ratioOf(Math.max(0, s.received - (s.failing[c] ?? 0)), s.received, bands) : null;
  return {
    ...s,
    lastSeenAt: iso(s.lastSeenAt)!,
    lastBatchAt: iso(s.lastBatchAt),
    criteria: { dung: judged('dung'), du: judged('du'), sach: judged('sach'), song: judged('song') },
  };
};

type OpsApp = Parameters<FastifyPluginAsyncZod>[0];
type SchoolRouteOptions = { db: Db; config: Config };

/** `GET /v1/ops/schools`: schools with their sync and quality figures. */
function schoolListRoute(app: OpsApp, opts: SchoolRouteOptions): void {
  const repo = createOverviewRepo(opts.db);
  app.get(
    '/v1/ops/schools',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['operations'],
        summary: 'Trường học / Schools with sync and quality figures',
        querystring: z
          .object({
            q: z
              .string()
              .max(100)
              .default('')
              .meta({
                description:
                  'Các từ tìm trong mã trường, tên hoặc mã xã, thứ tự nào cũng được, không phân biệt dấu và chữ hoa ' +
                  '("nguyen trai" tìm thấy "Trường THCS Nguyễn Trãi"); trống: mọi trường / words looked for in the ' +
                  'school code, name or commune code, in any order, accents and case aside ("nguyen trai" finds ' +
                  '"Trường THCS Nguyễn Trãi"); empty: every school',
              }),
            commune: z
              .string()
              .regex(/^(\d{5})?$/, 'phải là mã xã 5 chữ số / must be a 5-digit commune code')
              .default('')
              .meta({
                description:
                  'Chỉ các trường của xã/phường có đúng mã này (q có thể khớp cả mã hay tên trường chứa các chữ số ' +
                  'đó); trống: mọi xã / only the schools of the commune with exactly this code (q may match a school ' +
                  'whose code or name holds those digits too); empty: every commune',
              }),
            ...pageQuery(200, 50),
          })
          .strict(),
        response: {
          200: pageOf(SchoolRow),
          ...Problems,
        },
      },
    },
    async function schools(request) {
      const { q, commune, limit, offset } = request.query;
      const page = await repo.schools(q.trim(), limit, offset, commune.trim());
      return pageOut(page, { limit, offset }, schoolOut(opts.config.quality.colourBands));
    },
  );
}

/**
 * A school's batches as its page lists them: status, error code and finishedAt by GET /v1/batches/{id}'s one rule
 * (src/jobs/batch-status.ts batchState: held, runs item 2; failed when a delivery failed for good, runs2 item 2).
 */
async function schoolBatchesOut(db: Db, rows: readonly SchoolBatchRow[]) {
  const told = await readBatchStates(db, rows);
  return rows.map(({ hold, ...b }) => ({
    ...b,
    ...told.get(b.id)!,
    createdAt: iso(b.createdAt)!,
    guard: hold ? { holdId: hold.id, status: hold.status, decidedAt: iso(hold.decidedAt) } : null,
  }));
}

/**
 * The systems whose city-wide pulls (no scope: everything the system serves) cover a school (dash9 item 2: its page
 * said "Không có" after city-wide pulls): the source of its record (the city database, hcm-csdl, nearly everywhere)
 * and the school-management system serving it (smas, vnedu) when truc knows one.
 */
const coveringSystems = (s: StoredSchool): string[] => [
  ...new Set([s.sourceSystem, s.schoolSystem].filter((x): x is string => x !== null)),
];

/** `GET /v1/ops/schools/:schoolCode`: one school's batches, findings by rule, sync runs and when its website was probed. */
function schoolDetailRoute(app: OpsApp, opts: SchoolRouteOptions): void {
  app.get(
    '/v1/ops/schools/:schoolCode',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['operations'],
        summary:
          'Một trường: lô, lỗi theo quy tắc, lần đồng bộ / One school: batches, findings by rule, sync runs',
        params: z.object({ schoolCode: SchoolCodeParam }).strict(),
        response: {
          200: SchoolDetail,
          404: ProblemSchema,
          ...Problems,
        },
      },
    },
    async function school(request) {
      const lang = pickLang(request.headers['accept-language']);
      return schoolDetailOf(opts, request.params.schoolCode, lang);
    },
  );
}

/**
 * One school's page. A code truc's school list lacks is still answered, `school` null, when truc holds batches or
 * records of it (walk9 W9-1: a vendor's batch of a school the city database had not listed was taken, and its page
 * answered 404, hiding the batch); 404 only when truc holds nothing of it.
 */
async function schoolDetailOf(
  opts: SchoolRouteOptions,
  schoolCode: string,
  lang: ReturnType<typeof pickLang>,
) {
  const repo = createOverviewRepo(opts.db);
  const found = (await repo.schools(schoolCode, 50, 0)).items.find((s) => s.schoolCode === schoolCode);
  const [batches, findingsByRule, syncRuns, probes] = await Promise.all([
    repo.schoolBatches(schoolCode, 20),
    repo.schoolFindingsByRule(schoolCode),
    repo.syncRuns({ scope: schoolCode, cityWideOf: found ? coveringSystems(found) : [] }, 20, 0),
    createWebsiteProbesRepo(opts.db).probesOf([schoolCode]),
  ]);
  if (!found && batches.length === 0 && !(await createReadsRepo(opts.db).schoolHeld(schoolCode)))
    throw new AppError('ERR_NOT_FOUND', noSchoolHeld(schoolCode));
  const probedAt = probes.get(schoolCode)?.probedAt;
  return {
    school: found ? schoolOut(opts.config.quality.colourBands)(found) : null,
    batches: await schoolBatchesOut(opts.db, batches),
    findingsByRule: findingsByRule.map((f) => ({ ...f, ...titlesOf(f.rule, lang) })),
    syncRuns: syncRuns.map(syncRunOut(opts.config.sync.delivery)),
    // the dashboard asks for the probe only when there is one (words5: its 404 was a console error)
    websiteProbedAt: probedAt === undefined ? null : new Date(probedAt).toISOString(),
  };
}

/** Schools with their counts and criteria, and one school with its batches, findings and sync runs. */
export function schoolRoutes(app: OpsApp, opts: SchoolRouteOptions): void {
  schoolListRoute(app, opts);
  schoolDetailRoute(app, opts);
}
