/**
 * A schedule's fire whose worker stalls past its job lock (issue 7; what a loaded machine can do to a
 * worker): BullMQ hands the stalled job to another worker, so the same fire is delivered twice, and the
 * two deliveries' transactions overlap. The fire still requests exactly one sync run; the second
 * delivery only counts a duplicate. Two `truc worker` processes and one `truc scheduler` on the same
 * PostgreSQL and Redis, a two-second schedule, short lock timings (lock 2 s, stalled check 1 s).
 *
 * The stall is made, not waited for: the test locks truc.schedule_fires so the next fire's transaction
 * waits inside its INSERT, finds the worker process whose connection waits (its client port, `ss`),
 * stops it (SIGSTOP) and releases the lock. The stopped worker's transaction has the fire's row,
 * uncommitted; its job lock lapses, the other worker takes the job over and its INSERT waits for that
 * row; then the stopped worker is continued (SIGCONT) and commits.
 */
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { makeDeps, REDIS_TEST_URL, waitFor, type TestEnv } from '../helpers/env.js';
import { duplicatesNotFromStalls, type Fire } from '../helpers/schedule-fires.js';
import { stalledJobIds } from '../helpers/redis.js';
import { spawnTruc, trucEnvOn } from '../helpers/faults.js';
import { freePort, killAll, type Spawned } from '../helpers/proc.js';
import { testProfileDir } from '../helpers/profile.js';

const ID = 'schools-every-two-seconds';

/** The pid of the process whose TCP connection has local port `port` (`ss`, this user's sockets). */
function pidOfLocalPort(port: number): number | undefined {
  const out = execFileSync('ss', ['-Htnp', 'state', 'established', `( sport = :${port} )`], {
    encoding: 'utf8',
  });
  const m = /pid=(\d+)/.exec(out);
  return m ? Number(m[1]) : undefined;
}

describe('a schedule fire whose worker stalls past its lock', () => {
  let env: TestEnv;
  let sim: HcmCsdlSimulator;
  let profile: ReturnType<typeof testProfileDir> | undefined;
  let side: pg.Client | undefined;
  const procs: Spawned[] = [];

  beforeAll(async () => {
    sim = await startCitySimulator({ seed: 7 });
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    profile = testProfileDir((p) => {
      const sync = (p.sync ??= {}) as Record<string, unknown>;
      sync.schedules = { [ID]: { everyMs: 2000, system: 'hcm-csdl', entity: 'schools' } };
      sync.worker = { lockMs: 2000, stalledIntervalMs: 1000 };
    });
  }, 120_000);

  afterAll(async () => {
    for (const p of procs) if (p.child.pid) p.child.kill('SIGCONT');
    await side?.end().catch(() => undefined);
    await killAll(procs);
    await env?.cleanup();
    await sim?.close();
    profile?.remove();
  });

  it('is delivered twice and requests one sync run', async () => {
    const common = { ...trucEnvOn(env), HCM_CSDL_BASE_URL: sim.url, TRUC_CONFIG_DIR: profile!.dir };
    const workers: Spawned[] = [];
    for (const role of ['worker', 'worker', 'scheduler'] as const) {
      const port = String(await freePort());
      const p = spawnTruc(role, {
        ...common,
        ...(role === 'worker' ? { TRUC_WORKER_METRICS_PORT: port } : { TRUC_SCHEDULER_METRICS_PORT: port }),
      });
      procs.push(p);
      if (role === 'worker') workers.push(p);
    }
    const db = env.deps.db;
    const fires = async (): Promise<Fire[]> =>
      (
        await db.query<Fire>(
          'SELECT fire_at, outcome, sync_run_id, duplicates FROM truc.schedule_fires WHERE schedule_id = $1 ORDER BY fire_at',
          [ID],
        )
      ).rows;
    await waitFor(async () => (await fires()).length >= 2, { timeoutMs: 150_000, what: 'two fires' });

    /**
     * Connections of this database waiting for a lock on schedule_fires, or for the pull's advisory lock a fire takes
     * before it records itself (fix34e: the stopped worker holds it, so the other waits there): their client ports.
     */
    const waiting = async (): Promise<number[]> =>
      (
        await db.query<{ port: number }>(
          `SELECT client_port AS port FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND (query ILIKE '%schedule_fires%' OR wait_event = 'advisory')`,
        )
      ).rows.map((r) => r.port);

    side = new pg.Client({ connectionString: env.databaseUrl });
    await side.connect();
    await side.query('BEGIN');
    await side.query('LOCK TABLE truc.schedule_fires IN EXCLUSIVE MODE');
    const [port] = await waitFor(
      async () => {
        const ports = await waiting();
        return ports.length > 0 && ports;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: 'a fire waiting for the table' },
    );
    const holderPid = pidOfLocalPort(port!);
    const holder = workers.find((w) => w.child.pid === holderPid);
    expect(holder, `the waiting connection (port ${port}, pid ${holderPid}) is a worker's`).toBeDefined();
    const other = workers.find((w) => w !== holder)!;
    const stalls = async (): Promise<number> =>
      (await stalledJobIds(REDIS_TEST_URL, env.redisPrefix!, 'schedules')).length;
    const stallsBefore = await stalls();
    holder!.child.kill('SIGSTOP');
    await side.query('COMMIT');
    // The stopped worker's INSERT went through in its open transaction; the other worker takes the job
    // over once its lock lapsed, and waits for the pull's advisory lock the stopped one holds (before fix34e: its
    // INSERT waited for that row).
    const otherWaits = await waitFor(
      async () => {
        // The next fire's job waits for the same advisory lock: only a stall BullMQ reported is the takeover.
        if ((await stalls()) <= stallsBefore) return false;
        for (const p of await waiting()) if (pidOfLocalPort(p) === other.child.pid) return true;
        return false;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the other worker to take the stalled fire over' },
    ).catch(() => false);
    holder!.child.kill('SIGCONT');
    expect(otherWaits, 'the other worker ran the same fire while the first was stopped').toBe(true);

    // Two more fires after the stall, so the stalled one is settled.
    const settledFrom = (await fires()).length;
    // …and the second delivery of the stalled fire counted: it may wait behind the next fire's job (both wait for
    // the pull's lock the stopped worker held), so it need not come before those two.
    await waitFor(
      async () => {
        const now = await fires();
        return now.length >= settledFrom + 2 && now.some((f) => f.duplicates > 0);
      },
      { timeoutMs: 60_000, what: 'two fires after the stall and its second delivery' },
    );
    const seen = await fires();
    // One fire delivered twice, its job the one BullMQ found stalled (what the schedule tests allow).
    expect(seen.reduce((n, f) => n + f.duplicates, 0)).toBe(1);
    expect(
      await duplicatesNotFromStalls(seen, ID, { url: REDIS_TEST_URL, prefix: env.redisPrefix! }),
    ).toEqual([]);
    // A fire while the stalled fire's run is unfinished waits for the pull's lock and then finds that run: `busy`,
    // showing the run it waited on (fix34e); before, it requested a second run of the same pull beside it.
    const requested = seen.filter((f) => f.outcome === 'requested');
    expect(seen.every((f) => ['requested', 'busy'].includes(f.outcome) && f.sync_run_id !== null)).toBe(true);
    expect(new Set(requested.map((f) => f.sync_run_id)).size).toBe(requested.length);
    const runs = new Set(requested.map((f) => String(f.sync_run_id)));
    expect(seen.filter((f) => f.outcome === 'busy').every((f) => runs.has(String(f.sync_run_id)))).toBe(true);
    const orphans = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM truc.sync_runs r WHERE r.requested_by = $1
          AND (SELECT count(*) FROM truc.schedule_fires f WHERE f.sync_run_id = r.id AND f.outcome = 'requested') <> 1`,
      [`schedule:${ID}`],
    );
    expect(orphans.rows[0]!.n).toBe(0);
    expect(procs.every((p) => p.child.exitCode === null && p.child.signalCode === null)).toBe(true);
  });
});
