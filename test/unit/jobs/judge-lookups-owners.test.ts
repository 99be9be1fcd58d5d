/**
 * The owners' lookup of a batch being judged (src/jobs/judge-lookups.ts `lookupsFor`) is answered from the stored
 * copies read already, through them (`ownersOf`: issue 7, no copy of a changed batch's 1000 rows into a Map): the
 * tenancy gate refuses a key stored at another school, a tombstone's too, and passes one stored at the batch's own
 * school or not stored at all.
 */
import { describe, expect, it } from 'vitest';
import { lookupsFor, ownersOf } from '../../../src/jobs/judge-lookups.js';
import {
  BatchSink,
  DEFAULT_QUALITY_CONFIG,
  INGEST_CHECKS,
  checkBatch,
  type BatchContext,
} from '../../../src/quality/index.js';
import type { Queryable } from '../../../src/store/db.js';
import type { ExistingRow } from '../../../src/store/records.js';
import { CLEAN, TODAY, YEAR } from '../quality/helpers.js';

const SCHOOL = String(CLEAN.students['schoolCode']);
const row = (key: string, scope: string, deleted = false): ExistingRow => ({
  key,
  scope,
  fingerprint: 'f',
  deleted,
  sourceFp: null,
});
/** No statement may be sent: the owners come from the rows given. */
const noStore = {
  query: () => {
    throw new Error('the owners were asked of the store');
  },
} as unknown as Queryable;

describe('owners of a batch being judged', () => {
  const codes = ['7900000301', '7900000302', '7900000303', '7900000304'];
  const existing = new Map([
    [codes[0]!, row(codes[0]!, '79000009')],
    [codes[1]!, row(codes[1]!, SCHOOL)],
    [codes[2]!, row(codes[2]!, '79000009', true)],
  ]);

  it("answers each stored copy's school by key, undefined for a key with none", async () => {
    const owners = await lookupsFor(noStore, { batch: { format: 'canonical' }, trusted: false }, existing)
      .owners!('students', codes);
    expect(codes.map((c) => owners.get(c))).toEqual(['79000009', SCHOOL, '79000009', undefined]);
    expect(ownersOf(existing).get(codes[1]!)).toBe(SCHOOL);
  });

  it('refuses through the tenancy gate only the keys stored at another school', async () => {
    const ctx: BatchContext = {
      entity: 'students',
      today: TODAY,
      schoolYear: YEAR,
      schoolCode: SCHOOL,
      config: DEFAULT_QUALITY_CONFIG,
    };
    const records = codes.map((studentCode) => ({ ...CLEAN.students, studentCode }));
    const owners = async () => ownersOf(existing);
    const result = await checkBatch(ctx, records, { owners }, new BatchSink(ctx, records), INGEST_CHECKS);
    const tenancy = result.findings.filter((f) => f.criterion === 'tenancy').map((f) => [f.index, f.rule]);
    expect(tenancy).toEqual([
      [0, 'TENANCY_OWNED_ELSEWHERE'],
      [2, 'TENANCY_OWNED_ELSEWHERE'],
    ]);
  });
});
