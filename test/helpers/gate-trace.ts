/**
 * The delivery gate's trace (src/jobs/gates.ts, debug level, process clock), read back by the tests that
 * judge a Retry-After and pacing by what truc did rather than by when calls reached the target (a loaded
 * machine delays each call by its own scheduling, and that is not the gate's doing):
 * - `gate passed`: the call's paced slot (database clock), when the read of the gate's row that let it
 *   through began, and when it went out;
 * - `gate paused`: when a 429's answer was met, and when the gate's row recorded its Retry-After.
 * Workers in spawned processes print the trace on stdout; a worker in the test's own process writes it
 * to a {@link traceLogger}.
 */
import type { Logger } from 'pino';
import { createLogger } from '../../src/observability/logger.js';

export interface Passed {
  worker: number;
  paced: boolean;
  slotAt: number;
  readAt: number;
  passedAt: number;
  /** A write's endpoint (fix37b), or a read's (`students:read`). */
  endpoint?: string;
}
export interface Paused {
  worker: number;
  metAt: number;
  recordedAt: number;
  retryAfterMs: number;
  /** The endpoint whose calls alone the Retry-After holds (fix37b); none: every call to the system. */
  endpoint?: string;
}
export interface GateTraces {
  passed: Passed[];
  paused: Paused[];
}

/** The gate traces of one worker (numbered `worker`) for `system`, from its pino JSON lines. */
export function tracesOf(worker: number, text: string, system = 'hcm-csdl'): GateTraces {
  const passed: Passed[] = [];
  const paused: Paused[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry.system !== system) continue;
    if (entry.msg === 'gate passed') passed.push({ worker, ...(entry as Omit<Passed, 'worker'>) });
    if (entry.msg === 'gate paused') paused.push({ worker, ...(entry as Omit<Paused, 'worker'>) });
  }
  return { passed, paused };
}

/** A debug-level logger for a worker run in the test's process, and the lines it wrote. */
export function traceLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void lines.push(line) });
  return { logger, text: () => lines.join('') };
}

/**
 * The calls that passed the gate inside a Retry-After, as sentences. The process that met it knew at
 * once; every other one from the row: a call let through by a read of the row begun after it recorded
 * the wait is a breach, one let through before was on its way before truc knew. A Retry-After of one endpoint
 * (fix37b: a 429 on a write to an endpoint with its own circuit; or on a read of one, issue 7 item 4) holds the calls
 * to that endpoint alone.
 */
export function insideRetryAfters({ passed, paused }: GateTraces): {
  breaches: string[];
  onTheirWay: string[];
} {
  const breaches: string[] = [];
  const onTheirWay: string[] = [];
  const describe = (p: Passed, r: Paused) =>
    `worker ${p.worker}'s ${p.paced ? 'push' : 'read'} ${p.passedAt - r.metAt} ms into worker ` +
    `${r.worker}'s Retry-After (its gate read began ${Math.abs(p.readAt - r.recordedAt)} ms ` +
    `${p.readAt > r.recordedAt ? 'after' : 'before'} the row recorded it)`;
  for (const r of paused) {
    const until = r.metAt + r.retryAfterMs;
    // A Retry-After of one endpoint (fix37b) holds the calls to it alone (a write's endpoint, or a read's).
    const held = (c: Passed) => r.endpoint === undefined || c.endpoint === r.endpoint;
    for (const p of passed.filter((c) => held(c) && c.passedAt > r.metAt && c.passedAt < until)) {
      if (p.worker === r.worker || p.readAt > r.recordedAt) breaches.push(describe(p, r));
      else onTheirWay.push(describe(p, r));
    }
  }
  return { breaches, onTheirWay };
}

/**
 * How paced calls' slots were spread: the smallest gap between two consecutive slots, and the most
 * slots in any window of `durationMs` (the rate limit's window).
 */
export function pacingOf(
  pushes: readonly Passed[],
  durationMs: number,
): { smallestGap: number; mostInWindow: number } {
  const slots = pushes.map((p) => p.slotAt).sort((a, b) => a - b);
  const gaps = slots.slice(1).map((s, i) => s - slots[i]!);
  const inWindow = slots.map((s) => slots.filter((o) => o >= s && o < s + durationMs).length);
  return { smallestGap: Math.min(...gaps), mostInWindow: Math.max(...inWindow) };
}
