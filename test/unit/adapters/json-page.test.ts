/**
 * A page body parsed from its bytes piece by piece (src/adapters/wire.ts `parseJsonPage`, issue 7): whenever
 * it answers, the answer is exactly `JSON.parse` of the body's text (same values, same key order); a body
 * JSON.parse refuses, it never answers for; pages over a run's size are parsed in runs and no string of the
 * whole page is made.
 */
import { describe, expect, it, vi } from 'vitest';
import { parseJsonPage } from '../../../src/adapters/wire.js';

/** JSON.parse of the body's text, or the error it throws. */
function whole(body: Buffer): { value: unknown } | { error: true } {
  try {
    return { value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return { error: true };
  }
}

/**
 * parseJsonPage's answer checked against JSON.parse: equal when it answers; returns whether it did. The
 * elements' bounds it tells are checked too: each element's own bytes, which parse to it, when every
 * element is an object or an array; none otherwise.
 */
function agrees(body: Buffer, field = 'data'): boolean {
  const elements: number[] = [];
  const got = parseJsonPage(body, field, elements);
  if (got === undefined) return false;
  const ref = whole(body);
  expect('value' in ref, body.toString('utf8').slice(0, 200)).toBe(true);
  const value = (ref as { value: unknown }).value;
  expect(JSON.stringify(got)).toBe(JSON.stringify(value));
  expect(got).toStrictEqual(value);
  const items = (value as Record<string, unknown[]>)[field]!;
  if (items.length > 0 && items.every((e) => typeof e === 'object' && e !== null)) {
    expect(elements).toHaveLength(2 * items.length);
    items.forEach((e, k) => {
      const bytes = body.subarray(elements[2 * k], elements[2 * k + 1]);
      expect([0x7b, 0x5b]).toContain(bytes[0]);
      expect([0x7d, 0x5d]).toContain(bytes.at(-1));
      expect(JSON.parse(bytes.toString('utf8'))).toStrictEqual(e);
    });
  } else expect(elements).toEqual([]);
  return true;
}

const record = (i: number) => ({
  maDinhDanh: `HS${String(i).padStart(8, '0')}`,
  maTruong: '79000701',
  namHoc: '2026-2027',
  hoTen: ['Nguyễn Thị Ánh Tuyết', 'Đặng Văn Lâm', 'Võ Minh Khôi', 'Lê 😀 Hà'][i % 4],
  ngaySinh: '2015-03-09',
  gioiTinh: i % 2 ? 'Nữ' : 'Nam',
  trangThai: 'Đang học',
  odd: ['quote " ] } [ {', 'back\\slash', 'tab\t nl\n', '\u0001\u001f', 'é\u00a0'][i % 5],
  updatedAt: '2026-09-01T00:00:00Z',
});

const page = (n: number, extra: Record<string, unknown> = {}) => ({
  data: Array.from({ length: n }, (_, i) => record(i)),
  nextCursor: 'c:1000',
  watermark: '2026-09-01T00:00:00Z',
  ...extra,
});

describe('parseJsonPage', () => {
  it('parses a page as JSON.parse does: small, empty, large (in runs), with the array first, last or alone', () => {
    const bodies = [
      JSON.stringify(page(3)),
      JSON.stringify(page(0)),
      JSON.stringify(page(1000)),
      JSON.stringify({ watermark: 'w', data: page(400).data }),
      JSON.stringify({ data: page(2).data }),
      JSON.stringify({ data: [] }),
      JSON.stringify(page(300), null, 2),
      JSON.stringify(page(300), null, '\t'),
      ` \r\n${JSON.stringify(page(5))}\n `,
      JSON.stringify(page(2, { nested: { data: [1, 2] }, list: [{ a: ']' }], n: -1.5e3, t: true, z: null })),
    ];
    for (const text of bodies) expect(agrees(Buffer.from(text)), text.slice(0, 80)).toBe(true);
  });

  it('parses elements of any kind: nested objects and arrays, scalars, strings with brackets and escapes', () => {
    const data = [
      { a: { b: { c: [1, { d: '}' }] } }, e: [] },
      [1, [2, [3]], '[', ']'],
      'a string with \\"quotes\\" and \\\\',
      12.5,
      -0,
      true,
      null,
      { '\u00e9t\u00e9': 'key with non-ASCII', '': 'empty key', __proto__: 'own' },
      { esc: '\\u0041\\u1ec5\\ud83d\\ude00' },
    ];
    expect(agrees(Buffer.from(JSON.stringify({ data })))).toBe(true);
    // Escapes as a system may write them (JSON.stringify writes few).
    expect(agrees(Buffer.from('{"data":[{"s":"\\u0041\\u1ec5\\ud83d\\ude00\\/\\b\\f"}, "\\"]\\""]}'))).toBe(
      true,
    );
    // A large page of scalars and arrays: cut into runs only after an object or array.
    const many = Array.from({ length: 30_000 }, (_, i) =>
      i % 3 === 0 ? [i, 'x'] : i % 3 === 1 ? i : `s${i}`,
    );
    expect(agrees(Buffer.from(JSON.stringify({ data: many })))).toBe(true);
  });

  it('decodes each piece as the whole text is decoded, broken UTF-8 included', () => {
    const parts = [
      Buffer.from('{"data":[{"a":"'),
      Buffer.from([0xc3]), // a sequence cut short by the closing quote
      Buffer.from('"},{"b":"x'),
      Buffer.from([0xff, 0xe1, 0xbb]),
      Buffer.from('\\n"}],"w":"'),
      Buffer.from([0xf0, 0x9f]),
      Buffer.from('"}'),
    ];
    expect(agrees(Buffer.concat(parts))).toBe(true);
  });

  it('leaves to JSON.parse a body not of that form: no such array, the member twice, an escaped key, a BOM', () => {
    for (const text of [
      '[]',
      '{}',
      '"data"',
      '{"other":[1]}',
      '{"data":{"a":1}}',
      '{"data":1}',
      '{"data":[1],"data":[2]}',
      '{"d\\u0061ta":[1],"data":[2]}',
      '\ufeff{"data":[1]}',
      '',
    ]) {
      expect(parseJsonPage(Buffer.from(text), 'data'), text).toBeUndefined();
    }
  });

  it('never answers for a body JSON.parse refuses', () => {
    const big = JSON.stringify(page(400));
    const bad = [
      '{"data":[1,]}',
      '{"data":[1 2]}',
      '{"data":[{"a":1}{"b":2}]}',
      '{"data":[{"a":1]]}',
      '{"data":[{"a":[1}]}',
      '{"data":[1],}',
      '{"data":[1]',
      '{"data":[1]}}',
      '{"data":[1]} x',
      '{"data":[1] "x":2}',
      '{"data":["unterminated]}',
      '{"data":[{"a":"\\x"}]}',
      '{"data":[tru]}',
      // A comma after an element that ends a run, then nothing (the array ends with a comma).
      `${big.slice(0, big.indexOf('],"nextCursor"'))}, ],"nextCursor":"c"}`,
      `${big.slice(0, big.indexOf('],"nextCursor"'))},,{"a":1}],"nextCursor":"c"}`,
    ];
    for (const text of bad) {
      expect('error' in whole(Buffer.from(text)), text.slice(-60)).toBe(true);
      expect(parseJsonPage(Buffer.from(text), 'data'), text.slice(-60)).toBeUndefined();
    }
  });

  it('answers as JSON.parse for every one-byte change of a page (or leaves it)', () => {
    const body = Buffer.from(JSON.stringify(page(6)));
    const bytes = [0x22, 0x5c, 0x2c, 0x5b, 0x5d, 0x7b, 0x7d, 0x3a, 0x20, 0x31, 0x61, 0xc3];
    let answered = 0;
    for (let at = 0; at < body.length; at += 3) {
      for (const b of bytes) {
        const changed = Buffer.from(body);
        changed[at] = b;
        if (agrees(changed)) answered++;
        const dropped = Buffer.concat([body.subarray(0, at), body.subarray(at + 1)]);
        if (agrees(dropped)) answered++;
      }
    }
    expect(answered).toBeGreaterThan(0);
    // ~4 s on a quiet machine; it timed out at the unit tier's 30 s at load 15 (CI run of b719f60, 2026-12-04).
  }, 180_000);

  it('makes no string of a whole large page (V8 maps strings over 128 KB afresh: issue 7)', () => {
    const body = Buffer.from(JSON.stringify(page(1000)));
    expect(body.length).toBeGreaterThan(128 * 1024);
    const toString = vi.spyOn(Buffer.prototype, 'toString');
    try {
      expect(parseJsonPage(body, 'data')).toBeDefined();
      const spans = toString.mock.calls.map(([, from, to]) => Number(to) - Number(from));
      expect(spans.length).toBeGreaterThan(2);
      for (const span of spans) expect(span).toBeLessThan(64 * 1024);
    } finally {
      toString.mockRestore();
    }
    expect(agrees(body)).toBe(true);
  });
});
