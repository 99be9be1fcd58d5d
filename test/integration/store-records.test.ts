/**
 * Record upserts by fingerprint on both engines (the same SQL on PGlite and PostgreSQL): only changed
 * fingerprints are written (store.test.ts has the rest of the store).
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { StudentSchema } from '../../src/canonical/student.js';
import { sendWrite, type Queryable } from '../../src/store/db.js';
import { createQualityRepo } from '../../src/store/quality.js';
import { createRecordsRepo, fingerprint, fingerprinted, type UpsertRow } from '../../src/store/records.js';
import { student as aStudent } from '../factories/records.js';
import { SOURCE, useTestStore } from '../helpers/store-suite.js';

describe.each(['pglite', 'postgres'] as const)('store on %s', (kind) => {
  const store = useTestStore(kind); // migrated: records and outbox

  describe('records: only changed fingerprints are written', () => {
    const student = (code: string, fullName: string) => aStudent(code, { fullName });
    const row = (data: ReturnType<typeof student>): UpsertRow => ({
      key: data.studentCode,
      scope: data.schoolCode,
      personalId: undefined,
      data,
      fingerprint: fingerprint(data),
    });
    const stamps = async () =>
      new Map(
        (
          await store.db.query<{ k: string; u: Date; f: string; x: string }>(
            `SELECT student_code AS k, updated_at AS u, fingerprint AS f, xmin::text AS x
               FROM truc.students WHERE school_code = '79000001'`,
          )
        ).rows.map((r) => [r.k, { updated: r.u.getTime(), fp: r.f, version: r.x }]),
      );

    it('fingerprints of canonical records ignore the input key order and see every value', () => {
      // Ingest fingerprints zod outputs (keys in schema order), whatever order the vendor sent.
      const a = student('S1', 'An');
      const reordered = Object.fromEntries(Object.entries(a).reverse());
      expect(fingerprint(StudentSchema.parse(reordered))).toBe(fingerprint(StudentSchema.parse(a)));
      expect(fingerprint(StudentSchema.parse({ ...a, fullName: 'Án' }))).not.toBe(
        fingerprint(StudentSchema.parse(a)),
      );
      expect(fingerprint(a)).toMatch(/^[0-9a-f]{64}$/);
    });

    it('insert, then re-send: unchanged rows are only noted seen (truc.record_seen, their rows not rewritten), the changed one is updated', async () => {
      const repo = createRecordsRepo(store.db);
      const first = [student('S1', 'An'), student('S2', 'Bình'), student('S3', 'Chi')];
      await repo.upsert('students', first.map(row), SOURCE);
      expect(await repo.count('students', '79000001')).toBe(3);
      const before = await stamps();
      await new Promise((r) => setTimeout(r, 20));

      // The caller's rule (ingest): compare fingerprints, write the changed, touch the rest.
      const second = [student('S1', 'An'), student('S2', 'Bình Minh'), student('S3', 'Chi')];
      const existing = await repo.existing(
        'students',
        second.map((s) => s.studentCode),
      );
      expect([...existing.keys()].sort()).toEqual(['S1', 'S2', 'S3']);
      const changed = second.filter((s) => existing.get(s.studentCode)?.fingerprint !== fingerprint(s));
      expect(changed.map((s) => s.studentCode)).toEqual(['S2']);
      await repo.upsert('students', changed.map(row), SOURCE);
      await repo.touch('students', ['S3', 'S1'], 'vendor:v1');

      // The unchanged rows are the same row versions (xmin): nothing of them was rewritten (migration 550).
      const after = await stamps();
      expect(after.get('S1')).toEqual(before.get('S1'));
      expect(after.get('S3')).toEqual(before.get('S3'));
      const seen = await store.db.query<{ key: string; seen_by: string; after: boolean }>(
        `SELECT s.key, s.seen_by, s.seen_at > r.updated_at AS after FROM truc.record_seen s
           JOIN truc.students r ON r.student_code = s.key
          WHERE s.entity = 'students' AND s.key = ANY($1::text[]) ORDER BY s.key`,
        [['S1', 'S2', 'S3']],
      );
      expect(seen.rows).toEqual([
        { key: 'S1', seen_by: 'vendor:v1', after: true },
        { key: 'S3', seen_by: 'vendor:v1', after: true },
      ]);
      expect(after.get('S2')!.updated).toBeGreaterThan(before.get('S2')!.updated);
      expect(after.get('S2')!.fp).toBe(fingerprint(second[1]));
      const loaded = await repo.load('students', ['S2']);
      expect(loaded).toEqual([
        { key: 'S2', scope: second[1]!.schoolCode, data: second[1], fingerprint: fingerprint(second[1]) },
      ]);
      expect(await repo.count('students', '79000001')).toBe(3);
    });

    it("a school's students are stored with room on each page for most of its rows' new versions, and a changed re-push of them updates three quarters or more in place (HOT) (issue 7: migration 1447, fillfactor 55; at 75 (470) a third)", async () => {
      const repo = createRecordsRepo(store.db);
      const school = (code: string, fullName: string) => ({
        ...student(code, fullName),
        schoolCode: '79000007',
      });
      const codes = Array.from({ length: 300 }, (_, i) => `HOT${String(i).padStart(3, '0')}`);
      await repo.upsert(
        'students',
        codes.map((c) => row(school(c, 'Hà'))),
        SOURCE,
      );
      // How full the school's heap pages are: the rows' bytes against the pages they take (fillfactor 55
      // fills a little over half of each page, 75 three quarters).
      const { pages, bytes } = (
        await store.db.query<{ pages: number; bytes: number }>(
          `SELECT count(DISTINCT (ctid::text::point)[0])::int AS pages, sum(pg_column_size(s.*))::int AS bytes
             FROM truc.students s WHERE school_code = '79000007'`,
        )
      ).rows[0]!;
      expect(bytes / (pages * 8192)).toBeGreaterThan(0.4);
      expect(bytes / (pages * 8192)).toBeLessThan(0.6);
      // Every row of each page changed at once, as a vendor's changed batch does. Counted in its transaction,
      // as a difference: the session's counts not yet reported (earlier tests' writes) are in both reads.
      const counts = await store.db.tx(async (q) => {
        const read = async () =>
          (
            await q.query<{ upd: number; hot: number }>(
              `SELECT pg_stat_get_xact_tuples_updated(c)::int AS upd, pg_stat_get_xact_tuples_hot_updated(c)::int AS hot
                 FROM (SELECT 'truc.students'::regclass::oid AS c) t`,
            )
          ).rows[0]!;
        const before = await read();
        await createRecordsRepo(q).upsert(
          'students',
          codes.map((c) => row(school(c, 'Hà Anh'))),
          SOURCE,
        );
        const after = await read();
        return { upd: after.upd - before.upd, hot: after.hot - before.hot };
      });
      expect(counts.upd).toBe(300);
      expect(counts.hot).toBeGreaterThanOrEqual(0.75 * 300);
    });

    it('rows all stored (`stored`: a changed batch of known records) are updated in place, one UPDATE a chunk, as the upsert stores them (a tombstone comes back); a row not stored fails the call (issue 7)', async () => {
      const repo = createRecordsRepo(store.db);
      const school = (code: string, fullName: string) => ({
        ...student(code, fullName),
        schoolCode: '79000008',
      });
      const codes = ['U1', 'U2', 'U3'];
      await repo.upsert(
        'students',
        codes.map((c) => row(school(c, 'Hà'))),
        SOURCE,
      );
      await store.db.query("UPDATE truc.students SET deleted_at = now() WHERE student_code = 'U3'");
      const changed = codes.map((c) => row(school(c, 'Hà Vy')));
      const sent: string[] = [];
      await store.db.tx(async (q) => {
        const spied: Queryable = {
          query: (sql, params, opts) => {
            sent.push(
              /\bINSERT\b/.test(sql) ? 'INSERT' : (/UPDATE truc\.students r\b/.exec(sql)?.[0] ?? sql),
            );
            return q.query(sql, params, opts);
          },
        };
        await createRecordsRepo(spied).upsert('students', changed, { ...SOURCE, stored: true });
      });
      expect(sent).toEqual(['UPDATE truc.students r']);
      // As the upsert stores a changed row: every column written, the tombstone live again.
      const stored = await store.db.query<Record<string, unknown>>(
        `SELECT student_code, school_code, personal_id, data, fingerprint, source_fp, twin_key, source_system,
                mapping_version, deleted_at
           FROM truc.students WHERE student_code = ANY($1::text[]) ORDER BY student_code`,
        [codes],
      );
      expect(stored.rows).toEqual(
        changed.map((r) => ({
          student_code: r.key,
          school_code: '79000008',
          personal_id: null,
          data: r.data,
          fingerprint: r.fingerprint,
          source_fp: null,
          twin_key: null,
          source_system: SOURCE.system,
          mapping_version: SOURCE.mappingVersion,
          deleted_at: null,
        })),
      );
      // A row that is not stored: the call fails (its transaction rolls back), nothing is written.
      await expect(
        store.db.tx((q) =>
          createRecordsRepo(q).upsert('students', [row(school('U1', 'An')), row(school('U9', 'An'))], {
            ...SOURCE,
            stored: true,
          }),
        ),
      ).rejects.toThrow(/not found/);
      expect(await repo.load('students', ['U1', 'U9'])).toEqual([
        { key: 'U1', scope: changed[0]!.scope, data: changed[0]!.data, fingerprint: changed[0]!.fingerprint },
      ]);
    });

    it('a stored row not found fails inside PostgreSQL, so the transaction rolls back even with the write sent behind (sendWrite) and COMMIT pipelined after it (issue 7, review of cea9d34)', async () => {
      const repo = createRecordsRepo(store.db);
      const s = (code: string, fullName: string) => ({ ...student(code, fullName), schoolCode: '79000009' });
      await repo.upsert('students', [row(s('R1', 'Hà'))], SOURCE);
      await expect(
        store.db.tx(async (q) => {
          await sendWrite(q, (w) =>
            createRecordsRepo(w).upsert('students', [row(s('R1', 'An')), row(s('R9', 'An'))], {
              ...SOURCE,
              stored: true,
            }),
          );
        }),
      ).rejects.toThrow(/1 of 2 rows to update not found/);
      expect(await repo.load('students', ['R1', 'R9'])).toEqual([
        {
          key: 'R1',
          scope: s('R1', 'Hà').schoolCode,
          data: s('R1', 'Hà'),
          fingerprint: fingerprint(s('R1', 'Hà')),
        },
      ]);
    });

    it('a failed transaction gives its connection back only once its ROLLBACK is answered: the next query never runs inside it (review F3)', async () => {
      await store.db.query('CREATE TABLE IF NOT EXISTS truc.f3_probe (id int)');
      // A write refused before sending anything, a statement still running behind it, then the failure seen:
      // the transaction is open and not aborted while that statement runs.
      await expect(
        store.db.tx(async (q) => {
          await sendWrite(q, () => Promise.reject(new Error('write refused')));
          void q.query('SELECT pg_sleep(0.2)').catch(() => undefined);
          await q.query('SELECT 1');
        }),
      ).rejects.toThrow('write refused');
      // The next pooled write: before the fix (PGlite, not pipelined) it ran on the same connection inside
      // that transaction, and the late ROLLBACK undid it. Read on a connection of its own (on PGlite it
      // waits for any open transaction to end).
      await store.db.query('INSERT INTO truc.f3_probe VALUES (1)');
      const alone = new pg.Client({ connectionString: store.db.url });
      await alone.connect();
      try {
        expect((await alone.query('SELECT id FROM truc.f3_probe')).rows).toEqual([{ id: 1 }]);
      } finally {
        await alone.end();
      }
      // A statement failing with another sent behind it: the transaction is aborted until ROLLBACK.
      await expect(
        store.db.tx(async (q) => {
          const failing = q.query('SELECT 1 / 0');
          void q.query('SELECT pg_sleep(0.2)').catch(() => undefined);
          await failing;
        }),
      ).rejects.toThrow(/division by zero/);
      // Before the fix (PGlite): 25P02, current transaction is aborted.
      expect((await store.db.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
      await store.db.query('DROP TABLE truc.f3_probe');
    });

    it('a statement made after tx() gave its connection back is refused, never run outside the transaction (review F3)', async () => {
      await store.db.query('CREATE TABLE IF NOT EXISTS truc.f3_late (id int)');
      // One branch of the work fails while another is still running: tx() rolls back and gives the
      // connection back; the other branch's write comes afterwards.
      let late: Promise<unknown> | undefined;
      let wrote!: () => void;
      const lateMade = new Promise<void>((resolve) => (wrote = resolve));
      await expect(
        store.db.tx(async (q) => {
          const slow = (async () => {
            await new Promise((r) => setTimeout(r, 100));
            late = q.query('INSERT INTO truc.f3_late VALUES (2)');
            wrote();
            await late;
          })();
          slow.catch(() => undefined);
          await Promise.all([Promise.reject(new Error('one branch failed')), slow]);
        }),
      ).rejects.toThrow('one branch failed');
      await lateMade;
      // Before the guard: sent on the released connection, outside any transaction, and kept.
      await expect(late).rejects.toThrow(/after its transaction ended/);
      expect((await store.db.query('SELECT id FROM truc.f3_late')).rows).toEqual([]);
      // So is a statement on a transaction's Queryable kept after it committed.
      let kept: Queryable | undefined;
      await store.db.tx(async (q) => {
        kept = q;
        await q.query('SELECT 1');
      });
      await expect(kept!.query('INSERT INTO truc.f3_late VALUES (3)')).rejects.toThrow(
        /after its transaction ended/,
      );
      expect((await store.db.query('SELECT id FROM truc.f3_late')).rows).toEqual([]);
      await store.db.query('DROP TABLE truc.f3_late');
    });

    it("sends a row's JSON text as it was fingerprinted, not serialised again (issue 7)", async () => {
      const repo = createRecordsRepo(store.db);
      const data = { ...student('J1', 'Giang'), schoolCode: '79000004' };
      // The text is what the ingest fingerprinted (fingerprinted(data).json); a different one shows which is sent.
      const { json, fingerprint: fp } = fingerprinted({ ...data, fullName: 'Giang Hà' });
      await repo.upsert('students', [{ ...row(data), json, fingerprint: fp }], SOURCE);
      expect(await repo.load('students', ['J1'])).toEqual([
        { key: 'J1', scope: '79000004', data: { ...data, fullName: 'Giang Hà' }, fingerprint: fp },
      ]);
      expect(JSON.parse(json.toString())).toEqual({ ...data, fullName: 'Giang Hà' });
      expect(fp).toBe(fingerprint({ ...data, fullName: 'Giang Hà' }));
      // Its members are in the order jsonb keeps keys (perf11b): the parse into jsonb finds them sorted.
      const sent = Object.keys(JSON.parse(json.toString()) as object);
      const kept = await store.db.query<{ keys: string[] }>(
        `SELECT array(SELECT jsonb_object_keys(data)) AS keys FROM truc.students WHERE student_code = 'J1'`,
      );
      expect(sent).toEqual(kept.rows[0]!.keys);
      expect(sent).not.toEqual(Object.keys(data));
    });

    it('set-based upsert handles more rows than one chunk', async () => {
      const repo = createRecordsRepo(store.db);
      const many = Array.from({ length: 1500 }, (_, i) => ({
        ...student(`B${i}`, `Người ${i}`),
        schoolCode: '79000002',
      }));
      await repo.upsert('students', many.map(row), SOURCE);
      expect(await repo.count('students', '79000002')).toBe(1500);
      const existing = await repo.existing(
        'students',
        many.map((s) => s.studentCode),
      );
      expect(existing.size).toBe(1500);
    });

    it('a changed student keeps its indexes when its indexed fields did not change (issue 7: HOT update); one without a twin key is found by its birth date', async () => {
      const repo = createRecordsRepo(store.db);
      const first = { ...student('H1', 'Hà'), schoolCode: '79000003', birthDate: '2018-11-12' };
      await repo.upsert('students', [row(first)], SOURCE);
      const changed = { ...first, fullName: 'Hà Vy', status: 'transferred_in' as const };
      // The transaction's own statistics: the update was heap-only (migration 190: no index reads
      // `data` any more; an index on `data ->> 'birthDate'` made every change of `data` rewrite them all).
      const hot = await store.db.tx(async (q) => {
        // Counted by this connection since its statistics were last reported: the difference is this update's.
        const hotSoFar = async () =>
          (
            await q.query<{ hot: number }>(
              "SELECT pg_stat_get_xact_tuples_hot_updated('truc.students'::regclass)::int AS hot",
            )
          ).rows[0]!.hot;
        const before = await hotSoFar();
        await createRecordsRepo(q).upsert('students', [row(changed)], SOURCE);
        return (await hotSoFar()) - before;
      });
      expect(hot).toBe(1);
      expect(await repo.load('students', ['H1'])).toEqual([
        { key: 'H1', scope: changed.schoolCode, data: changed, fingerprint: fingerprint(changed) },
      ]);
      // Written without a twin key (as before migration 081): the stored-duplicate lookup finds it by date.
      const { bornOn } = await createQualityRepo(store.db).facts({
        bornOn: { dates: ['2018-11-12'], askers: [] },
      });
      expect(bornOn).toEqual([{ key: 'H1', schoolCode: '79000003', data: changed }]);
      // Read by a join on the dates (issue 7: not planned date by date): a date asked twice finds it once.
      const twice = await createQualityRepo(store.db).facts({
        bornOn: { dates: ['2018-11-12', '2001-01-01', '2018-11-12'], askers: [] },
      });
      expect(twice.bornOn).toEqual([{ key: 'H1', schoolCode: '79000003', data: changed }]);
    });
  });
});
