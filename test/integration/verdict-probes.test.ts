/**
 * The closing statement's verdict probes are index scans (issue 7, perf7s). A changed batch's closing writes
 * (../../src/jobs/ingest-finish.ts) test each of its 1000 verdicts against the stored one, one probe a verdict,
 * so that an unchanged verdict is not rewritten. On a table never analysed (a fresh load; the benches' server
 * runs without autovacuum) PostgreSQL planned each probe as a bitmap heap scan, twice the CPU of an index scan
 * (~6 against ~3 ms for 1000 verdicts at 160,000 stored). The verdicts' write asks for INDEX_PROBES, and the
 * combined writes (../../src/store/combined.ts) send their one statement under it, the defaults back after.
 * What the planner makes of the table depends on its statistics (autovacuum may gather them at any time, fix8 item 7):
 * the table is analysed first, and the test asserts the settings the probes' statement was planned under
 * (auto_explain's `Settings:` line), which no statistics change, beside the index probes.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { combinedWrites } from '../../src/store/combined.js';
import { createPgDb, INDEX_PROBES, type Db } from '../../src/store/db.js';
import { createQualityRepo, type Verdict } from '../../src/store/quality.js';
import { openTestStore, type TestStore } from '../helpers/env.js';

const SCHOOL = '79000471';
const BATCH = '9622c300-eb88-40e2-ab9c-b90373f48747';
/** Verdicts stored: enough that PostgreSQL, never having analysed them and without the setting, plans a bitmap probe. */
const STORED = 150_000;
const keyOf = (i: number) => String(7_000_000_000 + i);

describe('the closing writes under a write\u2019s planner settings (PostgreSQL)', () => {
  let store: TestStore;
  let db: Db;
  let client: pg.PoolClient;
  const plans: string[] = [];
  beforeAll(async () => {
    store = await openTestStore('postgres');
    await store.db.query(
      `INSERT INTO truc.quality_records (entity, record_key, school_code, accepted, checked_at, batch_id, findings)
       SELECT 'students', (7000000000 + i)::text, $1, true, '2026-12-01T00:00:00Z', $2, '[]'::jsonb
         FROM generate_series(0, $3 - 1) AS i`,
      [SCHOOL, BATCH, STORED],
    );
    // Statistics gathered now, not at autovacuum's whim mid-test: the plan asserted below is the same either way.
    await store.db.query('ANALYZE truc.quality_records');
    await store.db.query('CREATE TABLE truc.t_settings_seen (setting text)');
    // One connection: every plan of it reaches this client as a notice (auto_explain).
    db = createPgDb(store.location, 'postgres', { max: 1 });
    client = await db.connect();
    client.on('notice', (m) => {
      if (m.message?.includes('quality_records')) plans.push(m.message);
    });
    await client.query(`LOAD 'auto_explain'`);
    await client.query('SET auto_explain.log_min_duration = 0');
    await client.query('SET auto_explain.log_level = notice');
    await client.query('SET auto_explain.log_nested_statements = on');
    // The planner settings a statement ran under that differ from the defaults ('Settings: enable_bitmapscan = …').
    await client.query('SET auto_explain.log_settings = on');
    client.release();
  });
  afterAll(async () => {
    await db?.close().catch(() => undefined);
    await store?.cleanup();
  });

  it('sends the combined statement under the settings a write asked for, the defaults back after it', async () => {
    const seen = await db.tx(async (q) => {
      const closing = combinedWrites(q);
      const note = `INSERT INTO truc.t_settings_seen SELECT current_setting('enable_bitmapscan')`;
      await closing.query(note, [], { settings: INDEX_PROBES });
      await closing.query(note, []);
      await closing.flush();
      const after = await q.query<{ s: string }>(`SELECT current_setting('enable_bitmapscan') AS s`);
      const during = await q.query<{ setting: string }>('SELECT setting FROM truc.t_settings_seen');
      return { after: after.rows[0]!.s, during: during.rows.map((r) => r.setting) };
    });
    expect(seen).toEqual({ after: 'on', during: ['off', 'off'] });
  });

  it('probes each verdict by the primary key, writes only the changed one', async () => {
    const verdicts: Verdict[] = Array.from({ length: 1000 }, (_, i) => ({
      recordKey: keyOf(i),
      schoolCode: SCHOOL,
      accepted: i !== 7,
      findings: [],
    }));
    plans.length = 0;
    const at = new Date('2026-12-07T00:00:00Z');
    await db.tx(async (q) => {
      const closing = combinedWrites(q);
      await createQualityRepo(closing).saveVerdicts('students', BATCH, at, verdicts);
      await closing.query(`UPDATE truc.t_settings_seen SET setting = setting WHERE false`, []);
      await closing.flush();
    });
    const plan = plans.join('\n');
    expect(plan).toMatch(/Settings: .*enable_bitmapscan = 'off'/);
    expect(plan).toContain('Index Scan using quality_records_pkey');
    expect(plan).not.toContain('Bitmap Heap Scan');
    // The verdicts' rows made by their arrays in a target list, not copied into tuplestores first (perf10b).
    expect(plan).toContain('ProjectSet');
    expect(plan).not.toContain('Function Scan');
    const written = await store.db.query<{ record_key: string; accepted: boolean }>(
      `SELECT record_key, accepted FROM truc.quality_records WHERE checked_at = $1`,
      [at],
    );
    expect(written.rows).toEqual([{ record_key: keyOf(7), accepted: false }]);
  });
});
