/**
 * review32b: every route of the OpenAPI document against hostile input, on real PostgreSQL + Redis. For each
 * operation, each path/query/header parameter gets each hostile value (the others valid), each body field each
 * hostile value (the others valid), and the whole body each malformed form: the answer is a 4xx problem with both
 * languages (never a 5xx), nothing is written (batches, outbox, idempotency keys, audit, findings unchanged), and
 * no log line holds the personal data the database holds. Findings: /work/briefs/review32b-findings.md.
 * The values and the judging: test/helpers/hostile-values.ts; the seeded API: test/helpers/sweep-world.ts.
 */
import type { HTTPMethods, LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { A, PERSONS, YEAR } from '../fixtures/pcgd/communes.js';
import { S1, student } from '../helpers/api.js';
import {
  callerOf,
  FIELD_VALUES,
  HEADER_VALUES,
  judge,
  operations,
  PERSONAL_ID,
  RAW_BODIES,
  URL_VALUES,
  type Op,
  type Who,
} from '../helpers/hostile-values.js';
import { useSweepWorld } from '../helpers/sweep-world.js';

describe('review32b: every route against hostile input', () => {
  const { log, valid, bodies, seen, send, snapshot, record, urlOf } = useSweepWorld();

  /**
   * One operation's hostile requests (each parameter and body field with each value, each malformed body), sent
   * WIDTH at a time: the answers are judged one by one as before, the writes counted around the whole operation
   * (before its first request, after its last), so a write by any of them is still seen. In flight together they
   * overlap the API's time in this process with PostgreSQL's and Redis's in theirs.
   */
  const WIDTH = 8;
  /** A header value light-my-request refuses to send (it throws) is no answer of the API: its `send` is undefined. */
  type Probe = {
    where: string;
    value: string;
    /** Whether a 2xx to it counts as accepted (then the operation's writes are not judged). */
    accepts: boolean;
    send: () => Promise<LightMyRequestResponse | undefined>;
  };
  function probesOf(op: Op, who: Who, base: Record<string, unknown> | undefined): Probe[] {
    const probes: Probe[] = [];
    const write = op.method !== 'GET';
    for (const p of op.params) {
      if (p.in === 'header') {
        for (const v of HEADER_VALUES)
          probes.push({
            where: `header ${p.name}`,
            value: v,
            accepts: write,
            send: () => send(op.method, urlOf(op), who, base, { [p.name]: v }).catch(() => undefined),
          });
        continue;
      }
      const values = p.in === 'query' ? [...URL_VALUES, '1%26' + p.name + '%3D2'] : URL_VALUES;
      for (const v of values)
        probes.push({
          where: `${p.in} ${p.name}`,
          value: v,
          accepts: write,
          send: () => send(op.method, urlOf(op, { [p.name]: v }), who, base),
        });
      if (p.in === 'query') {
        const url = `${urlOf(op)}?${p.name}=1&${p.name}=2&${p.name}[a]=3`;
        probes.push({
          where: `query ${p.name}`,
          value: 'repeated',
          accepts: false,
          send: () => send(op.method, url, who, base),
        });
      }
    }
    if (op.body && base) {
      for (const field of new Set([...Object.keys(base), ...op.fields, 'unknownField']))
        for (const [name, v] of FIELD_VALUES)
          probes.push({
            where: `body ${field}`,
            value: name,
            accepts: true,
            send: () => send(op.method, urlOf(op), who, { ...base, [field]: v }),
          });
      for (const [name, raw] of RAW_BODIES)
        probes.push({
          where: 'body',
          value: name,
          accepts: true,
          send: () => send(op.method, urlOf(op), who, raw),
        });
    }
    return probes;
  }

  it('every parameter and body field of every operation: a bilingual 4xx, never a 5xx, nothing written', async () => {
    for (const op of operations()) {
      const who = callerOf(op.scope);
      const key = `${op.method} ${op.path}`;
      const base = op.body ? (bodies[key] ?? {}) : undefined;
      const before = await snapshot();
      const answers = await pooled(probesOf(op, who, base), WIDTH, (p) => p.send());
      let accepted = false;
      for (const [p, res] of answers) {
        if (!res) continue;
        record(op, p.where, p.value, res);
        accepted ||= p.accepts && res.statusCode < 300;
      }
      const after = await snapshot();
      // A refused login is audited (by design): the token endpoint's audit count is not looked at.
      if (op.path === '/oauth/token') after.audit = before.audit;
      if (!accepted && op.method !== 'GET') {
        seen.push({
          op: key,
          where: 'writes',
          value: '',
          status: 0,
          code: '',
          problem:
            JSON.stringify(after) === JSON.stringify(before)
              ? ''
              : `wrote ${JSON.stringify([before, after])}`,
        });
      }
    }
    const bad = seen.filter((s) => s.problem);
    expect(bad.map((s) => `${s.op} ${s.where}=${s.value} → ${s.status} ${s.code}: ${s.problem}`)).toEqual([]);
  }, 300_000);

  /** Tokens that must not reach an operation's data: another school's, another unit's, or one without its scope. */
  function foreignFor(op: Op): Who[] {
    const who = callerOf(op.scope);
    // An auditor reads every school's quality (city-wide, by design): not a foreign token there.
    if (who === 'vendor')
      return op.scope === 'quality:read' ? ['other', 'officer'] : ['other', 'officer', 'auditor'];
    if (who === 'officer') return ['officerB', 'vendor', 'auditor'];
    if (who === 'admin') return ['vendor', 'officer', 'auditor'];
    if (who === 'auditor') return ['vendor', 'admin', 'officer'];
    return [];
  }
  /** Whether `op` names the school, unit or resource it acts on (else a token with its scope acts on its own). */
  // An officer's own units' deadlines (GET /v1/pcgd/deadlines, year optional since walk6b W6b-2): another unit's
  // officer reads its own, as the explicit call below does; the leak check still finds unit A nowhere in its answer.
  const OWN_UNITS = new Set(['GET /v1/pcgd/deadlines']);
  const targeted = (op: Op) =>
    op.params.some((p) => p.in === 'path') ||
    (callerOf(op.scope) !== 'vendor' && !OWN_UNITS.has(`${op.method} ${op.path}`));
  /** A caller of the operation's own kind, of another school or unit: it acts on its own where nothing is named. */
  const sameKind = (who: Who) => who === 'other' || who === 'officerB';

  it('a token of another school, another unit or without the scope: a 4xx problem, no data, nothing written', async () => {
    const bad: string[] = [];
    const calls: Array<[HTTPMethods, string, Who, unknown, boolean]> = [
      ['GET', `/v1/changes?schoolCode=${S1}`, 'other', undefined, true],
      ['GET', `/v1/changes`, 'other', undefined, false],
      ['GET', `/v1/quality/scorecards?level=commune&code=${A}`, 'other', undefined, true],
      ['GET', `/v1/pcgd/deadlines?province=79&year=${YEAR}`, 'officerB', undefined, false],
      ['GET', `/v1/audit?subject=${S1}`, 'vendor', undefined, true],
      ['GET', `/v1/ops/schools?q=${S1}`, 'other', undefined, true],
    ];
    for (const op of operations())
      for (const who of foreignFor(op))
        calls.push([
          op.method,
          urlOf(op),
          who,
          op.body ? (bodies[`${op.method} ${op.path}`] ?? {}) : undefined,
          targeted(op) || !sameKind(who),
        ]);
    const before = await snapshot();
    for (const [method, url, who, body, refused] of calls) {
      const res = await send(method, url, who, body);
      const problem = res.statusCode < 400 ? (refused ? `a ${res.statusCode}` : '') : judge(res);
      // `instance` is the caller's own path (RFC 9457): what it sent, not data of the school.
      // `correlationId` is random (hex): it may hold any 4 digits, '0792' among them (a flaky leak once in four runs).
      const {
        instance: _path,
        correlationId: _id,
        ...rest
      } = res.statusCode >= 400 ? res.json<Record<string, unknown>>() : {};
      const text = res.statusCode >= 400 ? JSON.stringify(rest) : res.body;
      // The unit is data of the report only when the caller did not name it itself.
      const named = url.includes(A) || JSON.stringify(body ?? '').includes(A);
      const leaks = ['Nguyễn', 'HS1', '0792', ...(named ? [] : [A])].filter((d) => text.includes(d));
      if (problem || leaks.length > 0)
        bad.push(`${method} ${url} as ${who} → ${res.statusCode}: ${problem} ${leaks.join(',')}`);
    }
    const after = await snapshot();
    after.audit = before.audit; // refusals of a scope or a school are audited by design (priv28)
    // The other vendor's own subscription (POST /v1/webhooks as other) is its own; the vendor's is still there.
    after.webhooks = before.webhooks;
    const hooks = await send('GET', '/v1/webhooks', 'vendor');
    expect(hooks.json<{ items: Array<{ id: string }> }>().items.map((w) => w.id)).toEqual([valid.webhookId]);
    expect(bad).toEqual([]);
    expect(after).toEqual(before);
  });

  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

  it('cursors tampered with, of another list or another client: a 4xx or a page of the caller’s own data, never a 5xx', async () => {
    const first = await send('GET', `/v1/schools/${S1}/students?limit=1`, 'vendor');
    expect(first.statusCode, first.body).toBe(200);
    const recordCursor = first.json<{ nextCursor: string }>().nextCursor;
    const feed = await send('GET', '/v1/changes?limit=1', 'admin');
    expect(feed.statusCode, feed.body).toBe(200);
    const feedCursor = feed.json<{ nextCursor: string }>().nextCursor;
    const cursors = [
      recordCursor,
      feedCursor,
      b64({ k: 'x', w: '2026-02-30T00:00:00Z' }),
      b64({ k: 'x', w: '9999-12-31T23:59:59.999Z' }),
      b64({ k: 'x', w: '0001-01-01T00:00:00Z' }),
      b64({ k: "%_\\'.*" }),
      b64({ k: 'é'.repeat(128) }),
      b64({ k: '\ud800' }),
      b64({ k: 1 }),
      b64({ k: 'x', extra: 1 }),
      b64({ t: '18446744073709551615', s: '9223372036854775807', i: '9999999999' }),
      b64({ t: '18446744073709551616', s: '0' }),
      b64({ t: '0', s: '-1' }),
      b64({ t: '1', s: '1', i: '-1' }),
      b64([1, 2]),
      b64('x'.repeat(5000)),
      recordCursor + '=',
      recordCursor.slice(0, -2),
    ];
    const lists = [
      `/v1/schools/${S1}/students`,
      `/v1/schools/${S1}/staff`,
      `/v1/schools/${S1}/classes`,
      '/v1/changes',
    ];
    const bad: string[] = [];
    for (const list of lists)
      for (const [i, c] of cursors.entries())
        for (const who of ['vendor', 'other'] as const) {
          const res = await send('GET', `${list}?cursor=${encodeURIComponent(c)}`, who);
          const problem = judge(res);
          const foreign = who === 'other' && res.statusCode === 200 && res.body.includes(S1);
          if (problem || foreign) bad.push(`${list} cursor #${i} as ${who} → ${res.statusCode} ${problem}`);
        }
    for (const since of [
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999Z',
      '2026-01-01T00:00:00+14:00',
      '2026-01-01T00:00:00.123456789Z',
    ])
      for (const list of lists.slice(0, 3)) {
        const res = await send('GET', `${list}?updatedSince=${encodeURIComponent(since)}`, 'vendor');
        if (judge(res)) bad.push(`${list}?updatedSince=${since} → ${res.statusCode} ${judge(res)}`);
      }
    expect(bad).toEqual([]);
  });

  it('no log line of these requests holds the personal data the database holds or they carried', async () => {
    for (const url of [
      '/v1/audit?subject=079221000019',
      '/v1/audit?actor=079221000019%00',
      `/v1/ops/schools?q=${encodeURIComponent('Nguyễn Văn An')}`,
      `/v1/ops/schools?q=${encodeURIComponent('Nguyễn Văn An\u0000')}`,
    ])
      await send('GET', url, url.startsWith('/v1/audit') ? 'auditor' : 'admin');
    const personal = [
      'Nguyễn Văn An',
      'Nguy',
      PERSONAL_ID,
      '079221000019',
      ...PERSONS.flatMap((p) => [p.personalId, p.fullName]).filter((v): v is string => typeof v === 'string'),
      ...Object.values(student('HS1')).filter((v): v is string => typeof v === 'string' && v.length >= 8),
    ].filter((v) => !/^\d{8}$/.test(v) && !/^\d{4}-\d{4}$/.test(v));
    const leaked = log.lines.map((l) => JSON.stringify(l)).filter((l) => personal.some((p) => l.includes(p)));
    expect(log.lines.length).toBeGreaterThan(1000);
    expect(leaked.slice(0, 5)).toEqual([]);
  });
});

/** `run` of each item, `width` at a time; each item with its answer, in the items' order. */
async function pooled<T, R>(items: T[], width: number, run: (item: T) => Promise<R>): Promise<Array<[T, R]>> {
  const out = new Array<[T, R]>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = [items[i]!, await run(items[i]!)];
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return out;
}
