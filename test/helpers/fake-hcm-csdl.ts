/**
 * A tiny stand-in for hcm-csdl for answers the simulator cannot script (a permanent 400 on upserts):
 * `POST /oauth/token` issues a token, `PUT /v1/<entity>:batch` answers from `script` (one status per
 * call — optionally with a Retry-After — then `fallback`), with a receipt on 2xx, and records when each
 * call arrived and was answered. `GET /v1/<entity>` (a pull's page) answers from `readScript` the same
 * way, then an empty last page; a scripted refusal of a read is answered just after the next upsert
 * call is (so it lands between two paced calls), and reads are recorded in `reads`. Loopback only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
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
  /** Adds answers to the end of the upserts' script (taken before the fallback). */
  answerNext(...steps: Step[]): void;
  close(): Promise<void>;
}

type Step = number | { status: number; retryAfter: number };

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The answers of one call: JSON, or a scripted refusal (with its Retry-After). */
function replies(res: ServerResponse) {
  const send = (status: number, json: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
  };
  const refuse = (step: Step): void => {
    const status = statusOf(step);
    if (typeof step !== 'number') res.setHeader('retry-after', String(step.retryAfter));
    send(status, {
      error: { code: status === 400 ? 'INVALID_REQUEST' : 'UNAVAILABLE', message: 'scripted' },
    });
  };
  return { send, refuse };
}

const statusOf = (step: Step): number => (typeof step === 'number' ? step : step.status);
const ok = (status: number): boolean => status >= 200 && status < 300;

/** What the fake has left to answer and what it recorded. */
interface Scripted {
  script: Step[];
  fallback: number;
  readScript: Step[];
  puts: FakeHcmCsdl['puts'];
  reads: FakeHcmCsdl['reads'];
  /** Called once the next upsert call has been answered. */
  afterNextPut: Array<() => void>;
}

/** An upsert: answered from the script, recorded; then the reads that waited for it are answered. */
function answerPut(
  s: Scripted,
  call: { req: IncomingMessage; res: ServerResponse; body: string; entity: string; at: number },
): void {
  const { send, refuse } = replies(call.res);
  const step = s.script.shift() ?? s.fallback;
  const status = statusOf(step);
  let records = 0;
  try {
    records = (JSON.parse(call.body) as { data: unknown[] }).data.length;
  } catch {
    records = -1;
  }
  const key = call.req.headers['idempotency-key'];
  const idempotencyKey = typeof key === 'string' ? key : undefined;
  s.puts.push({
    entity: call.entity,
    key: idempotencyKey,
    records,
    status,
    at: call.at,
    answeredAt: Date.now(),
  });
  const waiting = s.afterNextPut;
  s.afterNextPut = [];
  if (ok(status)) send(status, { receiptId: `fake-${s.puts.length}`, accepted: records, rejected: [] });
  else refuse(step);
  for (const go of waiting) go();
}

/** A page: an empty last page, or a scripted refusal answered just after the next upsert call is. */
function answerRead(s: Scripted, call: { res: ServerResponse; entity: string; at: number }): void {
  const { send, refuse } = replies(call.res);
  const step = s.readScript.shift() ?? 200;
  const status = statusOf(step);
  const answer = () => {
    s.reads.push({ entity: call.entity, status, at: call.at, answeredAt: Date.now() });
    if (ok(status)) send(status, { data: [], watermark: new Date().toISOString() });
    else refuse(step);
  };
  if (ok(status)) answer();
  else s.afterNextPut.push(answer);
}

export async function startFakeHcmCsdl(
  opts: { script?: Step[]; fallback?: number; readScript?: Step[] } = {},
): Promise<FakeHcmCsdl> {
  const s: Scripted = {
    script: [...(opts.script ?? [])],
    fallback: opts.fallback ?? 200,
    readScript: [...(opts.readScript ?? [])],
    puts: [],
    reads: [],
    afterNextPut: [],
  };
  const server = createServer((req, response) => {
    const arrived = Date.now();
    void (async () => {
      const body = await readBody(req);
      if (req.method === 'POST' && req.url === '/oauth/token')
        return replies(response).send(200, {
          access_token: 'fake-token',
          token_type: 'Bearer',
          expires_in: 3600,
        });
      const put = /^\/v1\/(\w+):batch$/.exec(req.url ?? '');
      if (req.method === 'PUT' && put)
        return answerPut(s, { req, res: response, body, entity: put[1]!, at: arrived });
      const page = /^\/v1\/(\w+)(\?|$)/.exec(req.url ?? '');
      if (req.method === 'GET' && page)
        return answerRead(s, { res: response, entity: page[1]!, at: arrived });
      replies(response).send(404, { error: { code: 'NOT_FOUND', message: 'no such path' } });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    puts: s.puts,
    reads: s.reads,
    answerNext: (...steps) => void s.script.push(...steps),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
