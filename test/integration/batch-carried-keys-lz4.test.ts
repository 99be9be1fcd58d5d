/**
 * Migration 1320 (issue 7, perf32c): the keys a judged vendor delta batch carried (`carried_keys`, written by the
 * statement that closes it) are compressed with lz4 on PostgreSQL, not pglz (~0.8 ms of CPU a 1000-key batch less),
 * and read back the same, in order.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchesRepo } from '../../src/store/batches.js';
import { openTestStore, type TestStore } from '../helpers/env.js';

describe("migration 1320: a batch's carried keys are lz4", () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore('postgres');
  });
  afterAll(async () => {
    await store?.cleanup();
  });

  it('closes a tagged batch with its 1000 carried keys stored lz4, read back the same', async () => {
    const repo = createBatchesRepo(store.db);
    const id = randomUUID();
    const school = '79042001';
    await repo.insert({
      id,
      clientId: 'vendor-lz4',
      schoolCode: school,
      entity: 'students',
      format: 'canonical',
      records: [],
      bodySha256: 'sha-lz4',
    });
    const keys = Array.from({ length: 1000 }, (_, i) => `79042001${String(100000 + i * 7)}`);
    const snap = await store.db.query<{ s: string }>('SELECT pg_current_snapshot()::text AS s');
    await repo.finish(
      id,
      { accepted: 1000, rejected: 0, unchanged: 0 },
      {
        repeat: {
          entity: 'students',
          schoolCode: school,
          tag: 'tag-lz4',
          snapshot: snap.rows[0]!.s,
          expected: new Map(),
          keys,
        },
      },
    );
    const res = await store.db.query<{ how: string | null; keys: string[]; tag: string | null }>(
      `SELECT pg_column_compression(carried_keys) AS how, carried_keys AS keys, repeat_tag AS tag
         FROM truc.batches WHERE id = $1`,
      [id],
    );
    expect(res.rows[0]).toEqual({ how: 'lz4', keys, tag: 'tag-lz4' });
  });
});
