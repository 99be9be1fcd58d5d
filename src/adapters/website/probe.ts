/**
 * School websites (issue 8, the sống rule "website live"): one polite probe of a school's public
 * website. Transport only: read the site's robots.txt first and fetch nothing it forbids the probe's
 * user agent (RFC 9309: a 4xx means no rules, a 5xx or no answer means stay away); GET the home page
 * (a timeout always, a body cap, redirects followed by hand and checked like the first address, a
 * named user agent), find the RSS or Atom feed the page links
 * (`<link rel="alternate" type="application/rss+xml" href=…>`), else try `/rss` and `/feed`, and check
 * that the feed answers with a feed. A `Crawl-delay` in robots.txt is honoured: the probe waits that
 * long between two requests to the site (a site asking for more than `maxCrawlDelayMs` is not probed
 * further, as if robots.txt forbade it). Private and loopback addresses are refused unless allowed
 * (tests serve sites on loopback). Never logs; a school website holds no personal data, and none is sent.
 */
import axios from 'axios';
import { isInwardHost, PRIVATE_ADDRESS, publicOnlyLookup } from '../public-address.js';
import { ALLOW_ALL, parseRobots, productToken, type RobotsPolicy } from './robots.js';
import { sleep } from '../../observability/deadline.js';

export interface ProbeOptions {
  /** Per request (the home page, each feed candidate). */
  readonly timeoutMs: number;
  readonly userAgent: string;
  /** Loopback and private addresses allowed (tests, a city intranet); refused otherwise. */
  readonly allowPrivateNetworks: boolean;
  /** Largest body read, bytes. @defaultValue 524288 */
  readonly maxBytes?: number;
  /** The longest Crawl-delay honoured; a site asking for more is not probed beyond its robots.txt. @defaultValue 30000 */
  readonly maxCrawlDelayMs?: number;
  /** Time and waiting (tests replace them). @defaultValue the real clock */
  readonly clock?: ProbeClock;
}

/** How the probe reads the time and waits. */
export interface ProbeClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: ProbeClock = {
  now: () => Date.now(),
  sleep,
};

/** What one probe found. */
export interface ProbeResult {
  /** The home page answered 2xx (after at most 3 redirects). */
  readonly answered: boolean;
  /** The home page's last HTTP status, when there was one. */
  readonly status?: number;
  /** A feed answered with RSS or Atom. */
  readonly rss: boolean;
  /**
   * Why the site did not answer: 'bad-url', 'private-address', 'no-dns', 'timeout', 'unreachable',
   * 'http-<status>', 'too-many-redirects', 'robots-http-<status>' (robots.txt answered 5xx: RFC 9309
   * says stay away); or, for a site that answered, 'robots-disallowed': its robots.txt forbids the
   * probe the home page or every feed address, so whether it offers a feed is unknown.
   */
  readonly problem?: string;
}

const MAX_REDIRECTS = 3;
const FEED_PATHS = ['/rss', '/feed'];
const FEED_TYPES = /application\/(?:rss|atom)\+xml/i;
const LINK_TAG = /<link\b[^>]*>/gi;
const FEED_BODY = /<(?:rss|feed|rdf:RDF)\b/i;

/**
 * Why `raw` may not be probed, or undefined. A name's DNS answers are judged by the connection itself
 * ({@link publicOnlyLookup}), so the address checked is the address connected to.
 */
function addressProblem(raw: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'bad-url';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'bad-url';
  if (url.username || url.password) return 'bad-url';
  if (allowPrivate) return undefined;
  return isInwardHost(url.hostname) ? 'private-address' : undefined;
}

interface Fetched {
  readonly url: string;
  readonly status?: number;
  readonly body?: string;
  readonly problem?: string;
}

/** What robots.txt lets the probe fetch on one origin, and how fast. */
interface SiteRules {
  readonly origin: string;
  readonly policy: RobotsPolicy;
  /** Waits, when the site asks for a Crawl-delay, until the next request to it may go. */
  readonly pace: () => Promise<void>;
}

const NO_PACE = async (): Promise<void> => {};

/** A `pace` keeping `delayMs` between the starts of two requests, the first one made at `start`. */
function pacer(delayMs: number, start: number, clock: ProbeClock): () => Promise<void> {
  let last = start;
  return async () => {
    const wait = last + delayMs - clock.now();
    if (wait > 0) await clock.sleep(wait);
    last = clock.now();
  };
}

/** True when `url` may be fetched under `rules` (another origin's robots.txt is not read: allowed). */
function allowedBy(rules: SiteRules | undefined, url: string): boolean {
  if (rules === undefined) return true;
  const u = new URL(url);
  return u.origin !== rules.origin || rules.policy.allows(u.pathname + u.search);
}

/** GET with redirects followed by hand (each hop checked like the first, robots.txt included). */
async function get(url: string, opts: ProbeOptions, rules?: SiteRules): Promise<Fetched> {
  let at = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const problem = addressProblem(at, opts.allowPrivateNetworks);
    if (problem) return { url: at, problem };
    if (!allowedBy(rules, at)) return { url: at, problem: 'robots-disallowed' };
    if (rules !== undefined && new URL(at).origin === rules.origin) await rules.pace();
    try {
      const res = await axios.get<string>(at, {
        timeout: opts.timeoutMs,
        maxRedirects: 0,
        validateStatus: () => true,
        responseType: 'text',
        maxContentLength: opts.maxBytes ?? 512 * 1024,
        ...(opts.allowPrivateNetworks ? {} : { lookup: publicOnlyLookup }),
        headers: {
          'user-agent': opts.userAgent,
          accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5',
        },
      });
      const location = res.headers['location'] as string | undefined;
      if (res.status >= 300 && res.status < 400 && location) {
        at = new URL(location, at).toString();
        continue;
      }
      const body = typeof res.data === 'string' ? res.data : '';
      if (res.status >= 200 && res.status < 300) return { url: at, status: res.status, body };
      return { url: at, status: res.status, problem: `http-${res.status}` };
    } catch (err) {
      const code = (err as { code?: string }).code;
      const problem =
        code === PRIVATE_ADDRESS
          ? 'private-address'
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? 'no-dns'
            : code === 'ECONNABORTED' || code === 'ETIMEDOUT'
              ? 'timeout'
              : 'unreachable';
      return { url: at, problem };
    }
  }
  return { url: at, problem: 'too-many-redirects' };
}

/** The feed addresses a home page links to (RSS or Atom `<link rel="alternate">`), resolved against it. */
export function feedLinks(html: string, base: string): string[] {
  const out: string[] = [];
  for (const tag of html.match(LINK_TAG) ?? []) {
    if (!/\brel\s*=\s*["']?[^"'>]*alternate/i.test(tag) || !FEED_TYPES.test(tag)) continue;
    const href = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(tag);
    const value = href?.[1] ?? href?.[2] ?? href?.[3];
    if (!value) continue;
    try {
      out.push(new URL(value, base).toString());
    } catch {
      // an unusable href: not a feed
    }
  }
  return out;
}

/**
 * The site's robots.txt for the probe's user agent: its rules, or the result the probe ends with
 * (the site does not answer, or answers 5xx, so RFC 9309 says fetch nothing).
 */
async function robotsOf(
  website: string,
  opts: ProbeOptions,
): Promise<{ rules: SiteRules; status?: number } | { result: ProbeResult }> {
  let origin: string;
  try {
    origin = new URL(website).origin;
  } catch {
    return { result: { answered: false, rss: false, problem: 'bad-url' } };
  }
  const clock = opts.clock ?? REAL_CLOCK;
  const start = clock.now();
  const res = await get(`${origin}/robots.txt`, opts);
  if (res.status === undefined) {
    // Redirected round in circles: as good as no robots.txt (RFC 9309 §2.3.1.2).
    if (res.problem === 'too-many-redirects') return { rules: { origin, policy: ALLOW_ALL, pace: NO_PACE } };
    return { result: { answered: false, rss: false, problem: res.problem ?? 'unreachable' } };
  }
  if (res.status >= 500) {
    return {
      result: { answered: false, status: res.status, rss: false, problem: `robots-http-${res.status}` },
    };
  }
  const policy = res.body === undefined ? ALLOW_ALL : parseRobots(res.body, productToken(opts.userAgent));
  const delay = policy.crawlDelayMs ?? 0;
  if (delay > (opts.maxCrawlDelayMs ?? 30_000)) {
    // Slower than the probe may wait: nothing more is fetched, the feed is unknown (as if forbidden).
    return { result: { answered: true, status: res.status, rss: false, problem: 'robots-disallowed' } };
  }
  return {
    rules: { origin, policy, pace: delay > 0 ? pacer(delay, start, clock) : NO_PACE },
    status: res.status,
  };
}

/**
 * Probes one website: does it answer, and does it offer an RSS or Atom feed? Reads robots.txt first
 * and fetches nothing it forbids; a site whose robots.txt forbids the home page counts as answering
 * (its robots.txt did) with its feed unknown ('robots-disallowed').
 */
export async function probeWebsite(website: string, opts: ProbeOptions): Promise<ProbeResult> {
  const robots = await robotsOf(website, opts);
  if ('result' in robots) return robots.result;
  const home = await get(website, opts, robots.rules);
  if (home.problem === 'robots-disallowed') {
    return {
      answered: true,
      ...(robots.status ? { status: robots.status } : {}),
      rss: false,
      problem: home.problem,
    };
  }
  if (home.problem !== undefined || home.body === undefined) {
    return {
      answered: false,
      ...(home.status ? { status: home.status } : {}),
      rss: false,
      problem: home.problem ?? 'unreachable',
    };
  }
  const linked = feedLinks(home.body, home.url);
  const origin = new URL(home.url).origin;
  const candidates = linked.length > 0 ? linked.slice(0, 2) : FEED_PATHS.map((p) => origin + p);
  let forbidden = 0;
  for (const feed of candidates) {
    const res = await get(feed, opts, robots.rules);
    if (res.problem === 'robots-disallowed') forbidden++;
    if (res.body !== undefined && FEED_BODY.test(res.body.slice(0, 4096))) {
      return { answered: true, status: home.status!, rss: true };
    }
  }
  return {
    answered: true,
    status: home.status!,
    rss: false,
    ...(forbidden === candidates.length ? { problem: 'robots-disallowed' } : {}),
  };
}

/**
 * Probes many websites, at most `concurrency` at a time (a fixed pool of workers over the list, so
 * the city's ~2,000 schools never open more than that many connections at once).
 */
export async function probeWebsites<K>(
  sites: readonly { readonly key: K; readonly website: string }[],
  opts: ProbeOptions & { readonly concurrency: number },
): Promise<{ key: K; website: string; result: ProbeResult }[]> {
  const out: { key: K; website: string; result: ProbeResult }[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < sites.length) {
      const site = sites[next++]!;
      out.push({ ...site, result: await probeWebsite(site.website, opts) });
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, sites.length)) }, worker));
  return out;
}
