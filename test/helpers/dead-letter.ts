/**
 * A dead letter for the dead-letter tests (the API's list and replay, `truc dead-letters`): one that a replay can
 * queue again, its work an outbox row.
 */
import { recordDeadLetter } from '../../src/jobs/dead-letters.js';
import type { Db } from '../../src/store/db.js';
import { createOutboxRepo } from '../../src/store/outbox.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';

/** The letter of a job of `queue` (its outbox row written, as the relay writes it), recorded as the worker does; its id. */
async function letterOfJob(
  db: Db,
  queue: string,
  payload: Record<string, string | number>,
  why: { code: string; message: string; attempts: number },
): Promise<number> {
  const name = queue.startsWith('push.') ? 'push-set' : queue;
  const outboxId = await createOutboxRepo(db).add(queue, name, payload);
  await recordDeadLetter(db, {
    outboxId,
    queue,
    name,
    jobId: `ob-${outboxId}`,
    payload,
    ...why,
    at: new Date(),
  });
  const rows = await db.query<{ id: string }>(
    'SELECT id::text AS id FROM truc.dead_letters WHERE outbox_id = $1',
    [outboxId],
  );
  return Number(rows.rows[0]!.id);
}

/** A dead letter of a website probe (its outbox row kept, so a replay queues it again); its id. */
export const websiteProbeLetter = (db: Db): Promise<number> =>
  letterOfJob(
    db,
    'website-probe',
    {},
    { code: 'ERR_ADAPTER_UNAVAILABLE', message: 'answered 503', attempts: 3 },
  );

/** A sync run of hcm-csdl's students (`since` tells two apart); its id. */
export async function hcmStudentsRun(db: Db, since: string): Promise<number> {
  const id = await createSyncRunsRepo(db).create({
    system: 'hcm-csdl',
    entity: 'students',
    scope: '',
    since,
    requestedBy: 'x',
  });
  return Number(id);
}

/** The dead letter of push set `pushSetId` to smas (`code`: why), recorded as the worker records it; its id. */
export const pushSetLetter = (db: Db, pushSetId: number, code = 'ERR_ADAPTER_REJECTED'): Promise<number> =>
  letterOfJob(db, 'push.smas', { pushSetId }, { code, message: 'answered 400', attempts: 1 });

/**
 * The dead letter of a full run's reconciliation delete to smas (a delete set with no batch, carrying `syncRunId`:
 * vendor5 item 5), recorded as the worker records it; its push set's id.
 */
export async function runDeleteLetter(db: Db, syncRunId: number): Promise<number> {
  const pushSetId = await createPushSetsRepo(db).create({
    ...{ system: 'smas', entity: 'students', operation: 'delete', keys: ['K1'], schools: ['79000001'] },
    syncRunId,
  });
  await pushSetLetter(db, pushSetId);
  return pushSetId;
}
