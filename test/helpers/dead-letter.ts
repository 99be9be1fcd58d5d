/**
 * A dead letter for the dead-letter tests (the API's list and replay, `truc dead-letters`): one that a replay can
 * queue again, its work an outbox row.
 */
import { recordDeadLetter } from '../../src/jobs/dead-letters.js';
import type { Db } from '../../src/store/db.js';
import { createOutboxRepo } from '../../src/store/outbox.js';

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
