/**
 * The page a session that ended by itself was on (review33c N5: signing in again led to the overview, its page and
 * filters lost). Only a route of this dashboard is ever returned to, set as the address's hash: never another origin
 * or path (no open redirect), whatever the address or the storage held.
 */

/** A route of the dashboard: `#/<page>`, an argument (`/<code>`) and a query; nothing that could name another place. */
const ROUTE = /^#\/([a-z][a-z-]*)(\/[A-Za-z0-9._~%-]+)?(\?[A-Za-z0-9._~%&=+,:-]*)?$/;

/**
 * `saved` when it is a route of the dashboard on a page the session may see (`pages`: those of its scopes), not the
 * sign-in page; else undefined (the session's first page is shown).
 */
export function returnRoute(saved: string | null | undefined, pages: readonly string[]): string | undefined {
  if (!saved || saved.length > 2000) return undefined;
  const m = ROUTE.exec(saved);
  if (!m || m[1] === 'signin' || !pages.includes(m[1]!)) return undefined;
  return saved;
}
