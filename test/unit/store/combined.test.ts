/** Writes sent together (src/store/combined.ts): one statement of data-modifying CTEs, parameters renumbered. */
import { describe, expect, it } from 'vitest';
import { combine, combinedWrites } from '../../../src/store/combined.js';
import type { Queryable } from '../../../src/store/db.js';

/** A Queryable that keeps what it was sent. */
function recorder(): Queryable & { sent: [string, readonly unknown[] | undefined][] } {
  const sent: [string, readonly unknown[] | undefined][] = [];
  return {
    sent,
    async query(sql, params) {
      sent.push([sql, params]);
      return { rows: [], rowCount: 1 };
    },
  };
}

describe('combined writes', () => {
  it('renumbers each write’s parameters after those of the writes before it', () => {
    const [sql, params] = combine([
      ['UPDATE truc.a SET x = $2 WHERE id = $1', [1, 'x']],
      ['INSERT INTO truc.b (p, q) VALUES ($1, $2::jsonb #> $1::text[])', [['k'], '{}']],
      ['UPDATE truc.c SET y = $1', [true]],
    ]);
    expect(sql).toBe(
      'WITH w1 AS (UPDATE truc.a SET x = $2 WHERE id = $1),\n' +
        'w2 AS (INSERT INTO truc.b (p, q) VALUES ($3, $4::jsonb #> $3::text[])),\n' +
        'w3 AS (UPDATE truc.c SET y = $5)\nSELECT 1',
    );
    expect(params).toEqual([1, 'x', ['k'], '{}', true]);
  });

  it('sends nothing until flushed, then every write in one statement; a single write as it is', async () => {
    const q = recorder();
    const w = combinedWrites(q);
    await w.query('UPDATE truc.a SET x = $1', [1]);
    await w.query('UPDATE truc.b SET y = $1', [2]);
    expect(q.sent).toEqual([]);
    await w.flush();
    expect(q.sent).toHaveLength(1);
    expect(q.sent[0]![1]).toEqual([1, 2]);
    await w.flush(); // nothing more to send
    expect(q.sent).toHaveLength(1);
    await expect(w.query('UPDATE truc.c SET z = 1')).rejects.toThrow(/after flush/);

    const one = combinedWrites(q);
    await one.query('UPDATE truc.a SET x = $1', [3]);
    await one.flush();
    expect(q.sent[1]).toEqual(['UPDATE truc.a SET x = $1', [3]]);
    await combinedWrites(q).flush();
    expect(q.sent).toHaveLength(2);
  });
});
