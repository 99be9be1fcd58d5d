/**
 * rel28: three gaps in the pull and push paths left open by review27c's fixes, each tried as a city would meet it:
 * real PostgreSQL (each test its own database, queues in it), the worker role in process, the hcm-csdl simulator
 * behind a proxy each test drives (../helpers/city-behind.ts).
 * 1. A source whose cursors loop over two values (A→B→A) after review27c F1 caught only a cursor repeated at once.
 * 2. A page the city served before it deleted a student, read by truc after the tombstone: no restore.
 * 3. A 200 receipt of a delete that accounts for none of the keys sent: no delivery.
 */
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { requestSync } from '../../src/jobs/contracts.js';
import { addClient } from '../../src/ops.js';
import type { Db } from '../../src/store/db.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { SCHOOL, student } from '../factories/records.js';
import { tokenFor } from '../helpers/api.js';
import { cityBehind } from '../helpers/city-behind.js';
import { waitFor } from '../helpers/env.js';
import { fullStudentsPull, requestFullStudentsPull } from '../helpers/full-pull.js';

/** The run once it failed or finished (or pulled `maxPages` pages: looping). */
function runSettled(db: Db, id: number, maxPages = 12) {
  return waitFor(
    async () => {
      const r = await createSyncRunsRepo(db).get(id);
      return r && (r.status === 'failed' || r.status === 'done' || r.pages >= maxPages) ? r : undefined;
    },
    { timeoutMs: 40_000, intervalMs: 100, what: `run ${id} to stop or loop` },
  );
}

describe('rel28: a source whose cursors loop over more than one value', () => {
  it('a cursor A→B→A ends the run failed (ERR_ADAPTER_RESPONSE_INVALID), not pulled forever', async () => {
    // Asked with no cursor or at B, the city says the next page is at A; asked at A, at B. Every page is its first.
    const nextOf = (url: string) => (/[?&]cursor=rel28-A\b/.test(url) ? 'rel28-B' : 'rel28-A');
    const city = await cityBehind(
      {
        path: (url) => (url.startsWith('/v1/students') ? url.replace(/cursor=[^&]*&?/, '') : url),
        rewrite: (url, method, json) =>
          method === 'GET' && url.startsWith('/v1/students')
            ? { ...(json as object), nextCursor: nextOf(url) }
            : json,
      },
      { seed: 2801, studentsPerSchool: 3 },
    );
    try {
      const id = await requestFullStudentsPull(city.env.deps.db);
      const run = await runSettled(city.env.deps.db, id);
      // Without the fix: still running, A, B, A, B … (review27c F1 compared only the cursor just asked at).
      expect({ status: run.status, errorCode: run.errorCode, pages: run.pages }).toEqual({
        status: 'failed',
        errorCode: 'ERR_ADAPTER_RESPONSE_INVALID',
        // Stored: the first page (next A) and A's (next B); B's names A again and fails.
        pages: 2,
      });
      const letters = await city.env.deps.db.query<{ error_message: string }>(
        'SELECT error_message FROM truc.dead_letters',
      );
      expect(letters.rows.map((r) => r.error_message)).toEqual([
        'ERR_ADAPTER_RESPONSE_INVALID: hcm-csdl: pagination cursor repeated',
      ]);
    } finally {
      await city.close();
    }
  });
});

/** The live students truc holds of `codes`, by code. */
async function liveOf(db: Db, codes: readonly string[]): Promise<string[]> {
  const res = await db.query<{ code: string }>(
    `SELECT student_code AS code FROM truc.students
      WHERE student_code = ANY($1::text[]) AND deleted_at IS NULL ORDER BY 1`,
    [[...codes]],
  );
  return res.rows.map((r) => r.code);
}

/** An incremental pull of the city's students (from the watermark the last run kept), waited for until done. */
async function incrementalPull(db: Db): Promise<void> {
  const id = await db.tx((q) =>
    requestSync(q, { system: 'hcm-csdl', entity: 'students', requestedBy: 'test', at: new Date() }),
  );
  const run = await runSettled(db, id);
  expect(run.status).toBe('done');
}

describe('rel28: a page the city served before deleting a student, read after the tombstone', () => {
  it('does not restore the student; a copy the city sends after the deletion does', async () => {
    type Page = { data: Array<{ maDinhDanh: string } & Record<string, unknown>> };
    let holdNext = false;
    let served: (page: Page) => void = () => undefined;
    const servedPage = new Promise<Page>((r) => (served = r));
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => (release = r));
    const city = await cityBehind(
      {
        // The next students page the city serves is held on its way to truc until released.
        hold: (url, method, body) => {
          if (!holdNext || method !== 'GET' || !url.startsWith('/v1/students')) return undefined;
          holdNext = false;
          served(JSON.parse(body.toString('utf8')) as Page);
          return released;
        },
      },
      { seed: 2802, studentsPerSchool: 3 },
      // The held read must not time out (it would be read again, without the student).
      (c) => ({
        ...c,
        systems: { ...c.systems, 'hcm-csdl': { ...c.systems['hcm-csdl'], timeoutMs: 60_000 } },
      }),
    );
    const { db } = city.env.deps;
    try {
      await fullStudentsPull(db);
      // A full run: its page, with every student live, is served now and reaches truc later.
      holdNext = true;
      const older = await requestFullStudentsPull(db);
      const page = await servedPage;
      const codes = page.data.map((r) => r.maDinhDanh);
      expect(await liveOf(db, codes)).toEqual([...codes].sort());
      const gone = page.data[0]!;
      // Then the city deletes one of them, and an incremental run pulls its tombstone: deleted in truc.
      city.sim.received.remove('students', gone.maDinhDanh, new Date().toISOString());
      await incrementalPull(db);
      expect(await liveOf(db, [gone.maDinhDanh])).toEqual([]);
      // The older run's page arrives: its copy of the student is what the city held before deleting it.
      release();
      const run = await runSettled(db, older);
      expect(run.status).toBe('done');
      // Without the fix: the student is live again (restored by a copy older than the city's own deletion).
      expect(await liveOf(db, codes)).toEqual(codes.filter((c) => c !== gone.maDinhDanh).sort());
      // The city enrols the student again (a copy changed after its deletion): the next pull restores it.
      city.sim.received.put('students', gone, new Date(Date.now() + 1000).toISOString());
      await incrementalPull(db);
      expect(await liveOf(db, [gone.maDinhDanh])).toEqual([gone.maDinhDanh]);
    } finally {
      release();
      await city.close();
    }
  });
});

/** Pushes a batch of `records` of SCHOOL as its vendor; the batch's id. */
async function push(app: FastifyInstance, token: string, records: unknown[], mode?: 'snapshot') {
  const res = await app.inject({
    method: 'POST',
    url: `/v1/schools/${SCHOOL}/batches`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: { entity: 'students', records, ...(mode ? { mode } : {}) },
  });
  expect(res.statusCode, res.body).toBe(202);
  return res.json<{ batchId: string }>().batchId;
}

/** The batch's delivery to the city database once settled (not pending). */
function cityDelivery(app: FastifyInstance, token: string, batchId: string) {
  return waitFor(
    async () => {
      const v = await app.inject({
        method: 'GET',
        url: `/v1/batches/${batchId}`,
        headers: { authorization: `Bearer ${token}` },
      });
      const body = v.json<{ deliveries: Array<{ system: string; state: string }> }>();
      const d = body.deliveries.find((x) => x.system === 'hcm-csdl');
      return d && d.state !== 'pending' ? d : undefined;
    },
    { timeoutMs: 40_000, intervalMs: 200, what: `batch ${batchId}'s delivery` },
  );
}

describe('rel28: a target that answers a delete 200 with a receipt that accounts for none of it', () => {
  it('a 200 delete receipt accepting none of the keys and refusing none is not a delivery', async () => {
    let gatewayAnswers = 1;
    const city = await cityBehind(
      {
        answer: (req) => {
          if (
            req.method !== 'POST' ||
            !req.url?.startsWith('/v1/students:batchDelete') ||
            gatewayAnswers <= 0
          )
            return undefined;
          gatewayAnswers--;
          return { status: 200, json: { receiptId: 'gateway-del-1', accepted: 0, rejected: [] } };
        },
      },
      { seed: 2803 },
    );
    let app: FastifyInstance | undefined;
    try {
      app = await buildApp(city.env.deps);
      await app.ready();
      const vendor = await addClient(city.env.deps.db, { name: 'Vendor', role: 'vendor', schools: [SCHOOL] });
      const token = await tokenFor(app, vendor);
      const three = [student('GD1'), student('GD2'), student('GD3')];
      const written = await push(app, token, three);
      expect((await cityDelivery(app, token, written)).state).toBe('delivered');
      // The vendor's snapshot leaves GD3 out: deleted in truc, its deletion sent to the city.
      const snapshot = await push(app, token, three.slice(0, 2), 'snapshot');
      const answered = await cityDelivery(app, token, snapshot);
      const deleted = city.sim.received.deletedKeys('students');
      // Without the check on deletes: { state: 'delivered', deleted: [] } — the city still holds GD3, for good.
      expect({ state: answered.state, deleted }).toEqual({ state: 'delivered', deleted: ['GD3'] });
      expect(gatewayAnswers).toBe(0);
    } finally {
      await app?.close();
      await city.close();
    }
  });
});
