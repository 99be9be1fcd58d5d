/**
 * walk5 W5-2: a push target's last success in the operations overview counts the deliveries it took, as its last
 * failure counts the deliveries it refused: a target that refused a delivery and took the next read "last failure"
 * after "last success" (its sync runs only; a push-only target none at all) for as long as no pull ran. Real
 * PostgreSQL, the API in process, a worker, and a stand-in for the city database that refuses one write for good
 * (400) and takes the next.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole } from '../../src/roles.js';
import { SCHOOL, student } from '../factories/records.js';
import { tokenFor } from '../helpers/api.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { startFakeHcmCsdl, type FakeHcmCsdl } from '../helpers/fake-hcm-csdl.js';

interface SystemRow {
  system: string;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  lastErrorCode: string | null;
  runs24h: number;
}

describe('the overview’s last success of a push target', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let admin: string;
  let vendor: string;
  let city: FakeHcmCsdl;

  const when = async (sql: string) => (await env.deps.db.query<{ at: Date | null }>(sql)).rows[0]?.at ?? null;
  const push = async (code: string) => {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/schools/${SCHOOL}/batches`,
      headers: { authorization: `Bearer ${vendor}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ entity: 'students', records: [student(code)] }),
    });
    expect(res.statusCode, res.body).toBe(202);
  };
  const hcm = async (): Promise<SystemRow> => {
    const res = await app.inject({
      method: 'GET',
      url: '/v1/ops/overview',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ systems: SystemRow[] }>().systems.find((s) => s.system === 'hcm-csdl')!;
  };

  beforeAll(async () => {
    city = await startFakeHcmCsdl({ script: [400], fallback: 200 });
    env = await makeDeps(
      { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
      { env: { HCM_CSDL_BASE_URL: city.url } },
    );
    app = await buildApp(env.deps);
    await app.ready();
    admin = await tokenFor(app, await addClient(env.deps.db, { name: 'City', role: 'city-admin' }));
    vendor = await tokenFor(
      app,
      await addClient(env.deps.db, { name: 'Vendor', role: 'vendor', schools: [SCHOOL] }),
    );
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    await city?.close();
  });

  it('a delivery taken after one refused for good is the last success, later than the failure', async () => {
    // The overview is read with no worker running (as overview-push-rate does): beside a busy worker on a loaded
    // machine its reads could time out (503), which is not what this file is about.
    let refusedAt: Date | null = null;
    let deliveredAt: Date | null = null;
    let worker = startWorkerRole(env.deps);
    try {
      await push('W52A');
      await waitFor(
        async () =>
          (refusedAt = await when(
            `SELECT max(failed_at) AS at FROM truc.dead_letters WHERE queue = 'push.hcm-csdl'`,
          )) !== null,
        { timeoutMs: 60_000, intervalMs: 100, what: 'the refused delivery’s dead letter' },
      );
    } finally {
      await worker.stop();
    }
    // Before any delivery was taken: no success, the refusal is the last failure (as before).
    expect(await hcm()).toMatchObject({ lastSuccessAt: null, lastFailureAt: refusedAt!.toISOString() });
    worker = startWorkerRole(env.deps);
    try {
      await push('W52B');
      await waitFor(
        async () => (deliveredAt = await when(`SELECT max(delivered_at) AS at FROM truc.push_sets`)) !== null,
        { timeoutMs: 60_000, intervalMs: 100, what: 'the second delivery' },
      );
    } finally {
      await worker.stop();
    }
    const row = await hcm();
    expect(row.runs24h).toBe(0);
    expect(row.lastSuccessAt).toBe(deliveredAt!.toISOString());
    expect(Date.parse(row.lastSuccessAt!)).toBeGreaterThan(Date.parse(row.lastFailureAt!));
  }, 120_000);
});
