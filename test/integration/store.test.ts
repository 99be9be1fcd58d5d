/**
 * Storage on both engines (the same SQL and migrations run on PGlite and PostgreSQL): migrations and the change
 * feed's sequence, batches, sync runs, outbox leases; and, on PGlite, the lock file that makes a second process
 * reach the database through its owner. Records, quality facts, verdicts and findings: store-*.test.ts beside it.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createOutboxRepo } from '../../src/store/outbox.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { openEmbedded } from '../../src/store/embedded.js';
import { listMigrations, migrate } from '../../src/store/migrate.js';
import { student as aStudent } from '../factories/records.js';
import { makeTempDir, openTestStore, type TestStore } from '../helpers/env.js';
import { MEMORY_DB_TIMEOUT_MS } from '../helpers/memory-db.js';
import { spawnProcess } from '../helpers/proc.js';
import { seedPgliteDir } from '../helpers/pglite-template.js';
import { aFullRun, useTestStore } from '../helpers/store-suite.js';

const MIGRATIONS = listMigrations();

/** A migrations folder: the real ones plus extra files. */
function migrationsWith(extra: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'truc-migrations-'));
  for (const m of MIGRATIONS) writeFileSync(join(dir, `${m.name}.sql`), m.sql);
  for (const [name, sql] of Object.entries(extra)) writeFileSync(join(dir, name), sql);
  return dir;
}

describe.each(['pglite', 'postgres'] as const)('store on %s', (kind) => {
  const store = useTestStore(kind); // migrated: records and outbox

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
