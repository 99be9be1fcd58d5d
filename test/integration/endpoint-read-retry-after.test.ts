/**
 * Issue 7 item 4 (fix37b's leftover): a 429 with Retry-After on a READ (a pull's page) paused every call to the system,
 * though fix37b made the same 429 on a write hold that write's endpoint alone. hcm-csdl's modelled 429s are per route
 * (its simulator's `status429` fault on `paths`: `GET /v1/students` is a route of its own), so a pull reads its entity's
 * endpoint (`students:read`) and such a Retry-After holds that entity's reads alone: the pull's page job waits alone, the
 * system's writes and its reads of other entities go on; shown where fix37b shows a write's wait (the overview's
 * `endpointRetryAfter`, the gauge `truc_retry_after_until_timestamp_seconds{system,endpoint}`, the audit's
 * `gate.retry-after`). A system listed in `sync.delivery.systemWideRateLimits` (a client-wide limiter) still pauses as a
 * whole. Through the pull's own read (src/jobs/pull-ahead.ts `fetchPage`) at the gate on PostgreSQL, the API in process.
 */
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import { DeferJob } from '../../src/jobs/define.js';
import { createDeliveryGates, type DeliveryGates } from '../../src/jobs/gates.js';
import { fetchPage, type AheadContext } from '../../src/jobs/pull-ahead.js';
import type { PullSources } from '../../src/jobs/sources.js';
import { createLogger } from '../../src/observability/logger.js';
import type { SyncRun } from '../../src/store/sync-run-reads.js';
import { CONFIGURED_SYSTEMS_ENV, useApiHarness } from '../helpers/api.js';
import { retryAfterViews } from '../helpers/gate-views.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

const SYSTEM = 'hcm-csdl';
const READ = 'students:read';
const RETRY_AFTER_S = 600;
const tooMany = () =>
  new AppError('ERR_ADAPTER_RATE_LIMITED', 'GET /v1/students failed: HTTP 429', {
    retryAfterSeconds: RETRY_AFTER_S,
  });
/** A source whose students' pages are answered 429 with Retry-After. */
const limited = { [SYSTEM]: { entities: ['students'], page: () => Promise.reject(tooMany()) } };
const run = {
  id: 1,
  system: SYSTEM,
  entity: 'students',
  scope: '',
  cursor: null,
  since: null,
} as unknown as SyncRun;

describe("issue 7 item 4, a read's 429 holds that read's endpoint alone (postgres)", () => {
  const h = useApiHarness(
    { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
    { env: CONFIGURED_SYSTEMS_ENV },
  );
  const contextOf = (systemWide: boolean): AheadContext & { gates: DeliveryGates } => {
    const config = structuredClone(h.env.config) as Mutable<Config>;
    config.sync.delivery.systemWideRateLimits = systemWide ? [SYSTEM] : [];
    const gates = createDeliveryGates({
      db: h.env.deps.db,
      config,
      logger: createLogger('silent'),
      metrics: h.env.deps.metrics,
    });
    const sources = limited as unknown as PullSources;
    return { db: h.env.deps.db, config, gates, sources, now: () => new Date() };
  };
  const { fresh, audited, overview, gauge } = retryAfterViews(h, SYSTEM);
  /** The pull's page of students read through the gate, answered 429: its job is handed back. */
  const readTold = async (ctx: AheadContext) => {
    const err = await fetchPage(ctx, run).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeferJob);
    return err as DeferJob;
  };

  it("the students' reads wait alone; the system's writes and its other reads go on; shown at the endpoint", async () => {
    await fresh();
    const ctx = contextOf(false);
    const { gates } = ctx;
    const deferred = await readTold(ctx);
    expect(deferred).toMatchObject({ scope: 'job', reason: 'retry-after' });
    expect(deferred.delayMs).toBeGreaterThan((RETRY_AFTER_S - 60) * 1000);
    // The system's writes and its staff's reads go on (red before: go false, retry-after, for both).
    const write = await gates.enter(SYSTEM, { pace: true, endpoint: 'students:upsert' });
    expect(write).toMatchObject({ go: true });
    await gates.succeeded(SYSTEM, write);
    expect(await gates.enter(SYSTEM, { pace: false, endpoint: 'staff:read' })).toMatchObject({ go: true });
    expect(gates.heldHere(SYSTEM, 'students:upsert')).toBeUndefined();
    // The students' reads wait for it, in this process and in any other (a gate of its own reads the row).
    const held = { go: false, reason: 'retry-after', endpoint: READ };
    expect(await gates.enter(SYSTEM, { pace: false, endpoint: READ })).toMatchObject(held);
    expect(await contextOf(false).gates.enter(SYSTEM, { pace: false, endpoint: READ })).toMatchObject(held);
    const again = await readTold(contextOf(false));
    expect(again).toMatchObject({ scope: 'job', reason: 'retry-after' });
    // Shown where a write's wait is: the overview (nothing holds the system's reads or writes), the metrics, the audit.
    expect(await overview()).toMatchObject({
      circuit: 'closed',
      pausedUntil: null,
      pauseReason: null,
      reads: null,
      endpointRetryAfter: [{ endpoint: READ, until: expect.any(String) }],
    });
    expect(await gauge()).toEqual([
      `truc_retry_after_until_timestamp_seconds{system="${SYSTEM}",endpoint="${READ}"}`,
    ]);
    expect(await audited()).toEqual([{ subject: `circuit:${SYSTEM}:${READ}`, endpoint: READ }]);
  });

  it("a system whose rate limit is its client's (systemWideRateLimits) still pauses every call on a read's 429", async () => {
    await fresh();
    const ctx = contextOf(true);
    await readTold(ctx);
    const { gates } = ctx;
    expect(await gates.enter(SYSTEM, { pace: true, endpoint: 'staff:upsert' })).toMatchObject({
      go: false,
      reason: 'retry-after',
    });
    expect(await gates.enter(SYSTEM, { pace: false, endpoint: 'staff:read' })).toMatchObject({
      go: false,
      reason: 'retry-after',
    });
    expect(await overview()).toMatchObject({ pauseReason: 'retry-after', endpointRetryAfter: [] });
    expect(await gauge()).toEqual([`truc_retry_after_until_timestamp_seconds{system="${SYSTEM}"}`]);
    expect(await audited()).toEqual([{ subject: `circuit:${SYSTEM}`, endpoint: null }]);
  });
});
