/**
 * pcgd14: a commune's PCGD-XMC indicators and levels counted by hand from the Ministry's survey records as the
 * simulator serves them (Vietnamese columns, `dd/mm/yyyy` dates, labels), by ../shared/docs/PCGD-RULES.md read
 * literally, with no code of truc's counting (its SQL in src/store/pcgd.ts, its mapping of the columns): what a
 * report's figures are compared with, figure by figure. Defaults of rule set `pcgd-2014.1`: age by birth year,
 * persons with a disability counted like everyone, a normal (not ĐBKK) commune.
 */

/** The survey columns the rules read, as the Ministry's system writes them (openapi/external/moet-pcgd.yaml). */
export interface SurveyRow {
  maXa: string;
  ngaySinh: string;
  loaiCuTru: string;
  lopDangHoc: string | null;
  namTotNghiepMN: number | null;
  namTotNghiepTH: number | null;
  namTotNghiepTHCS: number | null;
  bietChu: string;
  chuyenDi: boolean;
  daChet: boolean;
}

export type HandFigures = Record<string, { numerator: number; denominator: number }>;

/** §1: the year of `dd/mm/yyyy`, or null when it is not a date (nobody's age then). */
const birthYear = (ngaySinh: string): number | null => {
  const m = /^\d{2}\/\d{2}\/(\d{4})$/.exec(ngaySinh);
  return m ? Number(m[1]) : null;
};
/** "A year of completion counts only when it is ≤ Y." */
const completedBy = (year: number | null, Y: number): boolean => year !== null && year <= Y;
/** "whose current class is grade 1 to 12" (a preschool group is `NT`, `MG3`…`MG5`). */
const inGrade1to12 = (lop: string | null): boolean => lop !== null && /^(?:[1-9]|1[0-2])$/.test(lop);

/** §2's table: each indicator's ages and who of them is in its numerator. */
const TABLE: ReadonlyArray<
  [code: string, from: number, to: number, counts: (p: SurveyRow, Y: number) => boolean]
> = [
  ['preschool5_attending', 5, 5, (p) => p.lopDangHoc !== null], // "a current class (any preschool group or any grade)"
  ['preschool5_completed', 5, 5, (p, Y) => completedBy(p.namTotNghiepMN, Y)],
  ['primary_grade1_entry_age6', 6, 6, (p) => inGrade1to12(p.lopDangHoc)],
  ['primary_completed_age11', 11, 11, (p, Y) => completedBy(p.namTotNghiepTH, Y)],
  ['primary_completed_age14', 14, 14, (p, Y) => completedBy(p.namTotNghiepTH, Y)],
  ['lower_secondary_diploma_age15_18', 15, 18, (p, Y) => completedBy(p.namTotNghiepTHCS, Y)],
  ['lower_secondary_continuing_age15_18', 15, 18, (p) => inGrade1to12(p.lopDangHoc)],
  ['literacy_level1_age15_35', 15, 35, (p) => ['Mức 1', 'Mức 2'].includes(p.bietChu)],
  ['literacy_level1_age15_25', 15, 25, (p) => ['Mức 1', 'Mức 2'].includes(p.bietChu)],
  ['literacy_level2_age15_60', 15, 60, (p) => p.bietChu === 'Mức 2'],
  ['literacy_level2_age15_35', 15, 35, (p) => p.bietChu === 'Mức 2'],
];

/** §1 "Population of a commune": its surveyed persons, permanent or temporary residents, not moved away, alive. */
export const populationOf = (rows: readonly SurveyRow[], commune: string): SurveyRow[] =>
  rows.filter(
    (p) => p.maXa === commune && ['Thường trú', 'Tạm trú'].includes(p.loaiCuTru) && !p.chuyenDi && !p.daChet,
  );

/** §2: each indicator's numerator and denominator over the commune's population in report year `Y`. */
export function countByHand(rows: readonly SurveyRow[], commune: string, Y: number): HandFigures {
  const people = populationOf(rows, commune);
  const figures: HandFigures = {};
  for (const [code, from, to, counts] of TABLE) {
    const cohort = people.filter((p) => {
      const born = birthYear(p.ngaySinh);
      return born !== null && Y - born >= from && Y - born <= to;
    });
    figures[code] = { numerator: cohort.filter((p) => counts(p, Y)).length, denominator: cohort.length };
  }
  return figures;
}

/** "compared with a threshold exactly (as numerator × 100 ≥ threshold × denominator)"; no denominator: not met. */
function reaches(f: HandFigures, code: string, threshold: number): boolean {
  const x = f[code]!;
  return x.denominator > 0 && x.numerator * 100 >= threshold * x.denominator;
}

/** §3's levels of a normal commune (not ĐBKK), met or not. */
export function levelsByHand(f: HandFigures): Record<string, boolean> {
  const grade1 = (t: number) => reaches(f, 'primary_grade1_entry_age6', t);
  const diploma = (t: number) => reaches(f, 'lower_secondary_diploma_age15_18', t);
  const primary1 = grade1(90) && reaches(f, 'primary_completed_age14', 80);
  const primary2 = primary1 && grade1(95) && reaches(f, 'primary_completed_age11', 80);
  const literacy1 = reaches(f, 'literacy_level1_age15_35', 90);
  const lower1 = primary1 && literacy1 && diploma(80);
  const lower2 = lower1 && diploma(90);
  return {
    preschool5: reaches(f, 'preschool5_attending', 95) && reaches(f, 'preschool5_completed', 85),
    primary_level1: primary1,
    primary_level2: primary2,
    primary_level3: primary2 && grade1(98) && reaches(f, 'primary_completed_age11', 90),
    literacy_level1: literacy1,
    literacy_level2: literacy1 && reaches(f, 'literacy_level2_age15_60', 90),
    lower_secondary_level1: lower1,
    lower_secondary_level2: lower2,
    lower_secondary_level3: lower2 && diploma(95) && reaches(f, 'lower_secondary_continuing_age15_18', 80),
  };
}

/** Every survey record of `commune` the Ministry's system at `base` lists, page after page. */
export async function surveyRowsOf(
  base: string,
  client: { clientId: string; clientSecret: string },
  commune: string,
  year: number,
): Promise<SurveyRow[]> {
  const tokenRes = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
    }),
  });
  const { access_token: token } = (await tokenRes.json()) as { access_token: string };
  const rows: SurveyRow[] = [];
  let cursor: string | undefined;
  do {
    const q = new URLSearchParams({ year: String(year), limit: '500', ...(cursor ? { cursor } : {}) });
    const res = await fetch(`${base}/v1/units/${commune}/persons?${q.toString()}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 200) throw new Error(`persons of ${commune}: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { items: SurveyRow[]; nextCursor?: string };
    rows.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
}
