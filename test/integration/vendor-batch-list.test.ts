/**
 * W3-3: GET /v1/schools/{schoolCode}/batches lists a school's batches, newest first: a vendor its own only, a city
 * admin every client's; filters by status (the status GET /v1/batches/{id} shows), entity and received time; paged by
 * cursor, stable while batches keep arriving; another school's token refused with nothing listed; bad queries: 400.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { expectProblem, goodBody, OTHER, S1, useApiHarness } from '../helpers/api.js';

const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });

interface Item {
  batchId: string;
  clientId: string;
  status: string;
  entity: string;
  createdAt: string;
  deliveries: Array<{ system: string; state: string }>;
}
interface Page {
  items: Item[];
  nextCursor: string | null;
}

const list = async (token: string, query = '', school = S1) => {
  const res = await h.get(`/v1/schools/${school}/batches${query}`, token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Page>();
};

/** Every page of a list, `between` called after the first page. */
async function walk(token: string, query: string, between?: () => Promise<unknown>): Promise<Item[]> {
  const seen: Item[] = [];
  let page = await list(token, `?limit=2${query}`);
  seen.push(...page.items);
  if (between) await between();
  while (page.nextCursor) {
    page = await list(token, `?limit=2${query}&cursor=${page.nextCursor}`);
    seen.push(...page.items);
  }
  return seen;
}

const pushed = async (token: string, school: string, code: string, body = goodBody([code], school)) => {
  const res = await h.pushBatch(token, school, body);
  expect(res.statusCode, res.body).toBe(202);
  return res.json<{ batchId: string }>().batchId;
};

describe('a school’s batches (W3-3)', () => {
  const ids = {} as Record<
    'queued' | 'done' | 'failed' | 'deliveryFailed' | 'refused' | 'held' | 'staff' | 'second' | 'other',
    string
  >;
  let secondToken = '';
  let secondId = '';
  beforeAll(async () => {
    const db = h.env.deps.db;
    const second = await addClient(db, { name: 'Vendor two', role: 'vendor', schools: [S1] });
    secondToken = await h.tokenOf(second);
    secondId = second.clientId;
    const batches = createBatchesRepo(db);
    const sets = createPushSetsRepo(db);
    ids.done = await pushed(h.tokens.vendor, S1, 'L1');
    await batches.finish(ids.done, { accepted: 1, rejected: 0, unchanged: 0 });
    ids.failed = await pushed(h.tokens.vendor, S1, 'L2');
    await batches.fail(ids.failed, 'ERR_MAPPING');
    // A batch of `code` ingested (done), its change in a push set to smas; the set's id.
    const doneWithSet = async (key: 'deliveryFailed' | 'refused', code: string) => {
      ids[key] = await pushed(h.tokens.vendor, S1, code);
      await batches.finish(ids[key], { accepted: 1, rejected: 0, unchanged: 0 });
      return Number(
        await sets.create({ system: 'smas', entity: 'students', keys: [code], batchId: ids[key] }),
      );
    };
    await sets.fail(await doneWithSet('deliveryFailed', 'L3'), 'ERR_ADAPTER_UNAVAILABLE');
    await sets.markDelivered(await doneWithSet('refused', 'L4'), {
      receiptId: 'r1',
      accepted: 0,
      rejected: 1,
    });
    ids.held = await pushed(h.tokens.vendor, S1, 'L5');
    await batches.finish(ids.held, { accepted: 1, rejected: 0, unchanged: 0 });
    await createGuardHoldsRepo(db).create({
      kind: 'batch',
      batchId: ids.held,
      entity: 'students',
      diff: [],
      reasons: [],
    });
    ids.staff = await pushed(h.tokens.vendor, S1, 'L6', {
      entity: 'staff',
      records: [{ code: 'L6' }],
    } as never);
    ids.queued = await pushed(h.tokens.vendor, S1, 'L7');
    ids.second = await pushed(secondToken, S1, 'L8');
    ids.other = await pushed(h.tokens.other, OTHER, 'L9');
  });

  it('a vendor lists its own batches of the school, newest first, and nothing of another client or school', async () => {
    const all = await walk(h.tokens.vendor, '');
    const mine = ['queued', 'staff', 'held', 'refused', 'deliveryFailed', 'failed', 'done'] as const;
    expect(all.map((i) => i.batchId)).toEqual(mine.map((k) => ids[k]));
    expect(new Set(all.map((i) => i.clientId))).toEqual(new Set([h.clients.vendor.clientId]));
    expect((await list(secondToken)).items.map((i) => i.batchId)).toEqual([ids.second]);
    // No record data in an item: no records, no refusals, no record code (a quoted "L1"…, not the L2 a random
    // client id may hold).
    expect(JSON.stringify(all)).not.toMatch(/"records"|"refused"|"L[0-9]"/);
  });

  it('a city admin lists every client’s batches of any school, with the client that sent each', async () => {
    const all = await walk(h.tokens.admin, '');
    expect(all.map((i) => i.batchId)).toContain(ids.second);
    expect(all.find((i) => i.batchId === ids.second)?.clientId).toBe(secondId);
    expect(all.map((i) => i.batchId)).not.toContain(ids.other);
    expect((await list(h.tokens.admin, '', OTHER)).items.map((i) => i.batchId)).toEqual([ids.other]);
  });

  it('each item shows the status GET /v1/batches/{id} shows, and the status filter lists exactly those', async () => {
    const all = await walk(h.tokens.admin, '');
    for (const item of all) {
      const one = (await h.get(`/v1/batches/${item.batchId}`, h.tokens.admin)).json<{ status: string }>();
      expect(item.status, item.batchId).toBe(one.status);
    }
    const byStatus: Record<string, string[]> = {};
    for (const status of ['queued', 'processing', 'held', 'done', 'failed']) {
      const listed = await walk(h.tokens.admin, `&status=${status}`);
      expect(
        listed.every((i) => i.status === status),
        status,
      ).toBe(true);
      byStatus[status] = listed.map((i) => i.batchId);
    }
    expect(Object.values(byStatus).flat().sort()).toEqual(all.map((i) => i.batchId).sort());
    expect(byStatus.failed).toEqual([ids.refused, ids.deliveryFailed, ids.failed]);
    expect(byStatus.held).toEqual([ids.held]);
    expect(byStatus.done).toEqual([ids.done]);
    const failedItem = all.find((i) => i.batchId === ids.deliveryFailed)!;
    expect(failedItem.deliveries).toEqual([
      { system: 'smas', state: 'failed', errorCode: 'ERR_ADAPTER_UNAVAILABLE', deadLetters: [] },
    ]);
  });

  it('filters by entity and by received time (from inclusive, to exclusive)', async () => {
    const staff = await list(h.tokens.vendor, '?entity=staff');
    expect(staff.items.map((i) => i.batchId)).toEqual([ids.staff]);
    const all = await walk(h.tokens.vendor, '');
    const held = all.find((i) => i.batchId === ids.held)!;
    const before = await walk(h.tokens.vendor, `&to=${encodeURIComponent(held.createdAt)}`);
    expect(before.map((i) => i.batchId)).toEqual([ids.refused, ids.deliveryFailed, ids.failed, ids.done]);
    const after = await walk(h.tokens.vendor, `&from=${encodeURIComponent(held.createdAt)}`);
    expect(after.map((i) => i.batchId)).toEqual([ids.queued, ids.staff, ids.held]);
  });

  it('paging is stable while batches arrive: no batch twice, none skipped', async () => {
    const before = (await walk(h.tokens.vendor, '')).map((i) => i.batchId);
    let added = '';
    const walked = await walk(h.tokens.vendor, '', async () => {
      added = await pushed(h.tokens.vendor, S1, 'L10');
    });
    expect(walked.map((i) => i.batchId)).toEqual(before);
    expect((await list(h.tokens.vendor, '?limit=1')).items[0]!.batchId).toBe(added);
  });

  it('another school’s token is refused as the push is, with nothing listed', async () => {
    const strip = (b: object) => ({ ...b, correlationId: '', instance: '' });
    const res = await h.get(`/v1/schools/${S1}/batches`, h.tokens.other);
    const listed = expectProblem(res, 403, 'ERR_FORBIDDEN_SCHOOL');
    expect(res.body).not.toContain(ids.done);
    const push = expectProblem(
      await h.pushBatch(h.tokens.other, S1, goodBody(['X'], S1)),
      403,
      'ERR_FORBIDDEN_SCHOOL',
    );
    expect(strip({ ...listed, detail: '' })).toMatchObject({ ...strip({ ...push, detail: '' }) });
  });

  it('bad query fields are a bilingual 400', async () => {
    for (const q of [
      '?limit=0',
      '?limit=101',
      '?status=lost',
      '?entity=cats',
      '?from=yesterday',
      '?nope=1',
    ]) {
      expectProblem(await h.get(`/v1/schools/${S1}/batches${q}`, h.tokens.vendor), 400, 'ERR_VALIDATION');
    }
    expectProblem(
      await h.get(`/v1/schools/${S1}/batches?from=2026-12-05&to=2026-12-04`, h.tokens.vendor),
      400,
      'ERR_VALIDATION',
    );
    for (const c of [
      'not-a-cursor',
      Buffer.from('{"b":"00000000-0000-4000-8000-000000000000"}').toString('base64url'),
    ])
      expectProblem(
        await h.get(`/v1/schools/${S1}/batches?cursor=${c}`, h.tokens.vendor),
        400,
        'ERR_INVALID_CURSOR',
      );
    // Another client's batch is no cursor of a vendor's list.
    const theirs = Buffer.from(JSON.stringify({ b: ids.second })).toString('base64url');
    expectProblem(
      await h.get(`/v1/schools/${S1}/batches?cursor=${theirs}`, h.tokens.vendor),
      400,
      'ERR_INVALID_CURSOR',
    );
  });
});
