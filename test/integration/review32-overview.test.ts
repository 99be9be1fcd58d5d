/**
 * review32 F4 (/work/briefs/review32-findings.md): a city admin's own decision is shown as the external system's
 * failure. Rejecting a held run (or a superseded one) ends it `failed` with ERR_GUARD_REJECTED
 * (ERR_GUARD_SUPERSEDED), and the operations overview counts every failed run as the system's: on `truc all` after
 * rejecting vnEdu's first pull (its only run), the dashboard's "External systems" card showed vnedu at **100,0 %**
 * error rate in red, last failure "01:39", error code ERR_GUARD_REJECTED, while vnEdu had answered every call.
 * The guard judged the data, the admin decided: the system did not fail. An `it.fails` until the overview leaves
 * the guard's decisions out of a system's failures (they stay visible on the run and in the holds).
 *
 * review32 F5: the sync runs' API does not say who asked for a run. `GET /v1/syncs` (and `GET /v1/syncs/{id}`,
 * `truc sync list|show`) leave out `requestedBy`, which truc keeps and the dashboard's sync page shows
 * (`schedule:hcm-csdl-staff-nightly`, a client id, `operator:cli:<name>`): a city admin reading last night's runs
 * through the API cannot tell the schedule's runs from a colleague's "run now". An `it.fails` until it says.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { addClient } from '../../src/ops.js';
import { bearer, tokenFor } from '../helpers/api.js';
import { usePostgresEnv } from '../helpers/env.js';
import { heldRunPage } from '../helpers/held-run.js';
import { requestSync } from '../../src/jobs/contracts.js';

interface SystemRow {
  system: string;
  failed24h: number;
  errorRate24h: number;
  lastErrorCode: string | null;
  lastFailureAt: string | null;
}

describe('review32, the overview after a city admin rejected a held run (postgres)', () => {
  const env = usePostgresEnv();
  let app: FastifyInstance;
  let token = '';

  beforeAll(async () => {
    app = await buildApp(env().deps);
    await app.ready();
    token = await tokenFor(app, await addClient(env().deps.db, { name: 'Sở GDĐT — IT', role: 'city-admin' }));
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  it('review32 F4: a run the admin rejected is not the system’s failure (error rate, last error)', async () => {
    const { holdId } = await heldRunPage(env().deps.db, { system: 'vnedu' });
    const rejected = await app.inject({
      method: 'POST',
      url: `/v1/guard/holds/${holdId}/reject`,
      headers: { ...bearer(token), 'content-type': 'application/json' },
      payload: JSON.stringify({ reason: 'ask vnEdu first' }),
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    const overview = await app.inject({ method: 'GET', url: '/v1/ops/overview', headers: bearer(token) });
    expect(overview.statusCode).toBe(200);
    const vnedu = overview.json<{ systems: SystemRow[] }>().systems.find((s) => s.system === 'vnedu');
    expect(vnedu).toMatchObject({
      failed24h: 0,
      errorRate24h: 0,
      lastErrorCode: null,
      lastFailureAt: null,
    });
  });

  it('review32 F5: a listed sync run says who asked for it (a schedule, an admin)', async () => {
    const id = await env().deps.db.tx((q) =>
      requestSync(q, {
        system: 'hcm-csdl',
        entity: 'staff',
        full: false,
        requestedBy: 'schedule:hcm-csdl-staff-nightly',
        at: new Date(),
      }),
    );
    const list = await app.inject({ method: 'GET', url: '/v1/syncs?entity=staff', headers: bearer(token) });
    expect(list.statusCode).toBe(200);
    const run = list.json<{ items: Array<Record<string, unknown>> }>().items.find((r) => r.syncRunId === id);
    expect(run).toMatchObject({ requestedBy: 'schedule:hcm-csdl-staff-nightly' });
  });
});
