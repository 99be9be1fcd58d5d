/**
 * Storage on both engines (the same SQL and migrations run on PGlite and PostgreSQL): migrations,
 * record upserts by fingerprint, outbox leases; and, on PGlite, the lock file that makes a second
 * process reach the database through its owner.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudentSchema } from '../../src/canonical/student.js';
import type { FindingRow } from '../../src/store/batch-findings.js';
import { createBatchesRepo } from '../../src/store/batches.js';
import { combinedWrites } from '../../src/store/combined.js';
import { isUniqueViolation, sendWrite, type Queryable } from '../../src/store/db.js';
import { createOutboxRepo } from '../../src/store/outbox.js';
import { createSyncRunsRepo, isPageNotDue } from '../../src/store/sync-runs.js';
import { createQualityRepo } from '../../src/store/quality.js';
import { createRefusalsRepo } from '../../src/store/refusals.js';
import { createRecordsRepo, fingerprint, fingerprinted, type UpsertRow } from '../../src/store/records.js';
import { openEmbedded } from '../../src/store/embedded.js';
import { listMigrations, migrate } from '../../src/store/migrate.js';
import { classGroup, student as aStudent } from '../factories/records.js';
import { verdict, verdictFinding } from '../factories/verdicts.js';
import { makeTempDir, openTestStore, type TestStore } from '../helpers/env.js';
import { MEMORY_DB_TIMEOUT_MS } from '../helpers/memory-db.js';
import { spawnProcess } from '../helpers/proc.js';
import { seedPgliteDir } from '../helpers/pglite-template.js';

const MIGRATIONS = listMigrations();
const SOURCE = { system: 'test', mappingVersion: 'test@1' };

/** A migrations folder: the real ones plus extra files. */
function migrationsWith(extra: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'truc-migrations-'));
  for (const m of MIGRATIONS) writeFileSync(join(dir, `${m.name}.sql`), m.sql);
  for (const [name, sql] of Object.entries(extra)) writeFileSync(join(dir, name), sql);
  return dir;
}

/** A full run of hcm-csdl's students, queued. */
const aFullRun = (q: Queryable): Promise<number> =>
  createSyncRunsRepo(q).create({
    system: 'hcm-csdl',
    entity: 'students',
    scope: '',
    since: null,
    requestedBy: 'test',
  });

/**
 * Runs `fn` with every statement that starts with `prefix` explained first (`explain`, e.g. `EXPLAIN (FORMAT
 * JSON)`), on its own connection and with the settings then in force: the plans as JSON text, in order.
 */
async function explaining<T>(
  prefix: string,
  explain: string,
  fn: () => Promise<T>,
): Promise<{ plans: string[]; result: T }> {
  const plans: string[] = [];
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with each client as `this`
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0] as { text?: string; values?: unknown[] } | string;
    const text = typeof first === 'string' ? first : (first.text ?? '');
    if (text.startsWith(prefix)) {
      const values = typeof first === 'string' ? (args[1] as unknown[]) : first.values;
      void (query as (...a: unknown[]) => Promise<{ rows: { 'QUERY PLAN': unknown }[] }>)
        .call(this, `${explain} ${text}`, values)
        .then((r) => plans.push(JSON.stringify(r.rows[0]!['QUERY PLAN'])));
    }
    return (query as (...a: unknown[]) => unknown).apply(this, args) as never;
  };
  try {
    return { result: await fn(), plans };
  } finally {
    pg.Client.prototype.query = query;
  }
}

describe.each(['pglite', 'postgres'] as const)('store on %s', (kind) => {
  let store: TestStore; // migrated: records and outbox
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => {
    await store?.cleanup();
  });

  describe('migrations', () => {
    // Databases of their own, unmigrated, so each test runs alone and in any order.
    let own: TestStore;
    beforeAll(async () => {
      own = await openTestStore(kind, { migrate: false });
    });
    afterAll(async () => {
      await own?.cleanup();
    });

    // BUG on pglite (src/store/migrate.ts + src/store/embedded.ts): the socket server multiplexes every
    // connection onto PGlite's ONE session, so the session advisory lock migrate() relies on is
    // re-entrant across connections and excludes nothing: both calls see no applied version, the second
    // runs 001_init again and fails with 'relation "api_clients" already exists'. Flip to `it` once
    // migrate() re-reads applied versions inside its transaction (or serialises in-process).
    const concurrently = it;
    concurrently(
      'two concurrent migrate() calls apply each migration exactly once',
      async () => {
        const empty = await openTestStore(kind, { migrate: false });
        try {
          const results = await Promise.allSettled([migrate(empty.db), migrate(empty.db)]);
          expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
          const applied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
          expect(applied.sort()).toEqual(MIGRATIONS.map((m) => m.name).sort());
        } finally {
          await empty.cleanup();
        }
      },
      MEMORY_DB_TIMEOUT_MS,
    ); // opens a store of its own: PGlite's start-up is slow on a busy machine

    it('every migration is recorded once with its checksum; running again applies nothing', async () => {
      await migrate(own.db);
      const rows = await own.db.query<{ version: number; name: string; checksum: string }>(
        'SELECT version, name, checksum FROM truc.schema_migrations WHERE version NOT IN (998, 999) ORDER BY version',
      );
      expect(rows.rows).toEqual(
        MIGRATIONS.map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })),
      );
      expect(await migrate(own.db)).toEqual([]);
    });

    it('refuses to run when an applied migration was edited', async () => {
      const edited = MIGRATIONS.map((m, i) =>
        i === 0 ? { ...m, sql: `${m.sql}\n-- edited`, checksum: 'f'.repeat(64) } : m,
      );
      await migrate(own.db);
      await expect(migrate(own.db, edited)).rejects.toThrow(/001_init was changed after it was applied/);
    });

    it('applies only pending migrations; a failing one is rolled back and not recorded', async () => {
      const dir = migrationsWith({
        // The last numbers of three digits (probes at 900 came before 910); migrations of four digits follow them.
        '998_probe.sql': 'CREATE TABLE truc.migration_probe (id int);',
        '999_broken.sql': 'CREATE TABLE truc.half_done (id int);\nSELECT * FROM truc.no_such_table;',
      });
      try {
        await migrate(own.db);
        await expect(migrate(own.db, listMigrations(dir))).rejects.toThrow(/no_such_table/);
        const versions = await own.db.query<{ version: number }>(
          'SELECT version FROM truc.schema_migrations ORDER BY version',
        );
        // In number order: the probes come before the migrations of four digits (1050 on).
        expect(versions.rows.map((r) => r.version)).toEqual(
          [...MIGRATIONS.map((m) => m.version), 998].sort((a, b) => a - b),
        );
        const tables = await own.db.query<{ t: string | null }>(
          "SELECT to_regclass('truc.migration_probe')::text AS t UNION ALL SELECT to_regclass('truc.half_done')::text",
        );
        expect(tables.rows.map((r) => r.t)).toEqual(['truc.migration_probe', null]);
        // The lock was released: a later run still works.
        expect(await migrate(own.db)).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it("the change feed's sequence is taken a thousand values at a time (issue 7: migration 290)", async () => {
    const res = await store.db.query<{ cache: number }>(
      `SELECT cache_size::int AS cache FROM pg_sequences
        WHERE schemaname || '.' || sequencename = pg_get_serial_sequence('truc.record_changes', 'seq')`,
    );
    expect(res.rows).toEqual([{ cache: 1000 }]);
  });

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

    it("a school's students are stored three to a quarter-free page's room, and a changed re-push of them updates a third or more in place (HOT) (issue 7: migration 470, fillfactor 75)", async () => {
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
      // How full the school's heap pages are: the rows' bytes against the pages they take (fillfactor 50
      // fills ~half of each page, 75 three quarters).
      const { pages, bytes } = (
        await store.db.query<{ pages: number; bytes: number }>(
          `SELECT count(DISTINCT (ctid::text::point)[0])::int AS pages, sum(pg_column_size(s.*))::int AS bytes
             FROM truc.students s WHERE school_code = '79000007'`,
        )
      ).rows[0]!;
      expect(bytes / (pages * 8192)).toBeGreaterThan(0.6);
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
      expect(counts.hot).toBeGreaterThanOrEqual(0.25 * 300);
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
      expect(json.toString()).toBe(JSON.stringify({ ...data, fullName: 'Giang Hà' }));
      expect(fp).toBe(fingerprint({ ...data, fullName: 'Giang Hà' }));
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

  describe('records: arrival order of vendor batches (migration 600, order20)', () => {
    const school = '79000061';
    const row = (code: string, fullName: string): UpsertRow => {
      const data = aStudent(code, { fullName, schoolCode: school });
      return { key: code, scope: school, personalId: undefined, data, fingerprint: fingerprint(data) };
    };
    /** A vendor batch of `school` stored as arrived at `at` (its created_at), its id. */
    const arrivedAt = async (at: string, extra: { sameAs?: string; bodySha256?: string } = {}) => {
      const id = randomUUID();
      await createBatchesRepo(store.db).insert({
        id,
        clientId: 'vendor-arrival',
        schoolCode: school,
        entity: 'students',
        format: 'canonical',
        records: [],
        ...extra,
      });
      await store.db.query('UPDATE truc.batches SET created_at = $2 WHERE id = $1', [id, at]);
      return id;
    };
    const vendor = (batchId: string, stored = false) => ({
      system: 'vendor:arrival',
      mappingVersion: 'test@1',
      stored,
      arrival: { batchId, school },
    });
    const names = async (codes: string[]) =>
      (
        await store.db.query<{ k: string; n: string | null }>(
          `SELECT student_code AS k, CASE WHEN deleted_at IS NULL THEN data->>'fullName' END AS n
             FROM truc.students WHERE student_code = ANY($1::text[]) ORDER BY 1`,
          [codes],
        )
      ).rows.map((r) => `${r.k}:${r.n ?? 'deleted'}`);

    it('a batch writes a record only where no word that arrived after it is: written, deleted, carried or re-pushed since; the rows left are answered', async () => {
      const repo = createRecordsRepo(store.db);
      const [older, mid, newer] = [
        await arrivedAt('2026-12-01T10:00:00.000001Z'),
        await arrivedAt('2026-12-01T10:00:00.000002Z'),
        await arrivedAt('2026-12-01T10:00:00.000003Z'),
      ];
      // The newer batch writes A1 and A2 (new: the insert path), carries A3, and a newer snapshot deletes A4.
      expect(
        (await repo.upsert('students', [row('WA1', 'Mới'), row('WA2', 'Mới')], vendor(newer))).left,
      ).toEqual([]);
      expect(
        (
          await repo.upsert(
            'students',
            [row('WA3', 'Gốc'), row('WA4', 'Gốc'), row('WA5', 'Gốc')],
            vendor(older),
          )
        ).left,
      ).toEqual([]);
      await repo.touch('students', ['WA3'], 'vendor:arrival', [], newer);
      expect(await repo.tombstone('students', ['WA4'], { arrival: { batchId: newer, school } })).toEqual([
        'WA4',
      ]);
      // The older batch (microseconds older) is ingested last: it writes only A5, on either write path.
      const all = ['WA1', 'WA2', 'WA3', 'WA4', 'WA5'];
      const olderRows = all.map((c) => row(c, 'Cũ'));
      expect((await repo.upsert('students', olderRows, vendor(mid, true))).left).toEqual([
        'WA1',
        'WA2',
        'WA3',
        'WA4',
      ]);
      expect(await names(all)).toEqual(['WA1:Mới', 'WA2:Mới', 'WA3:Gốc', 'WA4:deleted', 'WA5:Cũ']);
      expect(
        (await repo.upsert('students', [row('WA1', 'Cũ 2'), row('WA6', 'Mới')], vendor(older))).left,
      ).toEqual(['WA1']);
      // The older snapshot's deletion does not delete what a newer word holds; the newer batch's is its own.
      expect(
        await repo.tombstone('students', ['WA1', 'WA5'], { arrival: { batchId: older, school } }),
      ).toEqual([]);
      expect(await repo.tombstone('students', ['WA5'], { arrival: { batchId: newer, school } })).toEqual([
        'WA5',
      ]);
      // The newer batch writes over its own word and over older ones (an equal arrival: the later ingest).
      expect(
        (await repo.upsert('students', [row('WA1', 'Mới 2'), row('WA5', 'Mới')], vendor(newer))).left,
      ).toEqual([]);
      expect(await names(['WA1', 'WA5'])).toEqual(['WA1:Mới 2', 'WA5:Mới']);
    });

    it('a re-push judged at once that arrived after the batch keeps the keys its body carried (carried_keys of a batch of that body)', async () => {
      const repo = createRecordsRepo(store.db);
      const older = await arrivedAt('2026-12-02T10:00:00Z');
      const first = await arrivedAt('2026-12-02T09:00:00Z', { bodySha256: 'sha-arrival' });
      await store.db.query(
        `UPDATE truc.batches SET status = 'done', carried_keys = ARRAY['WB1'] WHERE id = $1`,
        [first],
      );
      const repush = await arrivedAt('2026-12-02T11:00:00Z', { bodySha256: 'sha-arrival', sameAs: first });
      await store.db.query(
        `UPDATE truc.batches SET status = 'done', accepted = 0, rejected = 0, unchanged = 1 WHERE id = $1`,
        [repush],
      );
      await repo.upsert('students', [row('WB1', 'Hoa'), row('WB2', 'Hoa')], vendor(first));
      expect(
        (await repo.upsert('students', [row('WB1', 'Hồng'), row('WB2', 'Hồng')], vendor(older, true))).left,
      ).toEqual(['WB1']);
      expect(await names(['WB1', 'WB2'])).toEqual(['WB1:Hoa', 'WB2:Hồng']);
    });

    it("a pull's write and the city's tombstone arrive when written: an older vendor batch leaves them", async () => {
      const repo = createRecordsRepo(store.db);
      const older = await arrivedAt('2026-12-03T10:00:00Z');
      await repo.upsert('students', [row('WC1', 'Thành phố'), row('WC2', 'Thành phố')], SOURCE);
      await repo.tombstone('students', ['WC2']);
      expect(
        (await repo.upsert('students', [row('WC1', 'Cũ'), row('WC2', 'Cũ')], vendor(older, true))).left,
      ).toEqual(['WC1', 'WC2']);
      expect(await names(['WC1', 'WC2'])).toEqual(['WC1:Thành phố', 'WC2:deleted']);
    });

    it("reads the newer carries of a batch's keys once, not by a subquery at each row it writes (issue 7, perf21)", async () => {
      const repo = createRecordsRepo(store.db);
      const [first, carried, batch, newest] = [
        await arrivedAt('2026-12-04T08:00:00Z'),
        await arrivedAt('2026-12-04T09:00:00Z'),
        await arrivedAt('2026-12-04T10:00:00Z'),
        await arrivedAt('2026-12-04T11:00:00Z'),
      ];
      const codes = Array.from({ length: 300 }, (_, i) => `WD${String(i).padStart(3, '0')}`);
      await repo.upsert(
        'students',
        codes.map((c) => row(c, 'Một')),
        vendor(first),
      );
      // Every record carried since, by a batch older than the one written; WD007 and WD100 by a newer one.
      await repo.touch('students', codes, 'vendor:arrival', [], carried);
      await repo.touch('students', ['WD007', 'WD100'], 'vendor:arrival', [], newest);
      const { plans, result } = await explaining(
        'WITH u AS (UPDATE truc.students',
        'EXPLAIN (FORMAT JSON)',
        () =>
          repo.upsert(
            'students',
            codes.map((c) => row(c, 'Hai')),
            vendor(batch, true),
          ),
      );
      expect(result.left).toEqual(['WD007', 'WD100']);
      expect(await names(['WD006', 'WD007', 'WD100'])).toEqual(['WD006:Hai', 'WD007:Một', 'WD100:Một']);
      expect(plans).toHaveLength(1);
      // The carries are read with the re-pushes' keys into one list (a hashed subplan), not probed at each stored
      // row (`key = r.student_code`: ~27 % of a changed batch's UPDATE where every student had a carry).
      expect(plans[0]).toContain('"Relation Name":"record_seen"');
      expect(plans[0]).toContain('hashed SubPlan');
      expect(plans[0]).not.toContain('key = r.student_code');
    });
  });

  describe('quality facts on a table never analysed (issue 7)', () => {
    it('probe each asker by an index scan, not a bitmap built and read per asker, and leave the planner as it was', async () => {
      // A school's 3000 students stored and never analysed (a fresh load; the bench's server runs without
      // autovacuum): PostgreSQL then expects ~1% of the table to hold any one personal ID or twin key.
      const school = '79000077';
      const rows: UpsertRow[] = Array.from({ length: 3000 }, (_, i) => {
        const code = `FA${String(i).padStart(5, '0')}`;
        const data = aStudent(code, {
          schoolCode: school,
          personalId: `0888${String(i).padStart(8, '0')}`,
        });
        return {
          key: code,
          scope: school,
          personalId: data.personalId,
          data,
          fingerprint: fingerprint(data),
          twinKey: `2019-03-04|an${i}`,
        };
      });
      await createRecordsRepo(store.db).upsert('students', rows, SOURCE);
      const askers = rows.map((r) => ({
        personalId: r.personalId!,
        key: r.key,
        schoolCode: school,
        scope: school,
      }));
      const asks = {
        activeHolders: { entity: 'students' as const, askers },
        scopeHolders: { entity: 'students' as const, askers },
        // Askers holding a personal ID probe the twin keys of the students holding none (migration 490), the others all.
        bornOn: {
          dates: ['1901-01-01'],
          askers: rows.map((r, i) => ({ twinKey: r.twinKey!, key: r.key, hasId: i % 2 === 0 })),
        },
      };
      // Each statement the transaction sends is explained first, on its connection, with the settings then in force.
      const { plans, result } = await explaining(
        'SELECT (SELECT coalesce(json_agg',
        'EXPLAIN (FORMAT JSON)',
        () =>
          store.db.tx(async (q) => ({
            facts: await createQualityRepo(q).facts(asks),
            after: (await q.query<{ on: string }>(`SELECT current_setting('enable_bitmapscan') AS on`))
              .rows[0]!.on,
          })),
      );
      expect(result.facts.activeHolders?.size).toBe(0);
      expect(result.facts.bornOn).toEqual([]);
      expect(result.after).toBe('on');
      expect(plans).toHaveLength(1);
      expect(plans[0]).toContain('"Index Name":"students_personal_id"');
      expect(plans[0]).toContain('"Index Name":"students_twin_key"');
      expect(plans[0]).toContain('"Index Name":"students_twin_key_without_id"');
      expect(plans[0]).not.toContain('Bitmap Heap Scan');
    });

    it("read a page's known classes by its schools and year, not by filtering every class of the city (issue 7)", async () => {
      // 600 classes of 60 schools stored and never analysed. Before migration 441 the planner read the whole
      // partial index classes_class_code and filtered each class (at the city: 57,375 classes a page).
      const rows: UpsertRow[] = Array.from({ length: 600 }, (_, i) => {
        const data = classGroup(`${i % 10}A${i}`, {
          schoolCode: `7910${String(Math.floor(i / 10)).padStart(4, '0')}`,
        });
        const key = `${data.schoolCode}/${data.schoolYear}/${data.classCode}`;
        return { key, scope: data.schoolCode, data, fingerprint: fingerprint(data) };
      });
      await createRecordsRepo(store.db).upsert('classes', rows, SOURCE);
      const wanted = ['79100007', '79100042'];
      const year = classGroup().schoolYear;
      const { plans, result: known } = await explaining(
        'SELECT (SELECT coalesce(json_agg',
        'EXPLAIN (FORMAT JSON)',
        () =>
          store.db.tx(
            async (q) =>
              (await createQualityRepo(q).facts({ classes: { schools: wanted, years: [year] } })).classes,
          ),
      );
      expect([...(known ?? [])].sort()).toEqual(
        rows
          .filter((r) => wanted.includes(r.scope))
          .map((r) => r.key)
          .sort(),
      );
      expect(plans).toHaveLength(1);
      expect(plans[0]).toContain('"Index Name":"classes_school_year"');
      expect(plans[0]).not.toContain('classes_class_code');
    });

    it("look up a pulled page's refusals by its keys not unchanged, not by hashing every refusal of the source (issue 7)", async () => {
      // 3000 refusals of one source and entity, never analysed; a page of 20 keys: 10 unchanged stored
      // students (one of them refused earlier), 5 refused, 5 new.
      const target = { system: 'sim-refusals', entity: 'students' as const, rules: 'r1' };
      const refusals = createRefusalsRepo(store.db);
      await refusals.note(
        target,
        Array.from({ length: 3000 }, (_, i) => ({
          sourceKey: `RS${String(i).padStart(5, '0')}`,
          sourceFp: `fp${i}`,
          recordKey: null,
          scope: null,
        })),
      );
      const stored: UpsertRow[] = Array.from({ length: 10 }, (_, i) => {
        const data = aStudent(`RU${i}`, { schoolCode: '79000091' });
        return {
          key: data.studentCode,
          scope: data.schoolCode,
          data,
          fingerprint: fingerprint(data),
          sourceFp: `u${i}`,
        };
      });
      await createRecordsRepo(store.db).upsert('students', stored, {
        system: 'sim-refusals',
        mappingVersion: 'sim@1',
      });
      await refusals.note(target, [{ sourceKey: 'RU0', sourceFp: 'old', recordKey: null, scope: null }]);
      const keys = [
        ...stored.map((r) => r.key),
        ...['RS00007', 'RS00100', 'RS01000', 'RS02000', 'RS02999'],
        ...['RN1', 'RN2', 'RN3', 'RN4', 'RN5'],
      ];
      const fps = [
        ...stored.map((_, i) => `u${i}`),
        'fp7',
        'fp100',
        'changed',
        'fp2000',
        'fp2999',
        'a',
        'b',
        'c',
        'd',
        'e',
      ];
      const { plans, result: read } = await explaining('WITH v AS', 'EXPLAIN (ANALYZE, FORMAT JSON)', () =>
        store.db.tx((q) => createRefusalsRepo(q).storedAndStanding(target, { keys, fps })),
      );
      expect([...read.unchanged.keys()].sort()).toEqual(stored.map((r) => r.key).sort());
      expect([...read.standing.keys()].sort()).toEqual(['RS00007', 'RS00100', 'RS02000', 'RS02999']);
      expect(read.lapsed.sort()).toEqual(['RS01000']);
      expect(plans).toHaveLength(1);
      // Every refusal row PostgreSQL read, over the whole plan: only the page's 10 keys not unchanged were looked up.
      const readRows = (node: Record<string, unknown>): number =>
        (node['Relation Name'] === 'refused_sources'
          ? Number(node['Actual Rows']) * Number(node['Actual Loops'])
          : 0) +
        ((node['Plans'] as Record<string, unknown>[] | undefined) ?? []).reduce((n, c) => n + readRows(c), 0);
      const plan = (JSON.parse(plans[0]!) as { Plan: Record<string, unknown> }[])[0]!.Plan;
      expect(readRows(plan)).toBeLessThanOrEqual(5);
    });
  });

  describe('verdicts', () => {
    it('a record whose verdict changed gets the new one (findings that disappear are gone); an unchanged verdict is kept, its row not even locked (issue 7)', async () => {
      const repo = createQualityRepo(store.db);
      const [first, second] = [randomUUID(), randomUUID()];
      const warn = verdictFinding('DU_FIELD_MISSING', 'du', 'warning', '/phone');
      const song = verdictFinding('SONG_NOT_CURRENT_YEAR', 'song', 'info', '');
      const school = '79000004';
      await repo.saveVerdicts('students', first, new Date(), [
        verdict('V1', school, [warn, song]),
        verdict('V2', school, [song]),
      ]);
      await repo.saveVerdicts('students', second, new Date(), [
        verdict('V1', school, [song]),
        verdict('V2', school, [song]),
      ]);
      const rows = await store.db.query<{ key: string; batch: string; findings: unknown; locked: boolean }>(
        `SELECT record_key AS key, batch_id AS batch, findings, xmax::text <> '0' AS locked
           FROM truc.quality_records WHERE school_code = '79000004' ORDER BY 1`,
      );
      expect(rows.rows.map(({ locked: _, ...r }) => r)).toEqual([
        { key: 'V1', batch: second, findings: [song] },
        { key: 'V2', batch: first, findings: [song] },
      ]);
      // Written by the first batch and untouched since: ON CONFLICT DO UPDATE would have locked it.
      expect(rows.rows[1]!.locked).toBe(false);
    });

    it("a fresh batch's verdicts (none of its records stored) are not tested one by one; an unchanged one is still kept (issue 7)", async () => {
      const repo = createQualityRepo(store.db);
      const [first, second] = [randomUUID(), randomUUID()];
      const warn = verdictFinding('DU_FIELD_MISSING', 'du', 'warning', '/phone');
      const school = '79000005';
      await repo.saveVerdicts('students', first, new Date(), [verdict('F1', school, [warn])]);
      await repo.saveVerdicts(
        'students',
        second,
        new Date(),
        [verdict('F1', school, [warn]), verdict('F2', school, [])],
        { fresh: true },
      );
      const rows = await store.db.query<{ key: string; batch: string; locked: boolean }>(
        `SELECT record_key AS key, batch_id AS batch, xmax::text <> '0' AS locked
           FROM truc.quality_records WHERE school_code = '79000005' ORDER BY 1`,
      );
      expect(rows.rows.map(({ locked: _, ...r }) => r)).toEqual([
        { key: 'F1', batch: first },
        { key: 'F2', batch: second },
      ]);
      // Not tested first: the upsert reached the unchanged verdict (and locked it) and kept it as it was.
      expect(rows.rows[0]!.locked).toBe(true);
    });

    it("a first-sync page's verdicts are inserted as new: one kept from before fails the statement as a duplicate, for its page to be written again (issue 7)", async () => {
      const repo = createQualityRepo(store.db);
      const warn = verdictFinding('DU_FIELD_MISSING', 'du', 'warning', '/phone');
      const school = '79000007';
      const before = randomUUID();
      await repo.saveVerdicts('students', before, new Date(), [verdict('N1', school, [warn])]);
      const write = (batch: string, keys: string[]) =>
        repo.saveVerdicts(
          'students',
          batch,
          new Date(),
          keys.map((k) => verdict(k, school, [])),
          {
            fresh: true,
            insertNew: true,
          },
        );
      // No ON CONFLICT: the kept verdict is a unique violation (the pull job's cue to write the page again).
      const err = await write(randomUUID(), ['N1', 'N2']).catch((e: unknown) => e);
      expect(isUniqueViolation(err)).toBe(true);
      const fresh = randomUUID();
      await write(fresh, ['N2', 'N3']);
      const rows = await store.db.query<{ key: string; batch: string }>(
        `SELECT record_key AS key, batch_id AS batch FROM truc.quality_records WHERE school_code = $1 ORDER BY 1`,
        [school],
      );
      expect(rows.rows).toEqual([
        { key: 'N1', batch: before },
        { key: 'N2', batch: fresh },
        { key: 'N3', batch: fresh },
      ]);
    });

    it("a school's findings list reads the index of verdicts with findings (migration 260: clean verdicts are not in it)", async () => {
      const repo = createQualityRepo(store.db);
      const warn = verdictFinding('DU_FIELD_MISSING', 'du', 'warning', '/phone');
      const school = '79000006';
      await repo.saveVerdicts('students', randomUUID(), new Date(), [
        verdict('L1', school, [warn]),
        verdict('L2', school, []),
      ]);
      const { listed, scans } = await store.db.tx(async (q) => {
        await q.query('SET LOCAL enable_seqscan = off');
        const scansSoFar = async () =>
          (
            await q.query<{ n: number }>(
              "SELECT pg_stat_get_xact_numscans('truc.quality_records_school_findings'::regclass)::int AS n",
            )
          ).rows[0]!.n;
        const before = await scansSoFar();
        const page = await createQualityRepo(q).schoolFindings(school, {}, 10, 0);
        return { listed: page, scans: (await scansSoFar()) - before };
      });
      expect(listed.total).toBe(1);
      expect(listed.items.map((f) => [f.recordKey, f.rule])).toEqual([['L1', 'DU_FIELD_MISSING']]);
      expect(scans).toBeGreaterThan(0);
    });
  });

  describe('batches', () => {
    it("a vendor batch's records are kept lz4-compressed where the server has lz4 (migration 320)", async () => {
      const id = randomUUID();
      const records = Array.from({ length: 100 }, (_, i) => aStudent(`LZ${i}`));
      const batch = { id, clientId: 'c', schoolCode: 'S', entity: 'students' as const, format: 'canonical' };
      await createBatchesRepo(store.db).insert({ ...batch, records });
      const res = await store.db.query<{ compression: string }>(
        'SELECT pg_column_compression(records) AS compression FROM truc.batches WHERE id = $1',
        [id],
      );
      // The embedded database is built without lz4: its default, pglz.
      expect(res.rows[0]!.compression).toBe(kind === 'postgres' ? 'lz4' : 'pglz');
      expect(await createBatchesRepo(store.db).recordsOf(id)).toEqual(records);
    });

    it("a vendor batch's records are kept as text in their own key order, not parsed by PostgreSQL (migrations 440, 481: neither jsonb nor json)", async () => {
      const id = randomUUID();
      // Keys in an order jsonb would not keep (it sorts them, shorter first).
      const records = [{ studentCode: 'J1', fullName: 'An', sex: 'F' }];
      const batch = { id, clientId: 'c', schoolCode: 'S', entity: 'students' as const, format: 'canonical' };
      await createBatchesRepo(store.db).insert({ ...batch, records });
      const res = await store.db.query<{ type: string; text: string }>(
        'SELECT pg_typeof(records)::text AS type, records::text AS text FROM truc.batches WHERE id = $1',
        [id],
      );
      expect(res.rows[0]).toEqual({ type: 'text', text: JSON.stringify(records) });
      expect(await createBatchesRepo(store.db).recordsOf(id)).toEqual(records);
    });
  });

  describe('sync runs', () => {
    it("a full run's seen keys are kept lz4-compressed where the server has lz4 (migration 370)", async () => {
      const id = await aFullRun(store.db);
      const batchId = randomUUID();
      // A page's worth: stored compressed (inline or out of line) either way.
      const keys = Array.from({ length: 1000 }, (_, i) => `79${String(i * 48271).padStart(9, '0')}`);
      await createSyncRunsRepo(store.db).recordSeen(id, batchId, { keys, unkeyed: 0, schools: [] });
      const res = await store.db.query<{ compression: string; keys: string[] }>(
        'SELECT pg_column_compression(keys) AS compression, keys FROM truc.sync_run_seen WHERE batch_id = $1',
        [batchId],
      );
      // The embedded database is built without lz4: its default, pglz.
      expect(res.rows[0]!.compression).toBe(kind === 'postgres' ? 'lz4' : 'pglz');
      expect(res.rows[0]!.keys).toEqual(keys);
    });
  });

  describe('findings', () => {
    it('filing findings runs no trigger per finding: no foreign key to the batch (migration 321)', async () => {
      const res = await store.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = 'truc.findings'::regclass`,
      );
      expect(res.rows[0]!.n).toBe(0);
    });

    it("a batch's findings are indexed once, by batch and record (migration 322)", async () => {
      const res = await store.db.query<{ def: string }>(
        `SELECT indexdef AS def FROM pg_indexes WHERE schemaname = 'truc' AND tablename = 'findings'
          AND indexname <> 'findings_pkey'`,
      );
      expect(res.rows.map((r) => r.def.replace(/.*USING btree /, ''))).toEqual(['(batch_id, record_index)']);
    });

    it("a batch's findings read back as filed: shared rule texts, own pointers, values and details", async () => {
      const batchId = randomUUID();
      const batches = createBatchesRepo(store.db);
      await batches.insert({
        id: batchId,
        clientId: 'c',
        schoolCode: 'S',
        entity: 'students',
        format: 'canonical',
        records: [],
      });
      const rule = {
        criterion: 'song',
        rule: 'SONG_X',
        severity: 'warning' as const,
        messageVi: 'cũ',
        messageEn: 'old',
      };
      const filed: FindingRow[] = [
        {
          recordIndex: 0,
          recordKey: 'K0',
          ...rule,
          pointer: '/a',
          value: '1',
          hintVi: 'gợi ý',
          hintEn: 'hint',
          detailVi: null,
          detailEn: null,
        },
        {
          recordIndex: 0,
          recordKey: 'K0',
          criterion: 'dung',
          rule: 'DUNG_Y',
          severity: 'error',
          pointer: '/b',
          messageVi: 'sai',
          messageEn: 'wrong',
          value: null,
          hintVi: null,
          hintEn: null,
          detailVi: 'chi tiết',
          detailEn: 'detail',
        },
        {
          recordIndex: 1,
          recordKey: null,
          ...rule,
          pointer: '/c',
          value: '2',
          hintVi: 'gợi ý',
          hintEn: 'hint',
          detailVi: null,
          detailEn: null,
        },
        {
          recordIndex: 2,
          recordKey: 'K2',
          ...rule,
          messageEn: 'old, in other words',
          pointer: '/a',
          value: null,
          hintVi: null,
          hintEn: null,
          detailVi: null,
          detailEn: null,
        },
      ];
      await batches.insertFindings(batchId, filed);
      expect(await batches.findings(batchId, 10, 0)).toEqual(filed);
    });
  });

  describe('findings the same as before', () => {
    const finding = (recordIndex: number, pointer: string): FindingRow => ({
      recordIndex,
      recordKey: `F${recordIndex}`,
      criterion: 'song',
      rule: 'SONG_NOT_CURRENT_YEAR',
      severity: 'info',
      messageVi: 'không thuộc năm học hiện tại',
      messageEn: 'not in the current school year',
      pointer,
      value: null,
      hintVi: null,
      hintEn: null,
      detailVi: null,
      detailEn: null,
    });
    /** A batch of school `school` closed as the ingest closes it: findings and finish in one statement. */
    async function closed(school: string, findings: FindingRow[]): Promise<string> {
      const id = randomUUID();
      await createBatchesRepo(store.db).insert({
        id,
        clientId: 'c',
        schoolCode: school,
        entity: 'students',
        format: 'canonical',
        records: [],
      });
      await store.db.tx(async (q) => {
        const closing = combinedWrites(q);
        const repo = createBatchesRepo(closing);
        const digest = await repo.insertFindings(id, findings);
        await repo.finish(
          id,
          { accepted: findings.length, rejected: 0, unchanged: 0 },
          { findingsDigest: digest },
        );
        await closing.flush();
      });
      return id;
    }
    const own = async (id: string) =>
      (
        await store.db.query<{ n: number; of: string | null }>(
          `SELECT (SELECT count(*)::int FROM truc.findings WHERE batch_id = $1) AS n, findings_of AS of
             FROM truc.batches WHERE id = $1`,
          [id],
        )
      ).rows[0];

    it("a batch whose findings are an earlier batch's of its school shows those, filing none (issue 7); other findings are filed", async () => {
      const same = [finding(0, ''), finding(1, '')];
      const first = await closed('SF1', same);
      const again = await closed('SF1', same);
      const third = await closed('SF1', same);
      const batches = createBatchesRepo(store.db);
      expect(await own(first)).toEqual({ n: 2, of: null });
      expect(await own(again)).toEqual({ n: 0, of: first });
      expect(await own(third)).toEqual({ n: 0, of: first });
      expect(await batches.findings(again, 10, 0)).toEqual(same);
      // A finding that disappeared (or changed): the batch files its own.
      const fewer = await closed('SF1', [finding(0, '')]);
      expect(await own(fewer)).toEqual({ n: 1, of: null });
      expect(await batches.findings(fewer, 10, 0)).toEqual([finding(0, '')]);
      // Another school's batch with the same findings files its own.
      const elsewhere = await closed('SF2', same);
      expect(await own(elsewhere)).toEqual({ n: 2, of: null });
      // No findings: nothing to refer to.
      expect(await own(await closed('SF1', []))).toEqual({ n: 0, of: null });
    });
  });

  describe('a pulled page stored outside a transaction (issue 7)', () => {
    /** A run at page `pages`, with one open outbox row (its page's job); the advance of that page with `due`. */
    async function runAt(pages: number) {
      const id = await aFullRun(store.db);
      await store.db.query("UPDATE truc.sync_runs SET status = 'running', pages = $2 WHERE id = $1", [
        id,
        pages,
      ]);
      const job = await createOutboxRepo(store.db).add('pull', 'pull-page', { syncRunId: id, page: pages });
      const advance = (due: number, q: Queryable = store.db) => {
        const closing = combinedWrites(q);
        void createSyncRunsRepo(closing).recordSeen(id, randomUUID(), {
          keys: [`k${due}`],
          unkeyed: 0,
          schools: [],
        });
        return createSyncRunsRepo(q).advance(
          id,
          {
            last: false,
            cursor: `c${due + 1}`,
            records: 1,
            tombstones: 0,
            watermark: null,
            mappingVersion: null,
            due,
          },
          {
            done: job,
            next: { queue: 'pull', name: 'pull-page', payload: { syncRunId: id, page: due + 1 } },
          },
          closing,
        );
      };
      /** What the page's statement would have written: the run's pages, seen rows, the job's row done, next rows. */
      const written = async () => {
        const r = await store.db.query<{ pages: number; seen: number; done: boolean; next: number }>(
          `SELECT r.pages,
                  (SELECT count(*)::int FROM truc.sync_run_seen s WHERE s.sync_run_id = r.id) AS seen,
                  (SELECT done_at IS NOT NULL FROM truc.outbox WHERE id = $2) AS done,
                  (SELECT count(*)::int FROM truc.outbox o WHERE o.queue = 'pull' AND o.id > $2
                      AND o.payload ->> 'syncRunId' = r.id::text) AS next
             FROM truc.sync_runs r WHERE r.id = $1`,
          [id, job],
        );
        return r.rows[0]!;
      };
      return { id, advance, written };
    }

    it('writes the page while the run is at it, running and unpinned; else writes nothing and fails', async () => {
      const at3 = await runAt(3);
      expect(await at3.advance(3)).toBeGreaterThan(0);
      expect(await at3.written()).toEqual({ pages: 4, seen: 1, done: true, next: 1 });

      const moved = await runAt(4); // a duplicate job: the page was stored meanwhile
      const refused = await moved.advance(3).catch((e: unknown) => e);
      expect(isPageNotDue(refused)).toBe(true);
      expect(await moved.written()).toEqual({ pages: 4, seen: 0, done: false, next: 0 });

      for (const change of ["status = 'held'", "status = 'done'", "mapping_pin = 'hcm-csdl.students@1'"]) {
        const stopped = await runAt(2);
        await store.db.query(`UPDATE truc.sync_runs SET ${change} WHERE id = $1`, [stopped.id]);
        expect(isPageNotDue(await stopped.advance(2).catch((e: unknown) => e))).toBe(true);
        expect(await stopped.written()).toMatchObject({ pages: 2, seen: 0, done: false, next: 0 });
      }
    });

    it.skipIf(kind === 'pglite')(
      'waits for a transaction storing the same page, then writes nothing',
      async () => {
        const run = await runAt(5);
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        let locked!: () => void;
        const lockTaken = new Promise<void>((r) => (locked = r));
        const other = store.db.tx(async (q) => {
          await createSyncRunsRepo(q).lockForPage(run.id);
          locked();
          await held;
          await run.advance(5, q);
        });
        await lockTaken;
        const quick = run.advance(5).catch((e: unknown) => e);
        // The statement waits on the run's lock.
        for (let i = 0; i < 200; i++) {
          const w = await store.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          if (w.rows[0]!.n > 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        release();
        await other;
        expect(isPageNotDue(await quick)).toBe(true);
        expect(await run.written()).toEqual({ pages: 6, seen: 1, done: true, next: 1 });
      },
    );
  });

  describe('outbox leases', () => {
    // Claims take every open row of any queue: these tests own a database whose outbox only they write
    // (other tests here leave open rows, e.g. a pulled page's next job).
    let leases: TestStore;
    beforeAll(async () => {
      leases = await openTestStore(kind);
    });
    afterAll(async () => {
      await leases?.cleanup();
    });

    it('concurrent claimers get disjoint rows and together all of them', async () => {
      const outbox = createOutboxRepo(leases.db);
      const ids: number[] = [];
      for (let i = 0; i < 50; i++) ids.push(await outbox.add('lease-test', 'job', { n: i }));
      const claims = await Promise.all([0, 1, 2, 3].map(() => outbox.claimPending(15, 30)));
      const claimed = claims.flat().map((r) => r.id);
      expect(new Set(claimed).size).toBe(claimed.length); // disjoint
      expect(claimed.sort((a, b) => a - b)).toEqual(ids);
      for (const c of claims)
        expect(c.map((r) => r.id)).toEqual([...c.map((r) => r.id)].sort((a, b) => a - b));
      // All leased: nobody else gets them until the lease runs out.
      expect(await outbox.claimPending(100, 30)).toEqual([]);
      await outbox.markEnqueued(ids);
      expect(await outbox.lag()).toEqual({ pending: 0, oldestSeconds: 0 });
    });

    it('a lease that runs out (relay died before enqueueing) makes the row claimable again', async () => {
      const outbox = createOutboxRepo(leases.db);
      const id = await outbox.add('lease-test', 'job', { n: 'expiring' });
      expect((await outbox.claimPending(10, 1)).map((r) => r.id)).toEqual([id]);
      expect(await outbox.claimPending(10, 30)).toEqual([]);
      expect((await outbox.lag()).pending).toBe(1);
      // Two seconds pass, the lease's one and one more: the lease moved back by them instead of waited
      // out (a lease of 30 s, the asked one ignored, would still hold).
      await leases.db.query(
        `UPDATE truc.outbox SET claimed_until = claimed_until - interval '2 seconds' WHERE id = $1`,
        [id],
      );
      const again = await outbox.claimPending(10, 30);
      expect(again.map((r) => r.id)).toEqual([id]);
      expect(again[0]!.payload).toEqual({ n: 'expiring' });
      await outbox.markEnqueued([id]);
    });

    it('stale open rows can be re-queued; done and dead rows are never stale', async () => {
      const outbox = createOutboxRepo(leases.db);
      const [a, b, c] = [
        await outbox.add('stale', 'j', {}),
        await outbox.add('stale', 'j', {}),
        await outbox.add('stale', 'j', {}),
      ];
      await outbox.claimPending(100);
      await outbox.markEnqueued([a, b, c]);
      await outbox.markDone(b);
      await outbox.markDead(c);
      await new Promise((r) => setTimeout(r, 20));
      const stale = (await outbox.staleOpen(0, 1000)).filter((r) => r.queue === 'stale').map((r) => r.id);
      expect(stale).toEqual([a]);
      await outbox.requeue([a, b]);
      expect((await outbox.claimPending(100)).map((r) => r.id)).toEqual([a]);
      await outbox.markEnqueued([a]);
      await outbox.markDone(a);
    });
  });
});

describe('embedded database: one owner per data directory', () => {
  const tsxArgs = (dir: string) => ['--import', 'tsx', 'test/helpers/embedded-owner.ts', dir];

  it('a second process on the same directory connects through the owner and sees the same data', async () => {
    const dir = await makeTempDir('truc-lock-');
    await seedPgliteDir(join(dir.path, 'pgdata'), 'migrated'); // the owner's migrate() finds nothing to apply
    const owner = spawnProcess(process.execPath, tsxArgs(dir.path), { cwd: process.cwd() });
    try {
      const ready = JSON.parse(await owner.waitForLine((l) => l.includes('"ready"'), 45_000)) as {
        owner: boolean;
        pid: number;
      };
      expect(ready.owner).toBe(true);
      const lock = JSON.parse(readFileSync(join(dir.path, 'truc.lock'), 'utf8')) as {
        pid: number;
        port: number;
      };
      expect(lock.pid).toBe(ready.pid);

      const second = await openEmbedded(dir.path);
      try {
        expect(second.owner).toBe(false);
        expect(second.url).toContain(`:${lock.port}/`);
        const seen = await second.query<{ who: string }>('SELECT who FROM public.lock_probe');
        expect(seen.rows).toEqual([{ who: 'owner' }]);
        await second.query("INSERT INTO public.lock_probe (who) VALUES ('guest')");
        expect(await migrate(second)).toEqual([]); // operator commands migrate too: through the owner
      } finally {
        await second.close();
      }
      // Closing the guest leaves the owner and its lock alone.
      expect(existsSync(join(dir.path, 'truc.lock'))).toBe(true);
      owner.child.kill('SIGTERM');
      const exit = await owner.exited;
      expect(exit.code).toBe(0);
      expect(exit.stdout).toContain('{"rows":["guest","owner"]}');
      expect(existsSync(join(dir.path, 'truc.lock'))).toBe(false);

      // An owner that died without cleaning up leaves a stale lock (its pid is gone): the next process
      // ignores it and owns the (persisted) database.
      writeFileSync(
        join(dir.path, 'truc.lock'),
        JSON.stringify({ pid: ready.pid, port: lock.port, startedAt: '2025-01-01T00:00:00Z' }),
      );
      const third = await openEmbedded(dir.path);
      try {
        expect(third.owner).toBe(true);
        expect((await third.query('SELECT who FROM public.lock_probe')).rowCount).toBe(2);
        expect(JSON.parse(readFileSync(join(dir.path, 'truc.lock'), 'utf8')).pid).toBe(process.pid);
      } finally {
        await third.close();
      }
    } finally {
      owner.kill();
      await dir.remove();
    }
  });

  // BUG (src/store/embedded.ts readLock: `info.pid === process.pid ? undefined : info`): within ONE
  // process a second openEmbedded on a directory that is already open treats the live lock as stale
  // and opens the PGlite files a second time (two owners, two WASM instances writing the same files;
  // the first close deletes the other's lock). It should reuse the live owner (owner=false). Flip to
  // `it` once fixed (e.g. a process-level registry of open directories).
  it('a second openEmbedded in the same process connects through the first', async () => {
    const dir = await makeTempDir('truc-lock-');
    await seedPgliteDir(join(dir.path, 'pgdata'));
    const first = await openEmbedded(dir.path);
    try {
      const second = await openEmbedded(dir.path);
      try {
        expect(second.owner).toBe(false);
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
      await dir.remove();
    }
  });
});
