/**
 * The world of the mass-change guard API tests (test/integration/guard*.test.ts): PostgreSQL with the worker role,
 * the hcm-csdl simulator (three schools of 40, no tombstones) behind a proxy that leaves chosen students out of its
 * pages, batches held on any day (no rollover relief), a city admin, an admin without the `guard` scope and a vendor
 * of S2; and the calls those tests make of it.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { buildApp } from '../../src/app.js';
import { addClient, type NewClient } from '../../src/ops.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { bearer, S2, tokenFor } from './api.js';
import { startCitySimulator } from './city-sim.js';
import { backends, makeDeps, type TestEnv } from './env.js';
import { noRolloverRelief } from './guard-rollover.js';
import { startPageProxy, type PageProxy } from './page-proxy.js';
import { useForSuite } from './suite.js';

const backend = backends().find((b) => b.name === 'postgres+pg-queue')!;

/**
 * A proxy to the simulator that leaves the students of `drop` out of every students page, serves those of `rename`
 * under another name (a change of each) and those of `move` at the school it gives them (a move of each).
 */
async function startDroppingProxy(
  target: string,
): Promise<PageProxy & { drop: Set<string>; rename: Set<string>; move: Map<string, string> }> {
  const drop = new Set<string>();
  const rename = new Set<string>();
  const move = new Map<string, string>();
  const proxy = await startPageProxy(target, '/v1/students', (page) => ({
    ...page,
    data: page.data
      .filter((s) => !drop.has(String(s['maDinhDanh'])))
      .map((s) => (rename.has(String(s['maDinhDanh'])) ? { ...s, hoTen: 'Trần Văn Đổi' } : s))
      .map((s) => {
        const to = move.get(String(s['maDinhDanh']));
        return to === undefined ? s : { ...s, maTruong: to };
      }),
  }));
  return { ...proxy, drop, rename, move };
}

export interface HoldSummary {
  id: number;
  kind: string;
  status: string;
  syncRunId: number | null;
  batchId: string | null;
  schools: number;
  totals: { live: number; deleted: number };
  reasons: Array<{ school: string; kind: string; count: number; live: number; ratio: number }>;
}

export interface GuardWorld {
  env: TestEnv;
  sim: HcmCsdlSimulator;
  proxy: Awaited<ReturnType<typeof startDroppingProxy>>;
  app: FastifyInstance;
  worker: Running;
  admin: string;
  adminId: string;
  vendor: string;
  narrowAdmin: string;
}

async function startGuardWorld(): Promise<GuardWorld> {
  const w = {} as GuardWorld;
  w.sim = await startCitySimulator({
    seed: 11,
    // Three schools: each test that makes the source lose students has one of its own.
    schools: 3,
    studentsPerSchool: 40,
    tombstoneRate: 0,
  });
  w.proxy = await startDroppingProxy(w.sim.url);
  // Batches held for their changes: the same thresholds on any day (no rollover relief).
  w.env = await makeDeps(backend, { env: { HCM_CSDL_BASE_URL: w.proxy.url }, configure: noRolloverRelief });
  w.app = await buildApp(w.env.deps);
  await w.app.ready();
  w.worker = startWorkerRole(w.env.deps);
  const adminClient = await addClient(w.env.deps.db, { name: 'Sở GDĐT', role: 'city-admin' });
  w.adminId = adminClient.clientId;
  w.admin = await tokenFor(w.app, adminClient);
  w.narrowAdmin = await tokenFor(
    w.app,
    await addClient(w.env.deps.db, { name: 'Ops only', role: 'city-admin', scopes: ['admin'] }),
  );
  w.vendor = await tokenFor(
    w.app,
    await addClient(w.env.deps.db, { name: 'Vendor', role: 'vendor', schools: [S2] }),
  );
  return w;
}

async function closeGuardWorld(w: Partial<GuardWorld>): Promise<void> {
  await w.worker?.stop();
  await w.app?.close();
  await w.env?.cleanup();
  await w.proxy?.close();
  await w.sim?.close();
}

/** The world, started before the file's tests and closed after them; the proxy drops, renames and moves nobody at each test's end. */
export function useGuardWorld(): GuardWorld {
  const w = useForSuite(startGuardWorld, closeGuardWorld, 120_000);
  afterEach(() => {
    w.proxy.drop.clear();
    w.proxy.rename.clear();
    w.proxy.move.clear();
  });
  return w;
}

/** GET and POST as the admin (or `token`), a token of a client, and the database's view of a school and the audit. */
export function guardCalls(w: GuardWorld) {
  const get = (url: string, token = w.admin) => w.app.inject({ method: 'GET', url, headers: bearer(token) });
  const post = (url: string, token = w.admin, payload?: unknown) =>
    w.app.inject({
      method: 'POST',
      url,
      headers: { ...bearer(token), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
  const tokenOf = (c: NewClient): Promise<string> => tokenFor(w.app, c);
  const live = async (scope: string): Promise<string[]> =>
    (
      await w.env.deps.db.query<{ code: string }>(
        'SELECT student_code AS code FROM truc.students WHERE school_code = $1 AND deleted_at IS NULL ORDER BY 1',
        [scope],
      )
    ).rows.map((r) => r.code);
  const audit = async (action: string): Promise<Array<{ actor: string; subject: string }>> =>
    (
      await w.env.deps.db.query<{ actor: string; subject: string }>(
        'SELECT actor, subject FROM truc.audit_log WHERE action = $1 ORDER BY seq',
        [action],
      )
    ).rows;
  const heldHolds = async (): Promise<HoldSummary[]> =>
    (await get('/v1/guard/holds?status=held')).json<{ items: HoldSummary[] }>().items;
  /** The audit entries of `action` about one hold. */
  const auditOfHold = async (action: string, holdId: number) =>
    (await audit(action)).filter((a) => a.subject === `guard-hold:${holdId}`);
  return { get, post, tokenOf, live, audit, heldHolds, auditOfHold };
}
