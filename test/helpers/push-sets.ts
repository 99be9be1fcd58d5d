/** Push sets to hcm-csdl queued as ingest queues them, for delivery tests that need work for a worker. */
import { enqueue, pushSet } from '../../src/jobs/contracts.js';
import type { Db } from '../../src/store/db.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { SCHOOL, staff, student } from '../factories/records.js';

/**
 * Stores a factory student for every key of `sets` (school {@link SCHOOL}) and queues one push set
 * per group of keys to hcm-csdl, in one transaction; returns the sets' ids in order.
 */
export function queueStudentSets(
  db: Db,
  sets: ReadonlyArray<readonly string[]>,
  batchId = '00000000-0000-4000-8000-000000000001',
): Promise<number[]> {
  return queueSets(
    db,
    sets.map((keys) => ({ entity: 'students', keys })),
    batchId,
  );
}

/**
 * As {@link queueStudentSets}, each set of students or of staff (a factory staff member for each key), queued in the
 * order given (fix35f: students and staff pushes side by side, to two endpoints of hcm-csdl).
 */
export function queueSets(
  db: Db,
  sets: ReadonlyArray<{ entity: 'students' | 'staff'; keys: readonly string[] }>,
  batchId = '00000000-0000-4000-8000-000000000001',
): Promise<number[]> {
  return db.tx(async (q) => {
    for (const entity of ['students', 'staff'] as const) {
      const keys = sets.filter((s) => s.entity === entity).flatMap((s) => s.keys);
      if (keys.length === 0) continue;
      await createRecordsRepo(q).upsert(
        entity,
        keys.map((key) => {
          const data = entity === 'students' ? student(key) : staff(key);
          return { key, scope: SCHOOL, data, fingerprint: fingerprint(data) };
        }),
        { system: 'vendor:test', mappingVersion: 'canonical@1' },
      );
    }
    const ids: number[] = [];
    for (const { entity, keys } of sets) {
      const pushSetId = await createPushSetsRepo(q).create({
        system: 'hcm-csdl',
        entity,
        keys: [...keys],
        batchId,
      });
      await enqueue(q, pushSet('hcm-csdl'), { pushSetId });
      ids.push(pushSetId);
    }
    return ids;
  });
}
