/**
 * The dashboard's pages, the scope each needs, and which one a session is shown (walk5 W5-8: a PCGD officer or a
 * vendor signing in landed on the audit page and met two 403s). Pure (no DOM): unit-tested in test/unit/dashboard.
 */
import { returnRoute } from './return-to.js';

/**
 * The pages in the header's order, each with its dictionary key (i18n.ts) and the scope it needs: a session lands on
 * the first its scopes allow.
 */
export const NAV = [
  { path: 'overview', key: 'overview', scope: 'admin' },
  { path: 'schools', key: 'schools', scope: 'admin' },
  // its quality run is an admin's read, its scorecards quality:read's (a custom admin client may lack it: dash6)
  { path: 'quality', key: 'quality', scope: 'admin', also: 'quality:read' },
  { path: 'sync', key: 'syncRuns', scope: 'admin' },
  { path: 'guard', key: 'heldChanges', scope: 'guard' },
  { path: 'dead-letters', key: 'deadLetters', scope: 'admin' },
  { path: 'audit', key: 'audit', scope: 'audit:read' },
] as const;

/**
 * Pages reached by a link only (not in the header, never landed on), each with the scope its reads need: a batch's
 * page (dash9, GET /v1/batches/{id}: `batches:read`).
 */
export const LINKED = [{ path: 'batches', scope: 'batches:read' }] as const;

/**
 * A page of {@link NAV}; its `key` a key of i18n.ts' dictionary, as a literal (i18n.ts is not imported: it reads the
 * DOM, and this module is tested in Node; main.ts' `t(n.key)` checks each is a key).
 */
export type NavPage = (typeof NAV)[number];
type NavKey = NavPage['key'];

/** The pages a session holding `scopes` may see, in the header's order. */
export const allowedPages = (scopes: readonly string[]): NavPage[] =>
  NAV.filter((n) => scopes.includes(n.scope) && (!('also' in n) || scopes.includes(n.also)));

/**
 * Whether a link to `href` (`#/guard/12`, `#/quality?level=…`) leads a session holding `scopes` to a page it may see: a
 * page of the dashboard its scopes do not open gets no link (dash6: an admin without `guard` was led to a refusal).
 */
export function opens(href: string, scopes: readonly string[]): boolean {
  const page = href.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  const linked = LINKED.find((n) => n.path === page);
  if (linked) return scopes.includes(linked.scope);
  return !NAV.some((n) => n.path === page) || allowedPages(scopes).some((n) => n.path === page);
}

/**
 * Where a sign-in leads: the page a session that ended by itself was on (`kept`, when the new session may see it),
 * else the first page its scopes allow; '#/' when they allow none (the page saying so, {@link shownPage}).
 */
export function landingRoute(kept: string | null, scopes: readonly string[]): string {
  const pages = allowedPages(scopes).map((n) => n.path);
  return returnRoute(kept, pages) ?? `#/${pages[0] ?? ''}`;
}

/**
 * What the address's page (`page`, '' for none) shows a session holding `scopes`: the page itself (its first
 * allowed page for none; a name the dashboard does not know is its 404); `forbidden` for a page of the dashboard its
 * scopes do not allow, `noPage` when they allow none: said without asking the API what it would refuse.
 */
export function shownPage(
  page: string,
  scopes: readonly string[],
): { page: string } | { refused: 'forbidden' | 'noPage' } {
  const allowed = allowedPages(scopes);
  if (allowed.length === 0) return { refused: 'noPage' };
  if (page === '') return { page: allowed[0]!.path };
  if (!opens(`#/${page}`, scopes)) return { refused: 'forbidden' };
  return { page };
}

/**
 * The scopes that open a page, each set with its pages in the header's order (what the no-page page lists): a page
 * that needs two (the quality page: admin and quality:read) is listed under both, not under admin alone.
 */
export function pagesByScope(): Array<{ scopes: string[]; keys: NavKey[] }> {
  const out: Array<{ scopes: string[]; keys: NavKey[] }> = [];
  for (const n of NAV) {
    const scopes: string[] = 'also' in n ? [n.scope, n.also] : [n.scope];
    const entry = out.find((e) => e.scopes.join(' ') === scopes.join(' '));
    if (entry) entry.keys.push(n.key);
    else out.push({ scopes, keys: [n.key] });
  }
  return out;
}
