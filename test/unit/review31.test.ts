/**
 * review31 (session 31, walked as a commune's PCGD-XMC officer in late September and as a new school-management
 * vendor): the findings that need no database. An `it.fails` is an open finding; it passes once the finding is fixed,
 * and then becomes an `it`. Findings are described in /work/briefs/review31-findings.md (same numbering).
 */
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { requireUnit, type PcgdAction } from '../../src/reporting/pcgd/access.js';

/** The detail of the refusal `requireUnit` throws, as the API's problem+json carries it. */
function refusal(units: string[], action: PcgdAction, unit: string): { vi: string; en: string } {
  try {
    requireUnit({ clientId: 'cl_officer', role: 'pcgd-officer', units }, action, unit);
  } catch (err) {
    if (!isAppError(err)) throw err;
    expect(err.code).toBe('ERR_FORBIDDEN_UNIT');
    const [vi = '', en = ''] = err.message.split(' / ');
    return { vi, en };
  }
  throw new Error('not refused');
}

describe('review31, the commune officer refused an action', () => {
  // F5 (LOW, the officer: README "The officer's API" — "a commune's officer cannot reopen: its province's officer or a
  // city admin does"; common.md "every user-facing message bilingual"): a commune's officer whose signed figures need a
  // correction asks POST /v1/pcgd/reports/{id}/reopen, or reads a neighbouring commune, and gets 403
  // ERR_FORBIDDEN_UNIT whose detail's Vietnamese half carries truc's English action word — "ứng dụng này không được
  // reopen đơn vị 26995", "… không được read đơn vị 27112" — and neither half says who may reopen (the province's
  // officer or a city admin), so the officer a week before the deadline does not know whom to ask. Expected: the
  // Vietnamese half says the action in Vietnamese; a reopen refusal names the province's officer / a city admin.
  // Where: src/reporting/pcgd/access.ts requireUnit (`${action}` in both halves).
  it('review31 F5: a refused action is said in Vietnamese, and a refused reopen says who may', () => {
    const english = /\b(read|compute|records|approve|submit|reopen|pull)\b/;
    for (const action of ['read', 'compute', 'approve', 'submit', 'reopen', 'pull'] as const)
      expect(refusal(['26995'], action, action === 'reopen' ? '26995' : '27112').vi).not.toMatch(english);
    const reopen = refusal(['26995'], 'reopen', '26995');
    expect(reopen.vi).toMatch(/tỉnh/);
    expect(reopen.en).toMatch(/province/);
  });
});
