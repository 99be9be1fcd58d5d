/**
 * Memory of a child process over a bench run (issue 7: peak RSS under 512 MB at city scale, flat with
 * size): its resident set (Linux /proc) sampled every second, and at each `mark` (the end of a phase)
 * what its V8 heap holds, read from its Prometheus metrics (prom-client's default process metrics), so
 * a growing RSS can be told apart as live heap (something kept), heap not yet collected, or memory
 * outside the heap (buffers, native).
 */
import { procRss, type Child } from './procs.js';

/** One phase's memory: the resident set at its end and its highest sample, and the heap at its end (MB). */
export interface MemoryMark {
  phase: string;
  rssMb: number;
  maxRssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  /** The heap left after the phase's last full collection (`--trace-gc`'s Mark-Compact; NaN without it). */
  liveMb: number;
}

export interface MemorySampler {
  /** Ends the phase `phase`: its memory, kept in `marks`. */
  mark(phase: string): Promise<MemoryMark>;
  marks: MemoryMark[];
  stop(): void;
  /** One line: each phase's RSS (max in the phase) and heap used / total, external. */
  summary(): string;
}

const MB = 2 ** 20;

/** A gauge of prom-client's default metrics (e.g. `nodejs_heap_size_used_bytes`), in MB; NaN when absent. */
function gauge(body: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)`, 'm').exec(body);
  return m ? Number(m[1]) / MB : NaN;
}

/** Samples `proc` every `everyMs`; `metricsUrl` serves its Prometheus metrics. */
export function sampleMemory(proc: Child, metricsUrl: string, everyMs = 1000): MemorySampler {
  const pid = proc.child.pid!;
  let max = 0;
  let live = NaN;
  // Started with --trace-gc: each full collection prints "Mark-Compact 59.0 (77.9) -> 42.7 (77.4) MB".
  proc.child.stdout?.on('data', (chunk: string) => {
    for (const m of chunk.matchAll(/Mark-Compact [\d.]+ \([\d.]+\) -> ([\d.]+) \(/g)) live = Number(m[1]);
  });
  const sample = (): number => {
    try {
      const { rss } = procRss(pid);
      max = Math.max(max, rss / MB);
      return rss / MB;
    } catch {
      return NaN; // exited
    }
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  const marks: MemoryMark[] = [];
  const f = (n: number) => n.toFixed(0);
  return {
    marks,
    async mark(phase) {
      const rssMb = sample();
      const body = await fetch(metricsUrl)
        .then((r) => r.text())
        .catch(() => '');
      const m: MemoryMark = {
        phase,
        rssMb,
        maxRssMb: max,
        heapUsedMb: gauge(body, 'nodejs_heap_size_used_bytes'),
        heapTotalMb: gauge(body, 'nodejs_heap_size_total_bytes'),
        externalMb: gauge(body, 'nodejs_external_memory_bytes'),
        liveMb: live,
      };
      marks.push(m);
      max = 0;
      return m;
    },
    stop: () => clearInterval(timer),
    summary: () =>
      marks
        .map(
          (m) =>
            `${m.phase}: RSS ${f(m.rssMb)} (max ${f(m.maxRssMb)}), heap ${f(m.heapUsedMb)}/${f(m.heapTotalMb)} (live ${f(m.liveMb)}), external ${f(m.externalMb)} MB`,
        )
        .join('; '),
  };
}
