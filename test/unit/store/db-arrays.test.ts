/**
 * Arrays of strings sent as statement parameters (src/store/db-wire.ts `textArrayLiteral`, issue 7): written
 * as PostgreSQL's array literal without pg's per-element escaping when none is needed, byte for byte
 * what pg writes (and arrays of booleans), as one `join` (a flat string: pg copies a text made of parts flat
 * again when it writes it); anything else is left to pg. An array of strings the statement casts `::text[]` at
 * every reference goes in binary form instead (`textArrayBytes`: PostgreSQL reads no literal; read back in
 * test/integration/db-text-arrays).
 */
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { statement, textArrayBytes, textArrayLiteral, textArrayParams } from '../../../src/store/db-wire.js';

/** pg's own writing of a parameter (what it sends when the value is left to it). */
const pgWrites = (v: unknown): unknown =>
  (pg as unknown as { utils: { prepareValue(v: unknown): unknown } }).utils.prepareValue(v);

describe('arrays of strings as statement parameters', () => {
  it('writes keys, codes and names as pg does, without escaping them one by one', () => {
    const arrays: unknown[][] = [
      [],
      ['7924831618', '079320219015'],
      ['2023-07-16|nguyễn thiên dũng', 'NULL', '', ' spaced ', 'a,b', '{x}', 'null'],
      ['a', null, undefined, 'b'],
      [null],
      ['only'],
      [null, 'first null', 'last null', null],
      // Characters pg does not escape in a quoted element: written here as pg writes them.
      ['line\nbreak', 'tab\there', '\u0001', '\ud800 lone', '😀 pair', "it's", 'ß €'],
      Array.from({ length: 1000 }, (_, i) => String(7924831618 + i)),
      Array.from({ length: 1000 }, (_, i) => (i % 5 === 0 ? null : `${i}|nguyễn văn ${i}`)),
    ];
    for (const a of arrays) {
      const given = [...a];
      expect(textArrayLiteral(a)).toBe(pgWrites(a));
      expect(a).toEqual(given); // the caller's array is left as it was
    }
  });

  it('writes booleans (verdicts accepted or not) as pg does', () => {
    for (const a of [[true], [false, true, true], Array.from({ length: 1000 }, (_, i) => i % 7 !== 0)]) {
      expect(textArrayLiteral(a)).toBe(pgWrites(a));
    }
  });

  it('leaves to pg an array with a string to escape, or anything but strings or booleans', () => {
    for (const a of [
      ['say "hi"'],
      ['back\\slash'],
      ['plain', 'then "quoted"'],
      [null, 'back\\slash'],
      [1, 2],
      [true, null],
      [true, 'a'],
      [['a']],
    ]) {
      expect(textArrayLiteral(a)).toBeUndefined();
    }
  });
});

describe('arrays of strings a statement casts ::text[]', () => {
  it('are the parameters every reference to casts so', () => {
    expect([...textArrayParams('SELECT unnest($1::text[]), $2::text[], $2, $3::int, $10::text[]')]).toEqual([
      1, 10,
    ]);
    expect([...textArrayParams('SELECT k FROM unnest($1::text[]) k WHERE k = ANY($1)')]).toEqual([]);
    expect([...textArrayParams('SELECT $1::uuid[], $2::text')]).toEqual([]);
  });

  it('go in binary form (a Buffer: pg sends it so); other arrays as before', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => String(7924831618 + i));
    const sql =
      'SELECT unnest($1::text[]), unnest($2::text[]), $3::bool[], $4::int[], $5::uuid[], $6::text[]';
    const uuids = ['7c9e6679-7425-40de-944b-e07fc1f90ae7'];
    const mixed = ['a', 1];
    const { values } = statement(
      sql,
      [keys, ['say "hi"', null], [true, false], ['1', '2'], uuids, mixed],
      false,
    );
    expect(values![0]).toEqual(textArrayBytes(keys));
    expect(values![1]).toEqual(textArrayBytes(['say "hi"', null]));
    expect(values!.slice(2, 5)).toEqual([
      textArrayLiteral([true, false]),
      '{"1","2"}',
      textArrayLiteral(uuids),
    ]);
    expect(values![5]).toBe(mixed); // not strings only: left to pg
  });

  it("are written in PostgreSQL's binary form of a one-dimensional text[]", () => {
    const b = textArrayBytes(['ab', null, 'ễ']);
    const ints = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => b.readInt32BE(from + 4 * i));
    // one dimension, has nulls, element type text (25), 3 elements from 1
    expect(ints(0, 5)).toEqual([1, 1, 25, 3, 1]);
    expect(b.readInt32BE(20)).toBe(2);
    expect(b.toString('utf8', 24, 26)).toBe('ab');
    expect(b.readInt32BE(26)).toBe(-1);
    expect(b.readInt32BE(30)).toBe(3);
    expect(b.toString('utf8', 34)).toBe('ễ');
    expect([...textArrayBytes([])]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25]);
  });

  it('writes an ASCII array straight into its bytes, byte for byte as one element at a time (perf8e, perf10a)', () => {
    /** The binary form written one element at a time (what textArrayBytes does with any strings). */
    const oneByOne = (values: (string | null)[]): Buffer => {
      const head = [values.length === 0 ? 0 : 1, values.includes(null) ? 1 : 0, 25];
      if (values.length > 0) head.push(values.length, 1);
      const parts = head.map((v) => Buffer.from([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]));
      for (const v of values) {
        const bytes = v === null ? Buffer.alloc(0) : Buffer.from(v, 'utf8');
        const len = v === null ? -1 : bytes.length;
        parts.push(Buffer.from([len >>> 24, (len >>> 16) & 255, (len >>> 8) & 255, len & 255]), bytes);
      }
      return Buffer.concat(parts);
    };
    const keys = Array.from({ length: 1000 }, (_, i) => String(7924831618 + i));
    const arrays: (string | null)[][] = [
      keys,
      [null, 'a', null],
      ['', 'x'.repeat(255), 'y'.repeat(256), 'z'.repeat(70_000)], // lengths past one byte, past two
      ['\u0000 \u007f ~', 'tab\there'],
      ['ascii', 'ễ'], // not all ASCII: one element at a time
      ['ascii', '\u00e9'], // latin1, not ASCII: its UTF-8 is two bytes
      ['\ud800 lone'], // written as UTF-8 writes it (the replacement character)
      [],
      // perf9: ASCII told by the text's UTF-8 length, its lengths' and header's bytes above 0x7f counted.
      ['x'.repeat(128), 'y'.repeat(32_768), '\u007f'.repeat(0x8080)],
      ['x'.repeat(128), '\u0080'], // the one non-ASCII character right after a length with a byte above 0x7f
      ['\u00ff', 'x'.repeat(128)],
      Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? null : `k${i}`)), // 200 (0xc8) elements, nulls (-1)
      [...Array.from({ length: 40_000 }, () => null), 'e\u0301', null],
      [...keys, 'Nguyễn'], // not ASCII at its end
      ['\u0100'], // above latin1: written by latin1 as another byte
    ];
    for (const a of arrays) expect(textArrayBytes(a)).toEqual(oneByOne(a));
    // Straight into its bytes: no Buffer#write a key (red without: one a key, perf8e), and no text of the array
    // joined first (red without: one `join` of its 2n + 1 parts, perf10a), nor of the keys alone (perf9).
    const write = vi.spyOn(Buffer.prototype, 'write');
    const join = vi.spyOn(Array.prototype, 'join');
    try {
      expect(textArrayBytes(keys)).toEqual(oneByOne(keys));
      expect(write).not.toHaveBeenCalled();
      expect(join).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
      join.mockRestore();
    }
  });
});
