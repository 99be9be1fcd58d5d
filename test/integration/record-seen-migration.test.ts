/**
 * Migration 550 (truc.record_seen): what the wide rows knew of "seen" moves to the narrow table. A record carried
 * unchanged after its last write (`last_seen_at > updated_at`) gets a row there, its sender unknown (NULL); a
 * record only written gets none; `last_seen_at` is gone from the five record tables.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations, migrate } from '../../src/store/migrate.js';
import { openTestStore, type TestStore } from '../helpers/env.js';

describe('migration 550: "seen" off the wide row', () => {
  let own: TestStore;
  beforeAll(async () => {
    own = await openTestStore('pglite', { migrate: false });
  });
  afterAll(async () => {
    await own?.cleanup();
  });

  it('moves each carry after the last write to truc.record_seen (sender unknown) and drops last_seen_at', async () => {
    const all = listMigrations();
    await migrate(
      own.db,
      // 600 (word arrival) alters truc.record_seen, which 550 creates: it waits for 550; 1320 alters a column 600 adds.
      all.filter((m) => m.version !== 550 && m.version !== 600 && m.version !== 1320),
    );
    const insert = (table: string, key: string, scope: string) =>
      `INSERT INTO truc.${table} (${key}, ${scope === '' ? '' : `${scope}, `}data, fingerprint, source_system,
         mapping_version, updated_at, last_seen_at)
       VALUES ($1, ${scope === '' ? '' : `'79000001', `}'{}', 'fp', 'vendor:v1', 'm@1', $2, $3)`;
    const written = '2026-12-01T08:00:00Z';
    const carried = '2026-12-02T08:00:00Z';
    await own.db.query(insert('students', 'student_code', 'school_code'), ['SEEN1', written, carried]);
    await own.db.query(insert('students', 'student_code', 'school_code'), ['WRITTEN1', written, written]);
    await own.db.query(insert('staff', 'staff_code', 'school_code'), ['STAFF1', written, carried]);
    await own.db.query(insert('schools', 'school_code', ''), ['79000001', written, carried]);

    expect(await migrate(own.db, all)).toEqual([
      '550_record_seen',
      '600_word_arrival',
      '1320_batch_carried_keys_lz4',
    ]);
    const seen = await own.db.query<{ entity: string; key: string; seen_at: Date; seen_by: string | null }>(
      'SELECT entity, key, seen_at, seen_by FROM truc.record_seen ORDER BY entity, key',
    );
    expect(seen.rows).toEqual([
      { entity: 'schools', key: '79000001', seen_at: new Date(carried), seen_by: null },
      { entity: 'staff', key: 'STAFF1', seen_at: new Date(carried), seen_by: null },
      { entity: 'students', key: 'SEEN1', seen_at: new Date(carried), seen_by: null },
    ]);
    const columns = await own.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.columns
        WHERE table_schema = 'truc' AND column_name = 'last_seen_at'`,
    );
    expect(columns.rows[0]!.n).toBe(0);
  });
});
