/**
 * gatefix item 2 (587649a6's leftover): a 429 with Retry-After on a pull's read of a system whose endpoints fail apart
 * holds that entity's reads alone (`<entity>:read`, src/jobs/endpoint-retry-after.ts), but a sync run's `waiting`
 * (GET /v1/syncs, /v1/syncs/{id}, the dashboard's /v1/ops/sync-runs, truc sync show) said null while its pull was
 * held so. Now what holds a run's reads is asked for its entity (src/jobs/gate-view.ts `readsHeld`): `retry-after`
 * until then; another entity's Retry-After holds it not. Real PostgreSQL, the API in process, as fix36c-run-holds.
 */
import { describe, expect, it } from 'vitest';
import { CONFIGURED_SYSTEMS_ENV, useApiHarness } from '../helpers/api.js';
import { runHoldViews } from '../helpers/gate-views.js';

const SYSTEM = 'hcm-csdl';

describe("gatefix item 2, a run held by its entity's own Retry-After says so (postgres)", () => {
  const h = useApiHarness(
    { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
    { env: CONFIGURED_SYSTEMS_ENV },
  );
  const { gate, run } = runHoldViews(h, SYSTEM);

  it("a pull whose entity's reads wait for their own Retry-After waits on retry-after until then; another's not", async () => {
    const res = await h.send('POST', '/v1/syncs', h.tokens.admin, { system: SYSTEM, entity: 'schools' });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json<{ syncRunId: number }>().syncRunId;
    const until = new Date(Date.now() + 10 * 60_000);
    // Another entity's reads held: this run's go.
    await gate({ endpointRetryAfter: { 'students:read': until.toISOString() } });
    expect(await run(id)).toBeNull();
    // Its own: red before (null: the system's reads were asked, not the run's entity's).
    await gate({ endpointRetryAfter: { 'schools:read': until.toISOString() } });
    expect(await run(id)).toEqual({
      reason: 'retry-after',
      system: SYSTEM,
      since: null,
      until: until.toISOString(),
    });
  });
});
