/**
 * Guard holds as the store reads them, for tests of what the CLI and the dashboard print of one: held, nothing
 * decided, no school; a test names the fields it is about.
 */
import type { GuardHold, GuardHoldSummary } from '../../src/store/guard-holds.js';

/** A held run's hold (`over` the fields a test is about). */
export const heldHold = (over: Partial<GuardHold> = {}): GuardHold => ({
  id: 9,
  kind: 'run',
  batchId: null,
  syncRunId: 4,
  entity: 'students',
  status: 'held',
  diff: [],
  reasons: [],
  createdAt: new Date('2026-12-05T02:00:00Z'),
  decidedAt: null,
  decidedBy: null,
  decidedById: null,
  decisionReason: null,
  appliedAt: null,
  applied: null,
  appliedOf: null,
  kept: null,
  weighingUntil: null,
  weighing: null,
  exceptSchools: [],
  ...over,
});

/** A hold as lists show it (totals over its schools, no keys): one school, one live record deleted. */
export const heldHoldSummary = (over: Partial<GuardHoldSummary> = {}): GuardHoldSummary => {
  const { diff: _keysNotListed, kept: _keptNotListed, ...hold } = heldHold();
  return {
    ...hold,
    reasonsTotal: 0,
    schools: 1,
    totals: { live: 1, deleted: 1, moved: 0, changed: 0, restored: 0 },
    ...over,
  };
};
