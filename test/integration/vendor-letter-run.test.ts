/**
 * vendor5 item 5: a dead letter from a full run's reconciliation deletes (a delete set with no batch, carrying its run:
 * push_sets.sync_run_id, migration 1433) could not be found from its run. Its refs now carry syncRunId, and
 * GET /v1/dead-letters?syncRunId= lists it. Real PostgreSQL; the letter recorded as the worker records it.
 */
import { describe, expect, it } from 'vitest';
import { recordDeadLetter } from '../../src/jobs/dead-letters.js';
import { createOutboxRepo } from '../../src/store/outbox.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { expectProblem, useApiHarness } from '../helpers/api.js';

const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });

describe('a reconciliation’s dead letter is found from its run (vendor5 item 5)', () => {
  it('its refs carry syncRunId and the listing filters by it', async () => {
    const db = h.env.deps.db;
    const run = (since: string) =>
      createSyncRunsRepo(db).create({
        system: 'hcm-csdl',
        entity: 'students',
        scope: '',
        since,
        requestedBy: 'x',
      });
    const [runId, otherRun] = [await run('w1'), await run('w2')];
    const dead = async (syncRunId: number) => {
      const pushSetId = await createPushSetsRepo(db).create({
        ...{ system: 'smas', entity: 'students', operation: 'delete', keys: ['K1'], schools: ['79000001'] },
        syncRunId,
      });
      const outboxId = await createOutboxRepo(db).add('push.smas', 'push-set', { pushSetId });
      await recordDeadLetter(db, {
        ...{
          outboxId,
          queue: 'push.smas',
          name: 'push-set',
          jobId: `ob-${outboxId}`,
          payload: { pushSetId },
        },
        ...{ code: 'ERR_ADAPTER_REJECTED', message: 'answered 400', attempts: 1, at: new Date() },
      });
      return pushSetId;
    };
    const mine = await dead(Number(runId));
    await dead(Number(otherRun));
    const res = await h.get(`/v1/dead-letters?syncRunId=${runId}`, h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ total: number; items: Array<{ refs: Record<string, unknown> }> }>();
    expect(body.total).toBe(1);
    expect(body.items[0]!.refs).toMatchObject({ pushSetId: mine, syncRunId: Number(runId) });
    expectProblem(await h.get('/v1/dead-letters?syncRunId=x', h.tokens.admin), 400, 'ERR_VALIDATION');
  });
});
