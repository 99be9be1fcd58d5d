/**
 * sec29 item 1: who reads a batch by its id (GET /v1/batches/{id} and its findings). A vendor reads the batches sent
 * through the API for its schools (its own, and another client's of the same school: a read-only client follows its
 * vendor's batches); any other id is 404 ERR_NOT_FOUND, the very answer of an id that names nothing (never 403: it
 * would confirm the batch exists). A pulled page is the city's, whatever its system and scope: a city pull of hcm-csdl
 * scoped to the vendor's own school, and a pull of the school's smas system too (its findings are filed as the
 * city's, those resting on other schools' records included; truc binds no client to a school system). Before sec29
 * a vendor of S1 read a scoped pull's batch of S1, findings included, by its UUID.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { expectProblem, goodBody, problemShape, OTHER, S1, useApiHarness } from '../helpers/api.js';

const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });

/** A done pulled page of `system` for `scope` ('' = the whole city), as a pull stores it; its batch id. */
async function pulledPage(system: 'hcm-csdl' | 'smas', scope: string): Promise<string> {
  const db = h.env.deps.db;
  const run = await createSyncRunsRepo(db).create({
    system,
    entity: 'students',
    scope,
    since: null,
    requestedBy: 'admin',
  });
  const id = randomUUID();
  await createBatchesRepo(db).insertPulledDone({
    id,
    clientId: 'system:pull',
    schoolCode: scope || '*',
    entity: 'students',
    format: system,
    syncRunId: run,
    mappingPin: null,
    received: 1,
    counts: { accepted: 0, rejected: 1, unchanged: 0 },
  });
  return id;
}

const MISSING = '00000000-0000-4000-8000-000000000000';
/** A problem without what differs between any two answers (the request's ids). */
describe('a batch read by its id (sec29 item 1)', () => {
  const ids = {} as Record<'mine' | 'otherSchool' | 'cityOfS1' | 'smasOfS1' | 'wholeCity', string>;
  beforeAll(async () => {
    const pushed = async (token: string, school: string, code: string) => {
      const res = await h.pushBatch(token, school, goodBody([code], school));
      expect(res.statusCode, res.body).toBe(202);
      return res.json<{ batchId: string }>().batchId;
    };
    ids.mine = await pushed(h.tokens.vendor, S1, 'T1');
    ids.otherSchool = await pushed(h.tokens.other, OTHER, 'T2');
    ids.cityOfS1 = await pulledPage('hcm-csdl', S1);
    ids.smasOfS1 = await pulledPage('smas', S1);
    ids.wholeCity = await pulledPage('hcm-csdl', '');
  });

  it("a vendor reads its schools' pushed batches; a read-only client of the school follows them", async () => {
    for (const token of [h.tokens.vendor, h.tokens.reader]) {
      expect((await h.get(`/v1/batches/${ids.mine}`, token)).statusCode).toBe(200);
      expect((await h.get(`/v1/batches/${ids.mine}/findings`, token)).statusCode).toBe(200);
    }
  });

  it("another school's batch and every pulled page are 404 to a vendor, exactly as an id naming nothing", async () => {
    const missing = problemShape(
      expectProblem(await h.get(`/v1/batches/${MISSING}`, h.tokens.vendor), 404, 'ERR_NOT_FOUND'),
    );
    for (const which of ['otherSchool', 'cityOfS1', 'smasOfS1', 'wholeCity'] as const) {
      for (const token of [h.tokens.vendor, h.tokens.reader]) {
        const res = await h.get(`/v1/batches/${ids[which]}`, token);
        expect(problemShape(expectProblem(res, 404, 'ERR_NOT_FOUND')), which).toEqual(missing);
        expectProblem(await h.get(`/v1/batches/${ids[which]}/findings`, token), 404, 'ERR_NOT_FOUND');
      }
    }
  });

  it('the city admin reads every one of them', async () => {
    for (const id of Object.values(ids)) {
      expect((await h.get(`/v1/batches/${id}`, h.tokens.admin)).statusCode).toBe(200);
      expect((await h.get(`/v1/batches/${id}/findings`, h.tokens.admin)).statusCode).toBe(200);
    }
  });
});
