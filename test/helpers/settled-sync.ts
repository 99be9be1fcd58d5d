/**
 * A sync run over the worker role a test started, awaited until every job it caused (pages, reconciliation,
 * push sets) has finished: no outbox row left open.
 */
import { expect } from 'vitest';
import type { EntityName, SystemName } from '../../src/config.js';
import { requestSync } from '../../src/jobs/contracts.js';
import type { Db } from '../../src/store/db.js';
import { countRows, waitFor } from './env.js';

/** Waits until no outbox row is left open (neither done nor dead). */
export const settleOutbox = (db: Db, what: string) =>
  waitFor(async () => (await countRows(db, 'truc.outbox', 'done_at IS NULL AND dead_at IS NULL')) === 0, {
    timeoutMs: 60_000,
    intervalMs: 100,
    what: `${what} to finish`,
  });

/** Requests a sync run, waits until it and everything it caused have finished, and expects it done: its id. */
export async function settledSync(
  deps: { db: Db; now: () => Date },
  system: SystemName,
  full: boolean,
  entity: EntityName = 'students',
): Promise<number> {
  const id = await deps.db.tx((q) =>
    requestSync(q, { system, entity, full, requestedBy: 'test', at: deps.now() }),
  );
  await settleOutbox(deps.db, `the ${system} run`);
  const run = await deps.db.query<{ status: string }>('SELECT status FROM truc.sync_runs WHERE id = $1', [
    id,
  ]);
  expect(run.rows[0]?.status).toBe('done');
  return id;
}
