/**
 * A target that answers a push but refuses some of its records (per-record rejections in its receipt): the
 * vendor's batch shows it per target (`GET /v1/batches/{id}` deliveries), never `delivered`, with the keys
 * the target refused and its refusal code (`refused`). Real PostgreSQL and Redis, the worker role, the API
 * listening (read over HTTP) and the hcm-csdl simulator over HTTP (its `refuseKeys` fault).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { SCHOOL, student } from '../factories/records.js';
import { tokenFor } from '../helpers/api.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';

interface Delivery {
  system: string;
  state: string;
  errorCode: string | null;
  rejected: number;
  refused: Array<{ key: string; code: string | null }>;
  deliveredAt: string | null;
}
interface BatchView {
  status: string;
  errorCode: string | null;
  deliveries: Delivery[];
}

describe('a push the target partly refuses (postgres+redis, hcm-csdl simulator)', () => {
  let env: TestEnv;
  let sim: HcmCsdlSimulator;
  let app: FastifyInstance;
  let base: URL;
  let token: string;
  let worker: Running | undefined;

  async function push(records: unknown[]): Promise<string> {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/schools/${SCHOOL}/batches`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: { entity: 'students', records },
    });
    expect(res.statusCode, res.body).toBe(202);
    return res.json<{ batchId: string }>().batchId;
  }
  const view = async (batchId: string): Promise<BatchView> => {
    const res = await fetch(new URL(`/v1/batches/${batchId}`, base), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as BatchView;
  };
  /** The batch once its push to hcm-csdl has an answer (no longer pending). */
  const answered = (batchId: string) =>
    waitFor(
      async () => {
        const v = await view(batchId);
        return v.deliveries.length > 0 && v.deliveries.every((d) => d.state !== 'pending') ? v : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `batch ${batchId} delivered` },
    );

  beforeAll(async () => {
    sim = await startCitySimulator({ seed: 18, schools: 1, studentsPerSchool: 1 });
    env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      { env: { HCM_CSDL_BASE_URL: sim.url } },
    );
    app = await buildApp(env.deps);
    base = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
    const client = await addClient(env.deps.db, { name: 'Vendor', role: 'vendor', schools: [SCHOOL] });
    token = await tokenFor(app, client);
    worker = startWorkerRole(env.deps);
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    await env?.cleanup();
    await sim?.close();
  });

  it('some records refused: the delivery is partial with the refusal code and count, the batch done', async () => {
    sim.faults.merge({ refuseKeys: ['RF2'] });
    const batchId = await push([student('RF1'), student('RF2'), student('RF3')]);
    const v = await answered(batchId);
    expect(sim.received.has('students', 'RF1') && sim.received.has('students', 'RF3')).toBe(true);
    expect(sim.received.has('students', 'RF2')).toBe(false);
    expect(v).toMatchObject({ status: 'done', errorCode: null });
    expect(v.deliveries).toEqual([
      {
        system: 'hcm-csdl',
        state: 'partial',
        errorCode: 'ERR_ADAPTER_REJECTED',
        rejected: 1,
        refused: [{ key: 'RF2', code: 'INVALID_CODE' }],
        upserts: { delivered: 3, pending: 0, failed: 0 },
        deletes: { delivered: 0, pending: 0, failed: 0 },
        deadLetters: [],
        deliveredAt: expect.any(String),
        waiting: null,
      },
    ]);
  });

  it('every record refused: the delivery and the batch are failed with the refusal code', async () => {
    sim.faults.merge({ refuseKeys: ['RA1', 'RA2'] });
    const batchId = await push([student('RA1'), student('RA2')]);
    const v = await answered(batchId);
    expect(v).toMatchObject({ status: 'failed', errorCode: 'ERR_ADAPTER_REJECTED' });
    expect(v.deliveries).toEqual([
      {
        system: 'hcm-csdl',
        state: 'failed',
        errorCode: 'ERR_ADAPTER_REJECTED',
        rejected: 2,
        refused: [
          { key: 'RA1', code: 'INVALID_CODE' },
          { key: 'RA2', code: 'INVALID_CODE' },
        ],
        upserts: { delivered: 2, pending: 0, failed: 0 },
        deletes: { delivered: 0, pending: 0, failed: 0 },
        deadLetters: [],
        deliveredAt: expect.any(String),
        waiting: null,
      },
    ]);
  });
});
