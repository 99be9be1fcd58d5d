/**
 * State the dashboard's browser tests read, made through the store (no worker): a school and its batches with their
 * findings and deliveries (ci11: dash9's, dash10's and walk10's files each seeded them their own way), a failed pull,
 * and scorecard runs as the quality page reads them (ui29: ui27's, ui28's and ui29's files each built them again).
 */
import { randomUUID } from 'node:crypto';
import type { SystemName } from '../../src/config/names.js';
import { scoreOf } from '../../src/jobs/scorecards.js';
import type { Ratio, Scorecard } from '../../src/quality/index.js';
import type { FindingRow } from '../../src/store/batch-findings.js';
import { createBatchesRepo, type NewBatch } from '../../src/store/batches.js';
import type { Queryable } from '../../src/store/db.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { createQualityRunScoresRepo } from '../../src/store/quality-run-scores.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';

/** A primary school of commune 26734, province 79, as hcm-csdl lists it. */
export const schoolRecord = (schoolCode: string, name: string) => ({
  schoolCode,
  name,
  level: 'primary',
  provinceCode: '79',
  communeCode: '26734',
  status: 'active',
});

/** The school's record, as hcm-csdl's pull stores it. */
export async function storeSchool(db: Queryable, school: ReturnType<typeof schoolRecord>): Promise<void> {
  await createRecordsRepo(db).upsert(
    'schools',
    [{ key: school.schoolCode, scope: school.schoolCode, data: school, fingerprint: fingerprint(school) }],
    { system: 'hcm-csdl', mappingVersion: 'test' },
  );
}

/** A batch to seed: its row's fields (students of a school, no records kept, by default), findings and end. */
export interface SeededBatch extends Partial<Omit<NewBatch, 'id'>> {
  schoolCode: string;
  format: string;
  findings?: readonly FindingRow[];
  /** Finished (done) with these counts; left received when unset. */
  counts?: { accepted: number; rejected: number; unchanged: number };
  /** One push set (key HS00000) delivered to this system. */
  deliveredTo?: SystemName;
}

/** Seeds a batch ({@link SeededBatch}): its id. */
export async function seedBatch(
  db: Queryable,
  { findings = [], counts, deliveredTo, ...row }: SeededBatch,
): Promise<string> {
  const id = randomUUID();
  const batches = createBatchesRepo(db);
  await batches.insert({ clientId: 'test', entity: 'students', records: [], ...row, id });
  await batches.insertFindings(id, findings);
  if (counts) await batches.finish(id, counts);
  if (deliveredTo) {
    const sets = createPushSetsRepo(db);
    const set = await sets.create({
      ...{ system: deliveredTo, entity: row.entity ?? 'students', keys: ['HS00000'] },
      batchId: id,
    });
    await sets.markDelivered(set, { accepted: 1, rejected: 0, receiptId: 'r1' });
  }
  return id;
}

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
