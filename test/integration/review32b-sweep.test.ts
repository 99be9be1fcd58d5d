/**
 * review32b: every route of the OpenAPI document against hostile input, on real PostgreSQL + Redis. For each
 * operation, each path/query/header parameter gets each hostile value (the others valid), each body field each
 * hostile value (the others valid), and the whole body each malformed form: the answer is a 4xx problem with both
 * languages (never a 5xx), nothing is written (batches, outbox, idempotency keys, audit, findings unchanged), and
 * no log line holds the personal data the database holds. Findings: /work/briefs/review32b-findings.md.
 */
import type { FastifyInstance, HTTPMethods, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import spec from '../../openapi/truc.v1.json' with { type: 'json' };
import { buildApp } from '../../src/app.js';
import { addClient, type NewClient } from '../../src/ops.js';
import { A, PERSONS, YEAR } from '../fixtures/pcgd/communes.js';
import { bearer, CONFIGURED_SYSTEMS_ENV, S1, student, tokenFor } from '../helpers/api.js';
import { countRows, makeDeps, type TestEnv } from '../helpers/env.js';
import { captureLog } from '../helpers/log-lines.js';
import { seedFixture } from '../helpers/pcgd.js';

type Who = 'vendor' | 'other' | 'admin' | 'auditor' | 'officer' | 'officerB' | 'none';
interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
}
interface Op {
  method: HTTPMethods;
  path: string;
  params: Param[];
  body: boolean;
  scope: string | undefined;
}

/** Every operation of the committed OpenAPI document. */
function operations(): Op[] {
  const out: Op[] = [];
  const paths = (spec as { paths: Record<string, Record<string, Record<string, unknown>>> }).paths;
  for (const [path, item] of Object.entries(paths))
    for (const [method, op] of Object.entries(item)) {
      if (!op || typeof op !== 'object' || !('responses' in op)) continue;
      const security = (op.security as Array<Record<string, string[]>> | undefined) ?? [];
      out.push({
        method: method.toUpperCase(),
        path,
        params: ((op.parameters as Param[] | undefined) ?? []).map((p) => ({ name: p.name, in: p.in })),
        body: op.requestBody !== undefined,
        scope: security.flatMap((s) => Object.values(s).flat())[0],
      });
    }
  return out;
}

/** Who calls a route of `scope` (a client that holds it). */
function callerOf(scope: string | undefined): Who {
  if (scope === undefined) return 'none';
  if (scope === 'admin' || scope === 'guard') return 'admin';
  if (scope === 'audit:read') return 'auditor';
  if (scope.startsWith('pcgd:')) return 'officer';
  return 'vendor';
}

/** A value shaped as a citizen ID (CCCD, 12 digits): may be personal data, never echoed in a field error. */
const PERSONAL_ID = '079201001234';

/** Hostile values for a path or query parameter, as they appear in a URL (already percent-encoded). */
const URL_VALUES: readonly string[] = [
  PERSONAL_ID,
  encodeURIComponent('Nguyễn Thị Hoa'),
  'a%00b',
  '%C3%28',
  'x'.repeat(10_000),
  '-1',
  '99999999999999999999999',
  '2147483648',
  '9223372036854775808',
  '9999-12-31T23:59:59.999Z',
  '2026-01-01T00:00:00%2B14:00',
  '1e400',
  '%25',
  '%5C',
  "'",
  '.*',
  '(a%2B)%2B%24',
  '2026-02-30',
  '2026-02-30T00:00:00Z',
  '',
  '%E2%80%AE',
  '%2F..%2F',
];
/** Hostile values for a header parameter (inject refuses the ones Node's parser would). */
const HEADER_VALUES: readonly string[] = ['x'.repeat(10_000), "'", '.*', '', '-1', 'é'];

/** Hostile values for one body field. */
const FIELD_VALUES: ReadonlyArray<[string, unknown]> = [
  ['a number', 12345],
  ['a string', 'x'],
  ['null', null],
  ['an object', { a: 1 }],
  ['an array', [1, 'a']],
  ['NUL', 'a\u0000b'],
  ['a lone surrogate', '\ud800'],
  ['10 k characters', 'é'.repeat(10_000)],
  ['deep nesting', JSON.parse('['.repeat(200) + ']'.repeat(200)) as unknown],
  ['-1', -1],
  ['2^64', 18446744073709551616],
  ['2^31', 2147483648],
  ['2^53-1', 9007199254740991],
  ['[2^53-1]', [9007199254740991]],
  ['SQL', "'; DROP TABLE truc.batches;--"],
  ['regex', '.*%_\\'],
  ['2026-02-30', '2026-02-30'],
  ['unknown enum', 'not-a-value'],
  ['CR/LF', 'a\r\nb'],
  ['a personal ID', PERSONAL_ID],
  ['a name', 'Nguyễn Thị Hoa'],
  ['bidi override', 'a\u202eb'],
  ['spaces only', '   '],
];

/** Malformed bodies (raw bytes). */
const RAW_BODIES: ReadonlyArray<[string, string | Buffer]> = [
  ['truncated JSON', '{"a":'],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])],
  ['deep nesting', '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}'],
  ['an array', '[]'],
  ['a string', '"x"'],
  ['NUL escaped', '{"a":"\\u0000"}'],
  ['__proto__', '{"__proto__":{"x":1}}'],
];

interface Seen {
  op: string;
  where: string;
  value: string;
  status: number;
  code: string;
  problem: string;
}

describe('review32b: every route against hostile input', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  const log = captureLog('debug');
  const tokens = {} as Record<Who, string | undefined>;
  const clients = {} as Record<string, NewClient>;
  const valid: Record<string, string> = {};
  const bodies: Record<string, Record<string, unknown>> = {};
  const seen: Seen[] = [];

  beforeAll(async () => {
    env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      { env: { ...CONFIGURED_SYSTEMS_ENV, TRUC_API_RATE_LIMIT_MAX: '1000000' } },
    );
    await seedFixture(env.deps.db);
    app = await buildApp({ ...env.deps, logger: log.logger });
    await app.ready();
    const defs: Record<string, { role: string; schools?: string[]; units?: string[] }> = {
      vendor: { role: 'vendor', schools: [S1] },
      other: { role: 'vendor', schools: ['79000099'] },
      admin: { role: 'city-admin' },
      auditor: { role: 'auditor' },
      officer: { role: 'pcgd-officer', units: [A] },
      officerB: { role: 'pcgd-officer', units: ['27676'] },
      target: { role: 'vendor', schools: ['79000098'] },
    };
    for (const [name, d] of Object.entries(defs)) {
      clients[name] = await addClient(env.deps.db, { name, ...d });
      if (name !== 'target') tokens[name as Who] = await tokenFor(app, clients[name]);
    }
    tokens.none = undefined;
    const batch = await send('POST', `/v1/schools/${S1}/batches`, 'vendor', {
      entity: 'students',
      records: [student('HS1')],
    });
    expect(batch.statusCode, batch.body).toBe(202);
    const report = await send('POST', '/v1/pcgd/reports', 'officer', { unitCode: A, year: YEAR });
    expect(report.statusCode, report.body).toBe(202);
    const schedules = await send('GET', '/v1/schedules', 'admin');
    const hook = await send('POST', '/v1/webhooks', 'vendor', {
      url: 'https://hooks.example.vn/truc',
      events: ['batch.finished'],
    });
    expect(hook.statusCode, hook.body).toBe(201);
    Object.assign(valid, {
      schoolCode: S1,
      code: S1,
      school: S1,
      batchId: batch.json<{ batchId: string }>().batchId,
      syncRunId: '1',
      id: String(schedules.json<{ items?: Array<{ id: string }> }>().items?.[0]?.id ?? '1'),
      clientId: clients.target!.clientId,
      classKey: 'L1',
      studentCode: 'HS1',
      staffCode: 'GV1',
      reportId: String(report.json<{ reportId: number }>().reportId),
      communeCode: A,
      webhookId: hook.json<{ id: string }>().id,
    });
    Object.assign(bodies, {
      'POST /oauth/token': {
        grant_type: 'client_credentials',
        client_id: clients.vendor!.clientId,
        client_secret: clients.vendor!.clientSecret,
      },
      'POST /v1/schools/{schoolCode}/batches': { entity: 'students', records: [student('HS2')] },
      'POST /v1/syncs': { system: 'hcm-csdl', entity: 'students', scope: S1 },
      'POST /v1/guard/holds/{id}/approve': { reason: 'ok' },
      'POST /v1/guard/holds/{id}/reject': { reason: 'ok' },
      'POST /v1/dead-letters/replay': { ids: [1] },
      'POST /v1/admin/clients': { name: 'n', role: 'vendor', schools: [S1] },
      'POST /v1/admin/clients/{clientId}/secret': { overlapSeconds: 0 },
      'PATCH /v1/admin/clients/{clientId}': { name: 'n' },
      'PUT /v1/admin/school-systems/{school}': { system: 'smas' },
      'POST /v1/webhooks': { url: 'https://hooks.example.vn/other', events: ['batch.finished'] },
      'POST /v1/pcgd/reports': { unitCode: A, year: YEAR },
      'POST /v1/pcgd/reports/{reportId}/reopen': { reason: 'kiểm thử' },
      'POST /v1/pcgd/communes/{communeCode}/persons-pull': { full: false },
    });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  function send(
    method: HTTPMethods,
    url: string,
    who: Who,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const raw = typeof payload === 'string' || Buffer.isBuffer(payload);
    return app.inject({
      method,
      url,
      headers: {
        ...(tokens[who] === undefined ? {} : bearer(tokens[who])),
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(payload === undefined ? {} : { payload: raw ? payload : JSON.stringify(payload) }),
    });
  }

  const snapshot = async () => ({
    batches: await countRows(env.deps.db, 'truc.batches'),
    outbox: await countRows(env.deps.db, 'truc.outbox'),
    idempotency: await countRows(env.deps.db, 'truc.idempotency_keys'),
    audit:
      (await countRows(env.deps.db, 'truc.audit_log')) + (await countRows(env.deps.db, 'truc.audit_pending')),
    findings: await countRows(env.deps.db, 'truc.findings'),
    clients: await countRows(env.deps.db, 'truc.api_clients'),
    reports: await countRows(env.deps.db, 'truc.pcgd_reports'),
    webhooks: await countRows(env.deps.db, 'truc.webhook_subscriptions'),
    syncRuns: await countRows(env.deps.db, 'truc.sync_runs'),
    schoolSystems: await countRows(env.deps.db, 'truc.school_systems'),
  });

  /** What is wrong with an answer to hostile input (empty when it is a bilingual 4xx problem or a plain 2xx/3xx). */
  function judge(res: LightMyRequestResponse): string {
    if (res.statusCode >= 500) return `a ${res.statusCode}`;
    if (res.statusCode < 400) return '';
    const type = String(res.headers['content-type'] ?? '');
    if (!/^application\/(problem\+)?json/.test(type)) return `content-type ${type}`;
    const body = res.json<Record<string, unknown>>();
    const m = body.messages as { vi?: string; en?: string } | undefined;
    if (!m?.vi || !m.en || m.vi === m.en) return 'no vi/en messages';
    if (typeof body.detail === 'string' && !body.detail.includes(' / '))
      return `detail not bilingual: ${body.detail}`;
    for (const e of (body.errors as Array<{ message: string }> | undefined) ?? [])
      if (!e.message.includes(' / ')) return `errors[] message not bilingual: ${e.message.slice(0, 200)}`;
    if (res.body.includes('\u0000') || res.body.includes('\\u0000')) return 'NUL echoed';
    // A value that may be a personal ID is not repeated in a refusal's field errors. (A `detail` may name the code the
    // caller sent in a path or field, school or schedule: review32b N5.)
    if (JSON.stringify(body.errors ?? []).includes(PERSONAL_ID)) return 'a personal ID echoed';
    return '';
  }

  function record(op: Op, where: string, value: string, res: LightMyRequestResponse): void {
    const body = res.statusCode >= 400 ? res.json<{ code?: string }>() : {};
    seen.push({
      op: `${op.method} ${op.path}`,
      where,
      value: value.slice(0, 24),
      status: res.statusCode,
      code: body.code ?? '',
      problem: judge(res),
    });
  }

  const urlOf = (op: Op, over: Record<string, string> = {}): string => {
    const path = op.path.replace(
      /\{(\w+)\}/g,
      (_m, n: string) =>
        over[n] ?? (n === 'id' && op.path.startsWith('/v1/webhooks/') ? valid.webhookId : valid[n]) ?? '1',
    );
    const query = op.params
      .filter((p) => p.in === 'query' && over[p.name] !== undefined)
      .map((p) => `${p.name}=${over[p.name]}`)
      .join('&');
    return query ? `${path}?${query}` : path;
  };

  it('every parameter and body field of every operation: a bilingual 4xx, never a 5xx, nothing written', async () => {
    for (const op of operations()) {
      const who = callerOf(op.scope);
      const key = `${op.method} ${op.path}`;
      const base = op.body ? (bodies[key] ?? {}) : undefined;
      const before = await snapshot();
      let accepted = false;
      for (const p of op.params) {
        if (p.in === 'header') {
          for (const v of HEADER_VALUES) {
            let res: LightMyRequestResponse;
            try {
              res = await send(op.method, urlOf(op), who, base, { [p.name]: v });
            } catch {
              continue;
            }
            record(op, `header ${p.name}`, v, res);
            accepted ||= res.statusCode < 300 && op.method !== 'GET';
          }
          continue;
        }
        const values = p.in === 'query' ? [...URL_VALUES, '1%26' + p.name + '%3D2'] : URL_VALUES;
        for (const v of values) {
          const url = urlOf(op, { [p.name]: v });
          const res = await send(op.method, url, who, base);
          record(op, `${p.in} ${p.name}`, v, res);
          accepted ||= res.statusCode < 300 && op.method !== 'GET';
        }
        if (p.in === 'query') {
          const res = await send(op.method, `${urlOf(op)}?${p.name}=1&${p.name}=2&${p.name}[a]=3`, who, base);
          record(op, `query ${p.name}`, 'repeated', res);
        }
      }
      if (op.body && base) {
        for (const field of Object.keys(base).concat(['unknownField'])) {
          for (const [name, v] of FIELD_VALUES) {
            const res = await send(op.method, urlOf(op), who, { ...base, [field]: v });
            record(op, `body ${field}`, name, res);
            accepted ||= res.statusCode < 300;
          }
        }
        for (const [name, raw] of RAW_BODIES) {
          const res = await send(op.method, urlOf(op), who, raw);
          record(op, 'body', name, res);
          accepted ||= res.statusCode < 300;
        }
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
  const targeted = (op: Op) => op.params.some((p) => p.in === 'path') || callerOf(op.scope) !== 'vendor';

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
          targeted(op) || who !== 'other',
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
