/**
 * Statements asked to be prepared (src/store/db.ts `QueryOptions.prepared`, issue 7: an unchanged page's
 * read and closing statement were parsed and planned every time) are prepared once per PostgreSQL
 * connection under a name made from their text, then only bound and run; against the embedded
 * database (every connection one session) they are sent as usual, and a process prepares at most
 * MAX_PREPARED texts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_PREPARED } from '../../src/store/db-wire.js';
import { createPgDb, type Db, type Queryable } from '../../src/store/db.js';
import { openTestStore, type TestStore } from '../helpers/env.js';

describe('prepared statements (PostgreSQL)', () => {
  let store: TestStore;
  const opened: Db[] = [];
  beforeAll(async () => {
    store = await openTestStore('postgres', { migrate: false });
  });
  afterAll(async () => {
    for (const db of opened) await db.close().catch(() => undefined);
    await store?.cleanup();
  });

  /** A pool of one connection to the test database, as `kind` (so every statement runs on that one). */
  function single(kind: Db['kind'], create = createPgDb): Db {
    const db = create(store.location, kind, { max: 1 });
    opened.push(db);
    return db;
  }

  const prepared = async (q: Queryable) =>
    (
      await q.query<{ name: string; statement: string }>(
        `SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'truc\\_%' ORDER BY statement`,
      )
    ).rows;

  it('prepares a statement once per connection, in and out of a transaction; others are sent as usual', async () => {
    const db = single('postgres');
    const sum = 'SELECT $1::int + 1 AS n /* prepared */';
    for (const n of [1, 2, 3]) {
      const res = await db.query<{ n: number }>(sum, [n], { prepared: true });
      expect(res.rows).toEqual([{ n: n + 1 }]);
    }
    await db.query('SELECT $1::int AS n /* not prepared */', [1]);
    const inTx = await db.tx(async (q) => {
      const res = await q.query<{ n: number }>(sum, [41], { prepared: true });
      await q.query('SELECT 2 /* in tx, prepared */', [], { prepared: true });
      return res.rows[0]!.n;
    });
    expect(inTx).toBe(42);
    const names = await prepared(db);
    expect(names.map((r) => r.statement)).toEqual([sum, 'SELECT 2 /* in tx, prepared */']);
    for (const { name } of names) expect(name).toMatch(/^truc_[0-9a-f]{32}$/);
  });

  it('sends them unprepared to the embedded database (one session for every connection)', async () => {
    const db = single('pglite');
    await db.query('SELECT $1::int AS n /* embedded */', [1], { prepared: true });
    await db.tx((q) => q.query('SELECT 3 /* embedded, tx */', [], { prepared: true }));
    expect(await prepared(db)).toEqual([]);
  });

  it(`prepares at most ${MAX_PREPARED} texts a process; the others run as usual`, async () => {
    // The cap is the process's: a fresh copy of the module, so filling it here leaves the budget the
    // other tests of this file use as it was, whichever order they run in (issue 6, item 7).
    vi.resetModules();
    const fresh = await import('../../src/store/db.js');
    expect(fresh.createPgDb).not.toBe(createPgDb);
    const db = single('postgres', fresh.createPgDb);
    for (let i = 0; i < MAX_PREPARED + 8; i++) {
      const res = await db.query<{ n: number }>(`SELECT ${i} AS n /* many */`, [], { prepared: true });
      expect(res.rows).toEqual([{ n: i }]);
    }
    const names = await prepared(db);
    expect(names.length).toBeGreaterThan(0);
    expect(names.length).toBeLessThanOrEqual(MAX_PREPARED);
  });
});
