/**
 * review15 BUG 7 at the job level: full pulls of SMAS (page numbers over a set that can shrink) while the
 * school deletes students mid-walk, on real PostgreSQL, the worker role and the SMAS simulator behind a
 * proxy that deletes a student of the school right after it served the school's first page (before the
 * next page is asked for). A school whose total changed between its pages is listed again from page 1:
 * the run's reconciliation deletes no live student. A school whose total keeps changing is given up on:
 * the run names it, and its reconciliation deletes nothing of it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmasClient } from '../../src/adapters/smas/index.js';
import { requestSync } from '../../src/jobs/contracts.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { startSmasSimulator, type SmasSimulator } from '../../src/simulators/smas/simulator.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { backends, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';

const API_KEY = 'walk16-smas-key';
/** Two pages a school (SMAS pages hold at most 500). */
const STUDENTS = 520;

/**
 * A proxy to the simulator: while `deletes[school]` is above 0, each answer to a first page of the
 * school's students is held until the first student it lists is deleted at the school (one a time).
 */
async function deletingProxy(sim: SmasSimulator) {
  const client = createSmasClient({ baseURL: sim.url, apiKey: API_KEY });
  const deletes = new Map<string, number>();
  const deleted: string[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const upstream = await fetch(`${sim.url}${req.url}`, {
        method: req.method ?? 'GET',
        headers: Object.fromEntries(
          Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length'),
        ) as Record<string, string>,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      const url = new URL(req.url ?? '/', sim.url);
      const school = /^\/schools\/([^/]+)\/students$/.exec(url.pathname)?.[1];
      const left = school === undefined ? 0 : (deletes.get(school) ?? 0);
      if (school && left > 0 && (url.searchParams.get('page') ?? '1') === '1') {
        const first = (JSON.parse(body.toString('utf8')) as { Data: Array<{ MaHocSinh: string }> }).Data[0];
        if (first) {
          deletes.set(school, left - 1);
          await client.remove('students', school, [first.MaHocSinh], `walk16-del-${deleted.length}`);
          deleted.push(first.MaHocSinh);
        }
      }
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? '' });
      res.end(body);
    })().catch((err: unknown) => {
      res.writeHead(502);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deletes,
    deleted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a full SMAS pull while the school deletes students mid-walk (postgres)', () => {
  let sim: SmasSimulator;
  let proxy: Awaited<ReturnType<typeof deletingProxy>>;
  let env: TestEnv;
  let worker: Running | undefined;

  /** A full students run from SMAS, waited for until its reconciliation is done. */
  async function fullRun() {
    const id = await env.deps.db.tx((q) =>
      requestSync(q, {
        system: 'smas',
        entity: 'students',
        full: true,
        requestedBy: 'test',
        at: env.deps.now(),
      }),
    );
    return waitFor(
      async () => {
        const run = await createSyncRunsRepo(env.deps.db).get(id);
        expect(run?.status).not.toBe('failed');
        return run?.status === 'done' && run.reconcile === 'done' ? run : undefined;
      },
      { timeoutMs: 90_000, what: 'the full run and its reconciliation' },
    );
  }
  const live = async () =>
    (
      await env.deps.db.query<{ key: string }>(
        'SELECT student_code AS key FROM truc.students WHERE deleted_at IS NULL ORDER BY 1',
      )
    ).rows.map((r) => r.key);
  /** What the school's system holds now (over its API, not the proxy). */
  const held = async (school: string) => {
    const client = createSmasClient({ baseURL: sim.url, apiKey: API_KEY });
    const out: string[] = [];
    for await (const page of client.pages('students', school, { pageSize: 500 }))
      out.push(...page.items.map((r) => r.MaHocSinh));
    return out;
  };

  beforeAll(async () => {
    sim = await startSmasSimulator({
      seed: 'walk16-reconcile',
      schools: 4,
      studentsPerSchool: STUDENTS,
      staffPerSchool: 1,
      apiKey: API_KEY,
    });
    proxy = await deletingProxy(sim);
    env = await makeDeps(
      backends().find((b) => b.name === 'postgres+pg-queue')!,
      { env: { SMAS_BASE_URL: proxy.url, SMAS_API_KEY: API_KEY } },
    );
    worker = startWorkerRole(env.deps);
    // The first full pull: every student stored (nothing deleted meanwhile).
    const first = await fullRun();
    expect(first.reconciled).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await worker?.stop();
    await env?.cleanup();
    await proxy?.close();
    await sim?.close();
  });

  it('lists the school again from page 1 when its total changes: no live student is deleted', async () => {
    const school = sim.schoolCodes[0]!;
    const before = await live();
    proxy.deletes.set(school, 1);
    const run = await fullRun();
    expect(proxy.deleted).toHaveLength(1);
    // Every student the school still holds is live in truc; the one deleted mid-walk was seen before it
    // went (it goes with the next full run).
    const stillHeld = await held(school);
    expect(stillHeld).toHaveLength(STUDENTS - 1);
    expect(stillHeld.filter((k) => !before.includes(k))).toEqual([]);
    expect(await live()).toEqual(before);
    expect(run.reconciled).toBe(0);
    expect(run.unstableScopes).toEqual([]);
    expect(run.reconcileNote).toBeNull();
  }, 120_000);

  it('gives up on a school whose total keeps changing: the run names it and deletes nothing of it', async () => {
    const school = sim.schoolCodes[1]!;
    const before = await live();
    const deletedBefore = proxy.deleted.length;
    const watermark = () => createSyncRunsRepo(env.deps.db).watermark('smas', 'students', '');
    const mark = await watermark();
    expect(mark).toBeDefined();
    // More deletions than the walker lists a school again (3): one on each of its first pages.
    proxy.deletes.set(school, 4);
    const run = await fullRun();
    expect(proxy.deleted.length - deletedBefore).toBe(4);
    expect(run.unstableScopes).toEqual([school]);
    expect(run.reconcileNote).toBe('unstable-schools');
    // Nothing of the school given up on is deleted (one of its students is skipped by its last listing);
    // only what the other school deleted in an earlier run (a full listing of it saw it gone) is.
    const after = await live();
    const deleted = before.filter((k) => !after.includes(k));
    expect(after.filter((k) => !before.includes(k))).toEqual([]);
    expect(deleted).toEqual(proxy.deleted.slice(0, deletedBefore).filter((k) => before.includes(k)));
    expect(run.reconciled).toBe(deleted.length);
    // Its skipped student may be older than any change the run saw: the run tells no watermark, and the
    // next incremental run starts where the one before it would have (review17 B3).
    expect(run.scope).toBe('');
    expect(await watermark()).toBe(mark);
  }, 120_000);
});
