/**
 * A vendor's changed batch of records the store holds is written by updating them in place (issue 7:
 * `ON CONFLICT DO UPDATE` first tries every row as an insert and locks the row it meets, ~30 % of the
 * changed batch's upsert); a batch holding a record the store does not is upserted as before.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createRecordsRepo } from '../../../src/store/records.js';
import { student } from '../../helpers/api.js';
import { useTestContext, vendorBatch, watchStatements } from './fixtures.js';

describe("a vendor's changed batch of stored records", () => {
  const ctx = useTestContext();
  /** How each statement writing the students began (`UPDATE truc.students`, in its row check, or `INSERT INTO truc.students`). */
  let writes: string[] = [];

  beforeAll(() => {
    watchStatements(ctx, (sql) => {
      const head = /^\s*(?:WITH [uw] AS \(\s*)?(UPDATE truc\.students|INSERT INTO truc\.students)\b/.exec(
        sql,
      );
      if (head) writes.push(head[1]!);
    });
  });

  async function ingest(records: unknown[]) {
    writes = [];
    const batch = await vendorBatch(ctx, records);
    return { batch, writes };
  }

  it('updates them in place when every changed record is stored; upserts a batch holding a new one', async () => {
    const first = await ingest([student('W1'), student('W2')]);
    expect(first.batch).toMatchObject({ status: 'done', accepted: 2 });
    expect(first.writes).toEqual(['INSERT INTO truc.students']);

    const changed = [
      { ...student('W1'), statusDate: '2024-09-05' },
      { ...student('W2'), statusDate: '2024-09-05' },
    ];
    const second = await ingest(changed);
    expect(second.batch).toMatchObject({ status: 'done', accepted: 2, unchanged: 0 });
    expect(second.writes).toEqual(['UPDATE truc.students']);
    const stored = await createRecordsRepo(ctx.db).load('students', ['W1', 'W2']);
    expect(stored.map((r) => (r.data as { statusDate: string }).statusDate)).toEqual([
      '2024-09-05',
      '2024-09-05',
    ]);

    const withNew = await ingest([{ ...student('W1'), statusDate: '2024-09-06' }, student('W3')]);
    expect(withNew.batch).toMatchObject({ status: 'done', accepted: 2 });
    expect(withNew.writes).toEqual(['INSERT INTO truc.students']);
    expect(
      await createRecordsRepo(ctx.db).count('students', student('W3').schoolCode),
    ).toBeGreaterThanOrEqual(3);
  });
});
