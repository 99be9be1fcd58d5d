/**
 * review35b: what review32b's sweep (./review32b-sweep.test.ts) does not send, on every operation of the OpenAPI
 * document over the same world (PostgreSQL + Redis, a client of each role, real ids, a real guard hold): hostile
 * request headers of every kind a client or proxy may send (content negotiation, media types, conditionals, ranges,
 * an Idempotency-Key on every route, forwarding, credentials of other schemes), malformed bodies sent to the routes
 * that take none, and odd query strings. Each answer is a bilingual 4xx problem or a plain 2xx/3xx, never a 5xx;
 * a body-less route refusing a body writes nothing. Findings: /work/briefs/review35b-findings.md.
 */
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { callerOf, judge, operations, PERSONAL_ID, RAW_BODIES } from '../helpers/hostile-values.js';
import { useSweepWorld } from '../helpers/sweep-world.js';

const HEADERS: ReadonlyArray<[string, string]> = [
  ['accept', 'application/xml'],
  ['accept', '*/*;q=abc'],
  ['accept-language', 'en;q=2,vi;q=-1'],
  ['accept-language', 'vi,'.repeat(2000)],
  ['content-type', 'application/json; charset=utf-16'],
  ['content-type', 'multipart/form-data; boundary=x'],
  ['content-type', 'x'.repeat(5000)],
  ['content-encoding', 'gzip'],
  ['if-match', 'x'.repeat(5000)],
  ['if-none-match', 'W/"x", *'],
  ['range', 'bytes=99999999999999999999-'],
  ['idempotency-key', PERSONAL_ID],
  ['idempotency-key', 'é'],
  ['x-forwarded-for', 'garbage, , 999.1.1.1'],
  ['authorization', 'Basic Zm9vOmJhcg=='],
  ['authorization', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
];
const QUERIES: readonly string[] = [
  'a%00=1',
  '__proto__=1',
  'constructor[prototype]=1',
  'a[]=1&a[]=2',
  '&&=&',
];

describe('review35b: headers, bodies where none is taken, odd query strings, on every route', () => {
  const { bodies, send, snapshot, urlOf } = useSweepWorld();

  it('a bilingual 4xx or a 2xx/3xx, never a 5xx; a refused body writes nothing', async () => {
    const bad: string[] = [];
    const note = (what: string, res: LightMyRequestResponse) => {
      let problem: string;
      try {
        problem = judge(res);
      } catch {
        problem = what.startsWith('HEAD') || res.body === '' ? '' : 'not JSON';
      }
      if (problem) bad.push(`${what} → ${res.statusCode}: ${problem}`);
    };
    for (const op of operations()) {
      const who = callerOf(op.scope);
      const key = `${op.method} ${op.path}`;
      const base = op.body ? (bodies[key] ?? {}) : undefined;
      for (const [name, value] of HEADERS)
        note(
          `${key} ${name}: ${value.slice(0, 16)}`,
          await send(op.method, urlOf(op), who, base, { [name]: value }),
        );
      for (const q of QUERIES) note(`${key} ?${q}`, await send(op.method, `${urlOf(op)}?${q}`, who, base));
      if (op.body || op.method === 'GET') continue;
      const before = await snapshot();
      for (const [name, raw] of RAW_BODIES) {
        const res = await send(op.method, urlOf(op), who, raw);
        note(`${key} body ${name}`, res);
        if (res.statusCode < 400) bad.push(`${key} body ${name} → ${res.statusCode}: taken`);
      }
      const after = await snapshot();
      after.audit = before.audit; // a refusal of the caller's scope is audited by design (priv28)
      if (JSON.stringify(after) !== JSON.stringify(before)) bad.push(`${key}: a refused body wrote`);
    }
    expect(bad).toEqual([]);
  }, 300_000);

  it('F8: a body declared in a charset other than UTF-8 is 415, bilingual, nothing written; utf-8/utf8 any case is read', async () => {
    const wrong: string[] = [];
    let sent = 0;
    for (const op of operations()) {
      if (!op.body) continue;
      const key = `${op.method} ${op.path}`;
      const who = callerOf(op.scope);
      const before = await snapshot();
      for (const charset of ['latin1', 'ISO-8859-1', '"windows-1258"']) {
        const res = await send(op.method, urlOf(op), who, bodies[key] ?? {}, {
          'content-type': `application/json; charset=${charset}`,
        });
        sent += 1;
        const body = res.statusCode >= 400 ? res.json<{ code?: string; detail?: string }>() : {};
        if (res.statusCode !== 415 || body.code !== 'ERR_UNSUPPORTED_MEDIA_TYPE' || judge(res) !== '')
          wrong.push(`${key} charset=${charset} → ${res.statusCode} ${body.code ?? ''}`);
        else if (!body.detail?.includes('UTF-8'))
          wrong.push(`${key} charset=${charset}: detail ${body.detail}`);
      }
      const after = await snapshot();
      after.audit = before.audit;
      if (JSON.stringify(after) !== JSON.stringify(before)) wrong.push(`${key}: a refused charset wrote`);
      for (const charset of ['UTF-8', 'utf8', '"utf-8"'])
        for (const type of [`application/json; charset=${charset}`, `application/json;charset=${charset}`]) {
          const res = await send(op.method, urlOf(op), who, bodies[key] ?? {}, { 'content-type': type });
          if (res.statusCode === 415) wrong.push(`${key} ${type} → 415`);
        }
    }
    expect(sent).toBeGreaterThan(10);
    expect(wrong).toEqual([]);
  }, 300_000);

  it('F9: Content-Type application/json with no bytes, on a route that takes no body, is no body (not malformed JSON)', async () => {
    const malformed: string[] = [];
    let sent = 0;
    for (const op of operations()) {
      if (op.body || op.method === 'GET' || op.method === 'HEAD') continue;
      const res = await send(op.method, urlOf(op), callerOf(op.scope), '');
      sent += 1;
      const code = res.statusCode >= 400 ? res.json<{ code?: string }>().code : undefined;
      if (res.statusCode >= 500 || code === 'ERR_MALFORMED_JSON')
        malformed.push(`${op.method} ${op.path} → ${code}`);
    }
    expect(sent).toBeGreaterThan(5);
    expect(malformed).toEqual([]);
  }, 120_000);
});
