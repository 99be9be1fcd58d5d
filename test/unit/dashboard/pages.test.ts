/**
 * walk5 W5-8: a PCGD officer or a vendor signing in to the dashboard landed on the audit page and met two 403s. Each
 * session lands on the first page its scopes allow (the header's order); a session they allow none is shown the
 * no-page page, and a page of the dashboard its scopes do not allow is refused there, the API never asked.
 * dashboard/src/pages.ts.
 */
import { describe, expect, it } from 'vitest';
import { allowedPages, landingRoute, opens, pagesByScope, shownPage } from '../../../dashboard/src/pages.js';

const ADMIN = ['batches:read', 'records:read', 'admin', 'guard', 'quality:read', 'pcgd:read', 'pcgd:write'];
const AUDITOR = ['audit:read', 'quality:read'];
const OFFICER = ['pcgd:read', 'pcgd:write', 'quality:read'];
const VENDOR = ['batches:write', 'batches:read', 'records:read', 'webhooks', 'quality:read'];

describe('dashboard: where a session lands and what a page shows it', () => {
  it('lands on the first page its scopes allow; none: the no-page page (#/), never the audit page', () => {
    expect(landingRoute(null, ADMIN)).toBe('#/overview');
    expect(landingRoute(null, AUDITOR)).toBe('#/audit');
    expect(landingRoute(null, ['guard'])).toBe('#/guard');
    expect(landingRoute(null, OFFICER)).toBe('#/');
    expect(landingRoute(null, VENDOR)).toBe('#/');
    expect(shownPage('', OFFICER)).toEqual({ refused: 'noPage' });
    expect(shownPage('', VENDOR)).toEqual({ refused: 'noPage' });
  });

  it('returns to the kept page only when the session may see it', () => {
    expect(landingRoute('#/schools?q=kim', ADMIN)).toBe('#/schools?q=kim');
    expect(landingRoute('#/schools?q=kim', AUDITOR)).toBe('#/audit');
    expect(landingRoute('#/audit?actor=cl_1', OFFICER)).toBe('#/');
  });

  it('a page its scopes do not allow is refused without asking; an unknown name is the page’s 404', () => {
    expect(shownPage('', ADMIN)).toEqual({ page: 'overview' });
    expect(shownPage('', AUDITOR)).toEqual({ page: 'audit' });
    expect(shownPage('audit', AUDITOR)).toEqual({ page: 'audit' });
    expect(shownPage('overview', AUDITOR)).toEqual({ refused: 'forbidden' });
    expect(shownPage('audit', ADMIN)).toEqual({ refused: 'forbidden' });
    expect(shownPage('audit', OFFICER)).toEqual({ refused: 'noPage' });
    expect(shownPage('nowhere', ADMIN)).toEqual({ page: 'nowhere' });
  });

  it('lists each set of scopes that opens a page with its pages, in the header’s order: quality under admin + quality:read (fix7)', () => {
    expect(pagesByScope()).toEqual([
      { scopes: ['admin'], keys: ['overview', 'schools', 'syncRuns', 'deadLetters'] },
      { scopes: ['admin', 'quality:read'], keys: ['quality'] },
      { scopes: ['guard'], keys: ['heldChanges'] },
      { scopes: ['audit:read'], keys: ['audit'] },
    ]);
  });

  it('dash6: the quality page needs quality:read beside admin; a link leads only to a page the session may see', () => {
    const custom = ['admin'];
    expect(allowedPages(custom).map((n) => n.path)).toEqual(['overview', 'schools', 'sync', 'dead-letters']);
    expect(shownPage('quality', custom)).toEqual({ refused: 'forbidden' });
    expect(opens('#/quality?level=commune&code=26995', custom)).toBe(false);
    expect(opens('#/guard/12', custom)).toBe(false);
    expect(opens('#/guard', ADMIN)).toBe(true);
    expect(opens('#/schools?q=kim', custom)).toBe(true);
    expect(opens('#/quality', ADMIN)).toBe(true);
  });

  it('dash9: a batch’s page, reached by a link only, needs batches:read; it is in no header and no landing', () => {
    const custom = ADMIN.filter((s) => s !== 'batches:read');
    expect(opens('#/batches/0b6f?severity=error', ADMIN)).toBe(true);
    expect(opens('#/batches?syncRunId=12', custom)).toBe(false);
    expect(shownPage('batches', ADMIN)).toEqual({ page: 'batches' });
    expect(shownPage('batches', custom)).toEqual({ refused: 'forbidden' });
    expect(allowedPages(ADMIN).map((n) => n.path)).not.toContain('batches');
  });
});
