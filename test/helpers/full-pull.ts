/**
 * A full pull of the city database's students requested as a city admin's `POST /v1/syncs` would queue
 * it, awaited until the run is done and its reconciliation too (over the worker role a test started).
 */
import { expect } from 'vitest';
import { requestSync } from '../../src/jobs/contracts.js';
import type { Db } from '../../src/store/db.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { waitFor } from './env.js';

/** Requests a full hcm-csdl students pull, as `POST /v1/syncs` would queue it: its id. */
export function requestFullStudentsPull(db: Db): Promise<number> {
  return db.tx((q) =>
    requestSync(q, {
      system: 'hcm-csdl',
      entity: 'students',
      full: true,
      requestedBy: 'test',
      at: new Date(),
    }),
  );
}

/** Requests a full hcm-csdl students pull and waits until it is done and reconciled: its id. */
export async function fullStudentsPull(db: Db): Promise<number> {
  const id = await requestFullStudentsPull(db);
  await waitFor(
    async () => {
      const run = await createSyncRunsRepo(db).get(id);
      expect(run?.status).not.toBe('failed');
      return run?.status === 'done' && run.reconcile === 'done' ? run : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: `sync run ${id}` },
  );
  return id;
}
