/**
 * The website probe (issue 8, sống) against sites served on loopback: a site that answers with an RSS
 * or Atom feed, one without a feed, one down, one too slow, one answering 503, a redirect; private
 * addresses refused unless allowed; never more sites at once than the concurrency.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  feedLinks,
  probeWebsite,
  probeWebsites,
  type ProbeClock,
  type ProbeOptions,
} from '../../../src/adapters/website/probe.js';
import { startWebsites, type WebsiteServer } from '../../helpers/websites.js';

let sites: WebsiteServer;
// A generous timeout: the sites answer in this process, whose event loop a busy machine can hold for
// over half a second. Only the slow site's check shortens it, to a few seconds (that site holds its
// answer a minute: it never answers in time).
const opts: ProbeOptions = { timeoutMs: 10_000, userAgent: 'truc-test-probe/1', allowPrivateNetworks: true };

beforeAll(async () => {
  sites = await startWebsites();
});
afterAll(async () => {
  await sites?.close();
});

describe('probeWebsite', () => {
  it('a site that answers and links its RSS feed', async () => {
    expect(await probeWebsite(`${sites.base}/up/`, opts)).toEqual({ answered: true, status: 200, rss: true });
    expect(sites.userAgents).toContain('truc-test-probe/1');
  });

  it('an Atom feed counts', async () => {
    expect(await probeWebsite(`${sites.base}/atom/`, opts)).toMatchObject({ answered: true, rss: true });
  });

  it('a site that answers without a feed', async () => {
    expect(await probeWebsite(`${sites.base}/plain/`, opts)).toEqual({
      answered: true,
      status: 200,
      rss: false,
    });
  });

  it('a site that is down, one too slow, one answering 503', async () => {
    expect(await probeWebsite(sites.downUrl, opts)).toEqual({
      answered: false,
      rss: false,
      problem: 'unreachable',
    });
    expect(await probeWebsite(`${sites.base}/slow/`, { ...opts, timeoutMs: 3000 })).toEqual({
      answered: false,
      rss: false,
      problem: 'timeout',
    });
    expect(await probeWebsite(`${sites.base}/broken/`, opts)).toEqual({
      answered: false,
      status: 503,
      rss: false,
      problem: 'http-503',
    });
  });

  it('follows a redirect to the site', async () => {
    expect(await probeWebsite(`${sites.base}/moved/`, opts)).toMatchObject({ answered: true, rss: true });
  });

  it('refuses loopback and private addresses unless allowed, and what is not a web address', async () => {
    const strict = { ...opts, allowPrivateNetworks: false };
    expect(await probeWebsite(`${sites.base}/up/`, strict)).toMatchObject({
      answered: false,
      problem: 'private-address',
    });
    expect(await probeWebsite('http://localhost/', strict)).toMatchObject({ problem: 'private-address' });
    // sec8 S8-1: a fully qualified name's final dot names the same host, refused before any DNS.
    expect(await probeWebsite('http://localhost./', strict)).toMatchObject({ problem: 'private-address' });
    expect(await probeWebsite('http://10.1.2.3/', strict)).toMatchObject({ problem: 'private-address' });
    expect(await probeWebsite('ftp://example.edu.vn/', opts)).toMatchObject({ problem: 'bad-url' });
    expect(await probeWebsite('truong.edu.vn', opts)).toMatchObject({ problem: 'bad-url' });
  });
});

describe('probeWebsites', () => {
  it('probes every site, never more than `concurrency` at once', async () => {
    const list = Array.from({ length: 12 }, (_, i) => ({
      key: `S${i}`,
      website: `${sites.base}/${['up', 'plain', 'broken'][i % 3]}/${i}`,
    }));
    sites.resetMaxInFlight();
    const out = await probeWebsites(list, { ...opts, concurrency: 3 });
    expect(out.map((o) => o.key).sort()).toEqual(list.map((l) => l.key).sort());
    expect(out.filter((o) => o.result.rss)).toHaveLength(4);
    expect(out.filter((o) => !o.result.answered)).toHaveLength(4);
    expect(sites.maxInFlight()).toBeLessThanOrEqual(3);
    expect(sites.maxInFlight()).toBeGreaterThan(1);
  });
});

describe('feedLinks', () => {
  it('reads RSS and Atom alternate links in any attribute order and quoting, resolved against the page', () => {
    const html = `<link rel="stylesheet" href="a.css"><LINK TYPE="application/rss+xml" REL="alternate" HREF="/tin/rss">
      <link rel='alternate' type='application/atom+xml' href=atom.xml><link rel="alternate" hreflang="en" href="/en">`;
    expect(feedLinks(html, 'https://thcs-a.hcm.edu.vn/trang/')).toEqual([
      'https://thcs-a.hcm.edu.vn/tin/rss',
      'https://thcs-a.hcm.edu.vn/trang/atom.xml',
    ]);
  });
});

describe('robots.txt', () => {
  const ROBOTS = [
    '# the city portal',
    'User-agent: *',
    'Disallow: /',
    '',
    'User-agent: TRUC-test-probe',
    'Disallow: /plain/',
    'Disallow: /up/feed.xml',
    'Allow: /atom/',
    'Disallow: /atom/atom.xml',
    'Allow: /atom/atom.xml$',
  ].join('\n');
  let polite: WebsiteServer;
  beforeAll(async () => {
    polite = await startWebsites({ robots: { status: 200, body: ROBOTS } });
  });
  afterAll(async () => {
    await polite?.close();
  });

  it('reads the group of its own product token and fetches nothing it forbids', async () => {
    polite.paths.length = 0;
    // The home page is forbidden: the site answered (robots.txt did), its feed is unknown.
    expect(await probeWebsite(`${polite.base}/plain/`, opts)).toEqual({
      answered: true,
      status: 200,
      rss: false,
      problem: 'robots-disallowed',
    });
    // The linked feed is forbidden (and it is the only candidate): unknown, not missing.
    expect(await probeWebsite(`${polite.base}/up/`, opts)).toEqual({
      answered: true,
      status: 200,
      rss: false,
      problem: 'robots-disallowed',
    });
    // Allowed by the longer (anchored) Allow rule, which wins over the Disallow of the same path.
    expect(await probeWebsite(`${polite.base}/atom/`, opts)).toMatchObject({ answered: true, rss: true });
    expect(polite.paths).not.toContain('/plain/');
    expect(polite.paths).not.toContain('/up/feed.xml');
    expect(polite.paths).toContain('/atom/atom.xml');
  });

  it('another crawler falls under `*`: everything forbidden', async () => {
    polite.paths.length = 0;
    const other = { ...opts, userAgent: 'somebot/2' };
    expect(await probeWebsite(`${polite.base}/up/`, other)).toMatchObject({ problem: 'robots-disallowed' });
    expect(polite.paths).toEqual(['/robots.txt']);
  });

  it('a robots.txt answering 5xx keeps the probe away (RFC 9309); a 404 means no rules', async () => {
    const failing = await startWebsites({ robots: { status: 503 } });
    try {
      expect(await probeWebsite(`${failing.base}/up/`, opts)).toEqual({
        answered: false,
        status: 503,
        rss: false,
        problem: 'robots-http-503',
      });
      expect(failing.paths).toEqual(['/robots.txt']);
    } finally {
      await failing.close();
    }
    expect(await probeWebsite(`${sites.base}/up/`, opts)).toMatchObject({ answered: true, rss: true });
  });

  it("waits the site's Crawl-delay between its requests; a site asking for more than the probe may wait is left alone", async () => {
    // A clock that does not wait: it notes each wait asked for and moves time on by it.
    let now = 1_000_000;
    const waits: number[] = [];
    const clock: ProbeClock = {
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    };
    const slow = await startWebsites({ robots: { status: 200, body: 'User-agent: *\nCrawl-delay: 2\n' } });
    try {
      expect(await probeWebsite(`${slow.base}/up/`, { ...opts, clock })).toEqual({
        answered: true,
        status: 200,
        rss: true,
      });
      // robots.txt, then the home page and its feed, each 2 s after the one before.
      expect(slow.paths).toEqual(['/robots.txt', '/up/', '/up/feed.xml']);
      expect(waits).toEqual([2000, 2000]);
      slow.paths.length = 0;
      expect(await probeWebsite(`${slow.base}/up/`, { ...opts, clock, maxCrawlDelayMs: 1000 })).toEqual({
        answered: true,
        status: 200,
        rss: false,
        problem: 'robots-disallowed',
      });
      expect(slow.paths).toEqual(['/robots.txt']);
    } finally {
      await slow.close();
    }
    // No Crawl-delay: no wait.
    waits.length = 0;
    expect(await probeWebsite(`${sites.base}/up/`, { ...opts, clock })).toMatchObject({ rss: true });
    expect(waits).toEqual([]);
  });
});
