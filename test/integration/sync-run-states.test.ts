/**
 * pullyear25 (issue 7 item 6): a sync run says what state it is in, in its body (GET /v1/syncs/{id}), the list
 * (GET /v1/syncs, what `truc sync list|show` print) and the dashboard's list (GET /v1/ops/sync-runs):
 * - a run queued while its system's circuit is open said only `queued`: it says what it waits on (`waiting`:
 *   circuit-open, since when, the next probe);
 * - a full run whose reconciliation the guard held said `status: done` (listed under `held` by the filter): its
 *   status is `held`, as the filter's rule (src/store/sync-run-reads.ts `SHOWN_STATUS`);
 * - an incremental run asked with no watermark pulls everything (and reconciles): it says so (`fullBecause:
 *   no_watermark`), and a run asked full says `requested`.
 * Real PostgreSQL, the API in process (no worker: the runs stay as requested).
 */
import { describe, expect, it } from 'vitest';
import { createDeliveryGatesRepo } from '../../src/store/delivery-gates.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { CONFIGURED_SYSTEMS_ENV, useApiHarness } from '../helpers/api.js';

describe('sync run states on postgres', () => {
  const h = useApiHarness(
    { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
    { env: CONFIGURED_SYSTEMS_ENV }, // a pull is requested only from a configured system
  );

  const request = async (body: Record<string, unknown>): Promise<number> => {
    const res = await h.send('POST', '/v1/syncs', h.tokens.admin, body);
    expect(res.statusCode, res.body).toBe(202);
    return res.json<{ syncRunId: number }>().syncRunId;
  };
  const one = async (id: number) => {
    const res = await h.get(`/v1/syncs/${id}`, h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Record<string, unknown>>();
  };
  const listed = async (id: number) =>
    (await h.get('/v1/syncs?limit=500', h.tokens.admin))
      .json<{ items: Array<Record<string, unknown>> }>()
      .items.find((r) => r.syncRunId === id);
  const onDashboard = async (id: number) =>
    (await h.get('/v1/ops/sync-runs?limit=200', h.tokens.admin))
      .json<{ items: Array<Record<string, unknown>> }>()
      .items.find((r) => r.id === id);

  it('a first incremental run says it runs full for lack of a watermark; one asked full says so', async () => {
    const first = await request({ system: 'vnedu', entity: 'staff', full: false });
    expect(await one(first)).toMatchObject({ incremental: false, fullBecause: 'no_watermark' });
    expect(await listed(first)).toMatchObject({ incremental: false, fullBecause: 'no_watermark' });
    const full = await request({ system: 'vnedu', entity: 'staff', full: true });
    expect(await one(full)).toMatchObject({ incremental: false, fullBecause: 'requested' });
    await createSyncRunsRepo(h.env.deps.db).saveWatermark('vnedu', 'staff', '', 'w1');
    const next = await request({ system: 'vnedu', entity: 'staff', full: false });
    expect(await one(next)).toMatchObject({ incremental: true, fullBecause: null });
    // The request's audit entry says it too.
    const audit = await h.env.deps.db.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM truc.audit_log WHERE subject = $1 AND action = 'sync.requested'
        UNION ALL SELECT details FROM truc.audit_pending WHERE subject = $1 AND action = 'sync.requested'`,
      [`sync:${first}`],
    );
    expect(audit.rows.map((r) => r.details['fullBecause'])).toEqual(['no_watermark']);
  });

  it('a run queued while its system’s circuit is open says what it waits on, and until when', async () => {
    const id = await request({ system: 'smas', entity: 'staff', full: true });
    expect(await one(id)).toMatchObject({ status: 'queued', waiting: null });
    const openedAt = new Date(Date.now() - 60_000);
    const pausedUntil = new Date(Date.now() + 10 * 60_000);
    await createDeliveryGatesRepo(h.env.deps.db).update('smas', () => ({
      change: { circuit: 'open', pauseReason: 'circuit-open', pausedUntil, openedAt, failures: 5 },
      result: undefined,
    }));
    const waiting = {
      reason: 'circuit-open',
      system: 'smas',
      since: openedAt.toISOString(),
      until: pausedUntil.toISOString(),
    };
    // Was: status 'queued' and nothing else.
    expect(await one(id)).toMatchObject({ status: 'queued', waiting });
    expect(await listed(id)).toMatchObject({ status: 'queued', waiting });
    expect(await onDashboard(id)).toMatchObject({ status: 'queued', waiting });
    // A run that is over waits on nothing, the circuit open or not.
    const done = await request({ system: 'smas', entity: 'classes', full: true });
    await createSyncRunsRepo(h.env.deps.db).recordPage(done, {
      last: true,
      cursor: null,
      records: 0,
      tombstones: 0,
      watermark: null,
    });
    expect(await one(done)).toMatchObject({ status: 'done', waiting: null });
    // Once the pause is over, nothing.
    await createDeliveryGatesRepo(h.env.deps.db).update('smas', () => ({
      change: { circuit: 'closed', pauseReason: null, pausedUntil: null, failures: 0 },
      result: undefined,
    }));
    expect(await one(id)).toMatchObject({ status: 'queued', waiting: null });
  });

  it("a full run whose reconciliation is held says status held, in its body, the list and the dashboard's", async () => {
    const runs = createSyncRunsRepo(h.env.deps.db);
    const id = await request({ system: 'hcm-csdl', entity: 'schools', full: true });
    await runs.recordPage(id, { last: true, cursor: null, records: 0, tombstones: 0, watermark: 'w1' });
    await runs.claimReconcile(id);
    await runs.holdReconcile(id);
    // Was: status 'done' with reconcile 'held' (listed under status=held all the same).
    expect(await one(id)).toMatchObject({ status: 'held', reconcile: 'held' });
    expect(await listed(id)).toMatchObject({ status: 'held', reconcile: 'held' });
    expect(await onDashboard(id)).toMatchObject({ status: 'held' });
    const heldIds = (await h.get('/v1/syncs?status=held', h.tokens.admin))
      .json<{ items: Array<{ syncRunId: number }> }>()
      .items.map((r) => r.syncRunId);
    expect(heldIds).toContain(id);
  });
});
