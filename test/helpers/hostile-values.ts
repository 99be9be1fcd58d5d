/**
 * What review32b's sweep (test/integration/review32b-sweep.test.ts) sends every route of the OpenAPI document, and
 * how it judges an answer: the operations, who calls each, the hostile values of a URL, a header, a body field and
 * a whole body; an answer is right when it is a bilingual 4xx problem (never a 5xx) that echoes no personal ID.
 */
import type { HTTPMethods, LightMyRequestResponse } from 'fastify';
import spec from '../../openapi/truc.v1.json' with { type: 'json' };

export type Who = 'vendor' | 'other' | 'admin' | 'auditor' | 'officer' | 'officerB' | 'none';
export interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
}
export interface Op {
  method: HTTPMethods;
  path: string;
  params: Param[];
  body: boolean;
  /** The fields its JSON body's schema names (review35b: each gets the hostile values, not only a valid body's). */
  fields: string[];
  scope: string | undefined;
}

type Schema = { $ref?: string; properties?: Record<string, unknown> };
/** The properties of a JSON body's schema, its `$ref` followed. */
function fieldsOf(op: Record<string, unknown>): string[] {
  const content = (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content;
  let schema = content?.['application/json']?.schema;
  if (schema?.$ref)
    schema = schema.$ref
      .split('/')
      .slice(1)
      .reduce<unknown>((at, k) => (at as Record<string, unknown>)[k], spec) as Schema;
  return Object.keys(schema?.properties ?? {});
}

/** Every operation of the committed OpenAPI document. */
export function operations(): Op[] {
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
        fields: fieldsOf(op),
        scope: security.flatMap((s) => Object.values(s).flat())[0],
      });
    }
  return out;
}

/** Who calls a route of `scope` (a client that holds it). */
export function callerOf(scope: string | undefined): Who {
  if (scope === undefined) return 'none';
  if (scope === 'admin' || scope === 'guard') return 'admin';
  if (scope === 'audit:read') return 'auditor';
  if (scope.startsWith('pcgd:')) return 'officer';
  return 'vendor';
}

/** A value shaped as a citizen ID (CCCD, 12 digits): may be personal data, never echoed in a field error. */
export const PERSONAL_ID = '079201001234';

/** Hostile values for a path or query parameter, as they appear in a URL (already percent-encoded). */
export const URL_VALUES: readonly string[] = [
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
export const HEADER_VALUES: readonly string[] = ['x'.repeat(10_000), "'", '.*', '', '-1', 'é'];

/** Hostile values for one body field. */
export const FIELD_VALUES: ReadonlyArray<[string, unknown]> = [
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
export const RAW_BODIES: ReadonlyArray<[string, string | Buffer]> = [
  ['truncated JSON', '{"a":'],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])],
  ['deep nesting', '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}'],
  ['an array', '[]'],
  ['a string', '"x"'],
  ['NUL escaped', '{"a":"\\u0000"}'],
  ['__proto__', '{"__proto__":{"x":1}}'],
];

export interface Seen {
  op: string;
  where: string;
  value: string;
  status: number;
  code: string;
  problem: string;
}

/** What is wrong with an answer to hostile input (empty when it is a bilingual 4xx problem or a plain 2xx/3xx). */
export function judge(res: LightMyRequestResponse): string {
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
