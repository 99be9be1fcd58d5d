/**
 * A quality run's slice reads only its schools' verdicts (fix37c follow-up). A run scores its schools
 * `quality.runSliceSchools` at a time (default 100), each slice counting its schools' verdicts, clean ones included;
 * with only the verdicts with findings indexed by school (migration 260) every slice read the whole table (a city's
 * 2,000 schools: 20 scans of every verdict). Migration 1442 indexes them all by school. On PostgreSQL (what a city
 * runs), at 3,000 schools' verdicts, the plan's shape is asserted, no time.
 */
import { describe, expect, it } from 'vitest';
import { createScorecardsRepo } from '../../src/store/scorecards.js';
import { explaining, useTestStore } from '../helpers/store-suite.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** Every node of a plan, depth first. */
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

const SCHOOLS = 3000;
const PER_SCHOOL = 40;
const school = (i: number) => `7937${String(i).padStart(4, '0')}`;

describe('a quality run’s slice reads its schools’ verdicts alone', () => {
  const store = useTestStore('postgres');

  it('at 3,000 schools, counting a slice of 100 reads their 4,000 verdicts, not the 120,000', async () => {
    const db = store.db;
    // every 20th verdict has a finding (a warning): most of a city's are clean
    await db.query(
      `INSERT INTO truc.quality_records (entity, record_key, school_code, accepted, checked_at, batch_id, findings)
       SELECT 'students', s || '-' || k, '7937' || lpad(s::text, 4, '0'), true, now(),
              '00000000-0000-4000-8000-000000003701',
              CASE WHEN k % 20 = 0
                   THEN '[{"rule":"DU_FIELD_MISSING","criterion":"du","severity":"warning","pointer":"/fatherName"}]'
                   ELSE '[]' END::jsonb
         FROM generate_series(1, $1::int) s, generate_series(1, $2::int) k`,
      [SCHOOLS, PER_SCHOOL],
    );
    await db.query('VACUUM ANALYZE truc.quality_records');
    const slice = Array.from({ length: 100 }, (_, i) => school(1001 + i));

    const { plans, result } = await explaining(
      'SELECT r.school_code AS school, count(*)',
      'EXPLAIN (ANALYZE, FORMAT JSON)',
      () => createScorecardsRepo(db).schoolCounts(slice, '2026-2027', []),
    );
    expect(result.map((c) => [c.schoolCode, c.records, c.failed.du])).toEqual(
      slice.map((s) => [s, PER_SCHOOL, PER_SCHOOL / 20]),
    );
    expect(plans).toHaveLength(1);
    const scans = nodes((JSON.parse(plans[0]!) as Array<{ Plan: PlanNode }>)[0]!.Plan).filter(
      (n) => n['Relation Name'] === 'quality_records',
    );
    expect(scans.map((n) => n['Node Type'])).not.toContain('Seq Scan');
    // rows the scans read: kept, plus those a filter or recheck threw away, every loop (a parallel worker each)
    const read = scans.reduce(
      (sum, n) =>
        sum +
        ((n['Actual Rows'] ?? 0) +
          (n['Rows Removed by Filter'] ?? 0) +
          (n['Rows Removed by Index Recheck'] ?? 0)) *
          (n['Actual Loops'] ?? 1),
      0,
    );
    expect(read).toBe(slice.length * PER_SCHOOL);
  }, 60_000);
});
