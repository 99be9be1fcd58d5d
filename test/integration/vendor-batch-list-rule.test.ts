/**
 * vendor5 item 1: GET /v1/schools/{code}/batches filters by the one rule GET /v1/batches/{id} tells a batch's status
 * with (src/jobs/batch-status.ts `batchState`, in JS), not by a SQL copy of it; a status filter reads a bounded number
 * of batches a page and says where to read on.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { SCAN_MAX } from '../../src/jobs/batch-status.js';
import { createBatchesRepo } from '../../src/store/batches.js';
import type * as PushSets from '../../src/store/push-sets.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { goodBody, OTHER, S1, useApiHarness } from '../helpers/api.js';

/**
 * The rule changed in one place (a stand-in for any later change of it): a pending delivery to `vnedu` is told failed.
 * What GET /v1/batches/{id} reads changes with it; the list's filter must follow.
 */
vi.mock('../../src/store/push-sets.js', async (importOriginal) => {
  const orig = await importOriginal<typeof PushSets>();
  const createPushSetsRepo: typeof orig.createPushSetsRepo = (q) => {
    const repo = orig.createPushSetsRepo(q);
    const deliveriesOfBatches: typeof repo.deliveriesOfBatches = async (ids) => {
      const by = await repo.deliveriesOfBatches(ids);
      for (const [id, ds] of by)
        by.set(
          id,
          ds.map((d) =>
            d.system === 'vnedu' && d.state === 'pending'
              ? { ...d, state: 'failed', errorCode: 'ERR_CHANGED' }
              : d,
          ),
        );
      return by;
    };
    return {
      ...repo,
      deliveriesOfBatches,
      deliveriesOf: async (id) => (await deliveriesOfBatches([id])).get(id) ?? [],
    };
  };
  return { ...orig, createPushSetsRepo };
});

const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });

interface Page {
  items: Array<{ batchId: string; status: string; errorCode: string | null; deliveries: unknown[] }>;
  nextCursor: string | null;
}
const list = async (token: string, query: string, school = S1) => {
  const res = await h.get(`/v1/schools/${school}/batches${query}`, token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Page>();
};
const pushed = async (token: string, school: string, code: string) => {
  const res = await h.pushBatch(token, school, goodBody([code], school));
  expect(res.statusCode, res.body).toBe(202);
  return res.json<{ batchId: string }>().batchId;
};

describe('the batch list’s status filter is the rule GET /v1/batches/{id} tells (vendor5 item 1)', () => {
  it('a batch the rule tells failed is listed under failed, not done, as GET says', async () => {
    const db = h.env.deps.db;
    const id = await pushed(h.tokens.vendor, S1, 'R1');
    await createBatchesRepo(db).finish(id, { accepted: 1, rejected: 0, unchanged: 0 });
    await createPushSetsRepo(db).create({ system: 'vnedu', entity: 'students', keys: ['R1'], batchId: id });
    const one = (await h.get(`/v1/batches/${id}`, h.tokens.vendor)).json<{
      status: string;
      errorCode: string;
    }>();
    expect(one).toMatchObject({ status: 'failed', errorCode: 'ERR_CHANGED' });
    const failed = await list(h.tokens.vendor, '?status=failed');
    expect(failed.items).toEqual([
      expect.objectContaining({ batchId: id, status: 'failed', errorCode: 'ERR_CHANGED' }),
    ]);
    expect((await list(h.tokens.vendor, '?status=done')).items.map((i) => i.batchId)).not.toContain(id);
  });

  describe('a status filter reads a bounded number of batches a page', () => {
    let failedId = '';
    beforeAll(async () => {
      const db = h.env.deps.db;
      failedId = await pushed(h.tokens.other, OTHER, 'R2');
      await createBatchesRepo(db).fail(failedId, 'ERR_MAPPING');
      // More done batches than a page reads, all received after it.
      await db.query(
        `INSERT INTO truc.batches (id, client_id, school_code, entity, format, status, records, received, mode,
                                   accepted, rejected, unchanged, deleted, finished_at, created_at)
         SELECT gen_random_uuid(), $1, $2, 'students', 'json', 'done', '[]', 1, 'delta', 1, 0, 0, 0, now(),
                now() + g * interval '1 millisecond'
           FROM generate_series(1, $3::int) g`,
        [h.clients.other.clientId, OTHER, SCAN_MAX + 1],
      );
    });

    it('answers with what it found and a cursor, and the walk reaches the batch', async () => {
      const first = await list(h.tokens.other, '?status=failed&limit=5', OTHER);
      expect(first.items).toEqual([]);
      expect(first.nextCursor).not.toBeNull();
      const second = await list(h.tokens.other, `?status=failed&limit=5&cursor=${first.nextCursor}`, OTHER);
      expect(second).toEqual({
        items: [expect.objectContaining({ batchId: failedId, status: 'failed' })],
        nextCursor: null,
      });
      const done = await list(h.tokens.other, '?status=done&limit=5', OTHER);
      expect(done.items).toHaveLength(5);
      expect(done.nextCursor).toBe(
        Buffer.from(JSON.stringify({ b: done.items[4]!.batchId })).toString('base64url'),
      );
    });
  });

  it('a page reads its batches’ deliveries in one query, however many items it has (vendor5 item 2)', async () => {
    const db = h.env.deps.db;
    for (const code of ['Q1', 'Q2', 'Q3', 'Q4']) {
      const id = await pushed(h.tokens.vendor, S1, code);
      await createPushSetsRepo(db).create({ system: 'smas', entity: 'students', keys: [code], batchId: id });
    }
    const spy = vi.spyOn(db, 'query');
    const queriesOf = async (limit: number) => {
      // The client's state is cached for a second: both pages read it, so a slow run counts alike.
      h.app.forgetClientState(h.clients.vendor.clientId);
      spy.mockClear();
      const page = await list(h.tokens.vendor, `?limit=${limit}`);
      expect(page.items).toHaveLength(limit);
      expect(page.items.every((i) => i.deliveries.length === 1)).toBe(true);
      return spy.mock.calls.length;
    };
    const one = await queriesOf(1);
    expect(await queriesOf(4)).toBe(one);
    spy.mockRestore();
  });
});
