/**
 * A piece of a bench tool's work under the inspector's CPU profiler and heap sampler (bench tools, not
 * npm test): ./pull-ab.ts (AB_PROF) profiles its measured runs, the ingest bench (BENCH_INGEST_PROF) one
 * end-to-end run, ./vendor-cpu.ts (VENDOR_CPU_ALLOC, VENDOR_CPU_PROF) its stages. Read the files with
 * ./profile-summary.ts.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/** A sampled heap profile's tree (what ./profile-summary.ts reads). */
export interface HeapNode {
  selfSize: number;
  children: HeapNode[];
}

/** Bytes a heap profile's tree sampled. */
export const bytesOf = (n: HeapNode): number => n.children.reduce((s, c) => s + bytesOf(c), n.selfSize);

/**
 * `fn` under the CPU profiler and/or the heap sampler (allocations sampled every 32 KB, collected ones too:
 * an unbiased estimate of all allocations; AB_PROF_PROMOTED=1 leaves out what a scavenge collected, so what
 * remains is what survived the young generation: the source of old-space growth). The profiles are handed
 * to `done` once `fn` settled, whether it succeeded or not.
 */
export async function sampled<T>(
  want: { cpu: boolean; heap: boolean },
  fn: () => Promise<T>,
  done: (profiles: { cpu?: object; heap?: { head: HeapNode } }) => void,
): Promise<T> {
  if (!want.cpu && !want.heap) return fn();
  const session = new Session();
  session.connect();
  if (want.heap) {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 32768,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: process.env.AB_PROF_PROMOTED !== '1',
    });
  }
  if (want.cpu) {
    await session.post('Profiler.enable');
    if (process.env.PROF_INTERVAL_US)
      await session.post('Profiler.setSamplingInterval', { interval: Number(process.env.PROF_INTERVAL_US) });
    await session.post('Profiler.start');
  }
  try {
    return await fn();
  } finally {
    const cpu = want.cpu ? (await session.post('Profiler.stop')).profile : undefined;
    const heap = want.heap
      ? ((await session.post('HeapProfiler.stopSampling')).profile as unknown as { head: HeapNode })
      : undefined;
    session.disconnect();
    done({ ...(cpu ? { cpu } : {}), ...(heap ? { heap } : {}) });
  }
}

/**
 * `fn` profiled when `dir` is set: writes `<label>-<time>.cpuprofile` and `.heapprofile` there ({@link sampled}).
 */
export async function profiled<T>(dir: string | undefined, label: string, fn: () => Promise<T>): Promise<T> {
  if (!dir) return fn();
  return sampled({ cpu: true, heap: true }, fn, ({ cpu, heap }) => {
    const stem = join(dir, `${label}-${Date.now()}`);
    writeFileSync(`${stem}.cpuprofile`, JSON.stringify(cpu));
    writeFileSync(`${stem}.heapprofile`, JSON.stringify(heap));
  });
}
