/**
 * robots.txt (RFC 9309) for the website probe: which paths of a site a named crawler may fetch. The
 * group whose user-agent is the probe's product token (case-insensitive; groups of the same name
 * merged), else the `*` group, else everything is allowed. Within a group the
 * longest matching rule wins, `Allow` on a tie; `*` matches any run of characters and a final `$`
 * anchors the end. A group's `Crawl-delay` (seconds, not in RFC 9309 but widely used; the first
 * valid one of the group) is how long the crawler waits between two requests to the site. Pure;
 * fetching and waiting are the probe's.
 */

/** One Allow or Disallow line. */
interface RobotsRule {
  readonly allow: boolean;
  readonly pattern: string;
  readonly regex: RegExp;
}

/** The rules that apply to one crawler. */
export interface RobotsPolicy {
  /** True when the crawler may fetch `path` (path and query of a URL, e.g. `/rss?x=1`). */
  allows(path: string): boolean;
  /** The group's Crawl-delay in milliseconds, when it has one. */
  readonly crawlDelayMs?: number;
}

/** A policy that allows everything (no robots.txt, or a 4xx for it). */
export const ALLOW_ALL: RobotsPolicy = { allows: () => true };

function compile(pattern: string): RegExp {
  const anchored = pattern.endsWith('$');
  const body = (anchored ? pattern.slice(0, -1) : pattern)
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}${anchored ? '$' : ''}`);
}

/** Percent-encodes what a path may hold unencoded, so a rule and a URL path compare alike. */
function normalisePath(path: string): string {
  try {
    return encodeURI(decodeURI(path));
  } catch {
    return path;
  }
}

/** The product token of a user agent: 'truc-website-probe/1 (…)' → 'truc-website-probe'. */
export function productToken(userAgent: string): string {
  return (/^[A-Za-z_-]+/.exec(userAgent.trim())?.[0] ?? '').toLowerCase();
}

/** Parses robots.txt `text` for the crawler whose product token is `token`. */
export function parseRobots(text: string, token: string): RobotsPolicy {
  const groups = new Map<string, RobotsRule[]>();
  const delays = new Map<string, number>();
  let agents: string[] = [];
  let inRules = false;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'user-agent') {
      if (inRules) agents = [];
      inRules = false;
      const agent = value.toLowerCase();
      agents.push(agent);
      if (!groups.has(agent)) groups.set(agent, []);
    } else if (key === 'allow' || key === 'disallow') {
      inRules = true;
      // An empty Disallow allows everything; an empty Allow says nothing.
      if (value === '') continue;
      const pattern = normalisePath(value);
      for (const agent of agents)
        groups.get(agent)!.push({ allow: key === 'allow', pattern, regex: compile(pattern) });
    } else if (key === 'crawl-delay') {
      inRules = true;
      // Seconds, a whole or decimal number; anything else is ignored.
      if (!/^\d+(?:\.\d+)?$/.test(value)) continue;
      for (const agent of agents) if (!delays.has(agent)) delays.set(agent, Math.round(Number(value) * 1000));
    }
  }
  const own = groups.has(token.toLowerCase()) ? token.toLowerCase() : '*';
  const rules = groups.get(own);
  if (rules === undefined) return ALLOW_ALL;
  const crawlDelayMs = delays.get(own);
  return {
    ...(crawlDelayMs === undefined ? {} : { crawlDelayMs }),
    allows(path: string): boolean {
      const target = normalisePath(path);
      let winner: RobotsRule | undefined;
      for (const rule of rules) {
        if (!rule.regex.test(target)) continue;
        if (
          winner === undefined ||
          rule.pattern.length > winner.pattern.length ||
          (rule.pattern.length === winner.pattern.length && rule.allow)
        )
          winner = rule;
      }
      return winner === undefined || winner.allow;
    },
  };
}
