/**
 * fix36c item 1 (fix35f's leftover): a sync run's `waiting` (GET /v1/syncs, /v1/syncs/{id}, the dashboard's
 * /v1/ops/sync-runs) and the operations overview showed the gate's pause_reason: a pull passing a circuit the writes
 * alone opened (fix34d: reads go on) read `circuit-open` though nothing held it. Now each says what holds it by the
 * gate's own rules (src/jobs/gate-view.ts): a pull, what holds the reads (a Retry-After kept beside the writes'
 * circuit: `retry-after` until then; else nothing); the overview, what holds the writes (pausedUntil, pauseReason), the
 * reads (`reads`) and the endpoints' own circuits (`endpointCircuits`, item 3); who opened the system's circuit
 * (`openedBy`, gates). Real PostgreSQL, the API in process.
 */
import { describe, expect, it } from 'vitest';
import { CONFIGURED_SYSTEMS_ENV, useApiHarness } from '../helpers/api.js';
import { runHoldViews } from '../helpers/gate-views.js';

const SYSTEM = 'hcm-csdl';

describe('fix36c item 1, what holds a run and a system (postgres)', () => {
  const h = useApiHarness(
    { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
    { env: CONFIGURED_SYSTEMS_ENV },
  );
  const { gate, run } = runHoldViews(h, SYSTEM);
  const system = async () => {
    const res = await h.get('/v1/ops/overview', h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ systems: Array<Record<string, unknown>> }>().systems.find((s) => s.system === SYSTEM);
  };

  it('a pull passing a circuit the writes opened waits on nothing; a Retry-After beside it holds it until then', async () => {
    const res = await h.send('POST', '/v1/syncs', h.tokens.admin, { system: SYSTEM, entity: 'schools' });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json<{ syncRunId: number }>().syncRunId;
    const threshold = h.env.config.sync.delivery.failureThreshold;
    const openedAt = new Date(Date.now() - 60_000);
    const pausedUntil = new Date(Date.now() + 10 * 60_000);
    await gate({
      circuit: 'open',
      pauseReason: 'circuit-open',
      pausedUntil,
      openedAt,
      failures: 0,
      writeFailures: threshold,
    });
    // Red before: waiting { reason: 'circuit-open' } though the pull's pages go on.
    expect(await run(id)).toBeNull();
    expect(await system()).toMatchObject({
      circuit: 'open',
      pauseReason: 'circuit-open',
      pausedUntil: pausedUntil.toISOString(),
      reads: null,
      endpointCircuits: [],
    });
    const asked = new Date(Date.now() + 5 * 60_000);
    await gate({ retryAfterUntil: asked });
    const waiting = { reason: 'retry-after', system: SYSTEM, since: null, until: asked.toISOString() };
    expect(await run(id)).toEqual(waiting);
    expect(await system()).toMatchObject({
      pauseReason: 'circuit-open',
      reads: { reason: 'retry-after', since: null, until: asked.toISOString() },
    });
    // The reads' own failures at the threshold: the circuit holds them too, said as the system's circuit.
    await gate({ failures: threshold, retryAfterUntil: null });
    expect(await run(id)).toEqual({
      reason: 'circuit-open',
      system: SYSTEM,
      since: openedAt.toISOString(),
      until: pausedUntil.toISOString(),
    });
  });

  it("an endpoint's own circuit: the overview lists it, the system's writes and reads are not held", async () => {
    const openedAt = new Date(Date.now() - 120_000);
    const until = new Date(Date.now() + 30_000);
    await gate({
      circuit: 'closed',
      pauseReason: null,
      pausedUntil: null,
      failures: 0,
      writeFailures: 0,
      retryAfterUntil: null,
      endpointCircuits: {
        'students:upsert': {
          circuit: 'open',
          pausedUntil: until.toISOString(),
          openings: 1,
          openedAt: openedAt.toISOString(),
        },
      },
    });
    // Red before: no endpointCircuits (and no reads) in the overview.
    expect(await system()).toMatchObject({
      circuit: 'closed',
      pausedUntil: null,
      pauseReason: null,
      reads: null,
      endpointCircuits: [
        {
          endpoint: 'students:upsert',
          circuit: 'open',
          since: openedAt.toISOString(),
          until: until.toISOString(),
          heldBy: 'endpoint',
          reason: 'circuit-open',
        },
      ],
    });
  });

  it("gates2 (walk2 F1): an endpoint's pause that has passed is not shown; what holds its writes now is", async () => {
    const openedAt = new Date(Date.now() - 16 * 60_000);
    const past = new Date(Date.now() - 13 * 60_000);
    const systemUntil = new Date(Date.now() + 60_000);
    const endpointCircuits = {
      'students:upsert': {
        circuit: 'open' as const,
        pausedUntil: past.toISOString(),
        openings: 1,
        openedAt: openedAt.toISOString(),
      },
    };
    await gate({
      circuit: 'open',
      pauseReason: 'circuit-open',
      pausedUntil: systemUntil,
      openedAt,
      failures: 0,
      writeFailures: 0,
      retryAfterUntil: null,
      endpointCircuits,
      openedBy: ['students:upsert', 'staff:upsert'],
    });
    const shown = { endpoint: 'students:upsert', circuit: 'open', since: openedAt.toISOString() };
    // Red before: until 13 minutes past (the endpoint's own pause) beside the system's real one.
    expect(await system()).toMatchObject({
      pausedUntil: systemUntil.toISOString(),
      endpointCircuits: [
        { ...shown, until: systemUntil.toISOString(), heldBy: 'system', reason: 'circuit-open' },
      ],
    });
    // The system's circuit closed: nothing holds the endpoint's writes, the next one is its probe.
    await gate({ circuit: 'closed', pauseReason: null, pausedUntil: null, openedBy: [] });
    expect(await system()).toMatchObject({
      pausedUntil: null,
      endpointCircuits: [{ ...shown, until: null, heldBy: null, reason: null }],
    });
  });

  it("who opened the system's circuit (gates, migration 1432): openedBy while it is open, empty once closed", async () => {
    await gate({
      circuit: 'open',
      pauseReason: 'circuit-open',
      pausedUntil: new Date(Date.now() + 60_000),
      endpointCircuits: {},
      openedBy: ['students:upsert'],
    });
    // Red before: no openedBy in the overview.
    expect(await system()).toMatchObject({ circuit: 'open', openedBy: ['students:upsert'] });
    await gate({ openedBy: ['staff:upsert', 'students:read', 'students:upsert'] });
    expect(await system()).toMatchObject({ openedBy: ['staff:upsert', 'students:read', 'students:upsert'] });
    // A caller whose last call failed while the circuit is closed opened nothing.
    await gate({ circuit: 'closed', pauseReason: null, pausedUntil: null, openedBy: ['students:read'] });
    expect(await system()).toMatchObject({ circuit: 'closed', openedBy: [] });
  });
});
