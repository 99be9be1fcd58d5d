/**
 * Issue 7 (inline): the API ingests a new vendor batch itself right after its 202 (src/jobs/ingest-at-once.ts), with
 * the records it stored, in a transaction of its own that closes the batch's outbox row. Judged as the ingest job
 * judges it (the same body through both paths: the same counts, findings, records, change feed, push sets and
 * audit); a busy school, a big batch or an error leaves it to the job, which finishes it; a kill -9 of the api
 * right after its 202 loses nothing. Real PostgreSQL and Redis.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createWorkerContext } from '../../src/jobs/context.js';
import { ingestJob } from '../../src/jobs/ingest.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole } from '../../src/roles.js';
import type { Queryable } from '../../src/store/db.js';
import { jobIdOf, readInstallId } from '../../src/store/outbox.js';
import { tryLockSchool } from '../../src/store/school-lock.js';
import { SCHOOL, student } from '../factories/records.js';
import { tokenFor } from '../helpers/api.js';
import { backends, makeDeps, waitFor, type Backend, type TestEnv } from '../helpers/env.js';
import { spawnTruc, trucEnvOn } from '../helpers/faults.js';

const backend = backends().find((b) => b.name === 'postgres+redis')!;

/** A push target configured (nothing listens: no worker delivers here), so changes make push sets. */
const TARGET = { HCM_CSDL_BASE_URL: 'http://127.0.0.1:9' };

interface World {
  env: TestEnv;
  app: FastifyInstance;
  token: string;
}

/** An env whose API ingests at once (at most `maxRecords`; 0: never), a vendor of SCHOOL and its token. */
async function worldOf(
  maxRecords: number,
  fault?: (batchId: string) => void,
  on: Backend = backend,
): Promise<World> {
  const env = await makeDeps(on, {
    env: TARGET,
    configure: (c) => ({
      ...c,
      jobs: { ...c.jobs, ingestAtOnce: { maxRecords, inFlight: 2 } },
      sync: { ...c.sync, reconcile: { ...c.sync.reconcile, afterSeconds: 0, everyMs: 200 } },
    }),
  });
  const app = await buildApp({ ...env.deps, ingestAtOnceFault: fault });
  await app.ready();
  const client = await addClient(env.deps.db, { name: 'Vendor', role: 'vendor', schools: [SCHOOL] });
  return { env, app, token: await tokenFor(app, client) };
}

async function push(w: World, records: unknown[]): Promise<string> {
  const res = await w.app.inject({
    method: 'POST',
    url: `/v1/schools/${SCHOOL}/batches`,
    headers: { authorization: `Bearer ${w.token}`, 'content-type': 'application/json' },
    payload: { entity: 'students', records },
  });
  expect(res.statusCode, res.body).toBe(202);
  return res.json<{ batchId: string }>().batchId;
}

const rows = async <R extends object>(w: World, sql: string, params: unknown[] = []): Promise<R[]> =>
  (await w.env.deps.db.query<R>(sql, params)).rows;

const statusOf = async (w: World, batchId: string) =>
  (await rows<{ status: string }>(w, 'SELECT status FROM truc.batches WHERE id = $1', [batchId]))[0]?.status;

const waitDone = (w: World, batchId: string) =>
  waitFor(async () => (await statusOf(w, batchId)) === 'done', {
    timeoutMs: 30_000,
    what: `batch ${batchId} to be done`,
  });

/** The batch's ingest outbox row: its id, whether done, how often queued. */
const rowOf = async (w: World, batchId: string) =>
  (
    await rows<{ id: number; done: boolean; enqueue_count: number }>(
      w,
      `SELECT id, done_at IS NOT NULL AS done, enqueue_count FROM truc.outbox WHERE payload->>'batchId' = $1`,
      [batchId],
    )
  )[0]!;

/** Runs the batch's ingest job as a worker does. */
async function runJob(w: World, batchId: string): Promise<void> {
  const { id: outboxId } = await rowOf(w, batchId);
  const job = { id: `j-${outboxId}`, queue: ingestJob.queue, name: ingestJob.name, attempt: 1, outboxId };
  await ingestJob.run(createWorkerContext(w.env.deps), { batchId }, job);
}

/** What a batch left, without its ids and times: comparable between two databases. */
async function outcomeOf(w: World, batchId: string) {
  const batch = await rows(
    w,
    `SELECT status, received, accepted, rejected, unchanged, deleted, error_code FROM truc.batches WHERE id = $1`,
    [batchId],
  );
  const findings = await rows(
    w,
    `SELECT record_index, record_key, criterion, rule, severity, pointer, message_vi, message_en
       FROM truc.findings WHERE batch_id = $1 ORDER BY record_index, rule, pointer`,
    [batchId],
  );
  const records = await rows(
    w,
    // Written by the vendor (its client id is the database's own).
    `SELECT student_code, school_code, data, fingerprint, source_system LIKE 'vendor:cl_%' AS by_vendor, mapping_version,
            deleted_at IS NULL AS live
       FROM truc.students ORDER BY student_code`,
  );
  const changes = await rows(
    w,
    'SELECT entity, record_keys::text AS keys, school_code, op FROM truc.record_changes ORDER BY tx, seq',
  );
  const pushSets = await rows(
    w,
    'SELECT system, entity, keys FROM truc.push_sets WHERE batch_id = $1 ORDER BY system',
    [batchId],
  );
  const audit = await rows<{ action: string; details: Record<string, unknown> }>(
    w,
    `SELECT action, details FROM (SELECT action, subject, details FROM truc.audit_log
                                  UNION ALL SELECT action, subject, details FROM truc.audit_pending) a
      WHERE subject = $1 ORDER BY action`,
    [`batch:${batchId}`],
  );
  const audited = audit.map((a) => ({ action: a.action, details: { ...a.details, pushSets: undefined } }));
  return { batch, findings, records, changes, pushSets, audit: audited };
}

/** Two new students, one refused (an impossible birth date), then the first changed and a third new. */
const FIRST = [student('AO1'), { ...student('AO2'), birthDate: '2019-02-30' }, student('AO3')];
const SECOND = [student('AO1', { fullName: 'Nguyễn Văn Bình' }), student('AO4'), student('AO3')];

/** The same two bodies pushed to `atOnce` (ingested by its API) and `viaJob` (by its job) leave the same. */
async function sameAsThroughItsJob(atOnce: World, viaJob: World): Promise<void> {
  for (const body of [FIRST, SECOND]) {
    const here = await push(atOnce, body);
    await waitDone(atOnce, here);
    // Done with no job: its outbox row closed by the ingest, queued once (handed over at the commit).
    expect(await rowOf(atOnce, here)).toMatchObject({ done: true, enqueue_count: 1 });
    const job = await push(viaJob, body);
    expect(await statusOf(viaJob, job)).toBe('queued');
    await runJob(viaJob, job);
    const expected = await outcomeOf(viaJob, job);
    expect(expected.pushSets).not.toEqual([]);
    expect(expected.findings).not.toEqual([]);
    expect(await outcomeOf(atOnce, here)).toEqual(expected);
  }
}

describe('on the embedded database (PGlite, queues in it)', () => {
  const pglite = backends().find((b) => b.name === 'pglite+pg-queue')!;
  let atOnce: World;
  let viaJob: World;
  beforeAll(async () => {
    atOnce = await worldOf(1000, undefined, pglite);
    viaJob = await worldOf(0, undefined, pglite);
  }, 180_000);
  afterAll(async () => {
    for (const w of [atOnce, viaJob]) {
      await w?.app.close();
      await w?.env.cleanup();
    }
  });

  it('a batch ingested at once leaves what its job would', () => sameAsThroughItsJob(atOnce, viaJob));
});

describe('a vendor batch ingested at once by the API that accepted it', () => {
  let atOnce: World;
  let viaJob: World;
  let failing: World;
  const failed = new Set<string>();

  beforeAll(async () => {
    atOnce = await worldOf(1000);
    viaJob = await worldOf(0);
    failing = await worldOf(1000, (batchId) => {
      failed.add(batchId);
      throw new Error('injected: the ingest at once fails');
    });
  }, 180_000);
  afterAll(async () => {
    for (const w of [atOnce, viaJob, failing]) {
      await w?.app.close();
      await w?.env.cleanup();
    }
  });

  it('is done with the same counts, findings, records, change feed, push sets and audit as through its job', () =>
    sameAsThroughItsJob(atOnce, viaJob));

  it('its school busy (an ingest of it in progress): left to its job, which finishes it', async () => {
    // Another transaction holds the school's lock, as an ingest in progress does.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const taken = new Promise<void>((r) => (locked = r));
    const holder = atOnce.env.deps.db.tx(async (q: Queryable) => {
      expect(await tryLockSchool(q, SCHOOL)).toBe(true);
      locked();
      await held;
    });
    await taken;
    const batchId = await push(atOnce, [student('AO5')]);
    const { id: rowId } = await rowOf(atOnce, batchId);
    const jobId = jobIdOf(await readInstallId(atOnce.env.deps.db), rowId);
    await waitFor(() => atOnce.env.deps.queues.queue(ingestJob.queue).getJob(jobId), {
      what: 'its job to be queued',
    });
    expect(await statusOf(atOnce, batchId)).toBe('queued');
    release();
    await holder;
    const worker = startWorkerRole(atOnce.env.deps);
    try {
      await waitDone(atOnce, batchId);
    } finally {
      await worker.stop();
    }
    expect(await rowOf(atOnce, batchId)).toMatchObject({ done: true });
  });

  it('a batch of more records than jobs.ingestAtOnce.maxRecords goes to its job', async () => {
    const small = await worldOf(2);
    try {
      const batchId = await push(small, [student('AO6'), student('AO7'), student('AO8')]);
      const two = await push(small, [student('AO9'), student('AO10')]);
      await waitDone(small, two);
      expect(await statusOf(small, batchId)).toBe('queued');
      await runJob(small, batchId);
      expect(await statusOf(small, batchId)).toBe('done');
    } finally {
      await small.app.close();
      await small.env.cleanup();
    }
  });

  it('an error in the ingest at once leaves the batch queued, and the worker finishes it', async () => {
    const batchId = await push(failing, [student('AO11'), student('AO12')]);
    await waitFor(() => failed.has(batchId), { what: 'the ingest at once to fail' });
    expect(await statusOf(failing, batchId)).toBe('queued');
    expect(await rowOf(failing, batchId)).toMatchObject({ done: false });
    const worker = startWorkerRole(failing.env.deps);
    try {
      await waitDone(failing, batchId);
    } finally {
      await worker.stop();
    }
    const out = await outcomeOf(failing, batchId);
    expect(out.batch).toEqual([expect.objectContaining({ accepted: 2, rejected: 0 })]);
    expect(out.audit.filter((a) => a.action === 'batch.ingested')).toHaveLength(1);
  });
});

describe('kill -9 of the api right after its 202', () => {
  let env: TestEnv;
  let api: ReturnType<typeof spawnTruc> | undefined;

  beforeAll(async () => {
    env = await makeDeps(backend, {
      env: TARGET,
      configure: (c) => ({
        ...c,
        sync: { ...c.sync, reconcile: { ...c.sync.reconcile, afterSeconds: 0, everyMs: 200 } },
      }),
    });
  }, 120_000);
  afterAll(async () => {
    api?.child.kill('SIGKILL');
    await env?.cleanup();
  });

  it('loses nothing: every batch answered 202 is done once, by the api or by the worker', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    api = spawnTruc('api', {
      ...trucEnvOn(env),
      ...TARGET,
      PORT: String(port),
      TRUC_INGEST_AT_ONCE_RECORDS: '1000',
    });
    const base = `http://127.0.0.1:${port}`;
    const client = await addClient(env.deps.db, { name: 'Vendor', role: 'vendor', schools: [SCHOOL] });
    const token = await waitFor(
      async () => {
        const res = await fetch(`${base}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'client_credentials', ...toSecret(client) }),
        }).catch(() => undefined);
        return res?.ok ? ((await res.json()) as { access_token: string }).access_token : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the api to answer' },
    );
    const records = Array.from({ length: 1000 }, (_, i) => student(`KL${i}`));
    const res = await fetch(`${base}/v1/schools/${SCHOOL}/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ entity: 'students', records }),
    });
    api.child.kill('SIGKILL');
    expect(res.status).toBe(202);
    const { batchId } = (await res.json()) as { batchId: string };
    const worker = startWorkerRole(env.deps);
    try {
      await waitFor(
        async () =>
          (
            await env.deps.db.query<{ status: string }>('SELECT status FROM truc.batches WHERE id = $1', [
              batchId,
            ])
          ).rows[0]?.status === 'done',
        { timeoutMs: 60_000, intervalMs: 200, what: 'the batch to be done' },
      );
    } finally {
      await worker.stop();
    }
    const counts = await env.deps.db.query<{ accepted: number; stored: number; ingested: number }>(
      `SELECT b.accepted,
              (SELECT count(*)::int FROM truc.students WHERE student_code LIKE 'KL%') AS stored,
              (SELECT count(*)::int FROM (SELECT subject, action FROM truc.audit_log
                                          UNION ALL SELECT subject, action FROM truc.audit_pending) a
                WHERE a.subject = 'batch:' || b.id AND a.action = 'batch.ingested') AS ingested
         FROM truc.batches b WHERE b.id = $1`,
      [batchId],
    );
    expect(counts.rows[0]).toEqual({ accepted: 1000, stored: 1000, ingested: 1 });
  });
});

const toSecret = (c: { clientId: string; clientSecret: string }) => ({
  client_id: c.clientId,
  client_secret: c.clientSecret,
});
