/**
 * The stored rows' read of a batch without copies to weigh (a vendor's batch in truc's format; src/store/records.ts
 * `existing`) is prepared (issue 7, perf32c): parsed once per PostgreSQL connection, planned once under its generic
 * plan. That plan, made without the keys and on a table never analysed, must still probe the primary key and find
 * every stored row (live or a tombstone) as a plan made for the keys does; a read with copies is sent as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDb, type Db } from '../../src/store/db.js';
import { createRecordsRepo, fingerprint, type UpsertRow } from '../../src/store/records.js';
import { student as aStudent } from '../factories/records.js';
import { openTestStore, type TestStore } from '../helpers/env.js';

const SOURCE = { system: 'test', mappingVersion: 'test@1' };
const SCHOOL = '79000191';

const row = (code: string): UpsertRow => {
  const data = aStudent(code, { schoolCode: SCHOOL });
  return { key: code, scope: SCHOOL, data, fingerprint: fingerprint(data) };
};

describe("a batch's stored rows, read prepared (PostgreSQL)", () => {
  let store: TestStore;
  let db: Db;
  const stored = Array.from({ length: 3000 }, (_, i) => row(`SR${String(i).padStart(5, '0')}`));
  beforeAll(async () => {
    store = await openTestStore('postgres');
    await createRecordsRepo(store.db).upsert('students', stored, SOURCE);
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
         FROM pg_prepared_statements WHERE statement LIKE '%FROM truc.students r%'`,
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
});
