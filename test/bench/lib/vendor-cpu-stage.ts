/**
 * ./vendor-cpu.ts's reading of one stage: truc's CPU (this process, every thread), the kernel's share of it, the
 * main thread's GC pauses, the PostgreSQL backends' CPU (./cpu.ts, schedstat), the database's growth, and on
 * request the bytes allocated and the profiles (VENDOR_CPU_ALLOC, VENDOR_CPU_PROF), each per batch.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import type { Queryable } from '../../../src/store/db.js';
import { pgCpu, pgCpuSince, schedCpu } from './cpu.js';
import { bytesOf, sampled } from './profiled.js';

export interface Cpu {
  truc: number;
  /** Of `truc`'s time, the kernel's (system CPU: the socket writes and reads to PostgreSQL, mostly). */
  sys: number;
  pg: number;
  /** Of `truc`'s time, the main thread's GC pauses (wall ms; PerformanceObserver 'gc'). */
  gc: number;
  /** Of `gc`, the full (mark-compact) collections' pauses: the rest are scavenges of the young generation. */
  major: number;
  /** KB the database grew a batch (`pg_database_size`). */
  growth: number;
  /** MB allocated (sampled; VENDOR_CPU_ALLOC), when asked for. */
  alloc?: number;
}

async function databaseSize(db: Queryable): Promise<number> {
  const r = await db.query<{ n: string }>('SELECT pg_database_size(current_database())::text AS n');
  return Number(r.rows[0]!.n);
}

/**
 * VENDOR_CPU_ALLOC / VENDOR_CPU_PROF: `fn` under the heap sampler and/or the CPU profiler (./profiled.ts), their
 * profiles written as `<dir>/<label>.heapprofile` / `.cpuprofile`; returns the MB it allocated a batch (ALLOC).
 */
async function allocOf(label: string, n: number, fn: () => Promise<void>): Promise<number | undefined> {
  const heapDir = process.env.VENDOR_CPU_ALLOC;
  const cpuDir = process.env.VENDOR_CPU_PROF;
  let bytes: number | undefined;
  await sampled({ cpu: cpuDir !== undefined, heap: heapDir !== undefined }, fn, ({ cpu, heap }) => {
    if (cpuDir && cpu) writeFileSync(join(cpuDir, `${label}.cpuprofile`), JSON.stringify(cpu));
    if (heapDir && heap) {
      writeFileSync(join(heapDir, `${label}.heapprofile`), JSON.stringify(heap));
      bytes = bytesOf(heap.head);
    }
  });
  return bytes === undefined ? undefined : bytes / 2 ** 20 / n;
}

/**
 * GC pauses of this process so far, wall ms (issue 7: they are 25-35 % of truc's CPU a P4 batch and move
 * 15-39 ms a batch from one run to the next, so an A/B of truc's CPU reads them beside it).
 */
let gcPauseMs = 0;
let majorPauseMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcPauseMs += e.duration;
    // A GC entry's `detail.kind` (not in this @types/node's PerformanceEntry).
    const { detail } = e as unknown as { detail?: { kind?: number } };
    if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorPauseMs += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

/**
 * `fn`'s CPU in ms per `n` batches: truc (this process) and the database's backends; with VENDOR_CPU_ALLOC
 * also its allocations (`label`: the profile's file name).
 */
export async function cpuOf(
  db: Queryable,
  n: number,
  fn: () => Promise<void>,
  label = 'stage',
): Promise<Cpu> {
  const size0 = await databaseSize(db);
  const pg0 = await pgCpu(db, schedCpu);
  const t0 = process.cpuUsage();
  const gc0 = gcPauseMs;
  const major0 = majorPauseMs;
  const alloc = await allocOf(label, n, fn);
  const t = process.cpuUsage(t0);
  // GC entries are delivered after the pause, asynchronously: let those of the stage arrive.
  await new Promise((resolve) => setImmediate(resolve));
  const gc = gcPauseMs - gc0;
  const major = majorPauseMs - major0;
  const pg = pgCpuSince(pg0, await pgCpu(db, schedCpu));
  const growth = ((await databaseSize(db)) - size0) / 1024 / n;
  const cpu: Cpu = {
    truc: (t.user + t.system) / 1000 / n,
    sys: t.system / 1000 / n,
    pg: (pg * 1000) / n,
    gc: gc / n,
    major: major / n,
    growth,
  };
  return alloc === undefined ? cpu : { ...cpu, alloc };
}
