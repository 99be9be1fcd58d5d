/**
 * A vendor batch's write of its records is prepared (issue 7, perfpg): the students' `UPDATE … FROM` of a changed batch
 * and the `INSERT … ON CONFLICT` of a batch with new records are one text whatever the batch's size (its row count is
 * read from its keys, not written into the text), parsed once per PostgreSQL connection and planned once under their
 * generic plan. That plan, made without the keys and on a table never analysed, must still find each stored row by the
 * primary key and write (and leave) what a plan made for the values does; the batch's rows come from the parameters'
 * set-returning functions in a target list (perf10b).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createPgDb, type Db } from '../../src/store/db.js';
import { createRecordsRepo, fingerprint, type UpsertRow } from '../../src/store/records.js';
import { student as aStudent } from '../factories/records.js';
import { openTestStore, type TestStore } from '../helpers/env.js';

const SCHOOL = '79000193';
const row = (code: string, fullName = 'Nguyễn Văn A'): UpsertRow => {
  const data = aStudent(code, { schoolCode: SCHOOL, fullName });
  return { key: code, scope: SCHOOL, data, fingerprint: fingerprint(data) };
};
const code = (i: number) => `VP${String(i).padStart(5, '0')}`;

describe("a vendor batch's write, prepared (PostgreSQL)", () => {
  let store: TestStore;
  let db: Db;
  beforeAll(async () => {
    store = await openTestStore('postgres');
    const stored = Array.from({ length: 3000 }, (_, i) => row(code(i)));
    await createRecordsRepo(store.db).upsert('students', stored, {
      system: 'test',
      mappingVersion: 'test@1',
    });
    // One connection, so that every write runs where its statement is prepared.
    db = createPgDb(store.location, 'postgres', { max: 1 });
  });
  afterAll(async () => {
    await db?.close().catch(() => undefined);
    await store?.cleanup();
  });

  /** A new vendor batch of the school (its arrival is its row's created_at). */
  const batch = async () => {
    const id = randomUUID();
    await createBatchesRepo(db).insert({
      id,
      clientId: 'vendor-prepared',
      schoolCode: SCHOOL,
      entity: 'students',
      format: 'canonical',
      records: [],
    });
    return id;
  };
  const vendor = (batchId: string, stored: boolean) => ({
    system: 'vendor:prepared',
    mappingVersion: 'test@1',
    stored,
    arrival: { batchId, school: SCHOOL },
  });
  const names = async (codes: string[]) =>
    (
      await db.query<{ n: string }>(
        `SELECT data->>'fullName' AS n FROM truc.students WHERE student_code = ANY($1::text[]) ORDER BY student_code`,
        [codes],
      )
    ).rows.map((r) => r.n);

  it('one text a shape whatever the size, the same rows written and left under the generic plan, by the primary key', async () => {
    let round = 0;
    for (const mode of ['force_custom_plan', 'force_generic_plan']) {
      await db.query(`SET plan_cache_mode = ${mode}`);
      for (const size of [200, 150, 3]) {
        round++;
        const batchId = await batch();
        // A row written by a batch that arrived after this one: left (not written), and answered.
        const later = code(round * 300);
        const after = await batch();
        await db.tx((q) =>
          createRecordsRepo(q).upsert('students', [row(later, `later ${round}`)], vendor(after, true)),
        );
        const changed = Array.from({ length: size }, (_, i) =>
          row(code(round * 300 + i), `changed ${round}`),
        );
        const left = await db.tx((q) =>
          createRecordsRepo(q).upsert('students', changed, vendor(batchId, true)),
        );
        expect(left, `${mode} ${size}`).toEqual({ left: [later], earlier: [] });
        expect(await names(changed.map((r) => r.key))).toEqual([
          `later ${round}`,
          ...Array.from({ length: size - 1 }, () => `changed ${round}`),
        ]);
        // New records beside stored ones: the INSERT … ON CONFLICT.
        const fresh = [row(`VN${round}`, `new ${round}`), row(code(round * 300 + 1), `again ${round}`)];
        const newer = await batch();
        const inserted = await db.tx((q) =>
          createRecordsRepo(q).upsert('students', fresh, vendor(newer, false)),
        );
        expect(inserted).toEqual({ left: [], earlier: [] });
        expect(await names(fresh.map((r) => r.key))).toEqual([`new ${round}`, `again ${round}`]);
      }
    }
    const kept = await db.query<{ name: string; statement: string; generic: number; custom: number }>(
      `SELECT name, statement, generic_plans::int AS generic, custom_plans::int AS custom
         FROM pg_prepared_statements
        WHERE statement LIKE 'WITH u AS (UPDATE truc.students r%' OR statement LIKE 'WITH w AS (INSERT INTO truc.students%'
        ORDER BY statement DESC`,
    );
    // One UPDATE text (the batches' of 200, 150 and 3 rows, and the later batches' of 1) and one INSERT text.
    expect(kept.rows.map((r) => r.statement.slice(0, 21))).toEqual([
      'WITH w AS (INSERT INT',
      'WITH u AS (UPDATE tru',
    ]);
    expect(kept.rows[1]).toMatchObject({ generic: 6, custom: 6 });

    // The UPDATE's generic plan: the stored rows by the primary key, never a scan of the students.
    const plan = await db.tx(async (q) => {
      await q.query('SET LOCAL plan_cache_mode = force_generic_plan');
      const explain = `EXPLAIN (FORMAT JSON) EXECUTE ${kept.rows[1]!.name}`;
      const params = kept.rows[1]!.statement.match(/\$\d+/g)!.map((p) => Number(p.slice(1)));
      const count = Math.max(...params);
      const args = Array.from({ length: count }, () => 'NULL');
      return (await q.query<{ 'QUERY PLAN': unknown }>(`${explain}(${args.join(', ')})`)).rows[0]![
        'QUERY PLAN'
      ];
    });
    const text = JSON.stringify(plan);
    expect(text).toContain('"Index Name":"students_pkey"');
    expect(text).not.toMatch(/"Node Type":"Seq Scan","[^}]*"Relation Name":"students"/);
    // The batch's rows made by the parameters' set-returning functions in a target list (a ProjectSet, each array read
    // as the rows are made), not by a `ROWS FROM` (a Function Scan copying each function's rows into a tuplestore
    // first; issue 7, perf10b: ~3 % of a changed 1000-student chunk's UPDATE).
    expect(text).toContain('"Node Type":"ProjectSet"');
    expect(text).not.toMatch(/"Node Type":"Function Scan"(?:(?!"Node Type")[^])*"Alias":"v"/);
  });
});
