/**
 * Sync runs listed and filtered (issue 7): by system, entity, status and creation date, newest first,
 * each with its batches' outcome counts, duration, mapping version and an error summary; admin only;
 * bad filters are 400 problems.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { PULL_SCOPE_WORDS } from '../../src/config.js';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { createOutboxRepo } from '../../src/store/outbox.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { CONFIGURED_SYSTEMS_ENV, expectProblem, useApiHarness } from '../helpers/api.js';
import { seedListedRuns } from '../helpers/sync-run-seed.js';

describe('GET /v1/syncs on postgres', () => {
  const h = useApiHarness(
    { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
    { env: CONFIGURED_SYSTEMS_ENV }, // a pull is requested only from a configured system
  );
  let doneRun: number;
  let failedRun: number;

  beforeAll(async () => {
    const db = h.env.deps.db;
    ({ doneRun, failedRun } = await seedListedRuns(db));
  }, 120_000);

  it('lists runs newest first with counts, duration, mapping version and an error summary', async () => {
    const res = await h.get('/v1/syncs', h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ total: number; items: Array<Record<string, unknown>> }>();
    expect(body.total).toBe(2);
    expect(body.items.map((i) => i.syncRunId)).toEqual([failedRun, doneRun]);
    expect(body.items[1]).toMatchObject({
      system: 'hcm-csdl',
      entity: 'students',
      status: 'done',
      incremental: false,
      mappingVersion: 'hcm-csdl/students@1',
      counts: { accepted: 5, rejected: 1, unchanged: 5 },
      durationSeconds: expect.any(Number),
      errors: { errorCode: null, batches: 2, failedBatches: 0, rejectedRecords: 1, deadLetters: 0 },
    });
    expect(body.items[0]).toMatchObject({
      system: 'smas',
      status: 'failed',
      incremental: true,
      mappingVersion: null,
      errors: { errorCode: 'ERR_ADAPTER_UNAVAILABLE', batches: 0 },
    });
  });

  // review24 (fixed here): the statusUrl `POST /v1/syncs` answers (and the README's "then GET /v1/syncs/{id}") gave
  // none of issue 7 item 6's figures (counts per outcome, duration, mapping version, error summary), which only the
  // list and `truc sync show` had: a city admin polling one run saw "done" and not what it rejected or left dead.
  it('GET /v1/syncs/{id} answers the run as the list does, its figures included', async () => {
    const listed = (await h.get('/v1/syncs', h.tokens.admin)).json<{ items: Array<{ syncRunId: number }> }>();
    for (const id of [doneRun, failedRun]) {
      const res = await h.get(`/v1/syncs/${id}`, h.tokens.admin);
      expect(res.statusCode, res.body).toBe(200);
      const {
        durationSeconds: _d,
        rejectedBatches: _r,
        rejectedBatchesTotal: _t,
        ...one
      } = res.json<Record<string, unknown>>();
      const { durationSeconds: _l, ...inList } = listed.items.find((i) => i.syncRunId === id) as Record<
        string,
        unknown
      >;
      expect(one).toEqual(inList);
    }
    expect((await h.get(`/v1/syncs/${doneRun}`, h.tokens.admin)).json()).toMatchObject({
      mappingVersion: 'hcm-csdl/students@1',
      counts: { accepted: 5, rejected: 1, unchanged: 5 },
      durationSeconds: expect.any(Number),
      errors: { errorCode: null, batches: 2, failedBatches: 0, rejectedRecords: 1, deadLetters: 0 },
    });
  });

  // walk8 W8-3: a run told `rejected: 1` and named no batch; a city-wide pull's pages are no school's batches, so no
  // school page listed them either. The run's read names its batches that rejected records, with their findings.
  it('GET /v1/syncs/{id} names the batches that rejected records, where to read why', async () => {
    const done = (await h.get(`/v1/syncs/${doneRun}`, h.tokens.admin)).json<{
      rejectedBatches: Array<{ batchId: string; rejected: number; findingsUrl: string }>;
    }>();
    expect(done.rejectedBatches).toEqual([
      {
        batchId: expect.any(String),
        rejected: 1,
        findingsUrl: expect.stringMatching(/^\/v1\/batches\/[0-9a-f-]{36}\/findings\?severity=error$/),
      },
    ]);
    const [b] = done.rejectedBatches;
    expect(b!.findingsUrl).toBe(`/v1/batches/${b!.batchId}/findings?severity=error`);
    const findings = await h.get(b!.findingsUrl, h.tokens.admin);
    expect(findings.statusCode, findings.body).toBe(200);
    const failed = (await h.get(`/v1/syncs/${failedRun}`, h.tokens.admin)).json<{
      rejectedBatches: unknown[];
    }>();
    expect(failed.rejectedBatches).toEqual([]);
  });

  it('filters by system, entity, status and date', async () => {
    const ids = async (query: string) =>
      (await h.get(`/v1/syncs?${query}`, h.tokens.admin))
        .json<{ items: Array<{ syncRunId: number }> }>()
        .items.map((i) => i.syncRunId);
    expect(await ids('system=smas')).toEqual([failedRun]);
    expect(await ids('entity=students&status=done')).toEqual([doneRun]);
    expect(await ids('status=running')).toEqual([]);
    expect(await ids(`from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    expect(
      await ids(`to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&limit=1`),
    ).toEqual([failedRun]);
  });

  // proof37: the seeded runs have no failed batch and no letter of their own, so the summary's failedBatches and a
  // run's own letters (its pull's, by syncRunId) read 0 whatever the list computed (both stayed green at 0).
  it("a run's failed batches and its pull's open dead letter are in its error summary", async () => {
    const db = h.env.deps.db;
    const runs = createSyncRunsRepo(db);
    const runId = await runs.create({
      system: 'vnedu',
      entity: 'students',
      scope: '',
      since: null,
      requestedBy: 'x',
    });
    const batchIds = [randomUUID(), randomUUID()];
    try {
      for (const id of batchIds) {
        await createBatchesRepo(db).insert({
          ...{
            id,
            clientId: 'system:pull',
            schoolCode: '*',
            entity: 'students',
            format: 'vnedu',
            records: [],
          },
          syncRunId: runId,
        });
      }
      await createBatchesRepo(db).fail(batchIds[0]!, 'ERR_MAPPING_INVALID');
      const row = await createOutboxRepo(db).add(
        'pull',
        'pull-page',
        { syncRunId: runId, page: 2 },
        { leaseSeconds: 3600 },
      );
      await createDeadLettersRepo(db).insert({
        ...{ outboxId: row, queue: 'pull', jobName: 'pull-page', errorCode: 'ERR_ADAPTER_UNAVAILABLE' },
        ...{ errorMessage: 'HTTP 503', attempts: 8 },
      });
      await runs.fail(runId, 'ERR_ADAPTER_UNAVAILABLE');
      const res = await h.get(`/v1/syncs/${runId}`, h.tokens.admin);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        errors: { errorCode: 'ERR_ADAPTER_UNAVAILABLE', batches: 2, failedBatches: 1, deadLetters: 1 },
      });
    } finally {
      await db.query(
        'DELETE FROM truc.dead_letters WHERE outbox_id IN (SELECT id FROM truc.outbox WHERE payload->>$1 = $2)',
        ['syncRunId', String(runId)],
      );
      await db.query(`DELETE FROM truc.outbox WHERE payload->>'syncRunId' = $1`, [String(runId)]);
      await db.query('DELETE FROM truc.batches WHERE sync_run_id = $1', [runId]);
      await db.query('DELETE FROM truc.sync_runs WHERE id = $1', [runId]);
    }
  });

  // walk6 W6-9: a run of the whole city said `"scope": ""` while a schedule of the whole city says null.
  it("a run of everything its system serves has scope null, as a schedule's; a school's run its code", async () => {
    const db = h.env.deps.db;
    const school = await createSyncRunsRepo(db).create({
      ...{ system: 'smas', entity: 'students', scope: '79000001', since: null, requestedBy: 'x' },
    });
    try {
      const scopes = async (url: string, key: 'syncRunId' | 'id') => {
        const res = await h.get(url, h.tokens.admin);
        expect(res.statusCode, res.body).toBe(200);
        const items = res.json<{ items: Array<Record<string, unknown>> }>().items;
        return [doneRun, school].map((id) => items.find((i) => i[key] === id)?.scope);
      };
      expect(await scopes('/v1/syncs', 'syncRunId')).toEqual([null, '79000001']);
      expect(await scopes('/v1/ops/sync-runs', 'id')).toEqual([null, '79000001']);
      const one = await h.get(`/v1/syncs/${doneRun}`, h.tokens.admin);
      expect(one.json<{ scope: unknown }>().scope).toBeNull();
    } finally {
      await db.query('DELETE FROM truc.sync_runs WHERE id = $1', [school]);
    }
  });

  // review8 R8-3: the operations list's scope filter took a regex of its own (no dot) and called any refusal "invalid
  // school code": a run scoped to a school code with a dot could not be filtered. Now PULL_SCOPE, in its words.
  it("GET /v1/ops/sync-runs?scope= takes any scope a run may have, and refuses in the rule's words", async () => {
    const db = h.env.deps.db;
    const dotted = await createSyncRunsRepo(db).create({
      ...{ system: 'smas', entity: 'students', scope: 'TH.79.01', since: null, requestedBy: 'x' },
    });
    try {
      const res = await h.get('/v1/ops/sync-runs?scope=TH.79.01', h.tokens.admin);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<{ items: Array<{ id: number }> }>().items.map((i) => i.id)).toEqual([dotted]);
      const bad = expectProblem(
        await h.get('/v1/ops/sync-runs?scope=a%20b', h.tokens.admin),
        400,
        'ERR_VALIDATION',
      );
      expect(bad.errors).toEqual([
        expect.objectContaining({ message: `${PULL_SCOPE_WORDS.vi} / ${PULL_SCOPE_WORDS.en}` }),
      ]);
    } finally {
      await db.query('DELETE FROM truc.sync_runs WHERE id = $1', [dotted]);
    }
  });

  it('a bad filter is a 400 problem; a vendor may not list runs', async () => {
    expectProblem(await h.get('/v1/syncs?status=sleeping', h.tokens.admin), 400, 'ERR_VALIDATION');
    expectProblem(await h.get('/v1/syncs?from=yesterday', h.tokens.admin), 400, 'ERR_VALIDATION');
    expect((await h.get('/v1/syncs', h.tokens.vendor)).statusCode).toBe(403);
  });

  it('POST /v1/syncs refuses what the system cannot pull (entity, commune scope) and changes nothing', async () => {
    const post = (body: object) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/syncs',
        headers: { authorization: `Bearer ${h.tokens.admin}` },
        payload: body,
      });
    const before = await h.snapshot();
    expectProblem(await post({ system: 'smas', entity: 'persons' }), 400, 'ERR_ENTITY_UNSUPPORTED');
    expectProblem(await post({ system: 'moet-pcgd', entity: 'persons' }), 400, 'ERR_VALIDATION');
    expectProblem(await post({ system: 'moet-pcgd', entity: 'persons', scope: 'S1' }), 400, 'ERR_VALIDATION');
    expect(await h.snapshot()).toEqual(before);
  });
});
