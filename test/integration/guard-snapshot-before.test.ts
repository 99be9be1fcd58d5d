/**
 * review17 B1 (hunt17's item 4): a vendor snapshot's deletions are weighed against its school as it was
 * before the snapshot, as the batch API's dry run weighs them. The ingest writes the snapshot's records
 * first and weighed its omissions against the school counted after them: a snapshot that omits 10 of its
 * school's 25 students (40%, over the 30% threshold) and brings 25 new ones was weighed 10 of 50 (20%) and
 * deleted them, while its dry run said the guard would hold them. Real PostgreSQL and Redis, the worker
 * role, the API over HTTP (fastify's inject).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { bearer, student, tokenFor } from '../helpers/api.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';

const S = '79000081';
const S2 = '79000082';
const codes = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);

describe("a vendor snapshot's deletions weighed against its school before the snapshot, as its dry run", () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let worker: Running;
  let vendor: string;
  let admin: string;

  const push = (records: unknown[], dryRun = false, school = S) =>
    app.inject({
      method: 'POST',
      url: `/v1/schools/${school}/batches${dryRun ? '?dryRun=true' : ''}`,
      headers: { ...bearer(vendor), 'content-type': 'application/json' },
      payload: JSON.stringify({ entity: 'students', mode: 'snapshot', records }),
    });
  /** Pushes a snapshot; the batch once the worker is done with it (done, or held). */
  async function ingested(records: unknown[], school = S) {
    const res = await push(records, false, school);
    expect(res.statusCode, res.body).toBe(202);
    const { batchId } = res.json<{ batchId: string }>();
    return waitFor(
      async () => {
        const b = (
          await app.inject({ method: 'GET', url: `/v1/batches/${batchId}`, headers: bearer(vendor) })
        ).json<{ status: string; counts: { deleted?: number }; guard: { holdId: number } | null }>();
        return b.status === 'done' || b.status === 'held' ? b : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the snapshot batch' },
    );
  }
  async function preview(records: unknown[], school = S) {
    const res = await push(records, true, school);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ snapshot: { wouldDelete: number; guardWouldHold: boolean } }>().snapshot;
  }
  const live = async (school = S) =>
    (
      await env.deps.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM truc.students WHERE school_code = $1 AND deleted_at IS NULL',
        [school],
      )
    ).rows[0]!.n;

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    app = await buildApp(env.deps);
    await app.ready();
    worker = startWorkerRole(env.deps);
    vendor = await tokenFor(
      app,
      await addClient(env.deps.db, { name: 'Vendor 81', role: 'vendor', schools: [S, S2] }),
    );
    admin = await tokenFor(app, await addClient(env.deps.db, { name: 'Sở GDĐT', role: 'city-admin' }));
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    await env?.cleanup();
  });

  it('holds a snapshot that omits 40% of its school though it brings as many new students, as its dry run says', async () => {
    const own = codes('OWN', 25);
    expect(await ingested(own.map((c) => student(c, S)))).toMatchObject({ status: 'done' });
    expect(await live()).toBe(25);

    // 15 of the 25 kept (10 omitted: 40%), 25 new ones.
    const body = [...own.slice(10), ...codes('NEW', 25)].map((c) => student(c, S));
    expect(await preview(body)).toEqual({ wouldDelete: 10, skipped: null, guardWouldHold: true });
    const held = await ingested(body);
    // Without the fix: { status: 'done', counts: { deleted: 10 } } (weighed 10 of 50).
    expect(held).toMatchObject({ status: 'held', guard: { holdId: expect.any(Number) } });
    expect(held.counts.deleted ?? 0).toBe(0);
    // Its records apply, its deletions wait for a city admin.
    expect(await live()).toBe(50);
    const hold = (
      await app.inject({
        method: 'GET',
        url: `/v1/guard/holds/${held.guard!.holdId}`,
        headers: bearer(admin),
      })
    ).json<{ kind: string; reasons: unknown[] }>();
    expect(hold).toMatchObject({
      kind: 'batch',
      reasons: [{ school: S, kind: 'deleted', count: 10, live: 25, ratio: 0.4, threshold: 0.3 }],
    });
  });

  it('the dry run and the ingest give the same answer, held or deleted, with new students alongside', async () => {
    const own = codes('B', 25).map((c) => student(c, S2));
    expect(await ingested(own, S2)).toMatchObject({ status: 'done' });
    // 5 of 25 omitted (20%) next to 10 new: deleted; then 10 of the 30 (33%) next to 30 new: held.
    const more = (prefix: string, n: number) => codes(prefix, n).map((c) => student(c, S2));
    const snapshots = [
      [...own.slice(5), ...more('C', 10)],
      [...own.slice(15), ...more('C', 10), ...more('D', 30)],
    ];
    const dry: unknown[] = [];
    const real: unknown[] = [];
    for (const body of snapshots) {
      const { wouldDelete, guardWouldHold } = await preview(body, S2);
      dry.push({ wouldDelete, guardWouldHold });
      const b = await ingested(body, S2);
      if (b.status !== 'held') real.push({ wouldDelete: b.counts.deleted ?? 0, guardWouldHold: false });
      else {
        const { diff } = (
          await app.inject({
            method: 'GET',
            url: `/v1/guard/holds/${b.guard!.holdId}`,
            headers: bearer(admin),
          })
        ).json<{ diff: Array<{ deleted: number }> }>();
        real.push({ wouldDelete: diff.reduce((n, d) => n + d.deleted, 0), guardWouldHold: true });
      }
    }
    expect(dry).toEqual([
      { wouldDelete: 5, guardWouldHold: false },
      { wouldDelete: 10, guardWouldHold: true },
    ]);
    // Without the fix, the second is deleted (weighed 10 of 60) where its dry run said held.
    expect(real).toEqual(dry);
    expect(await live(S2)).toBe(60);
  });
});
