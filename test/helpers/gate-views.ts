/**
 * What an admin sees of a system's delivery gate, for the gate tests run with the API in process.
 */
import { expect } from 'vitest';
import { createDeliveryGatesRepo, type GateChange } from '../../src/store/delivery-gates.js';
import type { ApiHarness } from './api.js';

/**
 * A run's `waiting` as GET /v1/syncs/{id} says it, checked equal in GET /v1/syncs and the dashboard's
 * /v1/ops/sync-runs (`run`); `gate` changes the system's gate row through the store (fix36c, gatefix).
 */
export function runHoldViews(h: ApiHarness, system: string) {
  return {
    gate: (change: GateChange) =>
      createDeliveryGatesRepo(h.env.deps.db).update(system, () => ({ change, result: undefined })),
    run: async (id: number): Promise<unknown> => {
      const one = (await h.get(`/v1/syncs/${id}`, h.tokens.admin)).json<Record<string, unknown>>();
      const listed = (await h.get('/v1/syncs?limit=500', h.tokens.admin))
        .json<{ items: Array<Record<string, unknown>> }>()
        .items.find((r) => r.syncRunId === id);
      const dashboard = (await h.get('/v1/ops/sync-runs?limit=200', h.tokens.admin))
        .json<{ items: Array<Record<string, unknown>> }>()
        .items.find((r) => r.id === id);
      expect(listed?.waiting).toEqual(one.waiting);
      expect(dashboard?.waiting).toEqual(one.waiting);
      return one.waiting;
    },
  };
}

/**
 * What an admin sees of a system's Retry-After waits, for the gate tests of fix37b (writes) and endpoint (reads):
 * the gate's audit entries written since the test's gate began, the system's line of GET /v1/ops/overview and the
 * wait gauge's series. `fresh()` forgets the system's gate row and starts the clock the entries are read from.
 */

export function retryAfterViews(h: ApiHarness, system: string) {
  /** When the test's gate began (database clock): its audit entries are those written since. */
  let since: Date | undefined;
  const db = () => h.env.deps.db;
  return {
    fresh: async (): Promise<void> => {
      await db().query(`DELETE FROM truc.delivery_gates WHERE system = $1`, [system]);
      since = (await db().query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]!.now;
    },
    /** The gate.retry-after entries since {@link fresh}, chained or not yet. */
    audited: async (): Promise<Array<{ subject: string; endpoint: string | null }>> => {
      const res = await db().query<{ subject: string; endpoint: string | null }>(
        `SELECT subject, details->>'endpoint' AS endpoint FROM truc.audit_pending
          WHERE action = 'gate.retry-after' AND at >= $1
         UNION ALL
         SELECT subject, details->>'endpoint' FROM truc.audit_log WHERE action = 'gate.retry-after' AND at >= $1`,
        [since],
      );
      return res.rows;
    },
    /** The system's entry of the overview, read with the admin token. */
    overview: async (): Promise<Record<string, unknown> | undefined> => {
      const res = await h.get('/v1/ops/overview', h.tokens.admin);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ systems: Array<Record<string, unknown>> }>().systems.find((s) => s.system === system);
    },
    /** The system's series of truc_retry_after_until_timestamp_seconds, labels only. */
    gauge: async (): Promise<string[]> =>
      (await h.get('/metrics')).body
        .split('\n')
        .filter((l) => l.startsWith('truc_retry_after_until_timestamp_seconds{') && l.includes(system))
        .map((l) => l.slice(0, l.indexOf('}') + 1)),
  };
}
