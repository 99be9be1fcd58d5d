/**
 * An HTTP proxy to a simulator that rewrites the pages of one listing on their way to truc: a test
 * makes a source "lose" records or serve a duplicate without changing the simulator.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A page of a listing as the simulators serve it: its records under `data`. */
export interface ListPage {
  data: Array<Record<string, unknown>>;
}

export interface PageProxy {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Starts a proxy to `target` whose 200 answers to `GET <path>` pass through `rewrite` first. */
export async function startPageProxy(
  target: string,
  path: string,
  rewrite: (page: ListPage) => ListPage,
): Promise<PageProxy> {
  const upstream = new URL(target);
  const listing = new RegExp(`^${path.replace(/[/]/g, '\\/')}(\\?|$)`);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const fwd = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (up) => {
          const body: Buffer[] = [];
          up.on('data', (c: Buffer) => body.push(c));
          up.on('end', () => {
            let out = Buffer.concat(body);
            if (req.method === 'GET' && listing.test(req.url ?? '') && up.statusCode === 200) {
              const page = rewrite(JSON.parse(out.toString('utf8')) as ListPage);
              out = Buffer.from(JSON.stringify(page));
            }
            const headers = { ...up.headers };
            delete headers['content-length'];
            delete headers['transfer-encoding'];
            res.writeHead(up.statusCode ?? 502, headers).end(out);
          });
        },
      );
      fwd.on('error', () => res.writeHead(502).end());
      fwd.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
