/**
 * Quality (issue 8): scorecards of a school, a commune or a province (latest run, with its history),
 * the findings behind a school's score (the last verdict of each of its records, filterable by rule,
 * criterion and severity, in the caller's language), the last probe of a school's website (sống),
 * and a new scorecard run on request.
 * Who reads what: city admins and auditors everything; a vendor its schools; a PCGD officer the units
 * its token names (a commune, or a province and all below it) and their schools. The school routes
 * name their parameter `code`, not `schoolCode`: the auth plugin's early `:schoolCode` tenancy check
 * knows vendors and city admins only, so these routes check every role themselves (requireSchoolRead).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, both } from '../../errors.js';
import { requestQualityRun } from '../../jobs/contracts.js';
import { readsAsSender, type QualityConfig } from '../../quality/index.js';
import type { Db } from '../../store/db.js';
import { createQualityRepo } from '../../store/quality.js';
import { createReadsRepo } from '../../store/reads.js';
import { createScorecardsRepo } from '../../store/scorecards.js';
import { createWebsiteProbesRepo } from '../../store/website-probes.js';
import type { Principal } from '../auth/tokens.js';
import { forbiddenSchool, principalOf } from '../plugins/auth.js';
import { SchoolCode } from '../school-code.js';
import { pageOf, pageOut } from '../paging.js';
import { requireSchoolHeld } from '../school-held.js';
import { ScorecardsQuery } from '../scorecards-query.js';
import { pickLang, problems } from '../problem.js';
import {
  cardOut,
  findingOut,
  FindingsQuery,
  probeOut,
  SchoolFinding,
  Scorecard,
  WebsiteProbe,
} from './quality/views.js';
import { qualityRunRoutes } from './quality/runs.js';

/** Whether `p` may read the scorecards of a unit (commune or province code) or of a school in `places`. */
function canReadUnit(p: Principal, codes: readonly string[]): boolean {
  if (p.role === 'city-admin' || p.role === 'auditor') return true;
  if (p.role === 'pcgd-officer') return codes.some((c) => c !== '' && p.units.includes(c));
  return false;
}

type ScorecardsRepo = ReturnType<typeof createScorecardsRepo>;
/** The city's colour bands (quality.colourBands) a scorecard is read in, today's (views.ts cardOut). */
type Bands = QualityConfig['colourBands'];
type Deadlines = QualityConfig['deadlines'];
type QualityOptions = { db: Db; bands: Bands; deadlines: Deadlines };
type QualityApp = Parameters<FastifyPluginAsyncZod<QualityOptions>>[0];

/**
 * Throws ERR_FORBIDDEN_SCHOOL unless `p` may read the school's quality: a vendor its schools; a PCGD
 * officer the schools of its units (the school's commune and province, from its scorecard); admins and
 * auditors every school.
 */
async function requireSchoolRead(scores: ScorecardsRepo, p: Principal, code: string): Promise<void> {
  if (p.role === 'vendor') {
    if (!p.schools.includes(code)) throw forbiddenSchool(code);
    return;
  }
  const [row] = await scores.latest('school', { code });
  const [commune] = row ? await scores.latest('commune', { code: row.parentCode }) : [];
  const places = row ? [row.parentCode, commune?.parentCode ?? ''] : [];
  if (!canReadUnit(p, places)) throw forbiddenSchool(code);
}

/**
 * Why a school truc may be read of has no scorecard: none was computed since it came (a quality schedule's fire or a
 * city admin's `POST /v1/quality/runs` computes them, fix35d; review34a F6: a bare 404 read as "no such school").
 */
const noScorecardYet = (code: string): string =>
  both(
    `chưa có thẻ điểm nào của trường ${code}: thẻ điểm được tính mỗi đêm (lịch quality) và khi Sở yêu cầu (POST /v1/quality/runs); trong khi chờ, đọc các phát hiện tại GET /v1/schools/${code}/quality/findings`,
    `no scorecard of school ${code} computed yet: they are computed nightly (a quality schedule) and when the city asks (POST /v1/quality/runs); meanwhile read its findings at GET /v1/schools/${code}/quality/findings`,
  );

/** `GET /v1/schools/:code/quality`: the school's scorecard with its history. */
function schoolScorecardRoute(app: QualityApp, scores: ScorecardsRepo, bands: Bands): void {
  app.get(
    '/v1/schools/:code/quality',
    {
      config: { scope: 'quality:read' },
      schema: {
        tags: ['quality'],
        summary: 'Thẻ điểm chất lượng dữ liệu của trường / A school’s data-quality scorecard',
        params: z.object({ code: SchoolCode }).strict(),
        response: {
          200: Scorecard,
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async function getSchoolQuality(request) {
      const p = principalOf(request);
      const code = request.params.code;
      await requireSchoolRead(scores, p, code);
      const [row] = await scores.latest('school', { code });
      if (!row) throw new AppError('ERR_NOT_FOUND', noScorecardYet(code));
      // A vendor reads the figures as the school's sender is told them (../../quality/sender-view.ts).
      return cardOut(
        row,
        await scores.history('school', code, 30),
        pickLang(request.headers['accept-language']),
        bands,
        readsAsSender(p.role),
      );
    },
  );
}

/** `GET /v1/schools/:code/quality/findings`: the findings behind the school's score, paged. */
function schoolFindingsRoute(app: QualityApp, db: Db, scores: ScorecardsRepo, deadlines: Deadlines): void {
  app.get(
    '/v1/schools/:code/quality/findings',
    {
      config: { scope: 'quality:read' },
      schema: {
        tags: ['quality'],
        summary: 'Các lỗi dữ liệu đứng sau điểm của trường / The findings behind a school’s score',
        params: z.object({ code: SchoolCode }).strict(),
        querystring: FindingsQuery,
        response: {
          200: z.object({ schoolCode: z.string(), ...pageOf(SchoolFinding).shape }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async function getSchoolFindings(request) {
      const p = principalOf(request);
      const code = request.params.code;
      await requireSchoolRead(scores, p, code);
      const lang = pickLang(request.headers['accept-language']);
      const { limit, offset, rule, criterion, severity, entity } = request.query;
      // A vendor reads them as the school's sender is told them (../../quality/sender-view.ts).
      const page = await createQualityRepo(db).schoolFindings(
        code,
        { rule, criterion, severity, entity, sendersView: readsAsSender(p.role) },
        limit,
        offset,
      );
      if (page.total === 0) await requireSchoolHeld(createReadsRepo(db), code);
      return {
        schoolCode: code,
        total: page.total,
        limit,
        offset,
        items: page.items.map((f) => findingOut(f, lang, deadlines)),
      };
    },
  );
}

/** `GET /v1/schools/:code/website`: the last probe of the school's website. */
function schoolWebsiteRoute(app: QualityApp, db: Db, scores: ScorecardsRepo): void {
  app.get(
    '/v1/schools/:code/website',
    {
      config: { scope: 'quality:read' },
      schema: {
        tags: ['quality'],
        summary: 'Kết quả kiểm tra website của trường / The last probe of a school’s website',
        description:
          'The scheduled, polite probe (robots.txt obeyed, timeouts, bounded concurrency): does the site answer, does it offer an RSS or Atom feed. 404 until the school’s website has been probed.',
        params: z.object({ code: SchoolCode }).strict(),
        response: {
          200: WebsiteProbe,
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async function getSchoolWebsite(request) {
      const p = principalOf(request);
      const code = request.params.code;
      await requireSchoolRead(scores, p, code);
      const probe = (await createWebsiteProbesRepo(db).probesOf([code])).get(code);
      if (!probe) throw new AppError('ERR_NOT_FOUND');
      return probeOut(code, probe, pickLang(request.headers['accept-language']));
    },
  );
}

/** A school's scorecard, the findings behind it and the last probe of its website. */
function schoolRoutes(app: QualityApp, opts: QualityOptions, scores: ScorecardsRepo): void {
  const { db, bands } = opts;
  schoolScorecardRoute(app, scores, bands);
  schoolFindingsRoute(app, db, scores, opts.deadlines);
  schoolWebsiteRoute(app, db, scores);
}

/** The overall percents a band holds under the city's bands of today (`bandOf`: green ≥ green, yellow ≥ yellow). */
function bandRange(band: 'green' | 'yellow' | 'red' | undefined, bands: Bands) {
  if (band === 'green') return { from: bands.green };
  if (band === 'yellow') return { from: bands.yellow, below: bands.green };
  if (band === 'red') return { below: bands.yellow };
  return {};
}

/**
 * `GET /v1/quality/scorecards`: commune or province scorecards; the list searched by code, filtered by band, sorted
 * (the worst first) and paged (fix34b, review33c N2).
 */
function scorecardsRoute(app: QualityApp, scores: ScorecardsRepo, bands: Bands): void {
  app.get(
    '/v1/quality/scorecards',
    {
      config: { scope: 'quality:read' },
      schema: {
        tags: ['quality'],
        summary: 'Thẻ điểm chất lượng của xã/phường hoặc tỉnh/thành / Commune or province scorecards',
        description:
          'Without `code`: the units of the level (a PCGD officer: those of its units), a page of them (`limit`, default 200: the city’s 168 communes in one; `offset`), searched by code (`q`), filtered by band (`band`), by code or the worst first (`sort`); `total` counts them all. With `code`: that unit, with its history.',
        querystring: ScorecardsQuery,
        response: {
          200: z.object({ level: z.string(), ...pageOf(Scorecard).shape }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async function getScorecards(request) {
      const p = principalOf(request);
      const { level, code, limit, offset } = request.query;
      const lang = pickLang(request.headers['accept-language']);
      if (p.role === 'vendor') throw vendorNoUnits();
      if (code === undefined) {
        const { q, band, sort } = request.query;
        const units = p.role === 'pcgd-officer' ? p.units : null;
        const page = await scores.page(
          level,
          { units, search: q, sort, ...bandRange(band, bands) },
          limit,
          offset,
        );
        return { level, ...pageOut(page, { limit, offset }, (r) => cardOut(r, [], lang, bands)) };
      }
      const rows = await scores.latest(level, { code });
      if (rows.length === 0) throw new AppError('ERR_NOT_FOUND');
      const visible = rows.filter((r) => canReadUnit(p, [r.code, r.parentCode]));
      if (visible.length === 0) throw new AppError('ERR_FORBIDDEN_UNIT');
      const items = [];
      for (const r of visible) items.push(cardOut(r, await scores.history(level, r.code, 30), lang, bands));
      return { level, total: items.length, limit, offset, items };
    },
  );
}

/**
 * A vendor asked for communes' or provinces' scorecards: refused, told what it may read instead (walk10 W10-10: it was
 * told "the token does not cover this administrative unit" though it named none).
 */
const vendorNoUnits = (): AppError =>
  new AppError(
    'ERR_FORBIDDEN_UNIT',
    both(
      'nhà cung cấp không xem thẻ điểm của xã/phường hay tỉnh/thành; thẻ điểm của từng trường được cấp: GET /v1/schools/{code}/quality',
      "a vendor does not read communes' or provinces' scorecards; each granted school's: GET /v1/schools/{code}/quality",
    ),
  );

/** `POST /v1/quality/runs`: computes the scorecards now (queued). */
function runRoute(app: QualityApp, db: Db): void {
  app.post(
    '/v1/quality/runs',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['quality'],
        summary: 'Tính lại thẻ điểm chất lượng / Compute the scorecards now',
        description:
          'Xếp một lần tính thẻ điểm vào hàng đợi; trạng thái của nó: Location, GET /v1/quality/runs/{id} (runId); khi xong, lần tính mới hiện trong lịch sử (history) của GET /v1/quality/scorecards. 409 ERR_QUALITY_RUN_UNFINISHED: một lần tính thẻ điểm (của route này hay của lịch quality) đang chờ hoặc đang tính; không chạy thêm, không ghi gì / ' +
          "queues a scorecard run; its status: the Location, GET /v1/quality/runs/{id} (runId; fix36d); once done, the new run shows in the history (runId, asOf) of GET /v1/quality/scorecards. 409 ERR_QUALITY_RUN_UNFINISHED: a quality run (this route's or a quality schedule's) is queued or computing; none started, nothing recorded",
        response: {
          202: z.object({ queued: z.literal(true), runId: z.number().int(), statusUrl: z.string() }),
          ...problems(401, 403, 409),
        },
      },
    },
    async function postRun(request, reply) {
      const p = principalOf(request);
      const { runId } = await requestQualityRun(db, p.clientId); // 409 ERR_QUALITY_RUN_UNFINISHED beside one unfinished
      const statusUrl = `/v1/quality/runs/${runId}`;
      void reply.header('location', statusUrl);
      return reply.code(202).send({ queued: true as const, runId, statusUrl });
    },
  );
}

/** Commune and province scorecards, and a scorecard run on request. */
function unitRoutes(app: QualityApp, db: Db, scores: ScorecardsRepo, bands: Bands): void {
  scorecardsRoute(app, scores, bands);
  runRoute(app, db);
  qualityRunRoutes(app, db);
}

const quality: FastifyPluginAsyncZod<QualityOptions> = async function qualityRoutes(app, opts) {
  const scores = createScorecardsRepo(opts.db);
  schoolRoutes(app, opts, scores);
  unitRoutes(app, opts.db, scores, opts.bands);
};
export default quality;
