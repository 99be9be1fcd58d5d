/**
 * A dead letter for the dead-letter tests (the API's list and replay, `truc dead-letters`): one that a replay can
 * queue again, its work an outbox row.
 */
import { recordDeadLetter } from '../../src/jobs/dead-letters.js';
import type { Db } from '../../src/store/db.js';
import { createOutboxRepo } from '../../src/store/outbox.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';

/** A dead letter of a website probe (its outbox row kept, so a replay queues it again); its id. */
export async function websiteProbeLetter(db: Db): Promise<number> {
  const outboxId = await createOutboxRepo(db).add('website-probe', 'website-probe', {});
  await recordDeadLetter(db, {
    outboxId,
    queue: 'website-probe',
    name: 'website-probe',
    jobId: `ob-${outboxId}`,
    payload: {},
    code: 'ERR_ADAPTER_UNAVAILABLE',
    message: 'answered 503',
    attempts: 3,
    at: new Date(),
  });
  const rows = await db.query<{ id: string }>(
    'SELECT id::text AS id FROM truc.dead_letters WHERE outbox_id = $1',
    [outboxId],
  );
  return Number(rows.rows[0]!.id);
}

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

/**
 * The dead letter of a full run's reconciliation delete to smas (a delete set with no batch, carrying `syncRunId`:
 * vendor5 item 5), recorded as the worker records it; its push set's id.
 */
export async function runDeleteLetter(db: Db, syncRunId: number): Promise<number> {
  const pushSetId = await createPushSetsRepo(db).create({
    ...{ system: 'smas', entity: 'students', operation: 'delete', keys: ['K1'], schools: ['79000001'] },
    syncRunId,
  });
  const outboxId = await createOutboxRepo(db).add('push.smas', 'push-set', { pushSetId });
  await recordDeadLetter(db, {
    ...{ outboxId, queue: 'push.smas', name: 'push-set', jobId: `ob-${outboxId}`, payload: { pushSetId } },
    ...{ code: 'ERR_ADAPTER_REJECTED', message: 'answered 400', attempts: 1, at: new Date() },
  });
  return pushSetId;
}
