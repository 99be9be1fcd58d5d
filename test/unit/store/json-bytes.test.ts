/**
 * JSON written straight as UTF-8 bytes (src/store/json-bytes.ts, issue 7): byte for byte
 * `Buffer.from(JSON.stringify(value))` for every value it writes, and nothing written for the values it
 * leaves to JSON.stringify; the two fingerprints taken of it (a record's, a source record's) are the
 * digests they were; a record's bytes sent to PostgreSQL have its members in jsonb's key order (perf11b).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CATALOGUE_VERSION } from '../../../src/quality/index.js';
import { sourceFpOf } from '../../../src/jobs/source-fp.js';
import { JsonWriter } from '../../../src/store/json-bytes.js';
import { fingerprint, fingerprinted } from '../../../src/store/records.js';

const stringified = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

/** A key jsonb's order is told for by its code units: printable ASCII, no quote or backslash. */
const plain = (k: string) => /^[\x20-\x7e]*$/.test(k) && !/["\\]/.test(k);

/**
 * `JSON.stringify(v)`'s bytes with `v`'s top-level members (a plain object's) in the order jsonb keeps keys: shorter
 * first, then byte by byte; as written when a key is not plain. (Joined by hand: an object would list integer-like
 * keys first again.)
 */
function jsonbBytes(v: unknown): Buffer {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Date) return stringified(v);
  const members = Object.entries(JSON.parse(JSON.stringify(v)) as Record<string, unknown>);
  if (!members.every(([k]) => plain(k))) return stringified(v);
  members.sort(([a], [b]) => a.length - b.length || Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return Buffer.from(`{${members.map(([k, e]) => `${JSON.stringify(k)}:${JSON.stringify(e)}`).join(',')}}`);
}
const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** The bytes `w` writes for `v`, or undefined when it leaves `v` (and then wrote nothing). */
function written(w: JsonWriter, v: unknown, prefix?: Uint8Array): Buffer | undefined {
  const before = w.end;
  const at = w.write(v, prefix);
  if (at < 0) {
    expect(w.end).toBe(before);
    return undefined;
  }
  return Buffer.from(w.last(at));
}

const STRINGS = [
  '',
  'abc',
  'Nguyễn Thị Ánh Tuyết',
  'Đặng Văn Lâm',
  'quote " and backslash \\ and slash /',
  '\b\f\n\r\t',
  '\u0000\u0001\u001f\u007f\u0080\u00ff',
  '\u2028\u2029',
  'emoji 😀 and 𝄞',
  '\ud800',
  'a\udbffz',
  '\udc00 low first',
  '\udc00\ud800',
  'x\ud83d',
  '\ud83d\ude00\ud83d',
  'ï¿½ mojibake Ã¡',
  'ＭＳ全角',
];

const VALUES: unknown[] = [
  ...STRINGS,
  0,
  -0,
  1,
  -1.5,
  0.1,
  1e21,
  1e-7,
  123456789012345680000,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_VALUE,
  NaN,
  Infinity,
  -Infinity,
  true,
  false,
  null,
  [],
  {},
  [1, 'a', null, true, [2, [3]], { b: 1 }],
  [undefined, () => 1, Symbol('s')],
  // eslint-disable-next-line no-sparse-arrays
  [1, , 3],
  { a: undefined, b: () => 1, c: Symbol('s'), d: 1 },
  { b: 1, a: 2, 2: 'two', 1: 'one', '-1': 'minus', '01': 'zero one', [Symbol('k')]: 'hidden' },
  { 'key "quoted"': 1, 'Tên học sinh': 'Lê', '\ud800': 2 },
  { nested: { deeper: { list: [{ x: 'y' }, []] } } },
  Object.assign(Object.create(null) as object, { z: 1, a: 'n' }),
  {
    studentCode: '7924831618',
    schoolCode: '79000701',
    schoolYear: '2026-2027',
    fullName: 'Trần Thị Bích Ngọc',
    birthDate: '2015-03-09',
    sex: 'female',
    ethnicityCode: '01',
    status: 'studying',
  },
];

/** Values it leaves to JSON.stringify (which writes or refuses them in its own way). */
class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}
const LEFT: unknown[] = [
  undefined,
  () => 1,
  Symbol('s'),
  10n,
  new Date(0),
  new Point(1, 2),
  { toJSON: () => 'x' },
  [new Date(0)],
  { a: { b: 10n } },
  Object.assign([1, 2], { toJSON: () => 'arr' }),
  new String('boxed'),
  new Uint8Array(2),
  new Map([[1, 2]]),
];

/** A random value of the kinds records are made of: strings of any UTF-16 units, numbers, nesting. */
function randomValue(rand: () => number, depth: number): unknown {
  const kind = Math.floor(rand() * (depth > 3 ? 4 : 6));
  const str = () => {
    const n = Math.floor(rand() * 12);
    let s = '';
    for (let i = 0; i < n; i++) {
      const r = rand();
      s += String.fromCharCode(
        r < 0.5
          ? 0x20 + Math.floor(rand() * 0x60)
          : r < 0.6
            ? Math.floor(rand() * 0x20)
            : r < 0.8
              ? 0xa0 + Math.floor(rand() * 0x2000)
              : r < 0.9
                ? 0xd800 + Math.floor(rand() * 0x800)
                : Math.floor(rand() * 0x10000),
      );
    }
    return s;
  };
  switch (kind) {
    case 0:
      return str();
    case 1:
      return rand() < 0.5
        ? Math.floor(rand() * 1e6) - 5e5
        : (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
    case 2:
      return rand() < 0.5;
    case 3:
      return rand() < 0.5 ? null : undefined;
    case 4:
      return Array.from({ length: Math.floor(rand() * 5) }, () => randomValue(rand, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 6); i > 0; i--) o[str()] = randomValue(rand, depth + 1);
      return o;
    }
  }
}

/** A small seeded generator (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('JSON written as UTF-8 bytes', () => {
  it('writes what Buffer.from(JSON.stringify(value)) holds, for each kind of value it writes', () => {
    const w = new JsonWriter();
    for (const v of VALUES) expect(written(w, v), JSON.stringify(v)).toEqual(stringified(v));
  });

  it('writes the same bytes as JSON.stringify for random values', () => {
    const rand = seeded(7);
    const w = new JsonWriter(256);
    for (let i = 0; i < 3000; i++) {
      const v = randomValue(rand, 0);
      if (v === undefined) continue;
      expect(written(w, v), JSON.stringify(v)).toEqual(stringified(v));
    }
  });

  it('writes nothing for a value it leaves to JSON.stringify, nor for a cycle', () => {
    const w = new JsonWriter();
    w.write('kept');
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    for (const v of [...LEFT, cycle, [cycle]]) expect(written(w, v)).toBeUndefined();
    expect(w.last(0).toString()).toBe('"kept"');
  });

  it('leaves plain objects to JSON.stringify while Object.prototype has an enumerable property', () => {
    const w = new JsonWriter();
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = 1;
    try {
      expect(written(w, { a: 1 })).toBeUndefined();
    } finally {
      delete proto.polluted;
    }
    expect(written(w, { a: 1 })).toEqual(stringified({ a: 1 }));
  });

  it('keeps the bytes of earlier values where they are when it goes on in a new buffer', () => {
    const w = new JsonWriter(64);
    const values = Array.from({ length: 200 }, (_, i) => ({ i, name: 'Phạm Thị Hồng '.repeat(i % 9) }));
    const views = values.map((v) => w.last(w.write(v)));
    views.forEach((b, i) => expect(b).toEqual(stringified(values[i])));
    // A value larger than the buffer, and after it one that fits again.
    const big = { text: 'ư'.repeat(10_000) };
    expect(w.last(w.write(big))).toEqual(stringified(big));
    expect(w.last(w.write([1]))).toEqual(stringified([1]));
  });

  it('writes a prefix before the value, moved with it to a new buffer', () => {
    const w = new JsonWriter(16);
    const prefix = Buffer.from('hcm-csdl/students@2\n2025.4\n');
    const v = { hoTen: 'Võ Minh Khôi', ngaySinh: '2014-11-02' };
    expect(written(w, v, prefix)).toEqual(Buffer.concat([prefix, stringified(v)]));
    expect(written(w, 10n, prefix)).toBeUndefined();
  });
});

describe('fingerprints of the bytes written', () => {
  const records: unknown[] = [...VALUES.filter((v) => typeof v === 'object' && v !== null), new Date(0)];

  it("a record's fingerprint is what it was (the SHA-256 of Buffer.from(JSON.stringify)), its bytes the same members in jsonb's order", () => {
    for (const r of records) {
      const { json, fingerprint: fp } = fingerprinted(r);
      expect(Buffer.from(json), JSON.stringify(r)).toEqual(jsonbBytes(r));
      expect(JSON.parse(json.toString())).toEqual(JSON.parse(JSON.stringify(r)));
      expect(fp).toBe(sha256(stringified(r)));
      expect(fingerprint(r)).toBe(fp);
    }
  });

  it("puts a record's members in jsonb's order, in place, for random records and in a buffer too small for a copy", () => {
    const rand = seeded(11);
    for (const size of [32 * 1024, 64]) {
      const w = new JsonWriter(size);
      const views: [Buffer, unknown][] = [];
      for (let i = 0; i < 400; i++) {
        const o: Record<string, unknown> = {};
        // Keys of printable ASCII mostly (some of equal length), other units now and then.
        for (let k = Math.floor(rand() * 20); k > 0; k--) {
          const key = rand() < 0.9 ? Math.floor(rand() * 3000).toString(36) : String(randomValue(rand, 9));
          o[key] = randomValue(rand, 3);
        }
        const at = w.write(o);
        if (at < 0) continue;
        w.jsonbOrder();
        views.push([w.last(at), o]);
      }
      // Every view still holds its record's bytes (a later record's order wrote none of them).
      for (const [b, o] of views) expect(Buffer.from(b), JSON.stringify(o)).toEqual(jsonbBytes(o));
    }
  });

  it("a source record's fingerprint is the SHA-256 of the mapping, the catalogue and its JSON, as it was", () => {
    for (const r of records) {
      expect(sourceFpOf({ version: 'hcm-csdl/students@2' }, r)).toBe(
        sha256(`hcm-csdl/students@2\n${CATALOGUE_VERSION}\n${JSON.stringify(r)}`),
      );
    }
    expect(sourceFpOf({ version: 'hcm-csdl/students@1' }, { a: 'ă' })).toBe(
      sha256(`hcm-csdl/students@1\n${CATALOGUE_VERSION}\n{"a":"ă"}`),
    );
  });
});
