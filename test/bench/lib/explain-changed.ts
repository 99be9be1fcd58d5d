/**
 * What PostgreSQL does with each statement of a changed vendor batch's ingest, on a database the size of the
 * ingest bench's (issue 7, changed re-push; not part of `npm test`):
 *
 *   npx tsx test/bench/lib/explain-changed.ts [stored=160] [changed=8]
 *
 * truc in this process (`postgres+redis`, a fresh database, nothing analysed: as the benches see it) stores
 * `stored` schools of 1000 new students through the ingest job, then ingests `changed` of them again with every
 * record changed. During those, every statement a truc connection sends is first run under
 * `EXPLAIN (ANALYZE, BUFFERS, WAL, SUMMARY, TIMING off)` inside a savepoint (a transaction when it has none),
 * rolled back, then sent for real; COMMIT is timed by its backend's CPU (/proc/<pid>/schedstat). Connections are
 * not pipelined meanwhile. Prints per statement kind (../lib/statement-spy.ts `statementKind`): how many, and the
 * medians of planning and execution ms, WAL bytes and full-page images, with the triggers' time of the last one
 * (their times need EXPLAIN_TIMING=1, which also slows every node). EXPLAIN_PLAN=<part of a kind> writes that
 * kind's plans (JSON, one a line) to stderr. EXPLAIN_SET='<setting = value>;…' sets each (SET LOCAL) for every
 * statement explained (a plan under other planner settings; rolled back with it). EXPLAIN_ANALYZE=1 runs ANALYZE
 * before the changed batches (what the plans would be with statistics). Also prints how many students rows the
 * changed ingests updated and the share of them that were HOT (heap-only: no index entry; pg_stat_user_tables).
 * Each statement explained runs twice (the rolled-back EXPLAIN's dead versions take room on the page), so
 * EXPLAIN_NONE=1, nothing explained, gives the HOT share the ingest itself gets (issue 7, perfpg4: 96 % of a changed
 * batch's rows at fillfactor 55). Issue 7: at 160 k students never analysed, the quality facts' per-asker probes
 * were bitmap heap scans (10.8 ms of execution; 4.7 as index scans).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { queueNewBatch } from '../../../src/jobs/contracts.js';
import { createWorkerContext } from '../../../src/jobs/context.js';
import { statementKind } from './statement-spy.js';
import { changedStatusDate, studentBatches } from './students.js';
import { openTrucEnv, type TrucEnv } from './truc-env.js';
import { batchOf, ingestAll } from './vendor-batches.js';

interface Explained {
  kind: string;
  plan: number;
  exec: number;
  wal: number;
  fpi: number;
  triggers: string;
}

interface PlanNode {
  'WAL Bytes'?: number;
  'WAL FPI'?: number;
}

interface ExplainRow {
  'QUERY PLAN': {
    'Planning Time': number;
    'Execution Time': number;
    Plan: PlanNode;
    Triggers?: { 'Trigger Name': string; Time?: number }[];
  }[];
}

type Client = pg.Client & { pipeline: boolean; processID: number; inTx?: boolean };
type Send = (...args: unknown[]) => Promise<unknown>;

const timing = process.env.EXPLAIN_TIMING === '1' ? 'on' : 'off';
/** EXPLAIN_SET='<setting = value>;…': set (SET LOCAL) for each statement explained, rolled back with it. */
const settings = (process.env.EXPLAIN_SET ?? '').split(';').filter((s) => s.trim() !== '');
let on = false;
const out: Explained[] = [];

const cpuMs = (pid: number): number =>
  Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;

/** `sql` explained (and rolled back) on the connection, then what it is. */
async function explained(send: Send, sql: string, params: unknown[], inTx: boolean): Promise<Explained> {
  await send(inTx ? 'SAVEPOINT explained' : 'BEGIN');
  for (const set of settings) await send(`SET LOCAL ${set}`);
  const res = (await send(
    `EXPLAIN (ANALYZE, BUFFERS, WAL, SUMMARY, TIMING ${timing}, FORMAT JSON) ${sql}`,
    params,
  )) as { rows: ExplainRow[] };
  await send(inTx ? 'ROLLBACK TO SAVEPOINT explained' : 'ROLLBACK');
  const p = res.rows[0]!['QUERY PLAN'][0]!;
  const kind = statementKind(sql);
  if (process.env.EXPLAIN_PLAN && kind.includes(process.env.EXPLAIN_PLAN))
    console.error(JSON.stringify(p.Plan));
  return {
    kind,
    plan: p['Planning Time'],
    exec: p['Execution Time'],
    wal: p.Plan['WAL Bytes'] ?? 0,
    fpi: p.Plan['WAL FPI'] ?? 0,
    triggers: (p.Triggers ?? []).map((t) => `${t['Trigger Name']} ${(t.Time ?? 0).toFixed(2)}`).join(', '),
  };
}

/** Explains every statement of every pg client while `on`; returns the restore. */
function explainAll(): () => void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with each client as `this`
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: Client, ...args: unknown[]) {
    if (this.pipeline) this.pipeline = false;
    const send: Send = (...a) => (query as unknown as Send).apply(this, a);
    const first = args[0] as { text?: string; values?: unknown[] } | string;
    const sql = typeof first === 'string' ? first : String(first.text);
    const params =
      typeof first === 'string' ? ((args[1] as unknown[] | undefined) ?? []) : (first.values ?? []);
    if (/^\s*BEGIN/i.test(sql)) this.inTx = true;
    if (/^\s*(COMMIT|ROLLBACK)\s*$/i.test(sql)) this.inTx = false;
    if (on && /^\s*COMMIT\s*$/i.test(sql)) {
      const t0 = cpuMs(this.processID);
      return send(...args).then((r) => {
        out.push({ kind: 'COMMIT', plan: 0, exec: cpuMs(this.processID) - t0, wal: 0, fpi: 0, triggers: '' });
        return r;
      }) as never;
    }
    if (!on || /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|EXPLAIN|SET)/i.test(sql)) return send(...args) as never;
    const inTx = this.inTx === true;
    return (async () => {
      out.push(await explained(send, sql, params, inTx));
      return send(...args);
    })() as never;
  };
  return () => void (pg.Client.prototype.query = query);
}

/** The API's acceptance of each batch's body (every record's status date changed, with `change`); their ids. */
async function acceptAll(env: TrucEnv, batches: ReturnType<typeof studentBatches>, change?: string) {
  const ids: string[] = [];
  for (const b of batches) {
    const records = change ? b.records.map((r) => ({ ...r, statusDate: change })) : b.records;
    const text = JSON.stringify({ entity: 'students', records });
    const { batch, event } = batchOf(b.schoolCode, createHash('sha256').update(text).digest('hex'), records);
    await queueNewBatch(env.deps.db, batch, { events: [event], at: env.deps.now() });
    ids.push(batch.id);
  }
  return ids;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function main(): Promise<void> {
  const stored = Number(process.argv[2] ?? 160);
  const changed = Number(process.argv[3] ?? 8);
  const restore = explainAll();
  const env = await openTrucEnv('postgres+redis', { guard: { changeRatio: 1 } });
  try {
    const batches = studentBatches(stored, 1000, 'truc-bench-vendor-cpu');
    const ctx = createWorkerContext(env.deps);
    await ingestAll(env, ctx, await acceptAll(env, batches));
    if (process.env.EXPLAIN_ANALYZE === '1') await env.deps.db.query('ANALYZE');
    const ids = await acceptAll(env, batches.slice(0, changed), changedStatusDate());
    const hot = () =>
      env.deps.db.query<{ upd: string; hot: string }>(
        `SELECT n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables WHERE relid = 'truc.students'::regclass`,
      );
    // A backend's table counts reach pg_stat_user_tables up to 10 s after it went idle (PGSTAT_IDLE_INTERVAL).
    await new Promise((r) => setTimeout(r, 11_000));
    const before = (await hot()).rows[0]!;
    on = process.env.EXPLAIN_NONE !== '1';
    await ingestAll(env, ctx, ids);
    on = false;
    await new Promise((r) => setTimeout(r, 11_000));
    const after = (await hot()).rows[0]!;
    const upd = Number(after.upd) - Number(before.upd);
    const hots = Number(after.hot) - Number(before.hot);
    console.log(
      `students updated ${upd} rows, HOT ${hots} (${((100 * hots) / Math.max(1, upd)).toFixed(1)} %)`,
    );
    console.log('statement kind | n | planning ms | execution ms | WAL kB | FPI | triggers (ms, last)');
    for (const kind of new Set(out.map((o) => o.kind))) {
      const xs = out.filter((o) => o.kind === kind);
      const m = (f: (o: Explained) => number) => median(xs.map(f));
      console.log(
        `${kind} | ${xs.length} | ${m((o) => o.plan).toFixed(2)} | ${m((o) => o.exec).toFixed(2)} | ` +
          `${(m((o) => o.wal) / 1024).toFixed(0)} | ${m((o) => o.fpi)} | ${xs[xs.length - 1]!.triggers}`,
      );
    }
  } finally {
    restore();
    await env.cleanup();
  }
}

await main();
