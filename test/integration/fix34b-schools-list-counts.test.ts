/**
 * fix34b (review33c N4): the schools list (GET /v1/ops/schools, the dashboard's schools page) at the city's scale. Its
 * per-school counts were computed for every school a page's offset skipped (2,500 schools, 1.7 M students: the 25th
 * page took 16 s, the 50th 29 s) and read each live student from the table (680 blocks a school; the first page 0.43 s
 * warm). Now the page is chosen first, only its schools counted, and the live students and staff counted from an index
 * alone (migration 1406; since 1431 the (school, key) index, which carries each row's deleted_at, instead of a partial
 * index of the live rows that every students write not heap-only paid for). Measured at the city's scale in the README;
 * here the plan's shape, on PostgreSQL (what a city runs), with no time asserted.
 */
import { describe, expect, it } from 'vitest';
import { createOverviewRepo } from '../../src/store/overview.js';
import { explaining, useTestStore } from '../helpers/store-suite.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

/** Every node of a plan, depth first. */
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

describe('fix34b: the schools list counts only its page, from the live records’ indexes', () => {
  const store = useTestStore('postgres');

  it('a page past 6 schools counts its 3 schools, each count an index-only scan', async () => {
    const db = store.db;
    await db.query(
      `INSERT INTO truc.schools (school_code, data, fingerprint, source_system, mapping_version)
       SELECT '7934' || lpad(i::text, 4, '0'), jsonb_build_object('name', 'Trường ' || i), 'f', 'hcm-csdl', 'v1'
         FROM generate_series(1, 12) i`,
    );
    // 3 students and 2 staff a school, one of each deleted
    for (const [table, n] of [
      ['students', 3],
      ['staff', 2],
    ] as const)
      await db.query(
        `INSERT INTO truc.${table} (${table === 'students' ? 'student_code' : 'staff_code'}, school_code, data,
                                    fingerprint, source_system, mapping_version, deleted_at)
         SELECT s.school_code || '-' || k, s.school_code, '{}', 'f', 'hcm-csdl', 'v1',
                CASE WHEN k = 1 THEN now() END
           FROM truc.schools s, generate_series(1, $1) k`,
        [n],
      );
    await db.query('VACUUM ANALYZE truc.students, truc.staff');

    const { plans, result } = await explaining('SELECT s.school_code', 'EXPLAIN (ANALYZE, FORMAT JSON)', () =>
      db.tx(async (q) => {
        // a city's tables are too big to be read whole for a school's count: the planner told so here
        await q.query('SET LOCAL enable_seqscan = off');
        await q.query('SET LOCAL enable_bitmapscan = off');
        return createOverviewRepo(q).schools('', 3, 6);
      }),
    );
    expect(result.total).toBe(12);
    expect(result.items.map((s) => [s.schoolCode, s.students, s.staff])).toEqual([
      ['79340007', 2, 1],
      ['79340008', 2, 1],
      ['79340009', 2, 1],
    ]);
    expect(plans).toHaveLength(1);
    const plan = nodes((JSON.parse(plans[0]!) as Array<{ Plan: PlanNode }>)[0]!.Plan);
    for (const table of ['students', 'staff']) {
      const scans = plan.filter((n) => n['Relation Name'] === table);
      expect(
        scans.map((n) => [n['Node Type'], n['Index Name'], n['Actual Loops']]),
        table,
      ).toEqual([['Index Only Scan', `${table}_school_key`, 3]]);
    }
  });
});
