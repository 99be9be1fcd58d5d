/**
 * The hostile-input guard's pure parts: strict UTF-8, prototype-poisoning keys, and the one walk that
 * refuses NUL, lone surrogates, deep nesting, long nested arrays and numbers beyond a double; field names that may be
 * personal data are never echoed.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { student } from '../../factories/records.js';
import {
  decodeUtf8,
  inspectJson,
  mayHoldForbiddenText,
  mayOverflow,
  parseJson,
  readJsonBody,
  receiveBody,
} from '../../../src/api/plugins/input.js';
import { printableKey, printableKeys } from '../../../src/canonical/keys.js';
import { isAppError, type AppError } from '../../../src/errors.js';
import { StudentSchema } from '../../../src/canonical/index.js';
import { zodFindings } from '../../../src/mappings/canonical/index.js';
import { prepareCanonicalBatch } from '../../../src/quality/prepare.js';
import { ctxOf } from '../quality/helpers.js';

const limits = { maxDepth: 32, maxNestedArrayItems: 1000 };

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('not refused');
}

const nested = (levels: number) => {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

describe('decodeUtf8', () => {
  it('decodes valid UTF-8, Vietnamese included', () => {
    expect(decodeUtf8(Buffer.from('{"a":"Nguyễn"}'))).toBe('{"a":"Nguyễn"}');
  });
  it('refuses invalid bytes instead of turning them into U+FFFD', () => {
    const bad = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expect(refusal(() => decodeUtf8(bad)).code).toBe('ERR_INVALID_ENCODING');
    const overlong = Buffer.concat([Buffer.from('"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"')]);
    expect(refusal(() => decodeUtf8(overlong)).code).toBe('ERR_INVALID_ENCODING');
  });
});

describe('parseJson', () => {
  it('refuses __proto__ and constructor.prototype keys, anywhere', () => {
    expect(refusal(() => parseJson('{"records":[{"__proto__":{"x":1}}]}')).code).toBe('ERR_FORBIDDEN_KEY');
    expect(refusal(() => parseJson('{"constructor":{"prototype":{"x":1}}}')).code).toBe('ERR_FORBIDDEN_KEY');
  });
  it('malformed and empty bodies are malformed JSON', () => {
    expect(refusal(() => parseJson('{"a":')).code).toBe('ERR_MALFORMED_JSON');
    expect(refusal(() => parseJson('  ')).code).toBe('ERR_MALFORMED_JSON');
  });
  // walk7 W7-5: the refusal says where the JSON stopped (line and column, or cut short), never the body's text.
  it('a malformed body is told where its JSON stopped, none of its text echoed', () => {
    expect(refusal(() => parseJson('{"entity":')).message).toBe(
      'JSON dừng giữa chừng ở cuối nội dung (nội dung bị cắt?) / ' +
        'the JSON ends before it is complete (was the body cut short?)',
    );
    expect(refusal(() => parseJson('{"records":[\n  {"a":1,}\n]}')).message).toBe(
      'JSON sai ở dòng 2, cột 10 / the JSON goes wrong at line 2, column 10',
    );
    const secret = refusal(() => parseJson('{"fullName":"Nguyễn Văn A" 1}')).message;
    expect(secret).toMatch(/line 1, column 28$/);
    expect(refusal(() => parseJson('{"fullName":Nguyễn}')).message).not.toMatch(/Nguy/);
  });
  // review8 R8-2: V8 gives no position for an unexpected token (and quotes the body instead); truc finds it.
  it.each([
    ['a bare word as a value', '{"fullName":Nguyễn}', 1, 13],
    ['a comma before a closing bracket', '{"records":[\n  {"a":1},\n]}', 3, 1],
    ['a misspelt literal', '{\n"a":tru}', 2, 5],
    ['a no-break space before the body', '\u00a0{}', 1, 1],
    ['a single-quoted string', `{"a":\n\n  'x'}`, 3, 3],
  ])(
    'an unexpected token (%s) is told by line and column, none of its text echoed',
    (_name, text, line, column) => {
      expect(() => JSON.parse(text) as unknown).toThrow(/^Unexpected token/); // the message with no position
      expect(refusal(() => parseJson(text)).message).toBe(
        `JSON sai ở dòng ${line}, cột ${column} / the JSON goes wrong at line ${line}, column ${column}`,
      );
    },
  );
  // review9: the place is sought by a recursive reader; a malformed body nested thousands deep overflowed its stack.
  it('a malformed body nested 20,000 deep is refused as malformed (no place told), not a stack overflow', () => {
    const text = `{"a":${'['.repeat(20_000)}x}`;
    const err = refusal(() => parseJson(text));
    expect(err.code).toBe('ERR_MALFORMED_JSON');
  });
  it('a plain "constructor" field is data, not a poisoning attempt', () => {
    expect(parseJson('{"constructor":"x"}')).toEqual({ constructor: 'x' });
  });
});

describe('inspectJson', () => {
  it('accepts ordinary records', () => {
    expect(() =>
      inspectJson({ entity: 'students', records: [{ fullName: 'Lê Thị Hoa', tags: ['a'] }] }, limits),
    ).not.toThrow();
  });

  it.each([
    ['NUL in a value', { records: [{ fullName: 'a\u0000b' }] }, 'nul_character', '/body/records/0/fullName'],
    [
      'lone high surrogate',
      { records: [{ fullName: 'x\ud800' }] },
      'lone_surrogate',
      '/body/records/0/fullName',
    ],
    ['lone low surrogate', { records: [{ n: ['\udc00'] }] }, 'lone_surrogate', '/body/records/0/n/0'],
    ['NUL in a key', { records: [{ 'a\u0000': 1 }] }, 'nul_character', '/body/records/0'],
  ])('%s → ERR_INVALID_TEXT at its pointer', (_name, body, rule, pointer) => {
    const err = refusal(() => inspectJson(body, limits));
    expect(err.code).toBe('ERR_INVALID_TEXT');
    expect(err.errors).toEqual([expect.objectContaining({ rule, pointer })]);
  });

  it('a well-formed surrogate pair (emoji) is fine', () => {
    expect(() => inspectJson({ records: [{ note: '😀' }] }, limits)).not.toThrow();
  });

  it('refuses nesting over the limit, however deep, without recursion', () => {
    expect(() => inspectJson(nested(31), limits)).not.toThrow();
    expect(refusal(() => inspectJson(nested(33), limits)).code).toBe('ERR_BODY_TOO_DEEP');
    expect(refusal(() => inspectJson(nested(5000), limits)).code).toBe('ERR_BODY_TOO_DEEP');
    expect(refusal(() => inspectJson(nested(200_000), limits)).code).toBe('ERR_BODY_TOO_DEEP');
  });

  it('refuses a long array inside a record, not the records array itself', () => {
    const records = Array.from({ length: 1500 }, () => ({}));
    expect(() => inspectJson({ records }, limits)).not.toThrow();
    const err = refusal(() => inspectJson({ records: [{ list: new Array(1001).fill(0) }] }, limits));
    expect(err.code).toBe('ERR_VALIDATION');
    expect(err.errors?.[0]).toMatchObject({ pointer: '/body/records/0/list', rule: 'too_big' });
  });

  it('never echoes a field name that may be a personal ID or a name', () => {
    const err = refusal(() => inspectJson({ records: [{ '079201001234': 'a\u0000' }] }, limits));
    expect(err.errors?.[0]?.pointer).toBe('/body/records/0/*');
    expect(JSON.stringify(err.errors)).not.toContain('079201001234');
  });
});

describe('readJsonBody: strings are looked at only when an escape could hide NUL or a lone surrogate', () => {
  const body = (json: string) => Buffer.from(json);

  it.each([
    ['\\u0000 in a value', '{"records":[{"fullName":"An\\u0000"}]}', 'nul_character'],
    ['\\uD800 (upper case) in a value', '{"records":[{"fullName":"An\\uD800"}]}', 'lone_surrogate'],
    ['\\udfff in a value', '{"records":[{"fullName":"\\udfffAn"}]}', 'lone_surrogate'],
    ['\\uDbFf in a field name', '{"records":[{"a\\uDbFf":1}]}', 'lone_surrogate'],
    ['a high surrogate escape then a plain one', '{"records":[{"n":"\\ud83d\\u0041"}]}', 'lone_surrogate'],
  ])('%s → ERR_INVALID_TEXT', (_name, json, rule) => {
    expect(mayHoldForbiddenText(json)).toBe(true);
    const err = refusal(() => readJsonBody(body(json), limits));
    expect(err.code).toBe('ERR_INVALID_TEXT');
    expect(err.errors).toEqual([expect.objectContaining({ rule })]);
  });

  it('a text without such an escape needs no string check, and is still walked for depth and arrays', () => {
    const plain = JSON.stringify({ records: [{ fullName: 'Nguyễn Thị Ánh 😀', note: '\\u0041 \u0041' }] });
    expect(mayHoldForbiddenText(plain)).toBe(false);
    expect(readJsonBody(body(plain), limits).value).toEqual(JSON.parse(plain));
    expect(mayHoldForbiddenText(JSON.stringify({ note: 'An\u0000' }))).toBe(true);
    expect(mayHoldForbiddenText(JSON.stringify({ note: '😀'.slice(0, 1) }))).toBe(true);
    expect(refusal(() => readJsonBody(body(JSON.stringify(nested(33))), limits)).code).toBe(
      'ERR_BODY_TOO_DEEP',
    );
    const long = JSON.stringify({ records: [{ list: new Array(1001).fill(0) }] });
    expect(refusal(() => readJsonBody(body(long), limits)).code).toBe('ERR_VALIDATION');
  });

  it('the walk without string checks still refuses depth and long nested arrays', () => {
    expect(refusal(() => inspectJson(nested(5000), limits, false)).code).toBe('ERR_BODY_TOO_DEEP');
    const err = refusal(() => inspectJson({ records: [{ list: new Array(1001).fill(0) }] }, limits, false));
    expect(err.errors?.[0]).toMatchObject({ pointer: '/body/records/0/list', rule: 'too_big' });
  });
});

describe('receiveBody: the body hashed as it arrives, with the limits of fastify', () => {
  const parts = ['{"entity":"students",', '"records":[{"a":"Nguyễn"}]}'].map((t) => Buffer.from(t));
  const whole = Buffer.concat(parts);
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'resolved',
      (e: { code?: string; statusCode?: number }) => `${e.code} ${e.statusCode}`,
    );

  it('keeps the chunks as they came and hashes their bytes', async () => {
    const got = await receiveBody(Readable.from(parts), whole.length, 1000);
    expect(got.chunks).toHaveLength(2);
    expect(got.length).toBe(whole.length);
    expect(Buffer.concat(got.chunks).equals(whole)).toBe(true);
    expect(got.sha256).toBe(createHash('sha256').update(whole).digest('hex'));
  });

  it('a declared or received length over the limit is a 413; a length other than declared a 400', async () => {
    expect(await code(receiveBody(Readable.from(parts), whole.length, whole.length - 1))).toBe(
      'FST_ERR_CTP_BODY_TOO_LARGE 413',
    );
    expect(await code(receiveBody(Readable.from(parts), NaN, whole.length - 1))).toBe(
      'FST_ERR_CTP_BODY_TOO_LARGE 413',
    );
    expect(await code(receiveBody(Readable.from(parts), whole.length + 1, 1000))).toBe(
      'FST_ERR_CTP_INVALID_CONTENT_LENGTH 400',
    );
    expect(await code(receiveBody(Readable.from(parts), NaN, 1000))).toBe('resolved');
  });

  it('a stream error is a 400 unless it carries its own 4xx', async () => {
    const failing = (err: Error) =>
      new Readable({
        read() {
          this.destroy(err);
        },
      });
    const plain = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    expect(await code(receiveBody(failing(plain), NaN, 1000))).toBe('ECONNRESET 400');
    const own = Object.assign(new Error('gone'), { code: 'X', statusCode: 408 });
    expect(await code(receiveBody(failing(own), NaN, 1000))).toBe('X 408');
  });
});

describe('printableKey', () => {
  it('echoes schema-like field names and indexes, hides anything else', () => {
    expect(printableKey('birthDate')).toBe('birthDate');
    expect(printableKey('address_2')).toBe('address_2');
    expect(printableKey('12')).toBe('12');
    expect(printableKey('079201001234')).toBe('*');
    expect(printableKey('id079201')).toBe('*');
    expect(printableKey('Nguyễn Văn An')).toBe('*');
    expect(printableKey('a b')).toBe('*');
    expect(printableKeys(['x', '0792010012'])).toBe('x, *');
  });
});

describe('findings never echo a field name that may be personal data', () => {
  it('the canonical mapping and the quality input step hide such unknown keys', () => {
    const rec = { ...student('HS1'), '079201001234': 'x', nickname: 'y' };
    const parsed = StudentSchema.safeParse(rec);
    expect(parsed.success).toBe(false);
    const mapped = JSON.stringify(zodFindings(parsed.error!));
    expect(mapped).not.toContain('079201001234');
    expect(mapped).toContain('nickname');
    const sink = prepareCanonicalBatch(ctxOf('students'), [rec]);
    const findings = JSON.stringify(sink.findings);
    expect(sink.findings.length).toBeGreaterThan(0);
    expect(findings).not.toContain('079201001234');
    expect(findings).toContain('nickname');
  });
});

describe('readJsonBody: a number beyond a double is refused, not read as none sent (sec8 S8-3)', () => {
  const body = (json: string) => Buffer.from(json);
  const digits309 = `1${'0'.repeat(308)}`;

  it.each([
    ['1e400', '{"records":[{"grade_id":1e400}]}', '/body/records/0/grade_id'],
    ['-1E+400', '{"records":[{"grade_id":-1E+400}]}', '/body/records/0/grade_id'],
    ['309 integer digits', `{"records":[{"n":-${digits309}9}]}`, '/body/records/0/n'],
    ['1.5e308 × 10 in an array', '{"records":[{"list":[1,15e308]}]}', '/body/records/0/list/1'],
    ['the envelope', '{"entity":1e999,"records":[]}', '/body/entity'],
  ])('%s → 400 ERR_VALIDATION too_big at its pointer, never null', (_n, json, pointer) => {
    expect(JSON.stringify(JSON.parse(json))).toContain('null'); // what storing it did
    expect(mayOverflow(json)).toBe(true);
    const err = refusal(() => readJsonBody(body(json), limits));
    expect(err.code).toBe('ERR_VALIDATION');
    expect(err.errors).toEqual([expect.objectContaining({ pointer, rule: 'too_big' })]);
    expect(err.errors?.[0]?.message).toMatch(/ \/ /);
  });

  it.each([
    ['the largest double', '{"n":1.7976931348623157e308}'],
    ['308 digits', `{"n":${'9'.repeat(308)}}`],
    ['an exponent that underflows', '{"n":1e-400}'],
    ['"2e3" in a string (a false alarm: walked, taken)', '{"code":"2e3"}'],
  ])('%s is taken as JSON.parse reads it', (_n, json) => {
    expect(readJsonBody(body(json), limits).value).toEqual(JSON.parse(json));
  });

  it('reads a text in linear time, however long its runs of digits (review8 R8-7: ~8 s for 5 MB, any caller)', () => {
    // The same length of digits in runs of 308 and of 8: tried from every digit, the first took 30–50 times the second.
    const runs = (n: number) => `[${`${'1'.repeat(n)},`.repeat(Math.floor(1_000_000 / (n + 1)))}1]`;
    const fastest = (text: string) =>
      Math.min(
        ...[0, 1, 2, 3, 4].map(() => {
          const start = performance.now();
          expect(mayOverflow(text)).toBe(false);
          return performance.now() - start;
        }),
      );
    const long = fastest(runs(308));
    const short = fastest(runs(8));
    expect(long / Math.max(short, 0.5)).toBeLessThan(12);
  });

  it('a text with no exponent and no 309 digits needs no number check', () => {
    expect(mayOverflow(JSON.stringify({ records: [student('HS1')] }))).toBe(false);
  });
});
