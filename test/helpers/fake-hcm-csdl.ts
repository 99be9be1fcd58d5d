/**
 * A tiny stand-in for hcm-csdl for answers the simulator cannot script (a permanent 400 on upserts):
 * `POST /oauth/token` issues a token, `PUT /v1/<entity>:batch` answers from `script` (one status per
 * call — optionally with a Retry-After — then `fallback`), with a receipt on 2xx, and records when each
 * call arrived and was answered. `GET /v1/<entity>` (a pull's page) answers from `readScript` the same
 * way, then an empty last page; a scripted refusal of a read is answered just after the next upsert
 * call is (so it lands between two paced calls), and reads are recorded in `reads`. Loopback only.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeHcmCsdl {
  url: string;
  /** Every upsert call: entity, Idempotency-Key, number of records, status answered. */
  puts: Array<{
    entity: string;
    key: string | undefined;
    records: number;
    status: number;
    /** When the call arrived. */
    at: number;
    /** When its answer was sent. */
    answeredAt: number;
  }>;
  /** Every read (page) call: status answered, when it arrived and was answered. */
  reads: Array<{ entity: string; status: number; at: number; answeredAt: number }>;
  close(): Promise<void>;
}

type Step = number | { status: number; retryAfter: number };

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeHcmCsdl(
  opts: { script?: Step[]; fallback?: number; readScript?: Step[] } = {},
): Promise<FakeHcmCsdl> {
  const script = [...(opts.script ?? [])];
  const readScript = [...(opts.readScript ?? [])];
  const puts: FakeHcmCsdl['puts'] = [];
  const reads: FakeHcmCsdl['reads'] = [];
  /** Called once the next upsert call has been answered. */
  let afterNextPut: Array<() => void> = [];
  const server = createServer((req, res) => {
    const arrived = Date.now();
    void (async () => {
      const body = await readBody(req);
      const send = (status: number, json: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      };
      const refuse = (status: number, retryAfter: string | undefined): void => {
        if (retryAfter !== undefined) res.setHeader('retry-after', retryAfter);
        send(status, {
          error: { code: status === 400 ? 'INVALID_REQUEST' : 'UNAVAILABLE', message: 'scripted' },
        });
      };
      if (req.method === 'POST' && req.url === '/oauth/token')
        return send(200, { access_token: 'fake-token', token_type: 'Bearer', expires_in: 3600 });
      const m = /^\/v1\/(\w+):batch$/.exec(req.url ?? '');
      if (req.method === 'PUT' && m) {
        const at = arrived;
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
        const put = { entity: m[1]!, key: typeof key === 'string' ? key : undefined, records, status, at };
        puts.push({ ...put, answeredAt: Date.now() });
        const waiting = afterNextPut;
        afterNextPut = [];
        if (status >= 200 && status < 300)
          send(status, { receiptId: `fake-${puts.length}`, accepted: records, rejected: [] });
        else refuse(status, retryAfter);
        for (const go of waiting) go();
        return;
      }
      const page = /^\/v1\/(\w+)(\?|$)/.exec(req.url ?? '');
      if (req.method === 'GET' && page) {
        const step = readScript.shift() ?? 200;
        const status = typeof step === 'number' ? step : step.status;
        const answer = () => {
          reads.push({ entity: page[1]!, status, at: arrived, answeredAt: Date.now() });
          if (status >= 200 && status < 300)
            return send(status, { data: [], watermark: new Date().toISOString() });
          refuse(status, typeof step === 'number' ? undefined : String(step.retryAfter));
        };
        if (status >= 200 && status < 300) return answer();
        afterNextPut.push(answer);
        return;
      }
      send(404, { error: { code: 'NOT_FOUND', message: 'no such path' } });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    puts,
    reads,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
