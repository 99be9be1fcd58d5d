/**
 * Whether a commune's survey persons are of the report's year (review34b F2). truc keeps one snapshot of a commune's
 * persons, the last pull's; a pull reads the Ministry's open working year (src/adapters/moet-pcgd: `GET
 * /v1/working-year`), which opens on `pcgd.calendar.opensOn` (1 September, Công văn 4862/BGDĐT-KHTC) and runs a
 * year. Counted for another report year, every age is off the survey's classes and completions: from January to
 * August, this calendar year's figures (the CLI's default) from last September's survey put every child a year ahead
 * of the class the survey found (6-year-olds still in kindergarten, 11-year-olds before their primary completion).
 * - persons of an earlier working year than the report's: `PCGD_PERSONS_EARLIER_YEAR` (error: pull again once the
 *   report's working year has opened, then compute again);
 * - of a later one (a past year recomputed, e.g. reopened after 1 September): `PCGD_PERSONS_LATER_YEAR` (warning:
 *   truc holds only the newest survey; a completion year after the report's is not counted).
 * A commune truc has no finished pull of (persons stored another way) is not judged.
 *
 * The working year is the one the pull read from the Ministry (fix36a, migration 1460: `GET /v1/working-year` at the
 * pull's start, kept on its sync run), so a Ministry that opens its year late, a pull across 31 August → 1 September
 * or an `opensOn` changed since counts the year the persons are of. {@link workingYearAt} (the pull's finish time and
 * today's `pcgd.calendar.opensOn`) is only the fallback for a pull finished before that migration, which kept none.
 */
import { vietnamDateOf, vietnamTimeOf } from '../../canonical/school-year.js';
import type { PcgdConfig } from '../../config.js';
import type { Queryable } from '../../store/db.js';
import { createPersonsPullsRepo } from '../../store/persons-pulls.js';
import { f, type PcgdFinding } from './validate.js';

/** The Ministry's working year open at `at` (Vietnam's date): from `opensOn` (MM-DD) of a year to the day before the next. */
export function workingYearAt(at: Date, opensOn: string): number {
  const today = vietnamDateOf(at);
  const year = Number(today.slice(0, 4));
  return today.slice(5) >= opensOn ? year : year - 1;
}

/**
 * The Ministry's working year a finished persons pull read its persons of: the year it read from the Ministry
 * (migration 1460), else, for a pull of before, its finish time's by `opensOn`. The one rule of the persons-year check
 * and of compute's default year ({@link defaultReportYear}).
 */
export function pulledWorkingYear(
  p: { workingYear: number | null; pulledAt: Date },
  opensOn: string,
): number {
  return p.workingYear ?? workingYearAt(p.pulledAt, opensOn);
}

/**
 * The year `truc pcgd compute` computes when none is given (fix37c): the Ministry's working year as the newest
 * finished persons pull read it ({@link pulledWorkingYear}: the Ministry's word wins over truc's calendar, a year it
 * opened late included); with no pull finished yet, the working year open at `now` by `opensOn`. `from`: which.
 */
export async function defaultReportYear(
  q: Queryable,
  opensOn: string,
  now: Date,
): Promise<{ year: number; from: { communeCode: string; pulledAt: Date } | null }> {
  const newest = await createPersonsPullsRepo(q).newest();
  if (!newest) return { year: workingYearAt(now, opensOn), from: null };
  return { year: pulledWorkingYear(newest, opensOn), from: newest };
}

/** The finding of one commune whose persons were pulled in working year `pulledIn`, not `year`. */
function otherYear(
  communeCode: string,
  year: number,
  /** `read`: the year as the pull read it from the Ministry; else (a pull of before) its finish time's. */
  pulled: { in: number; at: Date; read: boolean },
  opensOn: string,
): PcgdFinding {
  const when = vietnamTimeOf(pulled.at);
  const pulledIn = pulled.in;
  const how = pulled.read
    ? { vi: 'theo hệ thống PCGD-XMC khi kéo', en: 'as the Ministry’s system said when the pull began' }
    : {
        vi: `của hệ thống PCGD-XMC (mở ngày ${opensOn.slice(3)}/${opensOn.slice(0, 2)})`,
        en: `of the PCGD-XMC system (it opens on ${opensOn})`,
      };
  const head = {
    vi: `Dữ liệu điều tra của xã ${communeCode} được kéo lúc ${when}, trong năm làm việc ${pulledIn} ${how.vi}, không phải năm báo cáo ${year}`,
    en: `Commune ${communeCode}'s survey persons were pulled at ${when}, in the working year ${pulledIn} ${how.en}, not report year ${year}`,
  };
  // Read from the Ministry, the year opens when its system says so (it may open late), not on a date truc knows.
  const opens = pulled.read ? '' : ` (${year}-${opensOn})`;
  if (pulledIn < year)
    return f(
      'PCGD_PERSONS_EARLIER_YEAR',
      `${head.vi}: tuổi tính theo năm ${year} nhưng lớp học và năm hoàn thành là của cuộc điều tra năm ${pulledIn}, số liệu sai. Kéo lại dữ liệu điều tra khi hệ thống PCGD-XMC đã mở năm làm việc ${year}${opens} rồi tính lại.`,
      `${head.en}: ages are counted for ${year} but classes and completions are those of the ${pulledIn} survey, so the figures are wrong. Pull the survey persons again once the PCGD-XMC system has opened working year ${year}${opens}, then compute again.`,
      { communeCode },
    );
  return f(
    'PCGD_PERSONS_LATER_YEAR',
    `${head.vi}: truc chỉ giữ cuộc điều tra mới nhất; lớp học, năm hoàn thành và mức biết chữ là của năm ${pulledIn} (năm hoàn thành sau ${year} không được tính).`,
    `${head.en}: truc holds only the newest survey; classes, completions and literacy are those of ${pulledIn} (a completion year after ${year} is not counted).`,
    { communeCode },
  );
}

/** The communes (of `communes`) whose last finished persons pull is of another working year than `year`, one finding each. */
export async function personsYearChecks(
  q: Queryable,
  cfg: Pick<PcgdConfig, 'calendar'>,
  year: number,
  communes: readonly string[],
): Promise<PcgdFinding[]> {
  if (communes.length === 0) return [];
  const opensOn = cfg.calendar.opensOn;
  const out: PcgdFinding[] = [];
  for (const p of await createPersonsPullsRepo(q).pulled(communes)) {
    if (!p.pulledAt) continue;
    // The year the pull read from the Ministry; a pull of before migration 1460 kept none: its finish time's.
    const read = p.workingYear !== null;
    const pulledIn = pulledWorkingYear({ workingYear: p.workingYear, pulledAt: p.pulledAt }, opensOn);
    if (pulledIn !== year)
      out.push(otherYear(p.communeCode, year, { in: pulledIn, at: p.pulledAt, read }, opensOn));
  }
  return out;
}
