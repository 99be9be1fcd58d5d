/**
 * Arrays of strings sent in PostgreSQL's binary form (src/store/db-wire.ts `textArrayBytes`, issue 7: the records'
 * upsert's text[] parameters, which PostgreSQL otherwise reads as array literals, character by character): read back
 * by PostgreSQL and by the embedded database as the same `text[]` as the literal pg writes of the same strings
 * (nulls, empty strings, Vietnamese, characters pg quotes or escapes in a literal, an empty array, 1000 elements).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textArrayBytes } from '../../src/store/db-wire.js';
import { openTestStore, type TestStore } from '../helpers/env.js';

const ARRAYS: (string | null)[][] = [
  [],
  ['7924831618', '079320219015'],
  ['2023-07-16|nguyễn thiên dũng', 'NULL', '', ' spaced ', 'a,b', '{x}', 'null'],
  ['a', null, 'b'],
  [null],
  ['say "hi"', 'back\\slash', 'line\nbreak', '\u0001', '😀 pair', "it's", 'ß €'],
  Array.from({ length: 1000 }, (_, i) => (i % 5 === 0 ? null : `${i}|nguyễn văn ${i}`)),
];

describe.each(['postgres', 'pglite'] as const)('text[] in binary form (%s)', (kind) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(kind, { migrate: false });
  });
  afterAll(async () => {
    await store?.cleanup();
  });

  it('is read back as the strings sent, as their literal is', async () => {
    for (const values of ARRAYS) {
      type Row = {
        bin: (string | null)[];
        cast: (string | null)[];
        lit: (string | null)[];
        n: number | null;
      };
      // $2 cast ::text[] at every reference: sent in binary form by src/store/db-wire.ts; $3 (CAST … AS): a literal.
      const res = await store.db.query<Row>(
        'SELECT $1::text[] AS bin, $2::text[] AS cast, CAST($3 AS text[]) AS lit, cardinality($1::text[]) AS n',
        [textArrayBytes(values), values, values],
      );
      expect(res.rows[0]).toEqual({ bin: values, cast: values, lit: values, n: values.length });
    }
  });

  it('takes undefined as null', async () => {
    const res = await store.db.query<{ a: (string | null)[] }>('SELECT $1::text[] AS a', [
      textArrayBytes(['x', undefined, 'y']),
    ]);
    expect(res.rows[0]!.a).toEqual(['x', null, 'y']);
  });
});
