/**
 * The quality facts' statement is prepared (issue 7, perf32c): parsed once per PostgreSQL connection, and planned
 * once when PostgreSQL keeps its generic plan (after five custom ones), not for every batch. A generic plan is made
 * without the parameters' values, on tables a fresh load never analysed: it must still probe each asker by its
 * index (no scan of the students per asker) and answer what a statement planned for its values answers.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textArrayLiteral } from '../../src/store/db-wire.js';
import { createPgDb, type Db } from '../../src/store/db.js';
import { createQualityRepo, type QualityFactAsks } from '../../src/store/quality.js';
import { createRecordsRepo, fingerprint, type UpsertRow } from '../../src/store/records.js';
import { classGroup, school, student as aStudent } from '../factories/records.js';
import { readTextArrayBytes } from '../helpers/text-array-bytes.js';
import { openTestStore, type TestStore } from '../helpers/env.js';

const SOURCE = { system: 'test', mappingVersion: 'test@1' };
const HOME = '79000181';
const OTHER = '79000182';

const row = (code: string, school: string, personalId: string, i: number): UpsertRow => {
  const data = aStudent(code, { schoolCode: school, personalId });
  return {
    key: code,
    scope: school,
    personalId,
    data,
    fingerprint: fingerprint(data),
    twinKey: `2019-03-04|pf${i}`,
  };
};

/** The plan's nodes, depth first. */
function nodes(plan: unknown): { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string }[] {
  const out: { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string }[] = [];
  const walk = (n: Record<string, unknown>) => {
    out.push(n as never);
    for (const c of (n['Plans'] as Record<string, unknown>[] | undefined) ?? []) walk(c);
  };
  walk((plan as { Plan: Record<string, unknown> }[])[0]!.Plan);
  return out;
}

describe('quality facts, prepared (PostgreSQL)', () => {
  let store: TestStore;
  let db: Db;
  beforeAll(async () => {
    store = await openTestStore('postgres');
    // A school's 3000 students, never analysed; three of their personal IDs also held by a student studying at
    // another school, one by another student of the same school.
    const home = Array.from({ length: 3000 }, (_, i) =>
      row(`PF${String(i).padStart(5, '0')}`, HOME, `0777${String(i).padStart(8, '0')}`, i),
    );
    const records = createRecordsRepo(store.db);
    await records.upsert('students', home, SOURCE);
    await records.upsert(
      'students',
      [
        row('PX1', OTHER, home[0]!.personalId!, 9001),
        row('PX2', OTHER, home[1]!.personalId!, 9002),
        row('PX3', OTHER, home[2]!.personalId!, 9003),
        row('PY1', HOME, home[10]!.personalId!, 9004),
      ],
      SOURCE,
    );
    // 600 classes of 60 schools, never analysed (a page's known classes are read by their schools and year).
    const classes: UpsertRow[] = Array.from({ length: 600 }, (_, i) => {
      const data = classGroup(`${i % 10}A${i}`, {
        schoolCode: `7911${String(Math.floor(i / 10)).padStart(4, '0')}`,
      });
      const key = `${data.schoolCode}/${data.schoolYear}/${data.classCode}`;
      return { key, scope: data.schoolCode, data, fingerprint: fingerprint(data) };
    });
    await records.upsert('classes', classes, SOURCE);
    // And 3000 schools (the batch's school among them), never analysed either.
    const schools: UpsertRow[] = Array.from({ length: 3000 }, (_, i) => {
      const data = school(i === 0 ? HOME : `7912${String(i).padStart(4, '0')}`);
      return { key: data.schoolCode, scope: data.schoolCode, data, fingerprint: fingerprint(data) };
    });
    await records.upsert('schools', schools, SOURCE);
    // One connection, so that every statement runs where the facts' statement is prepared.
    db = createPgDb(store.location, 'postgres', { max: 1 });
  });
  afterAll(async () => {
    await db?.close().catch(() => undefined);
    await store?.cleanup();
  });

  it('answers the same under its generic plan, each asker probed by the index, no scan of the students', async () => {
    // A batch of 200 of the school's students asking who else holds their IDs (both lookups, one probe each).
    const askers = Array.from({ length: 200 }, (_, i) => {
      const code = `PF${String(i).padStart(5, '0')}`;
      return { personalId: `0777${String(i).padStart(8, '0')}`, key: code, schoolCode: HOME, scope: HOME };
    });
    // What a vendor's batch of students asks (the ingest bench's batches ask these parts).
    const asks: QualityFactAsks = {
      schools: [HOME],
      classes: { schools: ['79110007', '79110042'], years: [classGroup().schoolYear] },
      lastSyncs: [HOME],
      activeHolders: { entity: 'students', askers },
      scopeHolders: { entity: 'students', askers },
      bornOn: {
        dates: ['2019-03-04'],
        askers: askers.map((a, i) => ({ twinKey: `2019-03-04|pf${i}`, key: a.key, hasId: true })),
      },
    };
    const expected = {
      active: new Map([
        [askers[0]!.personalId, [{ key: 'PX1', schoolCode: OTHER }]],
        [askers[1]!.personalId, [{ key: 'PX2', schoolCode: OTHER }]],
        [askers[2]!.personalId, [{ key: 'PX3', schoolCode: OTHER }]],
      ]),
      inScope: new Map([[askers[10]!.personalId, [{ key: 'PY1', schoolCode: HOME }]]]),
    };
    // A statement planned for its values (PostgreSQL's first custom plans), then its generic plan.
    for (const mode of ['force_custom_plan', 'force_generic_plan']) {
      await db.query(`SET plan_cache_mode = ${mode}`);
      for (let i = 0; i < 3; i++) {
        const facts = await db.tx((q) => createQualityRepo(q).facts(asks));
        expect(facts.activeHolders).toEqual(expected.active);
        expect(facts.scopeHolders).toEqual(expected.inScope);
        expect(facts.bornOn).toEqual([]);
        expect(facts.classes?.size).toBe(20);
        expect(facts.schools).toEqual(new Map([[HOME, 'primary']]));
      }
    }
    const kept = await db.query<{ name: string; generic: number; custom: number }>(
      `SELECT name, generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements
        WHERE statement LIKE 'SELECT (SELECT coalesce(json_agg%'`,
    );
    expect(kept.rows).toHaveLength(1);
    expect(kept.rows[0]).toMatchObject({ generic: 3, custom: 3 });

    // The generic plan itself: every parameter as a literal of its type (EXECUTE casts each to it).
    let values: unknown[] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with each client as `this`
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const first = args[0] as { name?: string; values?: unknown[] };
      if (first?.name === kept.rows[0]!.name) values = first.values ?? [];
      return (query as (...a: unknown[]) => unknown).apply(this, args) as never;
    };
    try {
      await db.tx((q) => createQualityRepo(q).facts(asks));
    } finally {
      pg.Client.prototype.query = query;
    }
    expect(values.length).toBeGreaterThan(0);
    // A text[] travels in binary form (src/store/db-wire.ts `textArrayBytes`): written here as its literal.
    const literal = (v: unknown) =>
      pg.Client.prototype.escapeLiteral(
        Buffer.isBuffer(v)
          ? textArrayLiteral(readTextArrayBytes(v))!
          : Array.isArray(v)
            ? textArrayLiteral(v)!
            : String(v),
      );
    const plan = await db.tx(async (q) => {
      await q.query('SET LOCAL enable_bitmapscan = off');
      const res = await q.query<{ 'QUERY PLAN': unknown }>(
        `EXPLAIN (FORMAT JSON) EXECUTE ${kept.rows[0]!.name}(${values.map(literal).join(', ')})`,
      );
      return res.rows[0]!['QUERY PLAN'];
    });
    const all = nodes(plan);
    expect(all.filter((n) => n['Index Name'] === 'students_personal_id').length).toBe(1);
    expect(all.some((n) => n['Index Name'] === 'classes_school_year')).toBe(true);
    expect(all.some((n) => n['Index Name'] === 'schools_pkey')).toBe(true);
    expect(
      all.filter((n) => n['Relation Name'] === 'classes' && !n['Node Type'].startsWith('Index')),
    ).toEqual([]);
    expect(all.some((n) => n['Index Name'] === 'students_twin_key_without_id')).toBe(true);
    expect(
      all.filter((n) => n['Relation Name'] === 'students' && !n['Node Type'].startsWith('Index')),
    ).toEqual([]);
    // The askers' rows made by their arrays' unnest in a target list (a ProjectSet), not in a FROM list (a Function
    // Scan copying each array into a tuplestore first; ../../src/store/param-rows.ts, perf10b).
    expect(all.some((n) => n['Node Type'] === 'ProjectSet')).toBe(true);
    expect(
      all.filter((n) => n['Node Type'] === 'Function Scan' && (n as { Alias?: string }).Alias === 'a'),
    ).toEqual([]);
  });
});
