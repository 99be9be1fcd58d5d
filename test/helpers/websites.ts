/**
 * School websites served on loopback for the website probe's tests: one HTTP server whose paths are
 * sites — `/up/…` with an RSS link, `/plain/…` without a feed, `/atom/…` linking an Atom feed,
 * `/slow/…` holding its answer a minute (longer than any probe waits), `/broken/…` answering 503, `/moved/…` redirecting to `/up/`.
 * Counts the requests it is serving at once (the probe's concurrency bound) and keeps the paths
 * asked for. `/robots.txt` is 404 unless `robots` gives its status and body. Plus a port where
 * nothing listens (a site that is down).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebsiteServer {
  readonly base: string;
  /** An address where nothing answers. */
  readonly downUrl: string;
  /** Most requests served at the same time since the last reset. */
  maxInFlight(): number;
  resetMaxInFlight(): void;
  /** User agents seen. */
  readonly userAgents: Set<string>;
  /** Paths asked for, in order. */
  readonly paths: string[];
  close(): Promise<void>;
}

const page = (head: string) =>
  `<!doctype html><html><head><title>Trường</title>${head}</head><body>Trang chủ</body></html>`;
const RSS = '<?xml version="1.0"?><rss version="2.0"><channel><title>Tin</title></channel></rss>';
const ATOM = '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Tin</title></feed>';

/** The sites' options: what `/robots.txt` answers (404 when not given). */
interface WebsiteOptions {
  robots?: { status: number; body?: string };
}

/**
 * How long `/slow/…` holds its answer: past every probe's timeout, so it never answers in time, whatever
 * the machine's load (a 1.5 s site against a 500 ms timeout left a thin margin on a loaded machine).
 */
const SLOW_MS = 60_000;

/** One answer of the sites; `afterMs`: held that long first (`/slow/…`). */
interface SiteAnswer {
  status: number;
  body: string;
  type?: string;
  headers?: Record<string, string>;
  afterMs?: number;
}

/** What the sites answer at `url` (the paths the file comment lists). */
function siteAnswer(url: string, opts: WebsiteOptions): SiteAnswer {
  const notFound = { status: 404, body: 'not found' };
  if (url === '/robots.txt')
    return opts.robots
      ? { status: opts.robots.status, body: opts.robots.body ?? '', type: 'text/plain' }
      : notFound;
  if (url.startsWith('/slow/')) return { status: 200, body: page(''), afterMs: SLOW_MS };
  if (url.endsWith('/feed.xml')) return { status: 200, body: RSS, type: 'application/rss+xml' };
  if (url.endsWith('/atom.xml')) return { status: 200, body: ATOM, type: 'application/atom+xml' };
  if (url.startsWith('/up/'))
    return {
      status: 200,
      body: page('<link rel="alternate" type="application/rss+xml" title="Tin" href="feed.xml">'),
    };
  if (url.startsWith('/atom/'))
    return {
      status: 200,
      body: page("<link href='/atom/atom.xml' type='application/atom+xml' rel='alternate'>"),
    };
  if (url.startsWith('/plain/')) return { status: 200, body: page('<link rel="stylesheet" href="a.css">') };
  if (url.startsWith('/broken/')) return { status: 503, body: 'down for maintenance' };
  if (url.startsWith('/moved/'))
    return { status: 301, body: '', type: 'text/plain', headers: { location: '/up/' } };
  return notFound;
}

/** A port that was free a moment ago: nothing listens there. */
async function unusedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export async function startWebsites(opts: WebsiteOptions = {}): Promise<WebsiteServer> {
  let inFlight = 0;
  let max = 0;
  const userAgents = new Set<string>();
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    inFlight++;
    max = Math.max(max, inFlight);
    // Over when answered or when the client gives up (a timed-out probe).
    res.once('close', () => inFlight--);
    userAgents.add(String(req.headers['user-agent']));
    const url = req.url ?? '/';
    paths.push(url);
    const a = siteAnswer(url, opts);
    const answer = () =>
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(a.status, { 'content-type': a.type ?? 'text/html', ...a.headers }).end(a.body);
      }, 20);
    if (a.afterMs === undefined) answer();
    else setTimeout(answer, a.afterMs).unref(); // a held answer never keeps the test process alive
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const downPort = await unusedPort();
  return {
    base: `http://127.0.0.1:${port}`,
    downUrl: `http://127.0.0.1:${downPort}/`,
    maxInFlight: () => max,
    resetMaxInFlight: () => {
      max = inFlight;
    },
    userAgents,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
