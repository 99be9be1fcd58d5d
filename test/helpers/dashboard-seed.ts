/**
 * State the dashboard's browser tests read, made through the store (no worker): a failed pull, and scorecard runs as
 * the quality page reads them (ui29: ui27's, ui28's and ui29's files each built them again).
 */
import { scoreOf } from '../../src/jobs/scorecards.js';
import type { Ratio, Scorecard } from '../../src/quality/index.js';
import type { Queryable } from '../../src/store/db.js';
import { createQualityRunScoresRepo } from '../../src/store/quality-run-scores.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';

/** A pull of hcm-csdl's students that failed for good (ERR_ADAPTER_UNAVAILABLE), as the sync runs and overview show it. */
export async function failedPull(db: Queryable): Promise<number> {
  const runs = createSyncRunsRepo(db);
  const run = await runs.create({
    system: 'hcm-csdl',
    entity: 'students',
    scope: '',
    since: null,
    requestedBy: 'x',
  });
  await runs.fail(run, 'ERR_ADAPTER_UNAVAILABLE');
  return run;
}

/** A pass ratio as a scorecard keeps it: its percent rounded to two decimals, in the band it was judged. */
export const storedRatio = (passed: number, total: number, band: Ratio['band']): Ratio => ({
  passed,
  total,
  percent: Math.round((10_000 * passed) / total) / 100,
  band,
});

/** A commune's scorecard under province 79: one school, no top rules, both deadlines met. */
export function communeCard(
  code: string,
  records: number,
  criteria: Scorecard['criteria'],
  overall: Ratio,
): Scorecard {
  const deadline = { date: '2026-09-30', passed: true, done: 1, schools: 1, status: 'done' } as const;
  return {
    level: 'commune',
    code,
    parentCode: '79',
    records,
    schools: 1,
    criteria,
    overall,
    topRules: [],
    deadlines: { rollover: deadline, masterData: deadline },
  };
}

/** Saves a scorecard run as of `asOf` (school year 2026-2027) holding `cards`; its id. */
export async function saveScorecards(
  db: Queryable,
  cards: readonly Scorecard[],
  asOf = '2026-12-04',
): Promise<number> {
  return createQualityRunScoresRepo(db).saveRun(
    'test',
    { asOf, schoolYear: '2026-2027', catalogueVersion: 'test' },
    cards.map((c) => scoreOf(c)),
  );
}
