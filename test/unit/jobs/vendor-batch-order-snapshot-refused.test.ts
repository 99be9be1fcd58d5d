/**
 * review19 R19-9 (next door to R19-5): an older vendor delta that brings a new student, ingested after the
 * vendor's newer snapshot of the school, may create it when that snapshot did carry the student but refused it
 * (a record that did not map: the snapshot then deletes nothing). In arrival order the delta creates the student
 * and the snapshot, whose omissions cannot be trusted, leaves it: ingested the other way round, the result must be
 * the same. A later snapshot proves the student gone only when it was taken whole (nothing refused).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { queueBatch } from '../../../src/jobs/contracts.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { S1 } from '../../helpers/api.js';
import { student } from '../../factories/records.js';
import { liveStudents, nextRow, ofBatch, runRow, useTestContext, vendorBatch } from './fixtures.js';

describe('an older vendor delta and a newer snapshot that refused the student it brings (review19 R19-9)', () => {
  const ctx = useTestContext();
  const queue = (id: string, records: unknown[], mode: 'delta' | 'snapshot') =>
    ctx.db.tx((q) =>
      queueBatch(q, {
        id,
        clientId: 'vendor-1',
        schoolCode: S1,
        entity: 'students',
        format: 'canonical',
        records,
        mode,
      }),
    );
  const ingest = async (id: string) => runRow(ctx, (await nextRow(ctx.db, ofBatch(id)))!);
  const live = () => liveStudents(ctx);

  it('creates the student as arrival order would', async () => {
    await vendorBatch(ctx, [student('ZS1')]);
    const [older, newer] = [randomUUID(), randomUUID()];
    // The vendor enrols ZS2; its next snapshot carries ZS2 with a birth date that is no date (refused).
    await queue(older, [student('ZS2')], 'delta');
    await queue(newer, [student('ZS1'), student('ZS2', { birthDate: 'không rõ' })], 'snapshot');
    await ingest(newer);
    expect(await createBatchesRepo(ctx.db).get(newer)).toMatchObject({
      status: 'done',
      rejected: 1,
      deleted: 0,
    });
    await ingest(older);
    expect(await live()).toEqual(['ZS1', 'ZS2']);
  });
});
