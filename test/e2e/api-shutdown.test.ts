/**
 * fix32b: `truc api` told to stop (SIGTERM) answers /readyz 503 at once and goes on serving, the requests in flight
 * and new ones, for server.shutdownGraceMs, so that a load balancer takes it out of rotation before it closes; a
 * second SIGTERM ends the grace; requests still in flight then finish and the process exits 0. It closed at once
 * before: the load balancer's requests until its next /readyz found nothing listening. A real process and signals.
 */
import { request, type ClientRequest } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import { makeDeps, type TestEnv } from '../helpers/env.js';
import { spawnTruc, trucEnvOn } from '../helpers/faults.js';
import { freePort, type Spawned } from '../helpers/proc.js';

/**
 * A token request whose body is sent in two parts: in flight from the first until `finish()`. `sent` resolves once
 * the first part is written to the connection; a request on a new connection ({@link onNewConnection}) answered after
 * that means the server has read this one's head (connections are accepted in order, and its bytes were there first).
 */
function slowTokenRequest(
  base: string,
  c: { clientId: string; clientSecret: string },
): { sent: Promise<void>; finish(): void; answer: Promise<{ status: number; body: string }> } {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: c.clientId,
    client_secret: c.clientSecret,
  }).toString();
  let req: ClientRequest;
  let written: () => void;
  const sent = new Promise<void>((resolve) => (written = resolve));
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = request(
      `${base}/oauth/token`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          connection: 'close',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.write(body.slice(0, 10), () => written());
  });
  return { sent, finish: () => req.end(body.slice(10)), answer };
}

/** GET `path` on a connection of its own (fetch would reuse a kept-alive one): its status. */
const onNewConnection = (base: string, path: string): Promise<number> =>
  new Promise((resolve, reject) => {
    request(`${base}${path}`, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });

const post = (base: string, c: { clientId: string; clientSecret: string }) =>
  fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: c.clientId,
      client_secret: c.clientSecret,
    }),
  });

describe('truc api on SIGTERM', () => {
  let env: TestEnv | undefined;
  let api: Spawned | undefined;
  afterAll(async () => {
    api?.kill();
    await env?.cleanup();
  });

  it('answers /readyz 503 and serves on for its grace, then closes with requests in flight answered', async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    const client = await addClient(env.deps.db, { name: 'Kiểm toán', role: 'auditor' });
    const port = await freePort();
    // A grace no test outlasts: the second SIGTERM ends it.
    api = spawnTruc('api', { ...trucEnvOn(env), PORT: String(port), TRUC_SHUTDOWN_GRACE_MS: '120000' });
    await api.waitForLine((l) => l.includes('listening on'), 90_000);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    const before = slowTokenRequest(base, client);
    await before.sent;
    expect(await onNewConnection(base, '/healthz')).toBe(200);
    api.child.kill('SIGTERM');
    await api.waitForLine((l) => l.includes('/readyz answers 503; serving 120000 ms more'), 30_000);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'shutting_down' });
    // new requests are served all the same
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const during = await post(base, client);
    expect(during.status, await during.clone().text()).toBe(200);
    expect(await during.json()).toHaveProperty('access_token');
    // the request in flight since before the signal is answered
    before.finish();
    const first = await before.answer;
    expect(first.status, first.body).toBe(200);

    // Told again: the grace ends, and a request in flight as it closes is still answered.
    const closing = slowTokenRequest(base, client);
    await closing.sent;
    expect(await onNewConnection(base, '/healthz')).toBe(200);
    api.child.kill('SIGTERM');
    await api.waitForLine((l) => l.includes('SIGTERM received again, closing now'), 30_000);
    closing.finish();
    const last = await closing.answer;
    expect(last.status, last.body).toBe(200);
    const exit = await api.exited;
    expect(exit.code, exit.stderr.slice(-2000)).toBe(0);
    expect(exit.stderr).not.toContain('shutdown took longer');
  });
});
