/**
 * Two ingests of one vendor's batches side by side on real PostgreSQL (integration
 * vendor-batch-order-race*.test.ts): an ingest run with a hook right before (or after) its record write,
 * another piece of work started from inside it and run until it waits for a lock, and the reads the
 * tests share. Call `useIngestRace` at the top of a `describe`.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { createWorkerContext, type WorkerContext } from '../../src/jobs/context.js';
import { DeferJob } from '../../src/jobs/define.js';
import { ingestJob, SCHOOL_BUSY_RETRY_MS } from '../../src/jobs/ingest.js';
import type { Queryable } from '../../src/store/db.js';
import { student } from './api.js';
import { makeDeps, type TestEnv } from './env.js';

export interface IngestRace {
  readonly env: TestEnv;
  readonly ctx: WorkerContext;
  /**
   * Runs batch `batchId`'s ingest; `beforeWrite` runs once, right before its record write is sent (`when`
   * 'after': right after that write statement answered, before the batch's transaction commits).
   */
  ingest: (batchId: string, beforeWrite?: () => Promise<void>, when?: 'before' | 'after') => Promise<void>;
  /**
   * Starts `other` from inside the older batch's transaction and lets it run to its end, until a backend of
   * the database waits for a lock (the older batch's: it goes on once the older commits), or until an ingest
   * is handed back because its school is busy (it runs again once the older commits). Returns its end.
   */
  sideBySide: (other: () => Promise<void>) => Promise<{ end: Promise<void> }>;
  /** The live names of student `code`. */
  names: (code: string) => Promise<string[]>;
  withName: (code: string, fullName: string) => Array<ReturnType<typeof student> & { fullName: string }>;
}

/** `q`, whose first students write calls `hook` before it is sent (or after it answered): `state.fired` says it did. */
function hookedWrite(
  q: Queryable,
  state: { fired: boolean },
  hook: (() => Promise<void>) | undefined,
  when: 'before' | 'after',
): Queryable {
  return {
    async query<R = Record<string, unknown>>(
      sql: string,
      params?: readonly unknown[],
      opts?: Parameters<Queryable['query']>[2],
    ) {
      const write = !state.fired && /(UPDATE|INSERT INTO) truc\.students\b/.test(sql);
      if (write && when === 'before') {
        state.fired = true;
        await hook!();
      }
      if (write && when === 'after') {
        const res = await q.query<R>(sql, params, opts);
        state.fired = true;
        await hook!();
        return res;
      }
      return q.query<R>(sql, params, opts);
    },
  };
}

interface State {
  env: TestEnv;
  ctx: WorkerContext;
  /** How many times an ingest was handed back because its school was busy (fair26). */
  handedBack: number;
}

async function ingest(
  s: State,
  batchId: string,
  beforeWrite?: () => Promise<void>,
  when: 'before' | 'after' = 'before',
) {
  const db = s.env.deps.db;
  const outbox = await db.query<{ id: number }>(
    `SELECT id FROM truc.outbox WHERE payload->>'batchId' = $1 AND done_at IS NULL`,
    [batchId],
  );
  const state = { fired: beforeWrite === undefined };
  const run = {
    ...s.ctx,
    db: {
      ...db,
      tx: <T>(fn: (q: Queryable) => Promise<T>) => db.tx((q) => fn(hookedWrite(q, state, beforeWrite, when))),
    },
  };
  const job = {
    id: 'j',
    queue: ingestJob.queue,
    name: ingestJob.name,
    attempt: 1,
    outboxId: outbox.rows[0]!.id,
  };
  // As the queue runs it (fair26): while its school's lock is held by another ingest the job is handed back
  // (nothing done) and runs again later.
  for (;;) {
    try {
      await ingestJob.run(run, { batchId }, job);
      break;
    } catch (err) {
      if (!(err instanceof DeferJob)) throw err;
      s.handedBack += 1;
      await new Promise((r) => setTimeout(r, SCHOOL_BUSY_RETRY_MS));
    }
  }
  expect(state.fired).toBe(true);
}

async function sideBySide(s: State, other: () => Promise<void>): Promise<{ end: Promise<void> }> {
  let settled = false;
  const deferred = s.handedBack;
  const running = other().finally(() => {
    settled = true;
  });
  running.catch(() => undefined);
  for (let i = 0; i < 4000 && !settled && s.handedBack === deferred; i++) {
    const waiting = await s.env.deps.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (waiting.rows[0]!.n > 0) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  return { end: running };
}

/** The race's world for the enclosing `describe`: a PostgreSQL database with the pg queue, and a worker context. */
export function useIngestRace(): IngestRace {
  const s = { handedBack: 0 } as State;
  beforeAll(async () => {
    s.env = await makeDeps({ name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' });
    s.ctx = createWorkerContext(s.env.deps);
  });
  afterAll(async () => {
    await s.env?.cleanup();
  });
  return {
    get env() {
      return s.env;
    },
    get ctx() {
      return s.ctx;
    },
    ingest: (batchId, beforeWrite, when) => ingest(s, batchId, beforeWrite, when),
    sideBySide: (other) => sideBySide(s, other),
    names: async (code) =>
      (
        await s.env.deps.db.query<{ name: string }>(
          `SELECT data->>'fullName' AS name FROM truc.students WHERE student_code = $1 AND deleted_at IS NULL`,
          [code],
        )
      ).rows.map((r) => r.name),
    withName: (code, fullName) => [{ ...student(code), fullName }],
  };
}
