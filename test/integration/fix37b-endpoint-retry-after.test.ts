/**
 * fix37b item 1 (fix36c's leftover): a 429 with Retry-After on a write to an endpoint that has its own circuit (hcm-csdl's
 * students:batch) paused every call to the system for the Retry-After: the staff pushes and the pulls waited out a
 * wait only students:batch asked for. hcm-csdl's modelled 429s are per route (its simulator's `status429` fault on
 * `paths`), so now such a Retry-After holds that endpoint's writes alone, its job waiting alone; the system's other
 * writes and its reads go on; the overview (`endpointRetryAfter`), the metrics
 * (`truc_retry_after_until_timestamp_seconds{system,endpoint}`) and the audit (`gate.retry-after`, subject
 * `circuit:hcm-csdl:students:upsert`) show it at the endpoint. A system whose rate limit is its client's
 * (`sync.delivery.systemWideRateLimits`) still pauses as a whole. At the gate (src/jobs/gates.ts) on PostgreSQL, the API
 * in process.
 */
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import { createDeliveryGates, type DeliveryGates } from '../../src/jobs/gates.js';
import { throughGate } from '../../src/jobs/through-gate.js';
import { DeferJob } from '../../src/jobs/define.js';
import { createLogger } from '../../src/observability/logger.js';
import { CONFIGURED_SYSTEMS_ENV, useApiHarness } from '../helpers/api.js';
import { retryAfterViews } from '../helpers/gate-views.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

const SYSTEM = 'hcm-csdl';
const STUDENTS = 'students:upsert';
const STAFF = 'staff:upsert';
const RETRY_AFTER_S = 600;
const tooMany = () =>
  new AppError('ERR_ADAPTER_RATE_LIMITED', 'PUT /v1/students:batch failed: HTTP 429', {
    retryAfterSeconds: RETRY_AFTER_S,
  });

describe('fix37b item 1, a 429 of one endpoint holds that endpoint alone (postgres)', () => {
  const h = useApiHarness(
    { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
    { env: CONFIGURED_SYSTEMS_ENV },
  );
  const gatesOf = (systemWide: boolean): DeliveryGates => {
    const config = structuredClone(h.env.config) as Mutable<Config>;
    config.sync.delivery.systemWideRateLimits = systemWide ? [SYSTEM] : [];
    return createDeliveryGates({
      db: h.env.deps.db,
      config,
      logger: createLogger('silent'),
      metrics: h.env.deps.metrics,
    });
  };
  const { fresh, audited, overview, gauge } = retryAfterViews(h, SYSTEM);
  /** A write to students:upsert told to wait (429, Retry-After) through the gate, as a push makes it. */
  const studentsTold = async (gates: DeliveryGates) => {
    const staff = await gates.enter(SYSTEM, { pace: true, endpoint: STAFF });
    await gates.succeeded(SYSTEM, staff);
    const err = await throughGate({ gates }, SYSTEM, () => Promise.reject(tooMany()), STUDENTS).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeferJob);
    return err as DeferJob;
  };

  it("the students' writes wait alone; the staff's writes and the pulls go on; shown at the endpoint", async () => {
    await fresh();
    const gates = gatesOf(false);
    const deferred = await studentsTold(gates);
    // The job waits alone (red before: scope 'queue', the whole push queue paused, no endpoint).
    expect(deferred).toMatchObject({ scope: 'job', reason: 'retry-after', endpoint: STUDENTS });
    expect(deferred.delayMs).toBeGreaterThan((RETRY_AFTER_S - 60) * 1000);
    // The staff's writes and the reads go on (red before: go false, retry-after, for both).
    const staff = await gates.enter(SYSTEM, { pace: true, endpoint: STAFF });
    expect(staff).toMatchObject({ go: true });
    await gates.succeeded(SYSTEM, staff);
    expect(await gates.enter(SYSTEM, { pace: false })).toMatchObject({ go: true });
    expect(gates.heldHere(SYSTEM, STAFF)).toBeUndefined();
    // The students' writes wait for it, in this process and in any other (a gate of its own reads the row).
    expect(await gates.enter(SYSTEM, { pace: true, endpoint: STUDENTS })).toMatchObject({
      go: false,
      reason: 'retry-after',
      endpoint: STUDENTS,
    });
    expect(gates.heldHere(SYSTEM, STUDENTS)).toMatchObject({ reason: 'retry-after', endpoint: STUDENTS });
    expect(await gatesOf(false).enter(SYSTEM, { pace: true, endpoint: STUDENTS })).toMatchObject({
      go: false,
      reason: 'retry-after',
      endpoint: STUDENTS,
    });
    expect(await gates.endpointHeld(SYSTEM, STUDENTS)).toBe(true);
    // Shown where it applies: the overview, the metrics, the audit.
    const shown = await overview();
    expect(shown).toMatchObject({
      circuit: 'closed',
      pausedUntil: null,
      pauseReason: null,
      reads: null,
      endpointCircuits: [],
      endpointRetryAfter: [{ endpoint: STUDENTS, until: expect.any(String) }],
    });
    expect(await gauge()).toEqual([
      `truc_retry_after_until_timestamp_seconds{system="${SYSTEM}",endpoint="${STUDENTS}"}`,
    ]);
    expect(await audited()).toEqual([{ subject: `circuit:${SYSTEM}:${STUDENTS}`, endpoint: STUDENTS }]);
    // A second 429 while it runs is no new pause in the audit.
    await studentsTold(gates).catch(() => undefined);
    expect(await audited()).toHaveLength(1);
  });

  it("a system whose rate limit is its client's (systemWideRateLimits) still pauses every call", async () => {
    await fresh();
    const gates = gatesOf(true);
    const deferred = await studentsTold(gates);
    expect(deferred).toMatchObject({ scope: 'queue', reason: 'retry-after' });
    expect(deferred.endpoint).toBeUndefined();
    expect(await gates.enter(SYSTEM, { pace: true, endpoint: STAFF })).toMatchObject({
      go: false,
      reason: 'retry-after',
    });
    expect(await gates.enter(SYSTEM, { pace: false })).toMatchObject({ go: false, reason: 'retry-after' });
    expect(await overview()).toMatchObject({ pauseReason: 'retry-after', endpointRetryAfter: [] });
    expect(await gauge()).toEqual([`truc_retry_after_until_timestamp_seconds{system="${SYSTEM}"}`]);
    expect(await audited()).toEqual([{ subject: `circuit:${SYSTEM}`, endpoint: null }]);
  });
});
