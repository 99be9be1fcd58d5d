/**
 * The compact change feed (issue 7, migration 350) on both engines: a statement writes one feed row per
 * school and operation holding its keys, the feed still serves one change per record in the same order
 * with page limits honoured exactly inside a row, and cursors handed out before the migration (one row
 * per change then) still mean what they meant. On PostgreSQL, the trigger joins a statement's old and new rows by
 * hashing, with the plan it keeps from its first call (migration 480).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientsRepo } from '../../src/store/clients.js';
import { onConnection, type Db } from '../../src/store/db.js';
import { listMigrations, migrate } from '../../src/store/migrate.js';
import { createReadsRepo, type ChangePosition } from '../../src/store/reads.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { createWebhooksRepo } from '../../src/store/webhooks.js';
import { student } from '../factories/records.js';
import { createTestDatabase, openTestStore, type TestDatabase, type TestStore } from '../helpers/env.js';

const SOURCE = { system: 'vendor', mappingVersion: 'canonical@1' };
const A = 'CFC-A';
const B = 'CFC-B';

interface Item {
  entity: string;
  key: string;
  schoolCode: string;
  op: string;
}

async function put(
  db: Db,
  records: Array<{ code: string; school: string; grade?: '1' | '2' }>,
): Promise<void> {
  await db.tx(async (q) => {
    await createRecordsRepo(q).upsert(
      'students',
      records.map((r) => {
        const data = student(r.code, { schoolCode: r.school, grade: r.grade ?? '1' });
        return { key: r.code, scope: r.school, data, fingerprint: fingerprint(data) };
      }),
      SOURCE,
    );
  });
}

/**
 * Every change after `from`, page by page of `limit`, following each page's last position as the API's
 * cursor does; the sizes of the pages too. A change shows once every older transaction of the cluster has
 * ended (other databases share the PostgreSQL server): wait, bounded, until `expected` show.
 */
async function follow(
  db: Db,
  opts: { schools: string[] | undefined; from: ChangePosition | undefined; limit: number; expected: number },
): Promise<{ items: Item[]; sizes: number[] }> {
  const reads = createReadsRepo(db);
  for (let attempt = 0; ; attempt += 1) {
    const items: Item[] = [];
    const sizes: number[] = [];
    let after = opts.from;
    for (let i = 0; i < 10_000; i += 1) {
      const page = await reads.changes({ schools: opts.schools, after, limit: opts.limit });
      if (page.count === 0) break;
      sizes.push(page.count);
      items.push(...(JSON.parse(page.json) as Item[]));
      after = page.last;
    }
    if (items.length >= opts.expected || attempt >= 300) return { items, sizes };
    await new Promise((r) => setTimeout(r, 100));
  }
}

const line = (c: Item): string => `${c.op} ${c.key}@${c.schoolCode}`;
const codes = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);

describe.each(['pglite', 'postgres'] as const)('compact change feed on %s', (kind) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => {
    await store?.cleanup();
  });

  it('a statement writes one feed row per school and operation, its keys in key order', async () => {
    await put(store.db, [
      ...codes('R', 1000)
        .reverse()
        .map((code) => ({ code, school: A })),
      { code: 'R9', school: B },
    ]);
    const rows = await store.db.query<{ school: string; op: string; n: number; first: string; last: string }>(
      `SELECT school_code AS school, op, key_count AS n, record_keys[1] AS first,
              record_keys[cardinality(record_keys)] AS last
         FROM truc.record_changes WHERE school_code IN ($1, $2) ORDER BY tx, seq`,
      [A, B],
    );
    expect(rows.rows).toEqual([
      { school: A, op: 'create', n: 1000, first: 'R0000', last: 'R0999' },
      { school: B, op: 'create', n: 1, first: 'R9', last: 'R9' },
    ]);
  });

  it('serves one change per record, in order, pages of exactly `limit` inside rows of 1,000 keys', async () => {
    const before = await store.db.query<{ tx: string; seq: string }>(
      'SELECT tx::text AS tx, seq::text AS seq FROM truc.record_changes ORDER BY tx DESC, seq DESC LIMIT 1',
    );
    const from = before.rows[0];
    const p = codes('P', 1000);
    await put(store.db, [...p.map((code) => ({ code, school: A })), { code: 'Q1', school: B }]);
    // One statement: 2 move A → B, 3 change, the rest are rewritten unchanged (no change).
    await put(store.db, [
      ...p.slice(0, 2).map((code) => ({ code, school: B })),
      ...p.slice(2, 5).map((code) => ({ code, school: A, grade: '2' })),
      ...p.slice(5).map((code) => ({ code, school: A })),
    ]);
    const expected = [
      ...p.map((k) => `create ${k}@${A}`),
      `create Q1@${B}`,
      ...p.slice(0, 2).map((k) => `delete ${k}@${A}`), // a move's delete comes before its create
      ...p.slice(2, 5).map((k) => `update ${k}@${A}`),
      ...p.slice(0, 2).map((k) => `create ${k}@${B}`),
    ];
    for (const schools of [[A, B], undefined]) {
      const got = await follow(store.db, { schools, from, limit: 300, expected: expected.length });
      expect(got.items.map(line)).toEqual(expected);
      expect(got.sizes).toEqual([300, 300, 300, 108]);
    }
    const onlyB = await follow(store.db, { schools: [B], from, limit: 2, expected: 3 });
    expect(onlyB.items.map(line)).toEqual([
      `create Q1@${B}`,
      ...p.slice(0, 2).map((k) => `create ${k}@${B}`),
    ]);
    expect(onlyB.sizes).toEqual([2, 1]);
  });

  it('counts the records of a statement in its master-data.changed event, not its feed rows', async () => {
    await createClientsRepo(store.db).insert({
      id: 'cfc-client',
      name: 'cfc',
      role: 'vendor',
      secretHash: 'x',
      schools: [A],
      units: [],
      scopes: ['records:read'],
    });
    await createWebhooksRepo(store.db).subscribe(
      {
        id: randomUUID(),
        clientId: 'cfc-client',
        url: 'http://127.0.0.1:9/',
        events: ['master-data.changed'],
        secret: 'whsec_x',
      },
      10,
    );
    await put(
      store.db,
      codes('W', 7).map((code) => ({ code, school: A })),
    );
    const events = await store.db.query<{ count: number }>(
      `SELECT (payload ->> 'count')::int AS count FROM truc.outbox
        WHERE job_name = 'webhook-fanout' AND payload ->> 'schoolCode' = $1 ORDER BY id DESC LIMIT 1`,
      [A],
    );
    expect(events.rows).toEqual([{ count: 7 }]);
  });
});

describe.each(['pglite', 'postgres'] as const)('the change feed across migration 350 on %s', (kind) => {
  let own: TestStore;
  beforeAll(async () => {
    own = await openTestStore(kind, { migrate: false });
  });
  afterAll(async () => {
    await own?.cleanup();
  });

  it('cursors handed out before it stay valid; its old rows become rows of one key', async () => {
    const all = listMigrations();
    await migrate(
      own.db,
      all.filter((m) => m.version < 350),
    );
    // Today's repository writes each row's word arrival (migration 600), a column the schema before 350 lacks:
    // added for the writes of that time, dropped before migrating on (the feed rows they leave are what matters).
    await own.db.query('ALTER TABLE truc.students ADD COLUMN arrived_at timestamptz');
    await put(
      own.db,
      ['O1', 'O2', 'O3'].map((code) => ({ code, school: A })),
    );
    await put(own.db, [
      { code: 'O2', school: A, grade: '2' },
      { code: 'O3', school: B },
    ]);
    // One row per change before: the cursor of the second change (the API's { t, s } then).
    const old = await own.db.query<{ tx: string; seq: string; key: string }>(
      `SELECT tx::text AS tx, seq::text AS seq, record_key AS key FROM truc.record_changes ORDER BY tx, seq`,
    );
    expect(old.rows.map((r) => r.key)).toEqual(['O1', 'O2', 'O3', 'O2', 'O3', 'O3']);
    const cursor: ChangePosition = { tx: old.rows[1]!.tx, seq: old.rows[1]!.seq };
    await own.db.query('ALTER TABLE truc.students DROP COLUMN arrived_at');

    expect(await migrate(own.db, all)).toContain('350_change_feed_compact');
    const rows = await own.db.query<{ tx: string; seq: string; keys: string[]; n: number }>(
      `SELECT tx::text AS tx, seq::text AS seq, record_keys AS keys, key_count AS n
         FROM truc.record_changes ORDER BY tx, seq`,
    );
    expect(rows.rows).toEqual(old.rows.map((r) => ({ tx: r.tx, seq: r.seq, keys: [r.key], n: 1 })));
    const after = await follow(own.db, { schools: undefined, from: cursor, limit: 2, expected: 4 });
    expect(after.items.map(line)).toEqual([
      `create O3@${A}`,
      `update O2@${A}`,
      `delete O3@${A}`,
      `create O3@${B}`,
    ]);
    expect(after.sizes).toEqual([2, 2]);
  });
});

describe("the change feed trigger's plan (issue 7, migration 480; PostgreSQL: auto_explain)", () => {
  let database: TestDatabase;
  let client: pg.Client;
  const plans: string[] = [];
  beforeAll(async () => {
    database = await createTestDatabase({ migrated: true });
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    // Every statement's plan, the trigger's too, sent to this connection as a notice.
    client.on('notice', (n) => plans.push(n.message ?? ''));
    for (const sql of [
      "LOAD 'auto_explain'",
      'SET auto_explain.log_min_duration = 0',
      'SET auto_explain.log_nested_statements = on',
      "SET auto_explain.log_level = 'notice'",
      "SET auto_explain.log_format = 'json'",
    ])
      await client.query(sql);
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  const rows = (keys: string[], fullName: string) =>
    keys.map((key) => {
      const data = student(key, { schoolCode: A, fullName });
      return { key, scope: A, data, fingerprint: fingerprint(data) };
    });
  /** The plans of the feed's statements that the trigger ran for `write`. */
  async function feedPlans(write: () => Promise<void>): Promise<string[]> {
    plans.length = 0;
    await write();
    return plans.filter((p) => p.includes('INSERT INTO truc.record_changes'));
  }

  it("joins a changed batch's old and new rows by hashing, even after a one-row update planned first", async () => {
    // As truc's connections are: a vendor batch's write is sent prepared (perfpg, record-writes.ts).
    const repo = createRecordsRepo(onConnection(client, true));
    const keys = codes('H', 1000);
    await repo.upsert('students', rows(['H-ONE'], 'An'), SOURCE);
    // One row first: the statement the trigger keeps is planned for it.
    const one = await feedPlans(async () => {
      await repo.upsert('students', rows(['H-ONE'], 'Bình'), { ...SOURCE, stored: true });
    });
    expect(one).toHaveLength(1);
    await repo.upsert('students', rows(keys, 'An'), SOURCE);
    const many = await feedPlans(async () => {
      await repo.upsert('students', rows(keys, 'Bình'), { ...SOURCE, stored: true });
    });
    expect(many).toHaveLength(1);
    expect(many[0]).toContain('"Node Type": "Hash Join"');
    expect(many[0]).not.toContain('"Node Type": "Merge Join"');
    const feed = await client.query<{ op: string; n: number }>(
      `SELECT op, key_count AS n FROM truc.record_changes WHERE school_code = $1 AND op = 'update' ORDER BY tx, seq`,
      [A],
    );
    expect(feed.rows).toEqual([
      { op: 'update', n: 1 },
      { op: 'update', n: 1000 },
    ]);
  });
});
