/**
 * walk5 W5-7: a school's page (GET /v1/ops/schools/{code} `batches[]`) said a snapshot that deleted 42 of the school's
 * students, and the snapshot the guard had held and a city admin rejected, like any small delta ("Nhận 3 · Chấp nhận
 * 3"): no mode, no deleted count, no hold. Each item now carries its mode, its deleted count and its newest hold (id,
 * status, decidedAt). Real PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { school, student } from '../factories/records.js';
import { S1, useApiHarness } from '../helpers/api.js';

const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
const [rejected, approved, delta] = [randomUUID(), randomUUID(), randomUUID()];
const holds: Record<string, number> = {};

const diff = [
  { school: S1, live: 44, deleted: 42, moved: 0, changed: 0, keys: { deleted: [], moved: [], changed: [] } },
];

async function snapshotHeld(id: string, deleted: number, at: string): Promise<number> {
  const db = h.env.deps.db;
  await createBatchesRepo(db).insert({
    ...{ id, clientId: 'test', schoolCode: S1, entity: 'students', format: 'canonical' },
    ...{ records: [student(`S-${id.slice(0, 4)}`)], mode: 'snapshot' },
  });
  await db.query(
    `UPDATE truc.batches SET status = 'done', deleted = $2, created_at = $3, finished_at = $3 WHERE id = $1`,
    [id, deleted, at],
  );
  return createGuardHoldsRepo(db).create({
    kind: 'batch',
    batchId: id,
    entity: 'students',
    diff,
    reasons: [],
  });
}

beforeAll(async () => {
  const db = h.env.deps.db;
  const s = school(S1);
  await createRecordsRepo(db).upsert(
    'schools',
    [{ key: s.schoolCode, scope: s.schoolCode, data: s, fingerprint: fingerprint(s) }],
    { system: 'hcm-csdl', mappingVersion: 'test' },
  );
  holds[rejected] = await snapshotHeld(rejected, 0, '2026-12-06T08:00:00.000Z');
  await createGuardHoldsRepo(db).decide(holds[rejected], 'rejected', 'test');
  holds[approved] = await snapshotHeld(approved, 42, '2026-12-06T08:05:00.000Z');
  await createGuardHoldsRepo(db).decide(holds[approved], 'approved', 'test');
  await createBatchesRepo(db).insert({
    ...{ id: delta, clientId: 'test', schoolCode: S1, entity: 'students', format: 'canonical' },
    records: [student('D-1')],
  });
});

describe('walk5 W5-7: a school page’s batch says its mode, its deletions and its hold', () => {
  it('a rejected and an approved snapshot (42 deleted) read apart from a delta', async () => {
    const res = await h.get(`/v1/ops/schools/${S1}`, h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json<{ batches: Array<Record<string, unknown> & { id: string }> }>().batches;
    const of = (id: string) => items.find((b) => b.id === id);
    expect(of(rejected)).toMatchObject({
      mode: 'snapshot',
      deleted: 0,
      guard: { holdId: holds[rejected], status: 'rejected', decidedAt: expect.any(String) },
    });
    expect(of(approved)).toMatchObject({
      mode: 'snapshot',
      deleted: 42,
      guard: { holdId: holds[approved], status: 'approved' },
    });
    expect(of(delta)).toMatchObject({ mode: 'delta', deleted: 0, guard: null });
  });
});
