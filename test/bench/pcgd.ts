/**
 * PCGD-XMC: all indicators for all communes of a province of 5 million surveyed persons (× BENCH_SCALE)
 * — the one aggregate statement a province report runs (`createPcgdRepo().ageCounts`, enrolment join
 * included) plus the evaluation of the 168 communes' indicators and levels and the province roll-up —
 * against one bare `GROUP BY commune, birth_year` count over the same table in the same run.
 * Goal (issue 10): at most 3× the bare count, i.e. ratio baseline/value ≥ 0.333.
 *
 * The persons are canonical person records (`data` jsonb, the shape ingest stores) generated in
 * PostgreSQL by one INSERT … SELECT over generate_series (ages 0–69 spread over the 168 communes,
 * classes, completion years, literacy, a few moved away or deceased); `truc.students` holds 1 % of
 * them as enrolled students so the enrolment join has work. Its own database `truc_bench_pcgd_<hash>`
 * (the hash covers the generator and the size) is generated once and reused by the following
 * repetitions; the last repetition drops it (a failed last repetition leaves it for the next run).
 * Each repetition times the bare count and the PCGD computation three times each, alternating, and
 * reports the medians.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { communesOfProvince } from '../../src/canonical/codes/admin-units.js';
import { communeFigures, provinceFigures } from '../../src/reporting/pcgd/evaluate.js';
import { ENROLLED_STATUSES, ruleSetOf } from '../../src/reporting/pcgd/service.js';
import { loadConfig } from '../../src/config.js';
import { createPgDb, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { createPcgdRepo } from '../../src/store/pcgd.js';
import { PG_ADMIN_URL } from './lib/truc-env.js';
import { costRow, scaled, secondsSince, type BenchOptions, type BenchRow } from './lib/types.js';

export const name = 'pcgd';
/** Generating 5 M persons takes minutes on 2 shared cores: the first repetition may need this long. */
export const timeoutSeconds = 1200;

const YEAR = 2026;

async function admin<R = unknown>(sql: string): Promise<R[]> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return (await c.query(sql)).rows as R[];
  } finally {
    await c.end();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One INSERT … SELECT of `n` canonical persons over the province's communes. */
const GENERATE = `
  INSERT INTO truc.persons (person_ref, commune_code, personal_id, data, fingerprint, source_system, mapping_version)
  SELECT 'P' || lpad(g::text, 9, '0'), c.code, x.pid, x.data, md5(x.data::text), 'moet-pcgd', 'moet-pcgd/persons@1'
  FROM generate_series(0, $1::int - 1) g
  CROSS JOIN LATERAL (SELECT ($2::text[])[1 + g % array_length($2::text[], 1)] AS code) c
  CROSS JOIN LATERAL (SELECT ((g::bigint * 7919) % 70)::int AS age, ((g::bigint * 104729) % 100)::int AS r) a
  CROSS JOIN LATERAL (SELECT
      CASE WHEN a.r < 98 THEN '079' || lpad((g % 1000000000)::text, 9, '0') END AS pid,
      jsonb_strip_nulls(jsonb_build_object(
        'personRef', 'P' || lpad(g::text, 9, '0'), 'communeCode', c.code, 'householdNo', 'KP01-' || (g % 9000),
        'fullName', 'Nguyễn Văn An', 'birthDate', (${YEAR} - a.age)::text || '-0' || (1 + g % 9) || '-15',
        'sex', CASE WHEN g % 2 = 0 THEN 'male' ELSE 'female' END, 'ethnicityCode', '01',
        'residenceType', CASE WHEN a.r < 80 THEN 'permanent' ELSE 'temporary' END,
        'currentGrade', CASE WHEN a.age BETWEEN 3 AND 5 AND a.r < 96 THEN 'kg' || a.age
                             WHEN a.age BETWEEN 6 AND 17 AND a.r < 93 THEN (a.age - 5)::text END,
        'completed', jsonb_strip_nulls(jsonb_build_object(
           'preschool', CASE WHEN a.age >= 5 AND a.r < 90 THEN ${YEAR} - a.age + 5 END,
           'primary', CASE WHEN a.age >= 11 AND a.r < 92 THEN ${YEAR} - a.age + 11 END,
           'lowerSecondary', CASE WHEN a.age >= 15 AND a.r < 85 THEN ${YEAR} - a.age + 15 END)),
        'literacy', CASE WHEN a.age < 8 THEN 'none' WHEN a.r < 93 THEN 'level2' WHEN a.r < 97 THEN 'level1' ELSE 'none' END,
        'disability', CASE WHEN a.r = 50 THEN 'physical' END,
        'movedAway', CASE WHEN g % 101 = 0 THEN true END,
        'deceased', CASE WHEN g % 331 = 0 AND a.age > 40 THEN true END)) AS data) x`;

const STUDENTS = `
  INSERT INTO truc.students (student_code, school_code, personal_id, data, fingerprint, source_system, mapping_version)
  SELECT 'S' || p.person_ref, '79000001', p.personal_id,
         jsonb_build_object('schoolYear', '${YEAR}-${YEAR + 1}', 'status', 'studying'), 'x', 'bench', 'bench'
  FROM truc.persons p WHERE p.personal_id IS NOT NULL AND p.data ? 'currentGrade' AND hashtext(p.person_ref) % 100 = 0`;

/** The bench's persons (and the students the enrolment join reads), generated unless already there. */
async function ensurePersons(db: Db, persons: number, communes: string[]): Promise<void> {
  const t = performance.now();
  const have = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM truc.persons');
  if (have.rows[0]!.n === persons) return;
  await db.query('TRUNCATE truc.persons, truc.students');
  await db.query(GENERATE, [persons, communes]);
  await db.query(STUDENTS);
  await db.query('VACUUM ANALYZE truc.persons');
  await db.query('ANALYZE truc.students');
  console.log(`pcgd bench: ${persons} persons generated in ${secondsSince(t).toFixed(0)} s`);
}

/** The province's figures as computeReport runs them: in a transaction, counts then the mapping versions. */
function provinceComputation(db: Db, communes: string[]): () => Promise<number> {
  const rules = ruleSetOf(loadConfig({ env: { TRUC_PROFILE: 'default' } }).pcgd);
  const options = {
    year: YEAR,
    ageRule: rules.settings.ageRule,
    ageOnDate: rules.settings.ageOnDate,
    excludeDisabled: rules.settings.excludeDisabledFromDenominators,
    schoolYear: `${YEAR}-${YEAR + 1}`,
    activeStatuses: ENROLLED_STATUSES,
  };
  return () =>
    db.tx(async (q) => {
      const repo = createPcgdRepo(q);
      const rows = await repo.ageCounts(options, communes);
      await repo.mappingVersions(communes);
      const figs = communes.map((code) => {
        const list = rows.filter((r) => r.communeCode === code);
        return communeFigures(rules, code, list, false);
      });
      return provinceFigures(rules, '79', figs).population;
    });
}

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const persons = scaled(5_000_000, opts.scale, 10_000);
  const hash = createHash('sha256').update(`${GENERATE}${STUDENTS}${persons}`).digest('hex').slice(0, 10);
  const dbName = `truc_bench_pcgd_${hash}`;
  const exists = await admin(`SELECT 1 FROM pg_database WHERE datname = '${dbName}'`);
  if (exists.length === 0) await admin(`CREATE DATABASE ${dbName}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${dbName}`;
  const db = createPgDb(url.toString(), 'postgres', { max: 2 });
  const last = opts.repetition === opts.repeats - 1;
  try {
    await migrate(db);
    const communes = communesOfProvince('79').map((c) => c.code);
    await ensurePersons(db, persons, communes);

    // The bare count on the birth year column the PCGD query reads (migration 041) — the strict
    // baseline — and, informative, the same count parsing the jsonb record.
    const bare = `SELECT commune_code, pcgd_birth_year, count(*) FROM truc.persons GROUP BY commune_code, pcgd_birth_year`;
    const bareJson = `SELECT commune_code, substr(data->>'birthDate', 1, 4) AS birth_year, count(*)
                    FROM truc.persons GROUP BY commune_code, birth_year`;
    const measured = provinceComputation(db, communes);
    // warm the cache once with each, then time each once (alternating order by repetition)
    await db.query(bare);
    await measured();
    const timeIt = async (f: () => Promise<unknown>) => {
      const t = performance.now();
      await f();
      return secondsSince(t);
    };
    const bases: number[] = [];
    const values: number[] = [];
    for (let round = 0; round < 3; round++) {
      if ((round + opts.repetition) % 2 === 0) {
        bases.push(await timeIt(() => db.query(bare)));
        values.push(await timeIt(measured));
      } else {
        values.push(await timeIt(measured));
        bases.push(await timeIt(() => db.query(bare)));
      }
    }
    const baseline = median(bases);
    const value = median(values);
    const baselineJson = await timeIt(() => db.query(bareJson));
    return [
      costRow(
        `PCGD all indicators, ${Math.round(persons / 1e5) / 10} M persons, 168 communes`,
        's',
        value,
        baseline,
        1 / 3,
      ),
      costRow(
        'PCGD all indicators vs bare count parsing the jsonb birth date',
        's',
        value,
        baselineJson,
        null,
      ),
    ];
  } finally {
    await db.close().catch(() => undefined);
    if (last) await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  }
}
