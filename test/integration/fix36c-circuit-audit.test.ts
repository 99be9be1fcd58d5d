/**
 * fix36c item 2: a circuit opening or closing (the system's, an endpoint's own) is audited once, whatever number of
 * workers see it: `circuit.opened` / `circuit.closed`, subject the circuit, details system, endpoint, from, to and the
 * reason code, and an opening's openedBy (gates3 item 2), nothing else (no record, no personal data). Two workers' gates (two createDeliveryGates on one database,
 * as two `truc worker` processes) fail and answer at once: exactly one entry per transition. The events go through
 * src/audit's one append path for hot paths (recordAudit, in the gate row's transaction), so they are read from the
 * chain and its pending rows together. On PostgreSQL, as fix35f-endpoint-circuit.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createDeliveryGates } from '../../src/jobs/gates.js';
import { createLogger } from '../../src/observability/logger.js';
import { usePgGates } from '../helpers/pg-gates.js';

const SYSTEM = 'hcm-csdl';
const STUDENTS = 'students:upsert';
const STAFF = 'staff:upsert';
const down = new AppError('ERR_ADAPTER_UNAVAILABLE', 'HTTP 503');

describe('fix36c item 2, circuits audited once per transition (postgres)', () => {
  const w = usePgGates();
  /** A second worker's gates on the same database. */
  const other = () =>
    createDeliveryGates({
      db: w.env.deps.db,
      config: w.env.config,
      logger: createLogger('silent'),
      metrics: w.env.deps.metrics,
    });
  const entries = async () =>
    (
      await w.env.deps.db.query<{ action: string; subject: string; details: Record<string, unknown> }>(
        `SELECT action, subject, details FROM (
           SELECT seq::bigint AS n, action, subject, details FROM truc.audit_log WHERE action LIKE 'circuit.%'
           UNION ALL
           SELECT 1e15::bigint + id, action, subject, details FROM truc.audit_pending WHERE action LIKE 'circuit.%'
         ) e ORDER BY n`,
      )
    ).rows;
  const pausesOver = () =>
    w.env.deps.db.query(
      `UPDATE truc.delivery_gates SET paused_until = now() - interval '1 second',
              endpoint_circuits = (SELECT coalesce(jsonb_object_agg(k, jsonb_set(v, '{pausedUntil}',
                to_jsonb((now() - interval '1 second')::text))), '{}'::jsonb) FROM jsonb_each(endpoint_circuits) AS e(k, v))
        WHERE system = $1`,
      [SYSTEM],
    );

  it("the system's circuit: one circuit.opened and one circuit.closed, though two workers fail and answer at once", async () => {
    const [a, b] = [w.gates, other()];
    const threshold = w.env.config.sync.delivery.failureThreshold;
    for (let i = 0; i < threshold - 1; i += 1) {
      const read = await a.enter(SYSTEM, { pace: false });
      await a.failed(SYSTEM, down, read);
    }
    const [ra, rb] = [await a.enter(SYSTEM, { pace: false }), await b.enter(SYSTEM, { pace: false })];
    const opened = await Promise.all([a.failed(SYSTEM, down, ra), b.failed(SYSTEM, down, rb)]);
    expect(opened.filter((o) => o.opened)).toHaveLength(1);
    await pausesOver();
    const probe = await a.enter(SYSTEM, { pace: false });
    expect(probe).toMatchObject({ go: true, probe: true });
    await Promise.all([a.succeeded(SYSTEM, probe), b.succeeded(SYSTEM, undefined)]);
    // Red before: no entry at all.
    expect(await entries()).toEqual([
      {
        action: 'circuit.opened',
        subject: `circuit:${SYSTEM}`,
        details: {
          system: SYSTEM,
          endpoint: null,
          from: 'closed',
          to: 'open',
          reason: 'ERR_ADAPTER_UNAVAILABLE',
          openedBy: ['reads'], // gates3 item 2: who opened it (reads without an endpoint)
        },
      },
      {
        action: 'circuit.closed',
        subject: `circuit:${SYSTEM}`,
        details: { system: SYSTEM, endpoint: null, from: 'half-open', to: 'closed', reason: 'answered' },
      },
    ]);
  });

  it("an endpoint's own circuit: opened and closed once each, naming the endpoint", async () => {
    await w.env.deps.db.query(`DELETE FROM truc.audit_pending WHERE action LIKE 'circuit.%'`);
    await w.env.deps.db.query(`DELETE FROM truc.delivery_gates WHERE system = $1`, [SYSTEM]);
    const [a, b] = [w.gates, other()];
    const threshold = w.env.config.sync.delivery.failureThreshold;
    for (let i = 0; i < threshold - 1; i += 1) {
      const staff = await a.enter(SYSTEM, { pace: true, endpoint: STAFF });
      await a.succeeded(SYSTEM, staff);
      const students = await a.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
      await a.failed(SYSTEM, down, students);
    }
    const staff = await a.enter(SYSTEM, { pace: true, endpoint: STAFF });
    await a.succeeded(SYSTEM, staff);
    const [sa, sb] = [
      await a.enter(SYSTEM, { pace: true, endpoint: STUDENTS }),
      await b.enter(SYSTEM, { pace: true, endpoint: STUDENTS }),
    ];
    await Promise.all([a.failed(SYSTEM, down, sa), b.failed(SYSTEM, down, sb)]);
    await pausesOver();
    const probe = await b.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
    expect(probe).toMatchObject({ go: true, endpointProbe: true });
    await b.succeeded(SYSTEM, probe);
    const found = (await entries()).filter((e) => e.details.endpoint !== null);
    expect(found).toEqual([
      {
        action: 'circuit.opened',
        subject: `circuit:${SYSTEM}:${STUDENTS}`,
        details: {
          system: SYSTEM,
          endpoint: STUDENTS,
          from: 'closed',
          to: 'open',
          reason: 'ERR_ADAPTER_UNAVAILABLE',
          openedBy: [STUDENTS], // gates3 item 2: an endpoint's own circuit, its writes
        },
      },
      {
        action: 'circuit.closed',
        subject: `circuit:${SYSTEM}:${STUDENTS}`,
        details: { system: SYSTEM, endpoint: STUDENTS, from: 'half-open', to: 'closed', reason: 'answered' },
      },
    ]);
  });
});
