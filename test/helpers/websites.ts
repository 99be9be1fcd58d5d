/**
 * School websites served on loopback for the website probe's tests: one HTTP server whose paths are
 * sites — `/up/…` with an RSS link, `/plain/…` without a feed, `/atom/…` linking an Atom feed,
 * `/slow/…` answering after `slowMs`, `/broken/…` answering 503, `/moved/…` redirecting to `/up/`.
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

export async function startWebsites(
  opts: { slowMs?: number; robots?: { status: number; body?: string } } = {},
): Promise<WebsiteServer> {
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
    const done = (status: number, body: string, type = 'text/html', headers: Record<string, string> = {}) => {
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': type, ...headers }).end(body);
      }, 20);
    };
    const url = req.url ?? '/';
    paths.push(url);
    if (url === '/robots.txt') {
      return opts.robots
        ? done(opts.robots.status, opts.robots.body ?? '', 'text/plain')
        : done(404, 'not found');
    }
    if (url.startsWith('/slow/')) {
      setTimeout(() => done(200, page('')), opts.slowMs ?? 2000);
      return;
    }
    if (url.endsWith('/feed.xml')) return done(200, RSS, 'application/rss+xml');
    if (url.endsWith('/atom.xml')) return done(200, ATOM, 'application/atom+xml');
    if (url.startsWith('/up/'))
      return done(200, page('<link rel="alternate" type="application/rss+xml" title="Tin" href="feed.xml">'));
    if (url.startsWith('/atom/'))
      return done(200, page("<link href='/atom/atom.xml' type='application/atom+xml' rel='alternate'>"));
    if (url.startsWith('/plain/')) return done(200, page('<link rel="stylesheet" href="a.css">'));
    if (url.startsWith('/broken/')) return done(503, 'down for maintenance');
    if (url.startsWith('/moved/')) return done(301, '', 'text/plain', { location: '/up/' });
    return done(404, 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // A port that was free a moment ago: nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const downPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
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
