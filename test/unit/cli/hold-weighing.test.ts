/**
 * fix32e (review32 F3): `truc holds show` of a held run whose next pages are being weighed says the hold is not
 * whole yet and when it can be decided (the API answers 409 ERR_GUARD_WEIGHING until then).
 */
import { describe, expect, it } from 'vitest';
import { showLines } from '../../../src/cli/commands/holds.js';
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
