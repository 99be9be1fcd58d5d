/**
 * A first-sync page's transaction waits for PostgreSQL as few times as it can (issue 7: truc and
 * PostgreSQL took turns on each of a page's eight statements). Statements whose answers nobody reads
 * are sent without waiting (pipelined, src/store/db.ts): BEGIN with the run's lock, the source's tombstones
 * (one statement, which also tells the mass-change guard what they deleted) and the read of the page's
 * stored rows; the batch row ahead of the quality facts read; the records' upsert ahead of the closing
 * writes, and COMMIT right behind them (the run's advance, whose answer the job reads once committed).
 * A first sync's page judged ahead sends its quality facts read right behind its read too.
 * Counted at the pg client, by holding a transaction's answers back: they are handed over only once its
 * connection has sent nothing for {@link QUIET_MS}, and a round trip is a burst of statements between two
 * such hand-overs. So a statement counts as waiting only if it was made after an answer it needed, however
 * fast PostgreSQL answers and however loaded the machine: counting the statements made while none of the
 * connection's earlier ones was unanswered told a wait from a pipelined statement by timing, and on a loaded
 * machine a page judged ahead showed one round trip (its batch row sent after the read's answer, the quality
 * facts read behind it still running). Over the real pull path: the worker role, PostgreSQL and the hcm-csdl
 * simulator.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startWorkerRole } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { backends, makeDeps, type TestEnv } from '../helpers/env.js';
import { fullStudentsPull } from '../helpers/full-pull.js';

interface Sent {
  sql: string;
  /** How many times the connection's held answers had been handed over when it was made. */
  round: number;
}

/**
 * How long a connection in a transaction sends nothing before its held answers are handed over: far longer
 * than truc takes between two statements it sends without waiting (under a millisecond quiet).
 */
const QUIET_MS = 250;

/** A page's transaction begins with the run's lock (src/store/sync-runs.ts), right behind its BEGIN. */
const RUN_LOCK = /^SELECT pages, status\b[\s\S]* FROM truc\.sync_runs WHERE id = \$1 FOR UPDATE$/;

/** A connection as the spy sees it: in a page's transaction or not, and the answers it holds back. */
interface Conn {
  sent: Sent[];
  /** Statements of its transaction so far, BEGIN included (0: not in one). */
  inTx: number;
  /** Its transaction is a page's: answers are held. */
  page: boolean;
  round: number;
  held: Array<Promise<() => void>>;
  quiet?: NodeJS.Timeout | undefined;
}

interface Shape {
  statements: number;
  roundTrips: number;
  /** Statements that mark records deleted. */
  tombstones: number;
  /** The students' write checks for conflicts (none is stored yet on a first sync: it does not). */
  upsert: boolean;
}

/** Each page's transaction (those that upsert students) during a full pull of the students: its shape. */
async function pageShapes(db: TestEnv['deps']['db']): Promise<Shape[]> {
  const conns = new Map<pg.Client, Conn>();
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with each client as `this`
  const query = pg.Client.prototype.query;
  /** Hands the connection's held answers over (in order: PostgreSQL answers in order): a new round begins. */
  const handOver = (conn: Conn): void => {
    conn.quiet = undefined;
    const held = conn.held.splice(0);
    if (held.length === 0) return;
    conn.round += 1;
    for (const deliver of held) void deliver.then((d) => d());
  };
  vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const sql = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: unknown })?.text);
    let conn = conns.get(this);
    if (!conn) conns.set(this, (conn = { sent: [], inTx: 0, page: false, round: 0, held: [] }));
    if (sql === 'BEGIN') conn.inTx = 1;
    else if (conn.inTx > 0 && ++conn.inTx === 2) conn.page = RUN_LOCK.test(sql);
    conn.sent.push({ sql, round: conn.round });
    const res = (query as (...a: unknown[]) => unknown).apply(this, args);
    const hold = conn.page;
    if (sql === 'COMMIT' || sql === 'ROLLBACK') {
      conn.inTx = 0;
      conn.page = false;
    }
    if (!hold || !(res instanceof Promise)) return res as never;
    // Held back until the connection has been quiet for QUIET_MS (settled at once: never unhandled).
    let answer!: (v: unknown) => void;
    let fail!: (e: unknown) => void;
    const held = new Promise((resolve, reject) => {
      answer = resolve;
      fail = reject;
    });
    conn.held.push(
      res.then(
        (v) => () => answer(v),
        (e: unknown) => () => fail(e),
      ),
    );
    if (conn.quiet) clearTimeout(conn.quiet);
    const c = conn;
    conn.quiet = setTimeout(() => handOver(c), QUIET_MS);
    return held as never;
  });
  try {
    await fullStudentsPull(db);
  } finally {
    vi.restoreAllMocks();
  }
  return pageTransactions(conns.values()).map((tx) => ({
    statements: tx.length,
    roundTrips: new Set(tx.map((s) => s.round)).size,
    // A source's tombstones with their times also keep those of records deleted already (rel29): one statement.
    tombstones: tx.filter((s) => /^(?:WITH d AS \()?UPDATE truc\.students (?:r )?SET deleted_at/.test(s.sql))
      .length,
    upsert: tx.some((s) => /^INSERT INTO truc\.students [\s\S]*ON CONFLICT/.test(s.sql)),
  }));
}

/** Each connection's transactions, BEGIN to COMMIT, those of the pages: those that upsert students. */
function pageTransactions(conns: Iterable<Conn>): Sent[][] {
  const pages: Sent[][] = [];
  for (const { sent: list } of conns) {
    let tx: Sent[] | undefined;
    for (const s of list) {
      if (s.sql === 'BEGIN') tx = [];
      tx?.push(s);
      if (s.sql === 'COMMIT' && tx) {
        if (tx.some((x) => /^(INSERT INTO|COPY) truc\.students /.test(x.sql))) pages.push(tx);
        tx = undefined;
      }
    }
  }
  return pages;
}

describe.each([
  // Eight, and the planner setting set and restored around the quality facts read (src/store/quality-facts.ts);
  // the first page's (the pages after it send no read of their stored rows).
  { tombstoneRate: 0, statements: 10 },
  // Tombstones on every page: one more statement, no round trip of its own.
  { tombstoneRate: 0.02, statements: 11 },
])('a first-sync page on PostgreSQL (tombstones $tombstoneRate)', ({ tombstoneRate, statements }) => {
  let sim: HcmCsdlSimulator;
  let env: TestEnv;
  let worker: { stop(): Promise<void> };
  beforeAll(async () => {
    sim = await startCitySimulator({ seed: 41, schools: 5, studentsPerSchool: 700, tombstoneRate });
    env = await makeDeps(
      backends().find((b) => b.name === 'postgres+pg-queue')!,
      {
        env: { HCM_CSDL_BASE_URL: sim.url },
      },
    );
    worker = startWorkerRole(env.deps);
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await env?.cleanup();
    await sim?.close();
  });

  it(`sends its ${statements} statements in three round trips, two once pages are judged ahead`, async () => {
    const shape = await pageShapes(env.deps.db);
    expect(shape.length).toBe(4);
    for (const page of shape) expect(page.tombstones).toBe(tombstoneRate > 0 ? 1 : 0);
    // The run's lock, the read, the batch row, the planner setting's two statements and the upsert cost no
    // round trip of their own, nor do the tombstones (the last page also keeps the run's watermark and
    // queues its reconciliation).
    const free = tombstoneRate > 0 ? 7 : 6;
    for (const page of shape) expect(page.roundTrips).toBeLessThanOrEqual(page.statements - free);
    // The three pages before the last (pages may be stored on different connections: in any order): their
    // COMMIT is sent behind the closing writes too. The first two are judged in their transaction; the
    // third was judged ahead (the pages before it were new) on a first sync: its quality facts read goes
    // out right behind its read, and its batch row with its upsert (issue 7: one round trip less). The
    // first page's read of its stored rows found nothing: the pages after it send none (their records
    // inserted as new; one stored after all fails the insert, and the page is written again, read).
    const page = (sent: number, roundTrips: number) => ({
      statements: sent,
      roundTrips,
      tombstones: tombstoneRate > 0 ? 1 : 0,
      upsert: false,
    });
    expect(
      shape
        .filter((p) => p.statements <= statements)
        .sort((a, b) => a.roundTrips - b.roundTrips || a.statements - b.statements),
    ).toEqual([page(statements - 1, 2), page(statements - 1, 3), page(statements, 3)]);
  }, 120_000);
});
