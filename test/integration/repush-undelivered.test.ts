/**
 * undel24 (issue 7 item 4), over real HTTP to the city database's simulator, with PostgreSQL: a vendor's batch
 * whose delivery to the city was refused (a 400: dead-lettered at once) and the same body pushed again through
 * the API. The re-push is not judged at once by the API's one statement (src/store/repeats.ts: a record of the
 * school is undelivered, migration 810): its ingest sends the records again in a push set of its own, which the
 * city, recovered, takes; the re-push reads pending, then delivered, and the first batch reads delivered too (its
 * letter resolved). A re-push after that is judged at once again: done, nothing to deliver.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { SCHOOL, student } from '../factories/records.js';
import { tokenFor } from '../helpers/api.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { backends, countRows, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';

interface BatchView {
  status: string;
  counts: { accepted: number; unchanged: number };
  errorCode: string | null;
  deliveries: Array<{ system: string; state: string; errorCode: string | null }>;
}

describe('a re-push through the API of records the city refused (postgres)', () => {
  let env: TestEnv;
  let sim: HcmCsdlSimulator;
  let app: FastifyInstance;
  let token: string;
  let worker: Running | undefined;

  const body = JSON.stringify({
    entity: 'students',
    mode: 'delta',
    records: ['UD01', 'UD02', 'UD03'].map((c) => student(c)),
  });
  async function push(): Promise<string> {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/schools/${SCHOOL}/batches`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(202);
    return res.json<{ batchId: string }>().batchId;
  }
  const view = async (id: string): Promise<BatchView> =>
    (
      await app.inject({
        method: 'GET',
        url: `/v1/batches/${id}`,
        headers: { authorization: `Bearer ${token}` },
      })
    ).json<BatchView>();
  const putsToSim = (): number =>
    Object.values(sim.stats().byRoute['PUT /v1/students:batch'] ?? {}).reduce((a, b) => a + b, 0);
  const openOutbox = () => countRows(env.deps.db, 'truc.outbox', 'done_at IS NULL AND dead_at IS NULL');
  const quiet = () =>
    waitFor(async () => (await openOutbox()) === 0, { timeoutMs: 40_000, what: 'the outbox to be quiet' });
  const stopWorker = async () => {
    await worker?.stop();
    worker = undefined;
  };

  beforeAll(async () => {
    sim = await startCitySimulator({ seed: 'undel24', schools: 1, studentsPerSchool: 1 });
    env = await makeDeps(backends()[2]!, { env: { HCM_CSDL_BASE_URL: sim.url } });
    app = await buildApp(env.deps);
    await app.ready();
    token = await tokenFor(
      app,
      await addClient(env.deps.db, { name: 'Vendor', role: 'vendor', schools: [SCHOOL] }),
    );
  }, 120_000);
  afterEach(stopWorker);
  afterAll(async () => {
    await stopWorker();
    await app?.close();
    await env?.cleanup();
    await sim?.close();
  });

  it('is sent again, reads pending then delivered; the refused batch reads delivered; a later re-push is done at once', async () => {
    // The city refuses the first delivery (400: dead-lettered at once), then takes writes again.
    sim.faults.merge({ status400Burst: 1, paths: ['/v1/students:batch'] });
    worker = startWorkerRole(env.deps);
    const first = await push();
    const failed = await waitFor(
      async () => {
        const v = await view(first);
        return v.deliveries[0]?.state === 'failed' ? v : undefined;
      },
      { timeoutMs: 40_000, what: 'the first delivery to be dead-lettered' },
    );
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'ERR_ADAPTER_REJECTED' });
    await quiet();
    await stopWorker();
    sim.faults.clear();
    const putsBefore = putsToSim();

    // The same bytes again: not judged done by the API's statement (the records are undelivered), queued.
    const again = await push();
    expect((await view(again)).status).toBe('queued');
    worker = startWorkerRole(env.deps);
    const sent = await waitFor(
      async () => {
        const v = await view(again);
        return v.status === 'done' && v.deliveries[0]?.state === 'delivered' ? v : undefined;
      },
      { timeoutMs: 40_000, what: 'the re-push to be delivered' },
    );
    expect(sent).toMatchObject({
      counts: { accepted: 0, unchanged: 3 },
      deliveries: [{ system: 'hcm-csdl', state: 'delivered', errorCode: null }],
    });
    expect(putsToSim() - putsBefore).toBe(1);
    expect(await view(first)).toMatchObject({
      status: 'done',
      errorCode: null,
      deliveries: [{ system: 'hcm-csdl', state: 'delivered', errorCode: null }],
    });
    expect(await countRows(env.deps.db, 'truc.dead_letters', 'resolved_at IS NOT NULL')).toBe(1);
    await quiet();
    await stopWorker();

    // Delivered: the next re-push is judged at once (no worker runs), done with nothing to deliver.
    const third = await push();
    expect(await view(third)).toMatchObject({ status: 'done', counts: { unchanged: 3 }, deliveries: [] });
    expect(putsToSim() - putsBefore).toBe(1);
  });
});
