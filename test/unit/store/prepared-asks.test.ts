/**
 * The hot statements of a judged pulled page ask to be prepared (src/store/db.ts `QueryOptions.prepared`,
 * issue 7): its quality facts and its closing statement are one of a few texts page after page, and
 * planning them was a third (facts) and a fifth (closing) of what they cost PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { combinedWrites } from '../../../src/store/combined.js';
import type { Queryable, QueryOptions } from '../../../src/store/db.js';
import { queryFacts } from '../../../src/store/quality-facts.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';

/** A Queryable that keeps each statement's text and options (answering one row of nulls). */
function recorder(): Queryable & { sent: { sql: string; opts: QueryOptions | undefined }[] } {
  const sent: { sql: string; opts: QueryOptions | undefined }[] = [];
  return {
    sent,
    async query<R>(sql: string, _params?: readonly unknown[], opts?: QueryOptions) {
      sent.push({ sql, opts });
      return { rows: [{}] as R[], rowCount: 1 };
    },
  };
}

describe('statements of a judged pulled page asked to be prepared', () => {
  it('the quality facts: one statement, prepared', async () => {
    const q = recorder();
    await queryFacts(q, {
      schools: ['79000001'],
      bornOn: { dates: ['2019-03-04'], askers: [{ twinKey: '2019-03-04|an', key: 'S1' }] },
    });
    expect(q.sent).toHaveLength(1);
    expect(q.sent[0]!.opts).toEqual({ prepared: true });
  });

  it("the page's closing statement (its closing writes with the run's advance), prepared as an unchanged page's is", async () => {
    const q = recorder();
    const closing = combinedWrites(q);
    await closing.query('UPDATE truc.batches SET status = $2 WHERE id = $1', ['b1', 'done']);
    const page = {
      last: false,
      cursor: 'c2',
      records: 1000,
      tombstones: 0,
      watermark: null,
      mappingVersion: null,
    };
    // In the page's transaction (no `due`) and outside it (`due`: a page with nothing to judge).
    await createSyncRunsRepo(q).advance(7, page, { done: 1 }, closing);
    await createSyncRunsRepo(q).advance(7, { ...page, due: 3 }, { done: 2 });
    expect(q.sent.map((s) => [s.sql.includes('UPDATE truc.batches'), s.opts])).toEqual([
      [true, { prepared: true }],
      [false, { prepared: true }],
    ]);
  });
});
