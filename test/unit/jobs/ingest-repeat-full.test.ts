/**
 * A repeated vendor batch judged in full (issue 7, unchanged re-push): anything changed since the first judgment
 * is judged again: a deleted record comes back, another source's change is overwritten, another day or another
 * quality policy runs the rules again. Repeats judged unchanged at once: ingest-repeat.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { createRecordsRepo } from '../../../src/store/records.js';
import { student, S1, OTHER } from '../../helpers/api.js';
import { queueVendorBody } from '../../helpers/vendor-batch.js';
import { nextRow, ofBatch, runRow, useTestContext, type TestContext } from './fixtures.js';
import { repeatPushes, withoutParents } from './repeat-push.js';

describe('ingest of a repeated vendor batch', () => {
  const ctx = useTestContext();
  const { store, push, findingsOf, acceptAtOnce } = repeatPushes(ctx);

  it('a record deleted since is restored', async () => {
    const records = [student('D1'), student('D2')];
    await push(records);
    await createRecordsRepo(ctx.db).tombstone('students', ['D2']);
    const again = await push(records);
    expect(again.result).toMatchObject({ accepted: 1, unchanged: 1 });
    expect(await createRecordsRepo(ctx.db).count('students', S1)).toBeGreaterThanOrEqual(2);
    const [row] = await ctx.db.rows<{ deleted_at: Date | null }>('truc.students', `student_code = 'D2'`);
    expect(row!.deleted_at).toBeNull();
  });

  it("another source's change since is overwritten by the vendor's record", async () => {
    const records = [student('C1')];
    await push(records);
    await push([{ ...student('C1'), grade: '3' }]);
    expect((await push(records)).result).toMatchObject({ accepted: 1, unchanged: 0 });
  });

  it('on another day the rules run again', async () => {
    const records = [student('T1')];
    await push(records);
    const tomorrow = { ...ctx, now: () => new Date(ctx.now().getTime() + 86_400_000) };
    const again = await push(records, tomorrow);
    expect(again.result).toMatchObject({ accepted: 0, unchanged: 1 });
    expect(again.sameAs).not.toBeNull();
    // Judged in full: the repeat's audit entry names no earlier batch (recorded off the chain's lock).
    const audit = await ctx.db.rows<{ details: Record<string, unknown> }>(
      'truc.audit_pending',
      `subject = 'batch:${again.batchId}' AND action = 'batch.ingested'`,
    );
    expect(audit[0]!.details['repeatOf']).toBeUndefined();
  });

  it("after a change of the city's quality policy the rules run again", async () => {
    const records = [student('QP1'), withoutParents('QP2')];
    const first = await push(records);
    expect(first.result).toMatchObject({ accepted: 2, rejected: 0 });
    // A record's warning (the whole batch's, DUNG_SCHOOL_UNLISTED for a school not in truc's list, refuses no record).
    const warnings = (await createBatchesRepo(ctx.db).findings(first.batchId, 100, 0)).filter(
      (f) => f.severity === 'warning' && f.recordIndex >= 0,
    );
    expect(warnings.length).toBeGreaterThan(0);
    // The city makes that warning an error (config changed, same day).
    const policy = { students: { [warnings[0]!.rule]: 'error' as const } };
    const strict: TestContext = {
      ...ctx,
      config: { ...ctx.config, quality: { ...ctx.config.quality, policy } },
    };
    // Not judged at once when accepted (in one statement of its own, or in the accepting transaction)…
    expect((await acceptAtOnce(records, strict)).judged).toBeUndefined();
    expect((await store(records, strict, S1, strict)).judged).toBeUndefined();
    // …but in full under the new policy by the ingest: the records with that warning are refused.
    expect((await push(records, strict)).result).toMatchObject({ accepted: 0, rejected: 2 });
  });

  it('a batch judged across midnight is tagged with the day it was judged on, not the day after', async () => {
    // The clock says 31 August 23:59:59.9 in Vietnam (school year 2025-2026) while the batch is mapped
    // (its quality context), 1 September (school year 2026-2027) for everything after it.
    const before = new Date('2026-08-31T16:59:59.900Z');
    const after = new Date('2026-08-31T17:00:00.100Z');
    const records = [{ ...student('M1'), schoolYear: '2025-2026' }];
    const straddling: TestContext = {
      ...ctx,
      now: () => (new Error().stack!.includes('qualityContext') ? before : after),
    };
    const rules = async (batchId: string) => (await findingsOf(batchId)).map(([, rule]) => rule);
    const first = await push(records, straddling);
    expect(await rules(first.batchId)).not.toContain('SONG_NOT_CURRENT_YEAR'); // judged on 31 August
    // Its repeat on 1 September is judged in full: the record is of a past school year.
    const again = await push(records, { ...ctx, now: () => after });
    expect(await rules(again.batchId)).toContain('SONG_NOT_CURRENT_YEAR');
  });

  it('a batch that keeps its own body is judged in full: no earlier batch is looked for', async () => {
    const records = [student('N1')];
    const first = await push(records);
    // The API found no earlier batch of the body when it accepted this one (two pushes of the same bytes
    // at once): the batch keeps its records, and its ingest judges it in full without looking for one.
    const { batchId } = await queueVendorBody(ctx.db, records, { repeatChecked: true });
    const result = await runRow(ctx, (await nextRow(ctx.db, ofBatch(batchId)))!);
    expect(result).toMatchObject({ accepted: 0, rejected: 0, unchanged: 1 });
    expect(await findingsOf(batchId)).toEqual(await findingsOf(first.batchId));
    const audit = await ctx.db.rows<{ details: Record<string, unknown> }>(
      'truc.audit_pending',
      `subject = 'batch:${batchId}' AND action = 'batch.ingested'`,
    );
    expect(audit[0]!.details['repeatOf']).toBeUndefined();
  });

  it('a batch with a rejected record is judged in full again', async () => {
    const records = [student('X1'), student('X2', OTHER)];
    const first = await push(records);
    expect(first.result).toMatchObject({ accepted: 1, rejected: 1 });
    const again = await push(records);
    expect(again.result).toMatchObject({ accepted: 0, rejected: 1, unchanged: 1 });
    expect(await findingsOf(again.batchId)).toEqual(await findingsOf(first.batchId));
  });
});
