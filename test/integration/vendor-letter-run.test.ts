/**
 * vendor5 item 5: a dead letter from a full run's reconciliation deletes (a delete set with no batch, carrying its run:
 * push_sets.sync_run_id, migration 1433) could not be found from its run. Its refs now carry syncRunId, and
 * GET /v1/dead-letters?syncRunId= lists it, and POST /v1/dead-letters/replay {syncRunId} replays it (fix7). Real PostgreSQL; the letter recorded as the worker records it.
 */
import { describe, expect, it } from 'vitest';
import { expectProblem, useApiHarness } from '../helpers/api.js';
import { hcmStudentsRun, runDeleteLetter } from '../helpers/dead-letter.js';

const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });

describe('a reconciliation’s dead letter is found from its run (vendor5 item 5)', () => {
  it('its refs carry syncRunId and the listing filters by it', async () => {
    const db = h.env.deps.db;
    const [runId, otherRun] = [await hcmStudentsRun(db, 'w1'), await hcmStudentsRun(db, 'w2')];
    const mine = await runDeleteLetter(db, runId);
    await runDeleteLetter(db, otherRun);
    const res = await h.get(`/v1/dead-letters?syncRunId=${runId}`, h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ total: number; items: Array<{ refs: Record<string, unknown> }> }>();
    expect(body.total).toBe(1);
    expect(body.items[0]!.refs).toMatchObject({ pushSetId: mine, syncRunId: runId });
    expectProblem(await h.get('/v1/dead-letters?syncRunId=x', h.tokens.admin), 400, 'ERR_VALIDATION');
  });

  // fix7: the replay lacked the filter the listing has; a run's letters were replayed only by their ids
  it('a replay takes the same syncRunId filter: that run’s letters only, the other run’s stay open', async () => {
    const db = h.env.deps.db;
    const [runId, otherRun] = [await hcmStudentsRun(db, 'w3'), await hcmStudentsRun(db, 'w4')];
    await runDeleteLetter(db, runId);
    await runDeleteLetter(db, otherRun);
    const listed = async (run: number) =>
      (await h.get(`/v1/dead-letters?syncRunId=${run}`, h.tokens.admin)).json<{
        open: number;
        items: Array<{ id: number }>;
      }>();
    const mine = (await listed(runId)).items.map((l) => l.id);
    const res = await h.send('POST', '/v1/dead-letters/replay', h.tokens.admin, { syncRunId: runId });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ replayed: number[] }>().replayed).toEqual(mine);
    expect((await listed(runId)).open).toBe(0);
    expect((await listed(otherRun)).open).toBe(1);
    const both = await h.send('POST', '/v1/dead-letters/replay', h.tokens.admin, {
      syncRunId: otherRun,
      all: true,
    });
    expect(expectProblem(both, 400, 'ERR_VALIDATION').errors).toEqual([
      expect.objectContaining({ pointer: '/body/all' }),
    ]);
    expect((await listed(otherRun)).open).toBe(1);
  });
});
