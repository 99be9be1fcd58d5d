/**
 * A transaction's local planner settings (../../src/store/db.ts withLocalSettings; issue 7, perf7g): set right
 * before the statements that need them, back to the defaults right before the next statement, and no reset sent
 * before COMMIT (which ends them) or between two uses of the same settings (a changed batch's closing statement
 * is its last: its reset was a statement of its own, 0.2–0.5 ms of a backend at load).
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createPgDb, INDEX_PROBES, withLocalSettings, type Db, type Queryable } from '../../src/store/db.js';
import { createRecordsRepo, fingerprint, type UpsertRow } from '../../src/store/records.js';
import { student } from '../factories/records.js';
import { openTestStore, type TestStore } from '../helpers/env.js';

const SETTING = `SELECT current_setting('enable_bitmapscan') AS s`;

describe('local planner settings in a transaction (PostgreSQL)', () => {
  let store: TestStore;
  let db: Db;
  const sent: string[] = [];
  beforeAll(async () => {
    store = await openTestStore('postgres');
    // One connection: every statement of the transactions below goes through this client.
    db = createPgDb(store.location, 'postgres', { max: 1 });
    const client: pg.PoolClient = await db.connect();
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      const first = args[0] as string | { text: string };
      sent.push(typeof first === 'string' ? first : first.text);
      return query(...args);
    };
    client.release();
  });
  afterAll(async () => {
    await db?.close().catch(() => undefined);
    await store?.cleanup();
  });

  const setting = async (q: Queryable) => (await q.query<{ s: string }>(SETTING)).rows[0]!.s;
  const shown = (texts: string[]) => texts.map((t) => (t === SETTING ? 'read' : t));

  it('resets before the next statement, not before COMMIT', async () => {
    sent.length = 0;
    const seen = await db.tx(async (q) => {
      const during = await withLocalSettings(q, INDEX_PROBES, () => setting(q));
      const after = await setting(q);
      const last = await withLocalSettings(q, INDEX_PROBES, () => setting(q));
      return [during, after, last];
    });
    expect(seen).toEqual(['off', 'on', 'off']);
    expect(shown(sent)).toEqual([
      'BEGIN',
      'SET LOCAL enable_bitmapscan = off',
      'read',
      'SET LOCAL enable_bitmapscan TO DEFAULT',
      'read',
      'SET LOCAL enable_bitmapscan = off',
      'read',
      'COMMIT',
    ]);
    expect(await setting(db)).toBe('on');
  });

  it('sends the settings once for two uses with nothing between', async () => {
    sent.length = 0;
    const seen = await db.tx(async (q) => {
      const first = await withLocalSettings(q, INDEX_PROBES, () => setting(q));
      const second = await withLocalSettings(q, INDEX_PROBES, () => setting(q));
      const after = await setting(q);
      return [first, second, after];
    });
    expect(seen).toEqual(['off', 'off', 'on']);
    expect(shown(sent)).toEqual([
      'BEGIN',
      'SET LOCAL enable_bitmapscan = off',
      'read',
      'read',
      'SET LOCAL enable_bitmapscan TO DEFAULT',
      'read',
      'COMMIT',
    ]);
  });

  it('sends nothing on a connection its transaction gave back, from a branch still running (R8-1)', async () => {
    // A branch of a transaction's work still running after the transaction ended (another branch failed) asks for
    // settings: its SET LOCAL went out on the connection, then another transaction's, whose statements ran under it.
    let stray: Queryable | undefined;
    await db.tx(async (q) => {
      stray = q;
    });
    sent.length = 0;
    const other = await db.tx(async (q) => {
      const refused = await withLocalSettings(stray!, INDEX_PROBES, () => setting(stray!)).then(
        () => 'ran',
        (err: Error) => err.message,
      );
      return [refused, await setting(q)];
    });
    expect(other).toEqual([expect.stringContaining('after its transaction ended'), 'on']);
    expect(shown(sent)).toEqual(['BEGIN', 'read', 'COMMIT']);
  });

  it("keeps the settings over a vendor batch's write between two uses (perf10b)", async () => {
    // A changed batch: its quality facts, its students' UPDATE, its closing statement, each under INDEX_PROBES (the
    // UPDATE's probes of the carries once a key): the setting sent once, not reset and set again around the UPDATE.
    const school = '79000194';
    const row = (code: string, fullName: string): UpsertRow => {
      const data = student(code, { schoolCode: school, fullName });
      return { key: code, scope: school, data, fingerprint: fingerprint(data) };
    };
    const codes = ['LS00001', 'LS00002'];
    await createRecordsRepo(db).upsert(
      'students',
      codes.map((c) => row(c, 'Nguyễn Văn A')),
      { system: 'test', mappingVersion: 'test@1' },
    );
    const batchId = randomUUID();
    await createBatchesRepo(db).insert({
      id: batchId,
      clientId: 'local-settings',
      schoolCode: school,
      entity: 'students',
      format: 'canonical',
      records: [],
    });
    sent.length = 0;
    const seen = await db.tx(async (q) => {
      const facts = await withLocalSettings(q, INDEX_PROBES, () => setting(q));
      const left = await createRecordsRepo(q).upsert(
        'students',
        codes.map((c) => row(c, 'Nguyễn Văn B')),
        { system: 'vendor:ls', mappingVersion: 'test@1', stored: true, arrival: { batchId, school } },
      );
      const closing = await withLocalSettings(q, INDEX_PROBES, () => setting(q));
      return [facts, left, closing];
    });
    expect(seen).toEqual(['off', { left: [], earlier: [] }, 'off']);
    expect(shown(sent).map((t) => (t.startsWith('WITH u AS (UPDATE truc.students') ? 'update' : t))).toEqual([
      'BEGIN',
      'SET LOCAL enable_bitmapscan = off',
      'read',
      'update',
      'read',
      'COMMIT',
    ]);
    const names = await db.query<{ n: string }>(
      `SELECT data->>'fullName' AS n FROM truc.students WHERE student_code = ANY($1::text[])`,
      [codes],
    );
    expect(names.rows.map((r) => r.n)).toEqual(['Nguyễn Văn B', 'Nguyễn Văn B']);
  });
});
