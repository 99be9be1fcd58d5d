/**
 * The parameters of the records' upsert (src/store/record-writes.ts `upsertStatement`, issue 7): the records' JSON
 * array, ~400 KB for 1000 students, is the statement's last parameter, so pg's buffer for the statement's
 * parameters does not grow again over it for the columns after it (a changed 1000-student chunk: 1.42 → 0.91 MB
 * allocated there). The statement itself runs in the ingest tests (test/unit/jobs/ingest-stored-update.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Queryable } from '../../../src/store/db.js';
import { createRecordsRepo, type UpsertRow } from '../../../src/store/records.js';

/** A connection that keeps what it is sent and answers as a stored chunk's row check does. */
function recording(): { q: Queryable; sent: { sql: string; params: readonly unknown[] }[] } {
  const sent: { sql: string; params: readonly unknown[] }[] = [];
  const q: Queryable = {
    query: async <R>(sql: string, params: readonly unknown[] = []) => {
      sent.push({ sql, params });
      return { rows: [] as R[], rowCount: 0 };
    },
  };
  return { q, sent };
}

const rows: UpsertRow[] = ['S1', 'S2'].map((key) => ({
  key,
  scope: '79000001',
  personalId: `0792200${key}`,
  data: { studentCode: key, fullName: 'Nguyễn Văn A' },
  fingerprint: `fp-${key}`,
  twinKey: `2015-01-01|nguyen van a`,
}));

describe("the records' upsert", () => {
  it.each([
    ['updated in place (every row stored)', { stored: true }],
    ['upserted', {}],
  ])('%s: the records travel last, the one binary parameter', async (_, how) => {
    const { q, sent } = recording();
    await createRecordsRepo(q).upsert('students', rows, { system: 'canonical', mappingVersion: '1', ...how });
    expect(sent).toHaveLength(1);
    const { sql, params } = sent[0]!;
    const last = params.length;
    expect(Buffer.isBuffer(params[last - 1])).toBe(true);
    expect(params.filter((p) => Buffer.isBuffer(p))).toHaveLength(1);
    expect(sql).toContain(`jsonb_array_elements($${last}::jsonb)`);
    // jsonb's binary input form: a version byte, then the JSON array of the records.
    const data = params[last - 1] as Buffer;
    expect(data[0]).toBe(1);
    expect(JSON.parse(data.subarray(1).toString())).toEqual(rows.map((r) => r.data));
    // Each text column's unnest takes its own array, in the columns' order; then the keys again, with the records'
    // school years (a parameter of their own, not the records read again), in the query of the rows left to a later
    // school year (students: src/store/year-order.ts `laterYearKeys`).
    const unnested = [...sql.matchAll(/unnest\(\$(\d+)::text\[\]\)/g)].map((m) => params[Number(m[1]) - 1]);
    expect(unnested).toEqual([
      ['S1', 'S2'],
      ['79000001', '79000001'],
      ['0792200S1', '0792200S2'],
      ['fp-S1', 'fp-S2'],
      [null, null],
      ['2015-01-01|nguyen van a', '2015-01-01|nguyen van a'],
      ['S1', 'S2'],
      [null, null],
    ]);
  });
});
