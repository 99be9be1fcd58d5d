/**
 * New records COPYed (src/store/record-writes.ts `upsert` with `fresh`, src/store/db.ts `copyIn`; issue 7: a
 * first-sync page's insert): on PostgreSQL the rows go in binary COPY form, stored exactly as the INSERT
 * stores them (text in any script, NULLs, JSON escapes), the change feed hears them, and a COPY in a
 * transaction's pipeline fails and rolls back like any statement without spoiling its connection. The
 * embedded database, whose socket takes no COPY, inserts them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDb, type Db } from '../../src/store/db.js';
import { isUniqueViolation } from '../../src/store/db-errors.js';
import { createRecordsRepo, fingerprinted, type UpsertRow } from '../../src/store/records.js';
import { openTestStore, type TestStore } from '../helpers/env.js';

const NAMES = [
  'Nguyễn Thị Ánh Tuyết',
  'tab\there, newline\nthere, back\\slash, "quoted"',
  'emoji 🎓 and \u2028 line separator',
  '',
];

/** Students whose texts and JSON hold what a binary COPY must carry byte for byte. */
function rows(prefix: string): UpsertRow[] {
  return NAMES.map((name, i) => {
    const data = { fullName: name, tags: [name, null, i, { deep: name }] };
    const { json, fingerprint } = fingerprinted(data);
    return {
      key: `${prefix}${i}`,
      scope: i % 2 ? 'S-ODD' : 'S-EVEN',
      personalId: i === 1 ? undefined : `07920000000${i}`,
      data,
      json,
      fingerprint,
      twinKey: i === 2 ? undefined : `2015-01-0${i + 1}|${name.toLowerCase()}`,
      sourceFp: i === 3 ? undefined : `sfp-${i}`,
    };
  });
}

const source = { system: 'hcm-csdl', mappingVersion: 'hcm-csdl/students@2' };

/** What is stored of the students whose code begins with `prefix`, keys renamed so two prefixes compare. */
async function stored(db: Db, prefix: string) {
  const res = await db.query<Record<string, unknown>>(
    `SELECT substr(student_code, length($1) + 1) AS n, school_code, personal_id, data,
            data::text AS text, fingerprint, source_fp, twin_key, source_system,
            mapping_version, birth_date, deleted_at
       FROM truc.students WHERE student_code LIKE $1 || '%' ORDER BY 1`,
    [prefix],
  );
  return res.rows;
}

/** The change feed's keys of the students whose code begins with `prefix`, by school and op. */
async function feed(db: Db, prefix: string) {
  const res = await db.query<{ school: string; op: string; keys: string[] }>(
    `SELECT school_code AS school, op, record_keys AS keys FROM truc.record_changes
      WHERE entity = 'students' AND record_keys[1] LIKE $1 || '%' ORDER BY seq`,
    [prefix],
  );
  return res.rows;
}

describe('new records COPYed (PostgreSQL)', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore('postgres');
  }, 60_000);
  afterAll(async () => {
    await store?.cleanup();
  });

  it('are COPYed in a transaction and stored exactly as inserted rows are; the change feed hears them', async () => {
    const sent: string[] = [];
    await store.db.tx(async (q) => {
      const spy = {
        query: q.query.bind(q),
        copyIn: (sql: string, data: Buffer) => {
          sent.push(sql);
          return q.copyIn!(sql, data);
        },
      };
      await createRecordsRepo(spy).upsert('students', rows('C'), { ...source, fresh: true });
    });
    expect(sent).toEqual([
      expect.stringMatching(/^COPY truc\.students \(.*\) FROM STDIN \(FORMAT binary\)$/),
    ]);
    // The same rows through the INSERT (outside a transaction: no COPY there).
    expect('copyIn' in store.db).toBe(false);
    await createRecordsRepo(store.db).upsert('students', rows('I'), { ...source, fresh: true });
    const copied = await stored(store.db, 'C');
    expect(copied).toHaveLength(4);
    expect(copied).toEqual(await stored(store.db, 'I'));
    expect(copied[1]).toMatchObject({ personal_id: null, twin_key: expect.stringContaining('tab\there') });
    expect(copied[2]).toMatchObject({ twin_key: null });
    expect(copied[3]).toMatchObject({ source_fp: null });
    const strip = (f: { school: string; op: string; keys: string[] }[], p: string) =>
      f.map((r) => ({ ...r, keys: r.keys.map((k) => k.replace(p, '')) }));
    expect(strip(await feed(store.db, 'C'), 'C')).toEqual([
      { school: 'S-EVEN', op: 'create', keys: ['0', '2'] },
      { school: 'S-ODD', op: 'create', keys: ['1', '3'] },
    ]);
    expect(strip(await feed(store.db, 'C'), 'C')).toEqual(strip(await feed(store.db, 'I'), 'I'));
  });

  it('fails a transaction with a key stored already (a unique violation), which rolls back; its connection serves on', async () => {
    const db = createPgDb(store.location, 'postgres', { max: 1 });
    try {
      await db.tx((q) => createRecordsRepo(q).upsert('students', rows('U'), { ...source, fresh: true }));
      const again = rows('U').slice(2);
      const fails = db.tx(async (q) => {
        await createRecordsRepo(q).upsert('students', rows('W'), source);
        await createRecordsRepo(q).upsert('students', [...rows('V'), ...again], { ...source, fresh: true });
        // Behind the COPY on the wire, not waited for: the transaction fails with the COPY's failure.
        return q.query('SELECT 1 AS one');
      });
      await expect(fails).rejects.toSatisfy(isUniqueViolation);
      // One connection: the next transaction runs on it, nothing of the failed one kept.
      const after = await db.tx(async (q) => {
        const n = await q.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM truc.students WHERE student_code LIKE 'V%' OR student_code LIKE 'W%'`,
        );
        return n.rows[0]!.n;
      });
      expect(after).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('fails, without spoiling its connection, behind an earlier failure of its transaction (its data ignored)', async () => {
    const db = createPgDb(store.location, 'postgres', { max: 1 });
    try {
      const fails = db.tx(async (q) => {
        // Not waited for: the COPY is sent behind it, into a transaction already failed.
        q.query('SELECT 1 / 0').catch(() => undefined);
        await createRecordsRepo(q).upsert('students', rows('F'), { ...source, fresh: true });
      });
      await expect(fails).rejects.toMatchObject({ code: '22012' });
      // The COPY's data reached PostgreSQL outside any COPY: skipped, and the connection answers in step.
      for (let i = 0; i < 3; i++) {
        const res = await db.tx((q) => q.query<{ n: number }>('SELECT $1::int AS n', [i]));
        expect(res.rows).toEqual([{ n: i }]);
      }
      expect((await stored(db, 'F')).length).toBe(0);
    } finally {
      await db.close();
    }
  });
});

describe('new records on the embedded database', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore('pglite');
  }, 60_000);
  afterAll(async () => {
    await store?.cleanup();
  });

  it('are inserted (its connections take no COPY), stored as on PostgreSQL', async () => {
    await store.db.tx(async (q) => {
      expect('copyIn' in q).toBe(false);
      await createRecordsRepo(q).upsert('students', rows('E'), { ...source, fresh: true });
    });
    const got = await stored(store.db, 'E');
    expect(got.map((r) => (r.data as { fullName: string }).fullName)).toEqual(NAMES);
    expect(got[1]).toMatchObject({ personal_id: null, twin_key: expect.stringContaining('tab\there') });
  });
});
