/**
 * Two sync runs to list (issue 7 item 6): a done full run of hcm-csdl students with two batches (counts per
 * outcome 5 accepted, 1 rejected, 5 unchanged; mapping version hcm-csdl/students@1) and a failed incremental run
 * of smas staff (ERR_ADAPTER_UNAVAILABLE). Shared by the API's list tests and the CLI's.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../src/store/db.js';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';

export async function seedListedRuns(db: Queryable): Promise<{ doneRun: number; failedRun: number }> {
  const runs = createSyncRunsRepo(db);
  const batches = createBatchesRepo(db);
  const doneRun = await runs.create({
    system: 'hcm-csdl',
    entity: 'students',
    scope: '',
    since: null,
    requestedBy: 'x',
  });
  await runs.setMappingVersion(doneRun, 'hcm-csdl/students@1');
  for (const [accepted, rejected, unchanged] of [
    [3, 1, 0],
    [2, 0, 5],
  ] as const) {
    const id = randomUUID();
    await batches.insert({
      id,
      clientId: 'system:pull',
      schoolCode: '*',
      entity: 'students',
      format: 'hcm-csdl',
      records: [],
      syncRunId: doneRun,
    });
    await batches.finish(id, { accepted, rejected, unchanged });
  }
  await runs.recordPage(doneRun, { last: true, cursor: null, records: 11, tombstones: 0, watermark: 'w1' });
  const failedRun = await runs.create({
    system: 'smas',
    entity: 'staff',
    scope: '',
    since: 'w0',
    requestedBy: 'x',
  });
  await runs.fail(failedRun, 'ERR_ADAPTER_UNAVAILABLE');
  return { doneRun, failedRun };
}
