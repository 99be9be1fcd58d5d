/**
 * Whose connections a database's backends serve (issue 7, perf6): each backend's client end (pg_stat_activity's
 * `client_port`) matched to the local TCP port of a socket a named process holds (Linux /proc/net/tcp{,6} and
 * /proc/<pid>/fd), so a stage's PostgreSQL CPU splits into the API's, the worker's and the bench's own backends
 * (./ingest-repush.ts `withCpu`, two processes). A backend whose client is none of them (psql, another tool) is
 * `other`.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Queryable } from '../../../src/store/db.js';
import { schedCpu } from './cpu.js';

/** A backend of the database: its client's local port and its CPU seconds so far. */
interface Backend {
  port: number | null;
  cpu: number;
}

/** Socket inode → local port, for every TCP socket of the machine (both address families). */
function socketPorts(): Map<string, number> {
  const out = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      out.set(f[9]!, parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return out;
}

/** Local port → the name of the process holding that socket, for `procs`. */
export function portOwners(procs: readonly { name: string; pid: number }[]): Map<number, string> {
  const ports = socketPorts();
  const owners = new Map<number, string>();
  for (const { name, pid } of procs) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      const port = inode === undefined ? undefined : ports.get(inode);
      if (port !== undefined) owners.set(port, name);
    }
  }
  return owners;
}

/** The database's backends now (the one answering included), by pid. */
export async function backends(db: Queryable): Promise<Map<number, Backend>> {
  const r = await db.query<{ pid: number; port: number | null }>(
    'SELECT pid, client_port AS port FROM pg_stat_activity WHERE datname = current_database()',
  );
  return new Map(r.rows.map((x) => [x.pid, { port: x.port, cpu: schedCpu(x.pid) }]));
}

/**
 * CPU seconds the backends of `after` used since `before`, by the process whose connection each serves (a backend
 * new since `before` counts from 0; one whose client is not in `procs`, `other`).
 */
export function cpuByOwner(
  before: ReadonlyMap<number, Backend>,
  after: ReadonlyMap<number, Backend>,
  procs: readonly { name: string; pid: number }[],
): Record<string, number> {
  const owners = portOwners(procs);
  const out: Record<string, number> = Object.fromEntries(procs.map((p) => [p.name, 0]));
  for (const [pid, b] of after) {
    const name = (b.port !== null ? owners.get(b.port) : undefined) ?? 'other';
    out[name] = (out[name] ?? 0) + b.cpu - (before.get(pid)?.cpu ?? 0);
  }
  return out;
}
