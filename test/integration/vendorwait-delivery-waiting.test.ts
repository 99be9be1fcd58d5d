/**
 * vendorwait: a vendor sees why its batch's delivery is `pending` (with hcm-csdl down, GET /v1/batches/{id} said only
 * `pending` while the operations overview showed the open circuit and its next probe). Each pending delivery says what
 * holds it at its target now, by the same gate view as a sync run's `waiting` (src/jobs/gate-view.ts): the reason,
 * until when, and the endpoint when it is that endpoint's own circuit or wait; nothing else of the gate. The gate's
 * row is set through the store; no worker runs, so the batch's push sets stay pending. Real PostgreSQL.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { addClient } from '../../src/ops.js';
import { createDeliveryGatesRepo, type GateChange } from '../../src/store/delivery-gates.js';
import { SCHOOL, student } from '../factories/records.js';
import { tokenFor } from '../helpers/api.js';
import { usePostgresEnv } from '../helpers/env.js';
import { queueStudentSets } from '../helpers/push-sets.js';

interface Delivery {
  system: string;
  state: string;
  waiting: { reason: string; until: string; endpoint: string | null } | null;
}

const CLOSED: GateChange = {
  circuit: 'closed',
  pausedUntil: null,
  pauseReason: null,
  failures: 0,
  writeFailures: 0,
  endpointCircuits: {},
  retryAfterUntil: null,
  endpointRetryAfter: {},
  openedAt: null,
};

describe('vendorwait: a pending delivery says what holds it at its target', () => {
  const env = usePostgresEnv();
  let app: FastifyInstance;
  let token: string;
  let batchId: string;

  /** Sets hcm-csdl's gate (closed first, then `change`); returns the database clock's now. */
  const setGate = (change: (now: Date) => GateChange) =>
    createDeliveryGatesRepo(env().deps.db).update('hcm-csdl', (_s, now) => ({
      change: { ...CLOSED, ...change(now) },
      result: now,
    }));
  const later = (now: Date, s: number) => new Date(now.getTime() + s * 1000);
  const view = async () => {
    const res = await app.inject({
      url: `/v1/batches/${batchId}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    return { body: res.body, hcm: res.json<{ deliveries: Delivery[] }>().deliveries[0]! };
  };

  beforeAll(async () => {
    app = await buildApp(env().deps);
    const client = await addClient(env().deps.db, { name: 'Vendor', role: 'vendor', schools: [SCHOOL] });
    token = await tokenFor(app, client);
    const res = await app.inject({
      method: 'POST',
      url: `/v1/schools/${SCHOOL}/batches`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: { entity: 'students', records: [student('HS-VW-1')] },
    });
    expect(res.statusCode, res.body).toBe(202);
    batchId = res.json<{ batchId: string }>().batchId;
    // What the batch's ingest leaves: a push set to hcm-csdl, its students:upsert not yet delivered.
    await queueStudentSets(env().deps.db, [['HS-VW-1']], batchId);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it('says nothing while the gate holds nothing', async () => {
    const { hcm } = await view();
    expect(hcm).toMatchObject({ system: 'hcm-csdl', state: 'pending', waiting: null });
  });

  it("says circuit-open and until the next probe when the target's circuit is open, and nothing else of the gate", async () => {
    const now = await setGate((n) => ({
      circuit: 'open',
      pausedUntil: later(n, 38),
      pauseReason: 'circuit-open',
      failures: 5,
      writeFailures: 5,
      openedAt: n,
      lastErrorCode: 'ERR_ADAPTER_UNAVAILABLE',
    }));
    const { hcm, body } = await view();
    expect(hcm.state).toBe('pending');
    expect(hcm.waiting).toEqual({
      reason: 'circuit-open',
      until: later(now, 38).toISOString(),
      endpoint: null,
    });
    expect(body).not.toContain('ERR_ADAPTER_UNAVAILABLE');
    expect(body).not.toContain('failures');
  });

  it("says the endpoint when it is the endpoint's own circuit, and nothing for another endpoint's", async () => {
    const circuit = (n: Date) => ({
      circuit: 'open' as const,
      pausedUntil: later(n, 20).toISOString(),
      openings: 1,
      openedAt: n.toISOString(),
    });
    const now = await setGate((n) => ({ endpointCircuits: { 'students:upsert': circuit(n) } }));
    expect((await view()).hcm.waiting).toEqual({
      reason: 'circuit-open',
      until: later(now, 20).toISOString(),
      endpoint: 'students:upsert',
    });
    await setGate((n) => ({ endpointCircuits: { 'staff:upsert': circuit(n) } }));
    expect((await view()).hcm.waiting).toBeNull();
  });

  it("says retry-after when the target asked to wait, the endpoint's own or every call's", async () => {
    let now = await setGate((n) => ({
      endpointRetryAfter: { 'students:upsert': later(n, 7).toISOString() },
    }));
    expect((await view()).hcm.waiting).toEqual({
      reason: 'retry-after',
      until: later(now, 7).toISOString(),
      endpoint: 'students:upsert',
    });
    now = await setGate((n) => ({
      pausedUntil: later(n, 5),
      pauseReason: 'retry-after',
      retryAfterUntil: later(n, 5),
    }));
    expect((await view()).hcm.waiting).toEqual({
      reason: 'retry-after',
      until: later(now, 5).toISOString(),
      endpoint: null,
    });
  });

  it('says nothing once the pause has passed (the delivery goes on by itself)', async () => {
    await setGate((n) => ({
      circuit: 'open',
      pausedUntil: later(n, -1),
      pauseReason: 'circuit-open',
      failures: 5,
      writeFailures: 5,
      openedAt: later(n, -30),
    }));
    expect((await view()).hcm.waiting).toBeNull();
  });
});
