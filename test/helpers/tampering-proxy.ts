/**
 * An HTTP proxy in front of a simulator that a test lets answer requests itself, re-route them or rewrite the 200
 * answers on their way back to truc: a source or target that misbehaves without changing the simulator
 * (test/integration/review27c.test.ts, rel28.test.ts). Loopback only.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy may do with one request: answer it itself, or forward it (its path changed) and rewrite the answer. */
export interface Tamper {
  /** An answer of its own (the upstream never sees the request); undefined: forward. */
  answer?(req: IncomingMessage, body: Buffer): { status: number; json: unknown } | undefined;
  /** The path forwarded upstream (default: the request's). */
  path?(url: string): string;
  /** A 200's JSON body rewritten on its way back to truc. */
  rewrite?(url: string, method: string, json: unknown): unknown;
  /**
   * Holds an answer the upstream gave (its body as sent) on its way back to truc until the promise settles: a
   * page the source served now that truc reads later. Undefined: passed on at once.
   */
  hold?(url: string, method: string, body: Buffer): Promise<void> | undefined;
}

export interface TamperingProxy {
  url: string;
  /** Requests seen, by `METHOD path-without-query`. */
  seen: Map<string, number>;
  close(): Promise<void>;
}

/** An HTTP proxy to `target` that lets `tamper` answer, re-route or rewrite what passes (loopback only). */
export async function startTamperingProxy(target: string, tamper: Tamper): Promise<TamperingProxy> {
  const upstream = new URL(target);
  const seen = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? '/';
      const name = `${req.method} ${url.split('?')[0]}`;
      seen.set(name, (seen.get(name) ?? 0) + 1);
      const own = tamper.answer?.(req, body);
      if (own) {
        res.writeHead(own.status, { 'content-type': 'application/json' }).end(JSON.stringify(own.json));
        return;
      }
      const fwd = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: tamper.path?.(url) ?? url,
          headers: { ...req.headers, host: upstream.host },
        },
        (up) => {
          const parts: Buffer[] = [];
          up.on('data', (c: Buffer) => parts.push(c));
          up.on('end', () => {
            let out = Buffer.concat(parts);
            if (up.statusCode === 200 && tamper.rewrite && out.length > 0) {
              const json = JSON.parse(out.toString('utf8')) as unknown;
              out = Buffer.from(JSON.stringify(tamper.rewrite(url, req.method ?? 'GET', json)));
            }
            const headers = { ...up.headers };
            delete headers['content-length'];
            delete headers['transfer-encoding'];
            const answer = () => res.writeHead(up.statusCode ?? 502, headers).end(out);
            const held = tamper.hold?.(url, req.method ?? 'GET', out);
            if (held) void held.then(answer, answer);
            else answer();
          });
        },
      );
      fwd.on('error', () => res.writeHead(502).end());
      fwd.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
