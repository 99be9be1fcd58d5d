/**
 * A tiny stand-in for hcm-csdl for answers the simulator cannot script (a permanent 400 on upserts):
 * `POST /oauth/token` issues a token, `PUT /v1/<entity>:batch` answers from `script` (one status per
 * call — optionally with a Retry-After — then `fallback`), with a receipt on 2xx, and records when each
 * call arrived. Loopback only.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeHcmCsdl {
  url: string;
  /** Every upsert call: entity, Idempotency-Key, number of records, status answered. */
  puts: Array<{ entity: string; key: string | undefined; records: number; status: number; at: number }>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeHcmCsdl(
  opts: { script?: Array<number | { status: number; retryAfter: number }>; fallback?: number } = {},
): Promise<FakeHcmCsdl> {
  const script = [...(opts.script ?? [])];
  const puts: FakeHcmCsdl['puts'] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const send = (status: number, json: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      };
      if (req.method === 'POST' && req.url === '/oauth/token')
        return send(200, { access_token: 'fake-token', token_type: 'Bearer', expires_in: 3600 });
      const m = /^\/v1\/(\w+):batch$/.exec(req.url ?? '');
      if (req.method === 'PUT' && m) {
        const at = Date.now();
        const step = script.shift() ?? opts.fallback ?? 200;
        const status = typeof step === 'number' ? step : step.status;
        const retryAfter = typeof step === 'number' ? undefined : String(step.retryAfter);
        let records = 0;
        try {
          records = (JSON.parse(body) as { data: unknown[] }).data.length;
        } catch {
          records = -1;
        }
        const key = req.headers['idempotency-key'];
        puts.push({ entity: m[1]!, key: typeof key === 'string' ? key : undefined, records, status, at });
        if (status >= 200 && status < 300)
          return send(status, { receiptId: `fake-${puts.length}`, accepted: records, rejected: [] });
        if (retryAfter !== undefined) res.setHeader('retry-after', retryAfter);
        return send(status, {
          error: { code: status === 400 ? 'INVALID_REQUEST' : 'UNAVAILABLE', message: 'scripted' },
        });
      }
      send(404, { error: { code: 'NOT_FOUND', message: 'no such path' } });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    puts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
