/**
 * walk6b: `truc holds show` of a held snapshot listed its reasons by ratio alone, grade 7, 8, 9 (100 %), the whole
 * school (95 %), grade 6 (85 %): the order walk5 W5-6 fixed in the API (store/guard-holds.ts rankedReasons) and not in
 * the CLI. Now the API's order: the school of the highest ratio first, each school's together, the whole school first,
 * then its grades in order (6 before 10), then kind.
 */
import { describe, expect, it } from 'vitest';
import { showLines } from '../../../src/cli/commands/hold-show.js';
import type { HoldReason } from '../../../src/store/guard-holds.js';
import { heldHold as hold } from '../../helpers/guard-hold.js';

const reason = (school: string, grade: string | undefined, count: number, live: number): HoldReason => ({
  school,
  ...(grade === undefined ? {} : { grade }),
  kind: 'deleted',
  count,
  live,
  ratio: count / live,
  threshold: 0.3,
});

/** The reason lines' places, as `school` or `school/grade`, in the order printed. */
const order = (reasons: HoldReason[]): string[] => {
  const text = showLines(hold({ kind: 'batch', syncRunId: null, batchId: 'b', reasons })).join('\n');
  return reasons
    .map((r) => ({
      at: text.indexOf(`/ school ${r.school}${r.grade ? ` grade ${r.grade}` : ''}: deleted`),
      r,
    }))
    .sort((a, b) => a.at - b.at)
    .map(({ at, r }) => (at < 0 ? '?' : r.grade ? `${r.school}/${r.grade}` : r.school));
};

describe('holds show: the reasons in the API’s order', () => {
  it('a snapshot’s: the whole school first, then its grades in order, whatever their ratios', () => {
    const reasons = [
      reason('79678904', '7', 10, 10),
      reason('79678904', '8', 10, 10),
      reason('79678904', '10', 10, 10),
      reason('79678904', undefined, 42, 44),
      reason('79678904', '6', 11, 13),
    ];
    expect(order(reasons)).toEqual(['79678904', '79678904/6', '79678904/7', '79678904/8', '79678904/10']);
  });

  it('schools by their highest ratio, each school’s together', () => {
    const reasons = [
      reason('79000002', undefined, 5, 10),
      reason('79000001', '6', 9, 10),
      reason('79000001', undefined, 4, 10),
    ];
    expect(order(reasons)).toEqual(['79000001', '79000001/6', '79000002']);
  });
});
