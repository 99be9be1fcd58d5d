/**
 * What the quality routes (../quality.ts) answer: the schemas of a scorecard, a finding of a school's record and
 * a website probe, and the stored rows as the API shows them, in the caller's language.
 */
import { z } from 'zod';
import { ENTITY_NAMES } from '../../../config.js';
import { adminUnitName } from '../../../canonical/codes/admin-units.js';
import { schoolYearOf, vietnamDateOf } from '../../../canonical/school-year.js';
import { bandOf, hintOf, ruleByCode, websiteRulesOf, type QualityConfig } from '../../../quality/index.js';
import type { SchoolFindingRow } from '../../../store/quality.js';
import type { ScoreRow } from '../../../store/scorecards.js';
import type { WebsiteProbeRow } from '../../../store/website-probes.js';
import { verdictPointer } from '../../../jobs/finding-pointers.js';
import { findingsQuery } from '../../findings-query.js';

const Bilingual = z.object({ vi: z.string(), en: z.string() });

/**
 * A rule's title beside its code (a scorecard's top rules, a school's findings by rule on the operations pages:
 * dash9 item 1), by {@link titlesOf}.
 */
export const RuleTitles = {
  /** The rule's title in the caller's language (Accept-Language, Vietnamese first). */
  title: z.string(),
  /** The rule's title in both languages (fix30b: `title` alone was Vietnamese to a caller naming no language). */
  titles: Bilingual,
};
/** A pass ratio as a scorecard judges it (src/quality/scorecards.ts ratioOf, under the city's colourBands). */
export const Ratio = z.object({
  passed: z.number().int(),
  total: z.number().int(),
  percent: z.number(),
  band: z.enum(['green', 'yellow', 'red']),
});
const Deadline = z.object({
  date: z.string(),
  passed: z.boolean(),
  done: z.number().int(),
  schools: z.number().int(),
  status: z.enum(['done', 'open', 'late']),
});
export const Scorecard = z
  .object({
    level: z.enum(['school', 'commune', 'province']),
    code: z.string(),
    name: z
      .string()
      .nullable()
      .meta({
        description:
          'Tên xã/phường hoặc tỉnh/thành theo danh mục đơn vị hành chính, như thẻ hạn nộp của trang tổng quan; null: ' +
          'một trường, hoặc mã không có trong danh mục / the commune’s or province’s name from the administrative ' +
          'units, as the overview’s deadlines card names it; null: a school, or a code not on the list (walk8 W8-4)',
      }),
    parentCode: z.string(),
    runId: z.number().int(),
    asOf: z.string(),
    computedAt: z.string().meta({
      description: 'Lúc lần tính thẻ điểm (runId) chạy / when its run (runId) computed it (ISO 8601, fix35d)',
    }),
    requestedBy: z.string().meta({
      description:
        'Ai yêu cầu lần tính, theo tên lúc yêu cầu (tên hiển thị của client, hoặc tên người vận hành CLI; không biết ' +
        'tên: mã định danh, schedule:<id> khi lịch chạy, ví dụ quality-nightly; lần tính yêu cầu trước khi nâng cấp ' +
        'lên migration 1427: tên client lúc nâng cấp, không phải lúc yêu cầu); phần mềm đọc city (Sở yêu cầu) / ' +
        "who asked for its run, by name as it was when they asked (the client's display name, or the CLI " +
        "operator's; an actor truc knew no name of: the id, schedule:<id> for a schedule, e.g. quality-nightly; a " +
        'run asked for before the upgrade to migration 1427: the client’s name at the upgrade, not when it asked); ' +
        'a vendor reads city (the city asked)',
    }),
    requestedById: z.string().meta({
      description:
        'Mã định danh người yêu cầu: schedule:<id>, mã client, operator:cli:<tên> (trước fix37a ở requestedBy); ' +
        'phần mềm đọc city / who asked, by id: schedule:<id>, a client id, operator:cli:<name> (in requestedBy ' +
        'before fix37a); a vendor reads city',
    }),
    records: z.number().int(),
    schools: z.number().int(),
    criteria: z.object({ dung: Ratio, du: Ratio, sach: Ratio, song: Ratio }),
    overall: Ratio,
    topRules: z.array(
      z.object({
        rule: z.string(),
        criterion: z.string(),
        records: z.number().int(),
        ...RuleTitles,
        /** The findings behind the figure (schools) — explainable down to each record. */
        findingsUrl: z.string().optional(),
      }),
    ),
    deadlines: z.object({ rollover: Deadline, masterData: Deadline }),
    history: z.array(
      z.object({ runId: z.number().int(), asOf: z.string(), overall: z.number(), band: z.string() }),
    ),
  })
  .meta({ id: 'QualityScorecard' });

export const FindingsQuery = findingsQuery(['dung', 'du', 'sach', 'song'])
  .extend({ entity: z.enum(ENTITY_NAMES).optional() })
  .strict();

export const SchoolFinding = z
  .object({
    entity: z.string(),
    recordKey: z.string(),
    accepted: z.boolean(),
    checkedAt: z.string(),
    rule: z.string(),
    criterion: z.string(),
    severity: z.enum(['error', 'warning', 'info']),
    pointer: z.string().meta({
      deprecated: true,
      description:
        'Đã lỗi thời (2026-12-06): dùng canonicalPointer, cùng giá trị; ở phát hiện của một lô, pointer là con trỏ vào bản ghi như đã gửi / ' +
        'deprecated (2026-12-06): use canonicalPointer, the same value; in a batch’s findings pointer means the record as sent, so the school’s findings name it as the batch’s do',
    }),
    canonicalPointer: z.string().meta({
      description:
        'Con trỏ JSON tới trường trong bản ghi chuẩn của truc (/personalId), cả khi bản ghi gửi theo định dạng smas/vnedu, như canonicalPointer của phát hiện một lô / ' +
        'JSON pointer into truc’s canonical record (/personalId), as the record routes read it back, whatever format it was sent in: the same field a batch’s finding names in its canonicalPointer (a finding kept before 2026-12-06 at a smas/vnedu field, /SoCCCD, reads as its canonical field)',
    }),
    value: z.string().optional(),
    /** Message and fix hint in the caller's language; both languages in `message` / `hint` (a batch's finding alike). */
    text: z.string(),
    fix: z.string(),
    message: Bilingual,
    hint: Bilingual,
  })
  .meta({ id: 'QualityFinding' });

export const WebsiteProbe = z
  .object({
    schoolCode: z.string(),
    /** The address probed (the school record's website when it was probed). */
    website: z.string(),
    probedAt: z.string(),
    /** The home page answered 2xx (or the site's robots.txt did, when it forbids the probe the home page). */
    answered: z.boolean(),
    httpStatus: z.number().int().optional(),
    /** A linked or usual feed answered with RSS or Atom. */
    rss: z.boolean(),
    /** Why not: bad-url, private-address, no-dns, timeout, unreachable, http-<status>, too-many-redirects, robots-http-<status>, robots-disallowed. */
    problem: z.string().optional(),
    /** The sống rules this result breaks (SONG_WEBSITE_DOWN, SONG_WEBSITE_NO_RSS), titled in the caller's language. */
    rules: z.array(z.object({ rule: z.string(), title: z.string() })),
  })
  .meta({ id: 'WebsiteProbe' });

export type Lang = 'vi' | 'en';

type Figures = Pick<z.infer<typeof Scorecard>, 'criteria' | 'overall'> & {
  topRules: { rule: string; criterion: string; records: number }[];
};
type StoredCard = Figures & {
  schools: number;
  deadlines: z.infer<typeof Scorecard>['deadlines'];
  /** The school's figures as its sender is told them, when they differ (src/quality/scorecards.ts). */
  told?: Figures;
};

/** A rule's title in `lang` and in both languages ({@link RuleTitles}); a rule the catalogue has not (MAP_…) by its code. */
export function titlesOf(rule: string, lang: Lang): { title: string; titles: { vi: string; en: string } } {
  const t = ruleByCode(rule)?.title ?? { vi: rule, en: rule };
  return { title: t[lang], titles: { vi: t.vi, en: t.en } };
}

type Bands = QualityConfig['colourBands'];
type RatioOut = z.infer<typeof Ratio>;

/** A stored ratio judged under the city's bands as they are now (see {@link cardOut}). */
const banded = (r: RatioOut, bands: Bands): RatioOut => ({ ...r, band: bandOf(r.percent, bands) });

/**
 * A stored scorecard with its history, in `lang`. `asSender`: a school's figures as its sender (a vendor) is told
 * them (src/quality/sender-view.ts), its history too; a card of a run before priv28 holds only the city's.
 *
 * Bands (fix30b): a run stores its figures with the band its day's `quality.colourBands` gave; a card read after the
 * city changed the bands is judged again under today's (`bands`), as the schools pages judge the same ratios
 * (routes/ops/schools.ts): a school's scorecard kept its old colour until the next run, beside its page's new one. The
 * percentages are the run's; only the colour they are read in follows the city's setting, the history's alike.
 */
export function cardOut(
  row: ScoreRow,
  history: readonly ScoreRow[],
  lang: Lang,
  bands: Bands,
  asSender = false,
) {
  const card = row.card as StoredCard;
  const figures = (asSender && card.told) || card;
  const c = figures.criteria;
  return {
    level: row.level as 'school' | 'commune' | 'province',
    code: row.code,
    name: row.level === 'school' ? null : (adminUnitName(row.code) ?? null),
    parentCode: row.parentCode,
    runId: row.runId,
    asOf: row.asOf,
    computedAt: new Date(row.computedAt).toISOString(),
    // A vendor reads that the city asked, not which of the city's clients (fix35d), by name or by id (fix37a).
    ...(asSender && !row.requestedById.startsWith('schedule:')
      ? { requestedBy: 'city', requestedById: 'city' }
      : { requestedBy: row.requestedBy, requestedById: row.requestedById }),
    records: row.records,
    schools: card.schools,
    criteria: {
      dung: banded(c.dung, bands),
      du: banded(c.du, bands),
      sach: banded(c.sach, bands),
      song: banded(c.song, bands),
    },
    overall: banded(figures.overall, bands),
    topRules: figures.topRules.map((r) => ({
      ...r,
      ...titlesOf(r.rule, lang),
      ...(row.level === 'school'
        ? { findingsUrl: `/v1/schools/${row.code}/quality/findings?rule=${r.rule}` }
        : {}),
    })),
    deadlines: card.deadlines,
    history: history.map((h) => {
      const told = asSender ? (h.card as StoredCard).told?.overall : undefined;
      const overall = told ? told.percent : h.overall;
      return { runId: h.runId, asOf: h.asOf, overall, band: bandOf(overall, bands) };
    }),
  };
}

/**
 * A stored finding of a school's record, its message and fix hint in `lang` (and both languages); a deadline's hint
 * names the configured deadline of the school year it was found in.
 */
export function findingOut(f: SchoolFindingRow, lang: Lang, deadlines: QualityConfig['deadlines']) {
  const info = ruleByCode(f.rule);
  const message = info?.message ?? { vi: f.rule, en: f.rule };
  const year = schoolYearOf(vietnamDateOf(f.checkedAt));
  const hint = info ? hintOf(info, year, deadlines) : { vi: '', en: '' };
  return {
    entity: f.entity,
    recordKey: f.recordKey,
    accepted: f.accepted,
    checkedAt: new Date(f.checkedAt).toISOString(),
    rule: f.rule,
    criterion: f.criterion,
    severity: f.severity,
    // A verdict kept before c8017fd at a smas/vnedu wire field reads as its canonical field (fix36d).
    pointer: verdictPointer(f.entity, f.pointer),
    canonicalPointer: verdictPointer(f.entity, f.pointer),
    ...(f.value !== undefined ? { value: f.value } : {}),
    text: message[lang],
    fix: hint[lang],
    message: { vi: message.vi, en: message.en },
    hint: { vi: hint.vi, en: hint.en },
  };
}

/** The last probe of a school's website with the sống rules it breaks, titled in `lang`. */
export function probeOut(code: string, probe: WebsiteProbeRow, lang: Lang) {
  return {
    schoolCode: code,
    website: probe.website,
    probedAt: new Date(probe.probedAt).toISOString(),
    answered: probe.answered,
    ...(probe.httpStatus !== undefined ? { httpStatus: probe.httpStatus } : {}),
    rss: probe.rss,
    ...(probe.problem !== undefined ? { problem: probe.problem } : {}),
    rules: websiteRulesOf(probe.website, probe).map((r) => ({ rule: r.code, title: r.title[lang] })),
  };
}
