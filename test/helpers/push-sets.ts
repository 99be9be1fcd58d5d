/** Push sets to hcm-csdl queued as ingest queues them, for delivery tests that need work for a worker. */
import { enqueue, pushSet } from '../../src/jobs/contracts.js';
import type { Db } from '../../src/store/db.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { SCHOOL, student } from '../factories/records.js';

/**
 * Stores a factory student for every key of `sets` (school {@link SCHOOL}) and queues one push set
 * per group of keys to hcm-csdl, in one transaction; returns the sets' ids in order.
 */
export function queueStudentSets(
  db: Db,
  sets: ReadonlyArray<readonly string[]>,
  batchId = '00000000-0000-4000-8000-000000000001',
): Promise<number[]> {
  return db.tx(async (q) => {
    await createRecordsRepo(q).upsert(
      'students',
      sets.flat().map((key) => {
        const data = student(key);
        return { key, scope: SCHOOL, data, fingerprint: fingerprint(data) };
      }),
      { system: 'vendor:test', mappingVersion: 'canonical@1' },
    );
    const ids: number[] = [];
    for (const keys of sets) {
      const pushSetId = await createPushSetsRepo(q).create({
        system: 'hcm-csdl',
        entity: 'students',
        keys: [...keys],
        batchId,
      });
      await enqueue(q, pushSet('hcm-csdl'), { pushSetId });
      ids.push(pushSetId);
    }
    return ids;
  });
}
