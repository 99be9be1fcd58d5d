/**
 * CPU seconds of the processes a bench measures (Linux /proc): one process by its pid, and the
 * PostgreSQL backends of the bench's database. Rates move 2–4× with the machine's load; the CPU a
 * stage costs moves much less, so A/B comparisons read these.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Queryable } from '../../../src/store/db.js';

/** CPU seconds (user + system) a process has used so far (Linux /proc); 0 when it is gone. */
export function cpuOf(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds of the PostgreSQL backends connected to the bench's database (those alive now), the one
 * answering included: `db` may be a pool whose next query goes to another backend, and a backend left
 * out of the first reading would count its whole life in {@link pgCpuSince} (seen: 1-2 s in one stage).
 * `read`: how one backend's CPU is read ({@link schedCpu} for nanoseconds).
 */
export async function pgCpu(
  db: Queryable,
  read: (pid: number) => number = cpuOf,
): Promise<Map<number, number>> {
  const r = await db.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database()',
  );
  return new Map(r.rows.map((x) => [x.pid, read(x.pid)]));
}

/** CPU seconds the backends of `after` used since `before` (a backend new since then counts from 0). */
export function pgCpuSince(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let pg = 0;
  for (const [pid, c] of after) pg += c - (before.get(pid) ?? 0);
  return pg;
}

/**
 * CPU seconds one thread has run so far, from /proc/<tid>/schedstat (nanoseconds, unlike `stat`'s 10 ms
 * ticks): for a process's pid, its main thread only (a PostgreSQL backend is one thread); 0 when it is gone.
 */
export function schedCpu(tid: number | undefined): number {
  try {
    return Number(readFileSync(`/proc/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
  } catch {
    return 0;
  }
}

/**
 * The pid of the first process whose command name (/proc/<pid>/comm) is `name`, e.g. the local `redis-server`
 * (its CPU is server-wide: every client's, other benches' and sessions' too); undefined when there is none.
 */
export function pidNamed(name: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** CPU seconds of `fn`: truc, its PostgreSQL backends, the simulator, this process. */
export async function cpuDuring<T>(
  db: Queryable,
  pids: { truc: number | undefined; sim: number | undefined },
  fn: () => Promise<T>,
) {
  const pg0 = await pgCpu(db);
  const [t0, s0, b0] = [cpuOf(pids.truc), cpuOf(pids.sim), process.cpuUsage()];
  const out = await fn();
  const pg = pgCpuSince(pg0, await pgCpu(db));
  const b = process.cpuUsage(b0);
  const cpu = {
    truc: cpuOf(pids.truc) - t0,
    pg,
    sim: cpuOf(pids.sim) - s0,
    bench: (b.user + b.system) / 1e6,
  };
  return { out, cpu };
}

/** CPU seconds by name, as a log line reads them (`truc 1.23 pg 0.45 …`). */
export const fmtCpu = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(' ');
