/**
 * review33a F4 (/work/briefs/review33a-findings.md): the API's close after its drain (src/roles.ts `startApi` stop:
 * `app.close()`, after `TRUC_SHUTDOWN_GRACE_MS`) answers a request that comes on a connection still open with
 * fastify's own 503 (`return503OnClosing`, fastify lib/route.js): English only, `application/json`, no truc problem
 * (no code, no `messages.vi`), no Retry-After. README (Health) says so: "a request on a connection still open gets
 * fastify's 503". A vendor's HTTP client keeps its connections open (keep-alive) and sends its next batch on one:
 * at every deploy some vendor reads an answer that is not truc's, in one language (the common rule: every error a
 * user sees is Vietnamese / English), and without the Retry-After the 503s elsewhere carry. Nor do the answers of
 * the drain itself say `Connection: close`, which would move such clients off the process before it closes.
 * Here: a keep-alive connection whose request is still arriving when the API closes; the next request on it.
 * Either answer is right: none (the connection closed after the first answer, told `Connection: close`), or a 503
 * that is truc's bilingual problem with a Retry-After.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startApi } from '../../src/roles.js';
import { waitFor, usePostgresEnv } from '../helpers/env.js';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The HTTP/1.1 answers in what a socket received (Content-Length bodies; truc sends no chunked answer here). */
function answersIn(raw: string): Answer[] {
  const out: Answer[] = [];
  let rest = raw;
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const body = Buffer.from(rest.slice(end + 4), 'utf8')
      .subarray(0, length)
      .toString('utf8');
    out.push({ status: Number(statusLine!.split(' ')[1]), headers, body });
    rest = Buffer.from(rest.slice(end + 4), 'utf8')
      .subarray(length)
      .toString('utf8');
  }
  return out;
}

describe('review33a, a keep-alive connection across the API close (postgres)', () => {
  const env = usePostgresEnv();

  it('F4: a request on a connection still open when the API closes is answered by truc (bilingual, Retry-After) or not at all', async () => {
    const api = await startApi(env().deps, { port: 0, host: '127.0.0.1' });
    const { port } = new URL(api.url);
    const socket: Socket = connect(Number(port), '127.0.0.1');
    let raw = '';
    let closed = false;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (raw += d));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    await new Promise<void>((r) => socket.once('connect', () => r()));

    // A vendor's token request, its body still on its way when the API is told to close.
    const received = new Promise<void>((r) => api.app.server.once('request', () => r()));
    const form = 'grant_type=client_credentials&client_id=cl_none&client_secret=nothing';
    socket.write(
      'POST /oauth/token HTTP/1.1\r\nHost: truc\r\nConnection: keep-alive\r\n' +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n\r\n` +
        form.slice(0, 10),
    );
    await received;
    api.drain();
    const stopping = api.stop();
    socket.write(form.slice(10));
    await waitFor(() => answersIn(raw).length >= 1, {
      timeoutMs: 20_000,
      intervalMs: 20,
      what: 'the first answer',
    });
    // Its next request on the same connection, as a keep-alive client sends it.
    if (!closed) socket.write('GET /v1/schedules HTTP/1.1\r\nHost: truc\r\nConnection: keep-alive\r\n\r\n');
    await waitFor(() => closed || answersIn(raw).length >= 2, {
      timeoutMs: 20_000,
      intervalMs: 20,
      what: 'the second answer or the connection closed',
    });
    await stopping;
    socket.destroy();

    const answers = answersIn(raw);
    for (const a of answers.filter((x) => x.status === 503)) {
      // Red today: fastify's {"error":"Service Unavailable",…}, application/json, no Retry-After.
      expect(a.headers['content-type']).toMatch(/problem\+json/);
      const body = JSON.parse(a.body) as { code?: string; messages?: { vi?: string; en?: string } };
      expect(body.code).toEqual(expect.any(String));
      expect(body.messages?.vi).toEqual(expect.any(String));
      expect(body.messages?.en).toEqual(expect.any(String));
      expect(a.headers['retry-after']).toEqual(expect.any(String));
    }
    // Answered, or told to go elsewhere before its next request.
    if (answers.length < 2) expect(answers[0]?.headers.connection).toBe('close');
  }, 60_000);
});
