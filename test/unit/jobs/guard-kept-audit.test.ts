/**
 * review6 R6-6: the guard.applied audit entry listed every kept record of a hold, up to a snapshot's 5,000, in one
 * hash-chained row. It lists the first AUDIT_KEPT_MAX and says how many there were; the hold's view keeps them all.
 */
import { describe, expect, it } from 'vitest';
import { AUDIT_KEPT_MAX, keptInAudit } from '../../../src/jobs/guard-kept.js';
import type { KeptRecord } from '../../../src/store/guard-hold-diff.js';

const keptOf = (n: number): KeptRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    key: `K${i}`,
    why: 'written' as const,
    at: '2026-12-07T01:00:00.000Z',
    batchId: `b-${i}`,
  }));

describe('the kept records a guard.applied audit entry holds', () => {
  it('lists at most AUDIT_KEPT_MAX, in order, and counts them all', () => {
    const many = keptInAudit(keptOf(AUDIT_KEPT_MAX * 3 + 7));
    expect(many.keptCount).toBe(AUDIT_KEPT_MAX * 3 + 7);
    expect(many.kept).toHaveLength(AUDIT_KEPT_MAX);
    expect(many.kept[0]).toBe('K0 written batch=b-0 at=2026-12-07T01:00:00.000Z');
    expect(many.kept.at(-1)).toMatch(new RegExp(`^K${AUDIT_KEPT_MAX - 1} written`));
  });

  it('lists every one of a few', () => {
    expect(keptInAudit(keptOf(3))).toEqual({
      keptCount: 3,
      kept: [0, 1, 2].map((i) => `K${i} written batch=b-${i} at=2026-12-07T01:00:00.000Z`),
    });
  });
});
