/**
 * A full run's page the mass-change guard held (a hold of kind `run`): the run created and held, its hold with one
 * reason (40 of a school's 100 students deleted, over 30 %). Shared by the tests that inspect or decide such a hold.
 */
import { expect } from 'vitest';
import type { SystemName } from '../../src/config.js';
import type { Queryable } from '../../src/store/db.js';
import { createGuardHoldsRepo, type HoldReason } from '../../src/store/guard-holds.js';
import { createRunGuardRepo } from '../../src/store/run-guard.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';

export async function heldRunPage(
  db: Queryable,
  opts: { system?: SystemName; requestedBy?: string; reasons?: HoldReason[] } = {},
): Promise<{ run: number; holdId: number }> {
  const run = await createSyncRunsRepo(db).create({
    system: opts.system ?? 'smas',
    entity: 'students',
    scope: '',
    since: 'w0',
    requestedBy: opts.requestedBy ?? 'x',
  });
  expect(await createRunGuardRepo(db).hold(run)).toBe(true);
  const holdId = await createGuardHoldsRepo(db).create({
    kind: 'run',
    syncRunId: run,
    entity: 'students',
    diff: [],
    reasons: opts.reasons ?? [
      { school: '79000001', kind: 'deleted', count: 40, live: 100, ratio: 0.4, threshold: 0.3 },
    ],
  });
  return { run, holdId };
}
