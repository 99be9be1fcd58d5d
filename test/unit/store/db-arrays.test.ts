/**
 * Arrays of strings sent as statement parameters (src/store/db-wire.ts `textArrayLiteral`, issue 7): written
 * as PostgreSQL's array literal without pg's per-element escaping when none is needed, byte for byte
 * what pg writes (and arrays of booleans), as one `join` (a flat string: pg copies a text made of parts flat
 * again when it writes it); anything else is left to pg.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { textArrayLiteral } from '../../../src/store/db-wire.js';

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
