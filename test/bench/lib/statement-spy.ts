/**
 * Every statement a pg client sends, timed by its backend's CPU (issue 7; bench tools, not npm test):
 * ./pg-statements.ts (a first sync) and ./vendor-cpu.ts (the vendor path) group them by kind; the
 * statements of one kind can be kept with their parameters for ./pg-replay.ts.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';

/** A backend's CPU so far, in ms (Linux /proc/<pid>/schedstat: ns on CPU first). */
function backendCpuMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

/** A backend's minor page faults so far (/proc/<pid>/stat's 10th field; perf14: fresh pages are dear on this host). */
function backendFaults(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
  } catch {
    return NaN;
  }
}

/** A statement's kind: its verb and the tables it writes or reads (a combined statement: each part's). */
export function statementKind(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').trim();
  if (/^(BEGIN|COMMIT|ROLLBACK)$/i.test(text)) return text.toUpperCase();
  const parts = [...text.matchAll(/\b(INSERT INTO|UPDATE|DELETE FROM|FROM|JOIN)\s+(truc\.\w+)/gi)].map(
    (m) =>
      `${m[1]!.toUpperCase().startsWith('INSERT') ? 'ins' : m[1]!.toUpperCase().startsWith('UPDATE') ? 'upd' : m[1]!.toUpperCase().startsWith('DELETE') ? 'del' : 'rd'} ${m[2]!.slice(5)}`,
  );
  const uniq = [...new Set(parts)];
  const head = /^\w+/.exec(text)?.[0]?.toUpperCase() ?? '?';
  return `${head}: ${uniq.join(', ') || text.slice(0, 50)}`;
}

export interface Sample {
  kind: string;
  /** Its backend's CPU, ms. */
  ms: number;
  /** From its send until its answer, ms (under pipelining, the statements queued before it too). */
  wallMs: number;
  /** Its backend's minor page faults. */
  faults: number;
}

/** A statement as sent, for a replay (./pg-replay.ts): its text and parameters (Buffers as base64). */
export interface Captured {
  sql: string;
  params: unknown[];
}

/** A parameter as JSON can keep it: a Buffer as `{ b64 }`. */
const keep = (v: unknown): unknown =>
  Buffer.isBuffer(v) ? { b64: v.toString('base64') } : Array.isArray(v) ? v.map(keep) : v;

/** A parameter as pg sends it: `{ b64 }` back to a Buffer. */
export const revive = (v: unknown): unknown =>
  v !== null && typeof v === 'object' && 'b64' in v
    ? Buffer.from((v as { b64: string }).b64, 'base64')
    : Array.isArray(v)
      ? v.map(revive)
      : v;

/**
 * Times every statement of every pg client by its backend's CPU while `on()` says so; keeps the
 * statements whose kind matches `capture` (text and parameters).
 */
export function spyStatements(
  on: () => boolean,
  serial: boolean,
  capture?: RegExp,
): { samples: Sample[]; captured: Captured[]; restore(): void } {
  const samples: Sample[] = [];
  const captured: Captured[] = [];
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with each client as `this`
  const query = pg.Client.prototype.query;
  type Client = pg.Client & { processID?: number; pipeline: boolean };
  pg.Client.prototype.query = function (this: Client, ...args: unknown[]) {
    if (serial && this.pipeline) (this as { pipeline: boolean }).pipeline = false;
    const pid = this.processID;
    const timed = on() && pid !== undefined && pid !== null;
    const before = timed ? backendCpuMs(pid) : NaN;
    const faults0 = timed ? backendFaults(pid) : NaN;
    const sentAt = performance.now();
    const res = (query as (...a: unknown[]) => unknown).apply(this, args);
    if (!timed || !(res instanceof Promise)) return res as never;
    const first = args[0] as { text?: unknown; values?: unknown[] } | string;
    const sql = typeof first === 'string' ? first : String(first?.text);
    const kind = statementKind(sql);
    if (capture?.test(kind)) {
      const params = typeof first === 'string' ? ((args[1] as unknown[]) ?? []) : (first.values ?? []);
      captured.push({ sql, params: params.map(keep) });
    }
    const done = () =>
      samples.push({
        kind,
        ms: backendCpuMs(pid) - before,
        wallMs: performance.now() - sentAt,
        faults: backendFaults(pid) - faults0,
      });
    void res.then(done, done);
    return res as never;
  };
  return { samples, captured, restore: () => void (pg.Client.prototype.query = query) };
}
