/**
 * walk9 W9-1 (the rest): a vendor's batch of a school code truc's school list (truc.schools) lacks is taken with one
 * warning finding, DUNG_SCHOOL_UNLISTED, naming the code, not refused; and the school's dashboard page answers with
 * `school` null and the batch (it was a 404 hiding it), while a code truc holds nothing of stays 404.
 */
import { describe, expect, it } from 'vitest';
import { bearer, expectProblem, goodBody, S1, S2, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';
import { storeSchoolS1 } from '../helpers/school-page-batch.js';

const h = useApiHarness(backends()[0]!);

interface Told {
  counts: { accepted: number; rejected: number };
  findings: { rule: string; severity: string; value?: string }[];
}

const dryRun = async (school: string): Promise<Told> => {
  const res = await h.app.inject({
    method: 'POST',
    url: `/v1/schools/${school}/batches?dryRun=true`,
    headers: { 'content-type': 'application/json', ...bearer(h.tokens.vendor) },
    payload: JSON.stringify(goodBody(['W91A', 'W91B'], school)),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Told>();
};

const unlisted = (t: Told) => t.findings.filter((f) => f.rule === 'DUNG_SCHOOL_UNLISTED');

describe('W9-1: a batch of a school truc does not list', () => {
  it('is taken with one warning naming the code; a listed school gets none', async () => {
    const told = await dryRun(S1);
    expect(told.counts).toMatchObject({ accepted: 2, rejected: 0 });
    expect(unlisted(told)).toMatchObject([{ severity: 'warning', value: S1 }]);
    await storeSchoolS1(h.env.deps.db);
    expect(unlisted(await dryRun(S1))).toEqual([]);
  });

  it("the school's page lists its batch under school null; a code with nothing is 404", async () => {
    const pushed = await h.pushBatch(h.tokens.vendor, S2, goodBody(['W91C'], S2));
    expect(pushed.statusCode, pushed.body).toBe(202);
    const { batchId } = pushed.json<{ batchId: string }>();
    const page = await h.get(`/v1/ops/schools/${S2}`, h.tokens.admin);
    expect(page.statusCode, page.body).toBe(200);
    const body = page.json<{ school: unknown; batches: { id: string }[] }>();
    expect(body.school).toBeNull();
    expect(body.batches.map((b) => b.id)).toEqual([batchId]);
    expectProblem(await h.get('/v1/ops/schools/79999998', h.tokens.admin), 404, 'ERR_NOT_FOUND');
  });
});
