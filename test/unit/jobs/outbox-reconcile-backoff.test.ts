/**
 * rel29 item 5: the outbox reconciler runs in the relay's pass (./outbox-relay.ts `pollChores`), and a pass at a
 * large backlog is long (1 M open rows: ~80 s, the queue asked for each row's job), so every `reconcileEveryMs` it
 * left the relay almost no time to relay. A reconciliation that re-queued nothing now waits nine times its own length
 * (at least `reconcileEveryMs`) before the next; one that found lost jobs keeps the period. The clock is this
 * test's; the database (metrics) is the embedded one.
 */
import type { Logger } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { pollChores, RECONCILE_BACKOFF } from '../../../src/jobs/outbox-relay.js';
import type { QueueFactory } from '../../../src/jobs/queues.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { useMemoryDb } from '../../helpers/memory-db.js';

const db = useMemoryDb();
afterAll(() => {
  vi.restoreAllMocks();
});

describe('the outbox reconciler backs off while it finds nothing lost (rel29)', () => {
  it('waits nine times its own length after a pass that re-queued nothing; the period after one that did', async () => {
    let now = 1_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    const passes: number[] = [];
    // Each pass takes 10 s of the clock; it answers how many rows it re-queued.
    let lost = 0;
    const reconcileOnce = async (): Promise<number> => {
      passes.push(now);
      now += 10_000;
      return lost;
    };
    const logger = { warn: vi.fn(), debug: vi.fn(), info: vi.fn(), error: vi.fn() } as unknown as Logger;
    const deps = { db, queues: {} as QueueFactory, logger, metrics: createMetrics() };
    const chores = pollChores(deps, { pollMs: 1, reconcileEveryMs: 5_000 }, reconcileOnce);
    const at = async (t: number) => {
      now = t;
      await chores();
    };
    await at(1_001_000); // not due yet: the period since the relay started
    await at(1_005_000); // due: a pass of 10 s that finds nothing lost (ends at 1_015_000)
    expect(passes).toEqual([1_005_000]);
    // Five seconds after it ended: not due (without the back-off: a second pass, the relay stalled again).
    await at(1_020_000);
    expect(passes).toEqual([1_005_000]);
    await at(1_015_000 + RECONCILE_BACKOFF * 10_000 - 1);
    expect(passes).toEqual([1_005_000]);
    // Due again after nine times its length; this one finds lost jobs (Redis lost them): the period again.
    lost = 3;
    await at(1_015_000 + RECONCILE_BACKOFF * 10_000);
    expect(passes).toHaveLength(2);
    const ended = passes[1]! + 10_000;
    await at(ended + 5_000);
    expect(passes).toEqual([1_005_000, 1_015_000 + RECONCILE_BACKOFF * 10_000, ended + 5_000]);
  });
});
