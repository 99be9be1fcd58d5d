/**
 * runs2 item 1: a full run's reconciliation deletes were not in its deliveries. The tombstones a full pull makes at its
 * reconciliation become delete push sets with no batch, so GET /v1/syncs/{id} (which counted the sets of the run's
 * batches) showed `deliveries: []` for a run that deleted students the city no longer lists, though their deletion
 * went to SMAS (or failed there). Now a push set carries the run that caused it (migration 1433) and the run's
 * deliveries count its reconciliation's deletes. Real PostgreSQL and Redis, the worker role, the hcm-csdl simulator
 * (behind a proxy that leaves chosen students out of its pages) and the SMAS simulator over HTTP, the API in process.
 */
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { startHcmCsdlSimulator, type HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startSmasSimulator, type SmasSimulator } from '../../src/simulators/smas/simulator.js';
import { createSchoolSystemsRepo } from '../../src/store/school-systems.js';
import { bearer, tokenFor } from '../helpers/api.js';
import { makeDeps, type TestEnv } from '../helpers/env.js';
import { startPageProxy, type PageProxy } from '../helpers/page-proxy.js';
import { settledSync } from '../helpers/settled-sync.js';
import { useForSuite } from '../helpers/suite.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

const SIZE = { seed: 'runs2-reconcile', schools: 2, studentsPerSchool: 8, staffPerSchool: 1 };

interface World {
  env: TestEnv;
  hcm: HcmCsdlSimulator;
  smas: SmasSimulator;
  proxy: PageProxy;
  /** Students the city's pages leave out (vanished from the source, no tombstone). */
  drop: Set<string>;
  worker: Running;
  app: FastifyInstance;
  token: string;
}

async function startWorld(): Promise<World> {
  const env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  const c = env.config.systems;
  const hcm = await startHcmCsdlSimulator({
    ...SIZE,
    clientId: c['hcm-csdl'].clientId!,
    clientSecret: c['hcm-csdl'].clientSecret!,
    tombstoneRate: 0,
  });
  const drop = new Set<string>();
  const proxy = await startPageProxy(hcm.url, '/v1/students', (page) => ({
    ...page,
    data: page.data.filter((s) => !drop.has(String(s['maDinhDanh']))),
  }));
  const smas = await startSmasSimulator({ ...SIZE, apiKey: c.smas.apiKey! });
  const config = structuredClone(env.config) as Mutable<Config>;
  config.systems['hcm-csdl'].baseUrl = proxy.url;
  config.systems.smas.baseUrl = smas.url;
  delete config.systems.vnedu.baseUrl;
  const worker = startWorkerRole({ ...env.deps, config });
  const app = await buildApp({ ...env.deps, config });
  await app.ready();
  const token = await tokenFor(app, await addClient(env.deps.db, { name: 'Sở GDĐT', role: 'city-admin' }));
  // The city's students (nothing to delete yet); SMAS serves its schools, as a city admin set it (a SMAS pull would
  // make SMAS the last writer of their students, which the city's reconciliation then leaves alone).
  await settledSync(env.deps, 'hcm-csdl', true);
  for (const code of smas.schoolCodes) await createSchoolSystemsRepo(env.deps.db).set(code, 'smas', 'test');
  return { env, hcm, smas, proxy, drop, worker, app, token };
}

async function closeWorld(w: World): Promise<void> {
  await w.worker.stop();
  await w.app.close();
  await Promise.all([w.proxy.close(), w.hcm.close(), w.smas.close()]);
  await w.env.cleanup();
}

interface Delivery {
  system: string;
  delivered: number;
  pending: number;
  failed: number;
  rejected: number;
  errorCode: string | null;
}
interface ListedRun {
  syncRunId: number;
  records: number;
  tombstones: number;
  reconcile: string | null;
  reconciled: number;
  deliveries: Delivery[];
  errors: { deadLetters: number };
}

describe("runs2 item 1: a full run's reconciliation deletes in its deliveries (postgres+redis, simulators)", () => {
  const w = useForSuite(startWorld, closeWorld, 180_000);
  let school = '';
  beforeAll(() => {
    school = w.smas.schoolCodes[0]!;
  });

  const get = (url: string) => w.app.inject({ method: 'GET', url, headers: bearer(w.token) });
  const runOf = async (id: number) => {
    const res = await get(`/v1/syncs/${id}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ListedRun>();
  };
  /** `n` students of the SMAS school truc holds live, the city then no longer lists (vanished, no tombstone). */
  const vanish = async (n: number) => {
    const res = await w.env.deps.db.query<{ key: string }>(
      `SELECT student_code AS key FROM truc.students WHERE school_code = $1 AND deleted_at IS NULL
        ORDER BY student_code LIMIT $2`,
      [school, n],
    );
    const keys = res.rows.map((r) => r.key);
    expect(keys).toHaveLength(n);
    for (const k of keys) w.drop.add(k);
    return keys;
  };
  /** The SMAS school's students as SMAS holds them, over its HTTP API. */
  const smasKeys = async () => {
    const res = await fetch(`${w.smas.url}/schools/${school}/students?pageSize=500`, {
      headers: { 'X-Api-Key': w.env.config.systems.smas.apiKey! },
    });
    return ((await res.json()) as { Data: Array<{ MaHocSinh: string }> }).Data.map((r) => r.MaHocSinh);
  };

  it('deletes delivered to SMAS: counted delivered at smas in GET /v1/syncs/{id}, GET /v1/syncs and the ops list', async () => {
    const gone = await vanish(2);
    expect((await smasKeys()).filter((k) => gone.includes(k)).sort()).toEqual([...gone].sort());
    const id = await settledSync(w.env.deps, 'hcm-csdl', true);
    const run = await runOf(id);
    expect(run).toMatchObject({ reconcile: 'done', reconciled: 2 });
    // SMAS got the deletions (the push sets the reconciliation made, with no batch)
    expect((await smasKeys()).filter((k) => gone.includes(k))).toEqual([]);
    const expected = [{ system: 'smas', delivered: 2, pending: 0, failed: 0, rejected: 0, errorCode: null }];
    expect(run.deliveries).toEqual(expected);
    const listed = (await get('/v1/syncs')).json<{ items: ListedRun[] }>().items;
    expect(listed.find((r) => r.syncRunId === id)?.deliveries).toEqual(expected);
    const ops = (await get('/v1/ops/sync-runs')).json<{
      items: Array<{ id: number; deliveries: Delivery[] }>;
    }>();
    expect(ops.items.find((r) => r.id === id)?.deliveries).toEqual(expected);
  });

  it('a delete SMAS refuses: failed at smas with the letter’s code, and the run counts the open letter', async () => {
    w.smas.faults.merge({ status400Burst: 1, paths: [`/schools/${school}/students/delete`] });
    try {
      await vanish(1);
      const id = await settledSync(w.env.deps, 'hcm-csdl', true);
      const run = await runOf(id);
      expect(run).toMatchObject({ reconcile: 'done', reconciled: 1 });
      expect(run.deliveries).toEqual([
        { system: 'smas', delivered: 0, pending: 0, failed: 1, rejected: 0, errorCode: expect.any(String) },
      ]);
      expect(run.deliveries[0]!.errorCode).toMatch(/^ERR_/);
      expect(run.errors.deadLetters).toBe(1);
    } finally {
      w.smas.faults.clear();
    }
  });

  it('walk6 W6-1: an incremental run whose page is tombstones only counts their deletes delivered to SMAS', async () => {
    const res = await w.env.deps.db.query<{ key: string }>(
      `SELECT student_code AS key FROM truc.students WHERE school_code = $1 AND deleted_at IS NULL
        ORDER BY student_code DESC LIMIT 1`,
      [school],
    );
    const key = res.rows[0]!.key;
    // Deleted at the city (as its POST /v1/students:batchDelete does): its next page serves the tombstone alone.
    w.hcm.received.remove('students', key, new Date().toISOString());
    const id = await settledSync(w.env.deps, 'hcm-csdl', false);
    const run = await runOf(id);
    expect(run).toMatchObject({ tombstones: 1, records: 0 });
    expect(await smasKeys()).not.toContain(key);
    expect(run.deliveries).toEqual([
      { system: 'smas', delivered: 1, pending: 0, failed: 0, rejected: 0, errorCode: null },
    ]);
  });
});
