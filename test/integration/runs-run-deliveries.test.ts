/**
 * runs item 1 (issue 7 item 5 read by a new city admin): a sync run showed nothing of the deliveries its changes
 * caused (the city database's changes reaching a school's own system, smas/vnedu), while a batch shows each target's.
 * Now GET /v1/syncs/{id}, GET /v1/syncs, GET /v1/ops/sync-runs and `truc sync show` say, per target, the records of
 * the run's batches' push sets delivered (of them refused), pending and failed with the dead letter's code. Real
 * PostgreSQL and Redis, the API and the CLI in process, the push sets written through the store as ingest and the
 * worker leave them.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { expectBilingual, useCliAdminWorld } from '../helpers/cli-admin-world.js';
import { truc } from '../helpers/cli-in-process.js';

describe("runs item 1: a sync run's deliveries per target (postgres+redis)", () => {
  const { h } = useCliAdminWorld();
  let runId: number;

  beforeAll(async () => {
    const db = h.env.deps.db;
    runId = await createSyncRunsRepo(db).create({
      system: 'hcm-csdl',
      entity: 'students',
      scope: '',
      since: 'w0',
      requestedBy: 'x',
    });
    const batches = [randomUUID(), randomUUID()];
    for (const id of batches)
      await createBatchesRepo(db).insert({
        ...{
          id,
          clientId: 'system:pull',
          schoolCode: '*',
          entity: 'students',
          format: 'hcm-csdl',
          records: [],
        },
        syncRunId: runId,
      });
    const sets = createPushSetsRepo(db);
    const set = (system: 'smas' | 'vnedu', keys: string[], batchId: string) =>
      sets.create({ system, entity: 'students', keys, batchId });
    // smas: 3 delivered (1 refused) and 2 more in the other batch; 2 dead-lettered; vnedu: 4 pending
    await sets.markDelivered(await set('smas', ['A1', 'A2', 'A3'], batches[0]!), {
      accepted: 2,
      rejected: 1,
      receiptId: 'r1',
      refused: [{ key: 'A3', code: 'INVALID_CODE' }],
    });
    await sets.markDelivered(await set('smas', ['B1', 'B2'], batches[1]!), {
      accepted: 2,
      rejected: 0,
      receiptId: 'r2',
    });
    await sets.fail(await set('smas', ['C1', 'C2'], batches[1]!), 'ERR_ADAPTER_UNAVAILABLE');
    await set('vnedu', ['D1', 'D2', 'D3', 'D4'], batches[0]!);
    // another batch's set (no run) is not the run's
    await set('vnedu', ['E1'], randomUUID());
    await createSyncRunsRepo(db).recordPage(runId, {
      last: true,
      cursor: null,
      records: 9,
      tombstones: 0,
      watermark: 'w1',
    });
  }, 120_000);

  const expected = [
    {
      system: 'smas',
      delivered: 5,
      pending: 0,
      failed: 2,
      rejected: 1,
      errorCode: 'ERR_ADAPTER_UNAVAILABLE',
    },
    { system: 'vnedu', delivered: 0, pending: 4, failed: 0, rejected: 0, errorCode: null },
  ];

  it('GET /v1/syncs/{id}, GET /v1/syncs and GET /v1/ops/sync-runs say each target’s records', async () => {
    const one = await h.get(`/v1/syncs/${runId}`, h.tokens.admin);
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json<{ deliveries: unknown }>().deliveries).toEqual(expected);
    const list = (await h.get('/v1/syncs', h.tokens.admin)).json<{
      items: Array<{ syncRunId: number; deliveries: unknown }>;
    }>();
    expect(list.items.find((r) => r.syncRunId === runId)?.deliveries).toEqual(expected);
    // a run whose batches pushed nothing: none
    expect(list.items.filter((r) => r.syncRunId !== runId).map((r) => r.deliveries)).toEqual(
      list.items.filter((r) => r.syncRunId !== runId).map(() => []),
    );
    const ops = await h.get('/v1/ops/sync-runs', h.tokens.admin);
    expect(ops.statusCode, ops.body).toBe(200);
    const opsRun = ops
      .json<{ items: Array<{ id: number; deliveries: unknown }> }>()
      .items.find((r) => r.id === runId);
    expect(opsRun?.deliveries).toEqual(expected);
  });

  it('truc sync show says them, one bilingual line a target', async () => {
    const e = await truc('sync', 'show', String(runId));
    expect(e.code, e.stderr).toBe(0);
    expectBilingual(e.stdout);
    expect(e.stdout).toContain(
      '  giao tới smas: 5 bản ghi đã giao (1 bị từ chối), 0 đang chờ, 2 thất bại (ERR_ADAPTER_UNAVAILABLE) / ' +
        'delivery to smas: 5 records delivered (1 refused), 0 pending, 2 failed (ERR_ADAPTER_UNAVAILABLE)\n',
    );
    expect(e.stdout).toContain(
      '  giao tới vnedu: 0 bản ghi đã giao, 4 đang chờ, 0 thất bại / delivery to vnedu: 0 records delivered, 4 pending, 0 failed\n',
    );
  });
});
