/**
 * text[] parameters in PostgreSQL's binary array form (src/store/text-arrays.ts, issue 7): on both engines
 * PostgreSQL reads them as the same arrays pg's literals give; the records upsert and the quality facts
 * statement send their text arrays so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/store/db.js';
import { queryFacts } from '../../src/store/quality-facts.js';
import { createRecordsRepo, fingerprinted } from '../../src/store/records.js';
import { textArray } from '../../src/store/text-arrays.js';
import { student as aStudent } from '../factories/records.js';
import { openTestStore, type TestStore } from '../helpers/env.js';

const VALUES: (string | null)[] = [
  'HS0001',
  '',
  null,
  'NULL',
  'null',
  '"quoted"',
  'back\\slash',
  'a,b{c}d',
  ' spaced ',
  'tiếng Việt: Nguyễn Thị Ánh',
  '😀 emoji',
  'tab\tnew\nline',
  'x'.repeat(70_000),
];

describe.each(['pglite', 'postgres'] as const)('text[] in binary form on %s', (kind) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(kind, { migrate: false });
  });
  afterAll(async () => {
    await store?.cleanup();
  });

  it('reads as the array pg sends as a literal: nulls, quotes, backslashes, braces, UTF-8, long texts', async () => {
    const sql = 'SELECT $1::text[] AS a, cardinality($1::text[]) AS n, array_ndims($1::text[]) AS d';
    const binary = await store.db.query<{ a: (string | null)[]; n: number; d: number }>(sql, [
      textArray(VALUES),
    ]);
    const literal = await store.db.query(sql, [VALUES]);
    expect(binary.rows[0]).toEqual(literal.rows[0]);
    expect(binary.rows[0]!.a).toEqual(VALUES);
    expect(binary.rows[0]!.n).toBe(VALUES.length);
  });

  it('undefined elements are NULL; an empty array is empty', async () => {
    const res = await store.db.query<{ a: (string | null)[]; e: string[]; n: number }>(
      'SELECT $1::text[] AS a, $2::text[] AS e, cardinality($2::text[]) AS n',
      [textArray(['a', undefined, 'b']), textArray([])],
    );
    expect(res.rows[0]).toEqual({ a: ['a', null, 'b'], e: [], n: 0 });
  });

  it('unnests side by side and matches with = ANY', async () => {
    const res = await store.db.query<{ k: string; v: string | null }>(
      `SELECT k, v FROM ROWS FROM (unnest($1::text[]), unnest($2::text[])) AS t(k, v)
        WHERE k = ANY($3::text[]) ORDER BY k`,
      [textArray(['b', 'a', 'c']), textArray(['2', null, '3']), textArray(['a', 'c'])],
    );
    expect(res.rows).toEqual([
      { k: 'a', v: null },
      { k: 'c', v: '3' },
    ]);
  });
});

/** A Queryable that answers nothing and keeps every statement's parameters. */
function capturing(): { q: Queryable; params: unknown[][] } {
  const params: unknown[][] = [];
  const q: Queryable = {
    query: (_sql, p) => {
      params.push([...(p ?? [])]);
      return Promise.resolve({ rows: [{}] as never[], rowCount: 0 } as never);
    },
  };
  return { q, params };
}

describe('statements that send text arrays in binary form (issue 7)', () => {
  it('the records upsert: keys, schools, personal IDs, fingerprints, source fingerprints, twin keys', async () => {
    const data = aStudent('HS0001', { schoolCode: '79000001' });
    const { json, fingerprint } = fingerprinted(data);
    const row = { key: 'HS0001', scope: '79000001', personalId: data.personalId, data, json, fingerprint };
    const { q, params } = capturing();
    await createRecordsRepo(q).upsert('students', [{ ...row, sourceFp: 'sfp', twinKey: 'tk' }], {
      system: 'test',
      mappingVersion: 'test@1',
      fresh: true,
    });
    const [sent] = params;
    // Six text arrays and the records as jsonb bytes, then the system and the mapping version.
    expect(sent!.slice(0, -2).every((p) => Buffer.isBuffer(p))).toBe(true);
    expect(sent!.slice(0, -2)).toHaveLength(7);
    expect(sent![0]).toEqual(textArray(['HS0001']));
  });

  it('the quality facts statement', async () => {
    const { q, params } = capturing();
    await queryFacts(q, {
      schools: ['79000001'],
      bornOn: { dates: ['2015-01-02'], askers: [{ twinKey: 'tk', key: 'HS0001' }] },
    });
    const [sent] = params;
    expect(sent!.length).toBeGreaterThan(0);
    expect(sent!.every((p) => Buffer.isBuffer(p))).toBe(true);
  });
});
