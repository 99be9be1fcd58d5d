/**
 * walk3 W3-5: on the embedded database (PGlite, no NOTIFY relayed) an idle worker whose next job was delayed an hour
 * or more waited BullMQ's longest block (3600 s) and heard of no job added meanwhile: the demo's 01:40 and 02:00 +07
 * schedule fires, added after the `schedules` worker began waiting for tomorrow's 01:00, ran at 02:18. With
 * `maxBlockSeconds` (src/deps.ts sets it on PGlite) the wait is capped, so the worker fetches again.
 */
import { describe, expect, it } from 'vitest';
import { PostgresWorker, type BlockLimit } from '../../../src/jobs/pg-worker.js';

/** The worker's wait for a next delayed job `aheadMs` away, as BullMQ's loop asks it (no database). */
function blockFor(limit: BlockLimit, aheadMs: number, failedSinceFetch = false): number {
  const w = Object.create(PostgresWorker.prototype) as PostgresWorker;
  // BullMQ's own reading of the wait: its options and its backend's bounds (the PostgreSQL backend's, keepalive on)
  Object.assign(w, {
    opts: { drainDelay: 0.25 },
    backend: { minimumBlockTimeout: 0.001, maximumBlockTimeout: 3600 },
    limit,
    failedSinceFetch,
  });
  return (w as unknown as { getBlockTimeout(until: number): number }).getBlockTimeout(Date.now() + aheadMs);
}

describe('an idle PostgreSQL-queue worker waiting for a delayed job (walk3 W3-5)', () => {
  it('waits no longer than maxBlockSeconds, whatever the delay', () => {
    expect(blockFor({ maxBlockSeconds: 0.25 }, 24 * 3600_000)).toBe(0.25);
    expect(blockFor({ maxBlockSeconds: 0.25 }, 100)).toBeLessThanOrEqual(0.1);
  });

  it("without it, BullMQ's own wait: until the job, at most an hour", () => {
    expect(blockFor({}, 24 * 3600_000)).toBe(3600);
    expect(blockFor({}, 60_000)).toBeCloseTo(60, 0);
  });

  it('a due job is fetched at once, capped or not', () => {
    expect(blockFor({ maxBlockSeconds: 0.25 }, -5)).toBeLessThanOrEqual(0);
  });
});
