/**
 * fix32e (review32 F3): `truc holds show` of a held run whose next pages are being weighed says the hold is not
 * whole yet and when it can be decided (the API answers 409 ERR_GUARD_WEIGHING until then).
 */
import { describe, expect, it } from 'vitest';
import { showLines } from '../../../src/cli/commands/hold-show.js';
import { heldHold as hold } from '../../helpers/guard-hold.js';

describe("a held run's hold while its next pages are weighed", () => {
  it('says it is not whole yet, and until when', () => {
    const text = showLines(hold({ weighingUntil: new Date('2026-12-05T02:02:00Z') })).join('');
    expect(text).toContain(
      "/ the run's next pages are being weighed, the hold is not whole yet: it cannot be decided before 2026-12-05 09:02 (+07)",
    );
  });
  it('says nothing of it once weighed', () => {
    expect(showLines(hold({})).join('')).not.toContain('weighed');
  });
});

/** fix33d (review33a F2): a weighed hold keeps guard.weighedKeys codes a school and kind, its counts exact. */
describe("a weighed hold's codes, some left out", () => {
  const keys = (n: number) => Array.from({ length: n }, (_, i) => `HS${String(i).padStart(3, '0')}`);
  const school = (over: { keysTruncated?: true }) => ({
    school: '79000001',
    live: 600,
    deleted: 500,
    moved: 0,
    changed: 0,
    keys: { deleted: keys(50), moved: [], changed: [] },
    ...over,
  });
  it('counts the codes left out and says --json holds those the hold keeps', () => {
    const text = showLines(hold({ diff: [school({ keysTruncated: true })] })).join('');
    expect(text).toContain('HS019 and 480 more (--json: the 50 the hold keeps)\n');
  });
  it('says --json holds all of them when none was left out', () => {
    const text = showLines(hold({ diff: [school({})] })).join('');
    expect(text).toContain('HS019 and 30 more (--json: all)\n');
  });
});
