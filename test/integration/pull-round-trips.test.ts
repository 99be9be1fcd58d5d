/**
 * A first-sync page's transaction waits for PostgreSQL as few times as it can (issue 7: truc and
 * PostgreSQL took turns on each of a page's eight statements). Statements whose answers nobody reads
 * are sent without waiting (pipelined, src/store/db.ts): BEGIN with the run's lock, the source's tombstones
 * (one statement, which also tells the mass-change guard what they deleted) and the read of the page's
 * stored rows; the batch row ahead of the quality facts read; the records' upsert ahead of the closing
 * writes, and COMMIT right behind them (the run's advance, whose answer the job reads once committed).
 * A first sync's page judged ahead sends its quality facts read right behind its read too.
 * Counted at the pg client: a round trip is a statement made while none of the connection's earlier
 * statements is still unanswered. Over the real pull path: the worker role, PostgreSQL and the hcm-csdl
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
  /** Statements of the same connection not answered yet when it was made. */
  inFlight: number;
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
  const sent = new Map<pg.Client, Sent[]>();
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with each client as `this`
  const query = pg.Client.prototype.query;
  const inFlight = new Map<pg.Client, number>();
  vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const sql = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: unknown })?.text);
    const n = inFlight.get(this) ?? 0;
    let list = sent.get(this);
    if (!list) sent.set(this, (list = []));
    list.push({ sql, inFlight: n });
    inFlight.set(this, n + 1);
    const res = (query as (...a: unknown[]) => unknown).apply(this, args);
    if (res instanceof Promise)
      void res.then(
        () => inFlight.set(this, inFlight.get(this)! - 1),
        () => inFlight.set(this, inFlight.get(this)! - 1),
      );
    return res as never;
  });
  try {
    await fullStudentsPull(db);
  } finally {
    vi.restoreAllMocks();
  }
  // Each connection's transactions, BEGIN to COMMIT; the pages' are those that upsert students.
  const pages: Sent[][] = [];
  for (const list of sent.values()) {
    let tx: Sent[] | undefined;
    for (const s of list) {
      if (s.sql === 'BEGIN') tx = [];
      tx?.push(s);
      if (s.sql === 'COMMIT' && tx) {
        if (tx.some((x) => /^INSERT INTO truc\.students /.test(x.sql))) pages.push(tx);
        tx = undefined;
      }
    }
  }
  return pages.map((tx) => ({
    statements: tx.length,
    roundTrips: tx.filter((s) => s.inFlight === 0).length,
    tombstones: tx.filter((s) => /^UPDATE truc\.students SET deleted_at/.test(s.sql)).length,
    upsert: tx.some((s) => /^INSERT INTO truc\.students [\s\S]*ON CONFLICT/.test(s.sql)),
  }));
}

describe.each([
  // Eight, and the planner setting set and restored around the quality facts read (src/store/quality-facts.ts).
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
    // out right behind its read, and its batch row with its upsert (issue 7: one round trip less).
    const page = (roundTrips: number) => ({
      statements,
      roundTrips,
      tombstones: tombstoneRate > 0 ? 1 : 0,
      upsert: false,
    });
    expect(
      shape.filter((p) => p.statements === statements).sort((a, b) => a.roundTrips - b.roundTrips),
    ).toEqual([page(2), page(3), page(3)]);
  }, 120_000);
});
