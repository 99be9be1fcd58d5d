/**
 * The stored rows' read of a batch without copies to weigh (a vendor's batch in truc's format; src/store/records.ts
 * `existing`) is prepared (issue 7, perf32c): parsed once per PostgreSQL connection, planned once under its generic
 * plan. That plan, made without the keys and on a table never analysed, must still probe the primary key and find
 * every stored row (live or a tombstone) as a plan made for the keys does; a read with copies is sent as before.
 * The same read with the live records of the rows' schools (`existingWithLive`, what a vendor's batch the guard
 * weighs reads; perf7s) is prepared too: the same rows and counts under either plan, the school counted by its index.
 * For a large batch of one school (perf14), its rows are read by the scan that counts the school, matched to its keys:
 * only the keys not stored there are probed by the primary key; a small one is read by its keys as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDb, type Db } from '../../src/store/db.js';
import { createRecordsRepo, fingerprint, type UpsertRow } from '../../src/store/records.js';
import { BY_SCHOOL_FROM } from '../../src/store/stored-by-school.js';
import { student as aStudent } from '../factories/records.js';
import { openTestStore, type TestStore } from '../helpers/env.js';

const SOURCE = { system: 'test', mappingVersion: 'test@1' };
const SCHOOL = '79000191';
const OTHER = '79000192';

const row = (code: string, school = SCHOOL): UpsertRow => {
  const data = aStudent(code, { schoolCode: school });
  return { key: code, scope: school, data, fingerprint: fingerprint(data) };
};

type Plan = { 'Node Type': string; 'Index Name'?: string; 'Relation Name'?: string; Plans?: Plan[] };
const planNodes = (n: Plan): Plan[] => [n, ...(n.Plans ?? []).flatMap(planNodes)];

describe("a batch's stored rows, read prepared (PostgreSQL)", () => {
  let store: TestStore;
  let db: Db;
  const stored = Array.from({ length: 3000 }, (_, i) => row(`SR${String(i).padStart(5, '0')}`));
  const others = Array.from({ length: 40 }, (_, i) => row(`SO${String(i).padStart(5, '0')}`, OTHER));
  beforeAll(async () => {
    store = await openTestStore('postgres');
    await createRecordsRepo(store.db).upsert('students', stored, SOURCE);
    await createRecordsRepo(store.db).upsert('students', others, SOURCE);
    await createRecordsRepo(store.db).tombstone('students', ['SR00003']);
    // One connection, so that every read runs where the statement is prepared.
    db = createPgDb(store.location, 'postgres', { max: 1 });
  });
  afterAll(async () => {
    await db?.close().catch(() => undefined);
    await store?.cleanup();
  });

  it('finds the same rows under its generic plan, by the primary key; a read with copies is not prepared', async () => {
    // 200 keys of a batch: stored ones (one a tombstone) and new ones.
    const keys = [
      ...stored.slice(0, 190).map((r) => r.key),
      ...Array.from({ length: 10 }, (_, i) => `SN${i}`),
    ];
    const expected = new Map(
      stored.slice(0, 190).map((r) => [
        r.key,
        {
          key: r.key,
          scope: SCHOOL,
          fingerprint: r.fingerprint,
          deleted: r.key === 'SR00003',
          sourceFp: null,
          sourceSystem: 'test',
        },
      ]),
    );
    for (const mode of ['force_custom_plan', 'force_generic_plan']) {
      await db.query(`SET plan_cache_mode = ${mode}`);
      for (let i = 0; i < 3; i++) {
        const rows = await db.tx((q) => createRecordsRepo(q).existing('students', keys));
        expect(rows).toEqual(expected);
      }
    }
    await db.tx((q) =>
      createRecordsRepo(q).existing('students', keys, {
        copiesOf: { system: 'smas', asOf: new Date('2026-12-01T00:00:00Z') },
      }),
    );
    const kept = await db.query<{ name: string; statement: string; generic: number; custom: number }>(
      `SELECT name, statement, generic_plans::int AS generic, custom_plans::int AS custom
         FROM pg_prepared_statements WHERE statement LIKE '%FROM truc.students r%' AND statement NOT LIKE 'WITH%'`,
    );
    expect(kept.rows).toHaveLength(1);
    expect(kept.rows[0]).toMatchObject({ generic: 3, custom: 3 });
    expect(kept.rows[0]!.statement).not.toContain('copyFps');
    const plan = await db.query<{ 'QUERY PLAN': { Plan: Record<string, unknown> }[] }>(
      `EXPLAIN (FORMAT JSON) EXECUTE ${kept.rows[0]!.name}('{SR00001,SR00002}')`,
    );
    // By the primary key (an index scan, or a bitmap of it), never a scan of the table.
    const top = plan.rows[0]!['QUERY PLAN'][0]!.Plan;
    const below = (top['Plans'] as Record<string, unknown>[] | undefined) ?? [];
    expect([top, ...below].map((n) => n['Index Name']).filter(Boolean)).toEqual(['students_pkey']);
    expect([top, ...below].some((n) => n['Node Type'] === 'Seq Scan')).toBe(false);
  });

  it("reads the rows with their schools' live counts the same under its generic plan, prepared", async () => {
    // A vendor's batch the guard weighs: stored keys of two schools (one a tombstone) and new ones.
    const keys = [
      ...stored.slice(0, 150).map((r) => r.key),
      ...others.slice(0, 5).map((r) => r.key),
      ...Array.from({ length: 10 }, (_, i) => `SN${i}`),
    ];
    const read = () => db.tx((q) => createRecordsRepo(q).existingWithLive('students', keys));
    for (const mode of ['force_custom_plan', 'force_generic_plan']) {
      await db.query(`SET plan_cache_mode = ${mode}`);
      for (let i = 0; i < 3; i++) {
        const { rows, live } = await read();
        expect(rows.size).toBe(155);
        expect(rows.get('SR00003')).toMatchObject({ scope: SCHOOL, deleted: true });
        expect(rows.get('SO00004')).toMatchObject({ scope: OTHER, deleted: false });
        expect(live).toEqual(
          new Map([
            [SCHOOL, 2999],
            [OTHER, 40],
          ]),
        );
      }
    }
    const kept = await db.query<{ name: string; generic: number; custom: number }>(
      `SELECT name, generic_plans::int AS generic, custom_plans::int AS custom
         FROM pg_prepared_statements WHERE statement LIKE 'WITH e AS%FROM truc.students r%'`,
    );
    expect(kept.rows).toHaveLength(1);
    expect(kept.rows[0]).toMatchObject({ generic: 3, custom: 3 });
    const plan = await db.query<{ 'QUERY PLAN': { Plan: Plan }[] }>(
      `EXPLAIN (FORMAT JSON) EXECUTE ${kept.rows[0]!.name}('{SR00001,SR00002}')`,
    );
    // The rows by the primary key, each school counted by its (school, key) index: never a scan of the table.
    const nodes = planNodes(plan.rows[0]!['QUERY PLAN'][0]!.Plan);
    expect(new Set(nodes.map((n) => n['Index Name']).filter(Boolean))).toEqual(
      new Set(['students_pkey', 'students_school_key']),
    );
    expect(nodes.some((n) => n['Node Type'] === 'Seq Scan')).toBe(false);
  });

  it("reads a large batch of one school's rows by its school's scan: the same rows and counts, only other keys probed", async () => {
    const keys = [
      ...stored.slice(0, BY_SCHOOL_FROM).map((r) => r.key),
      ...others.slice(0, 5).map((r) => r.key),
      ...Array.from({ length: 10 }, (_, i) => `SN${i}`),
    ];
    await db.query('SET plan_cache_mode = auto');
    const byKeys = await db.tx((q) => createRecordsRepo(q).existingWithLive('students', keys));
    expect(byKeys.rows.size).toBe(BY_SCHOOL_FROM + 5);
    for (const mode of ['force_custom_plan', 'force_generic_plan']) {
      await db.query(`SET plan_cache_mode = ${mode}`);
      for (let i = 0; i < 3; i++) {
        const read = await db.tx((q) =>
          createRecordsRepo(q).existingWithLive('students', keys, { school: SCHOOL }),
        );
        expect(read).toEqual(byKeys);
      }
    }
    // A school with nothing stored: nothing found, no count.
    const news = Array.from({ length: BY_SCHOOL_FROM }, (_, i) => `SM${i}`);
    const empty = await db.tx((q) =>
      createRecordsRepo(q).existingWithLive('students', news, { school: '79000199' }),
    );
    expect(empty).toEqual({ rows: new Map(), live: new Map() });
    const kept = await db.query<{ name: string }>(
      `SELECT name FROM pg_prepared_statements WHERE statement LIKE 'WITH s AS MATERIALIZED%FROM truc.students r%'`,
    );
    expect(kept.rows).toHaveLength(1);
    const plan = await db.tx((q) =>
      q.query<{ 'QUERY PLAN': { Plan: Plan & { 'Actual Rows'?: number } }[] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE ${kept.rows[0]!.name}('{${keys.join(',')}}', '${SCHOOL}')`,
      ),
    );
    const nodes = planNodes(plan.rows[0]!['QUERY PLAN'][0]!.Plan) as (Plan & { 'Actual Rows'?: number })[];
    // The primary key finds only the 5 rows stored at the other school; the school's own come from its scan.
    const probes = nodes.filter((n) => n['Index Name'] === 'students_pkey');
    expect(probes.map((n) => n['Actual Rows'])).toEqual([5]);
    expect(nodes.some((n) => n['Node Type'] === 'Seq Scan')).toBe(false);
  });
});
