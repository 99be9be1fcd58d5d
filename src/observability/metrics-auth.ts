import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether a scrape may read /metrics (metrics.token, TRUC_METRICS_TOKEN): always when no token is configured, else
 * only with `Authorization: Bearer <token>`, compared in constant time (both sides hashed first, so neither the
 * token's length nor its first differing byte shows in the time taken). The one rule of every role's /metrics.
 */
export function metricsAuthorized(authorization: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const m = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  if (!m) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]!), digest(token));
}

/** The words of a refused scrape, Vietnamese then English. */
export const METRICS_REFUSED =
  'cần mã của /metrics (Authorization: Bearer, metrics.token) / /metrics needs its token (Authorization: Bearer, metrics.token)';

/** The challenge of a refused scrape (RFC 6750 §3). */
export const METRICS_CHALLENGE = 'Bearer realm="truc-metrics"';
