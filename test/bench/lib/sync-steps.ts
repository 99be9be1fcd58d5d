/**
 * The sync bench's steps against a running stack (../sync.ts): the bare client's read of the simulator's
 * student feed, a full pull requested through truc's API and waited for, and the reads of what truc
 * stored (live counts, the database's size, the student rows as COPY writes them); a city admin's token for the API.
 */
import { randomBytes } from 'node:crypto';
import { addClient } from '../../../src/ops.js';
import type { Db } from '../../../src/store/db.js';
import type { StudentRow } from './pg-baselines.js';
import { simToken, studentPages } from './hcm-csdl-sim.js';
import { clientToken } from './truc-env.js';
import { secondsSince } from './types.js';

/** Bare client: every student page of the feed, fetched and parsed; records/s. */
export async function bareRead(url: string): Promise<{ rate: number; records: number }> {
  const token = await simToken(url);
  let records = 0;
  const started = performance.now();
  for await (const page of studentPages(url, token)) records += page.records;
  return { rate: records / secondsSince(started), records };
}

export interface Api {
  url: string;
  token: string;
}

/** How often a pull is asked whether it is done (BENCH_SYNC_POLL_MS): a run's time is read up to this late. */
const POLL_MS = Number(process.env.BENCH_SYNC_POLL_MS ?? 100);

/** Requests a full pull and waits until it is done, its batches ingested and its reconciliation done. */
export async function fullPull(db: Db, api: Api, entity: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${api.url}/v1/syncs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ system: 'hcm-csdl', entity, full: true }),
  });
  if (res.status !== 202) throw new Error(`POST /v1/syncs answered ${res.status}: ${await res.text()}`);
  const { syncRunId } = (await res.json()) as { syncRunId: number };
  const posted = secondsSince(started);
  for (let i = 0; performance.now() - started < timeoutMs && i < 10_000_000; i++) {
    const r = await db.query<{ status: string; reconcile: string | null; open: number; failed: number }>(
      `SELECT r.status, r.reconcile,
              (SELECT count(*)::int FROM truc.batches b WHERE b.sync_run_id = r.id AND b.status <> 'done') AS open,
              (SELECT count(*)::int FROM truc.batches b WHERE b.sync_run_id = r.id AND b.status = 'failed') AS failed
         FROM truc.sync_runs r WHERE r.id = $1`,
      [syncRunId],
    );
    const row = r.rows[0]!;
    if (row.status === 'failed' || row.failed > 0) throw new Error(`sync run ${syncRunId} failed`);
    if (row.status === 'done' && row.open === 0 && row.reconcile === 'done') {
      const took = secondsSince(started);
      if (process.env.BENCH_SYNC_DEBUG) await phases(db, syncRunId, took, posted);
      return took;
    }
    await new Promise((w) => setTimeout(w, POLL_MS));
  }
  throw new Error(`sync run ${syncRunId} (${entity}) not done within ${timeoutMs} ms`);
}

/** BENCH_SYNC_DEBUG: when the run's last page was fetched and its last batch finished (s after it began). */
export async function phases(db: Db, id: number, took: number, posted: number): Promise<void> {
  const r = await db.query<{ fetched: number; ingested: number; pages: number }>(
    `SELECT EXTRACT(EPOCH FROM r.finished_at - r.created_at)::float8 AS fetched, r.pages,
            EXTRACT(EPOCH FROM (SELECT max(finished_at) FROM truc.batches b WHERE b.sync_run_id = r.id) - r.created_at)::float8 AS ingested
       FROM truc.sync_runs r WHERE r.id = $1`,
    [id],
  );
  // The run's jobs (its pages' and its reconciliation's outbox rows): when each was added, handed to the queue
  // and done, in s after the run began (each time its statement's transaction start): the hops between them.
  const jobs = await db.query<{ job: string; n: number; added: number; enqueued: number; done: number }>(
    `SELECT o.job_name AS job, count(*)::int AS n,
            EXTRACT(EPOCH FROM min(o.created_at) - r.created_at)::float8 AS added,
            EXTRACT(EPOCH FROM min(o.enqueued_at) - r.created_at)::float8 AS enqueued,
            EXTRACT(EPOCH FROM max(o.done_at) - r.created_at)::float8 AS done
       FROM truc.sync_runs r JOIN truc.outbox o ON (o.payload->>'syncRunId')::bigint = r.id
      WHERE r.id = $1 GROUP BY o.job_name, r.created_at ORDER BY 3`,
    [id],
  );
  // When the run's first and last pages were stored and its reconciliation made (each its audit event's time: truc's
  // clock while the page's, or the reconciliation's, statements were sent, before its commit), in s after the run
  // began: unlike the rows' times above, not the start of a transaction that may have waited or run long.
  const events = await db.query<{ action: string; first: number; last: number }>(
    `SELECT action, EXTRACT(EPOCH FROM min(e.at) - r.created_at)::float8 AS first,
            EXTRACT(EPOCH FROM max(e.at) - r.created_at)::float8 AS last
       FROM truc.sync_runs r,
            LATERAL (SELECT at, action FROM truc.audit_log WHERE subject = 'sync:' || r.id
                     UNION ALL SELECT at, action FROM truc.audit_pending WHERE subject = 'sync:' || r.id) e
      WHERE r.id = $1 AND e.action IN ('sync.page', 'sync.finished', 'sync.reconciled') GROUP BY action, r.created_at`,
    [id],
  );
  const at = (actions: string[], which: 'first' | 'last') => {
    const xs = events.rows.filter((e) => actions.includes(e.action)).map((e) => e[which]);
    return xs.length === 0 ? '-' : (which === 'first' ? Math.min(...xs) : Math.max(...xs)).toFixed(3);
  };
  const stamps =
    `events: first page ${at(['sync.page', 'sync.finished'], 'first')}, last page ${at(['sync.finished'], 'last')}, ` +
    `reconciled ${at(['sync.reconciled'], 'last')}`;
  const hops = jobs.rows
    .map(
      (j) =>
        `${j.job} ×${j.n} added ${j.added.toFixed(3)} enqueued ${j.enqueued?.toFixed(3)} done ${j.done?.toFixed(3)}`,
    )
    .join('; ');
  console.log(
    `run ${id}: ${JSON.stringify(r.rows[0])}, POST answered at ${posted.toFixed(3)} s, reconciled by ${took.toFixed(3)} s; ${hops}; ${stamps}`,
  );
}

export async function liveCount(db: Db, table: string): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM truc.${table} WHERE deleted_at IS NULL`,
  );
  return r.rows[0]!.n;
}

export async function dbSize(db: Db): Promise<number> {
  await db.query('CHECKPOINT').catch(() => undefined);
  if (process.env.BENCH_SYNC_DEBUG) {
    const t = await db.query<{ t: string; mb: number }>(
      `SELECT c.relname AS t, round(pg_total_relation_size(c.oid) / 1048576.0, 1)::float8 AS mb FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'truc' AND c.relkind = 'r'
        ORDER BY 2 DESC LIMIT 8`,
    );
    console.log(t.rows.map((r) => `${r.t} ${r.mb}`).join(', '));
  }
  const r = await db.query<{ n: number }>('SELECT pg_database_size(current_database())::bigint AS n');
  return Number(r.rows[0]!.n);
}

/** The student rows truc stored, as COPY would write them. */
export async function storedRows(db: Db): Promise<StudentRow[]> {
  const r = await db.query<{ key: string; scope: string; pid: string | null; json: string; fp: string }>(
    `SELECT student_code AS key, school_code AS scope, personal_id AS pid, data::text AS json, fingerprint AS fp
       FROM truc.students`,
  );
  return r.rows.map((x) => ({
    key: x.key,
    scope: x.scope,
    personalId: x.pid,
    json: x.json,
    fingerprint: x.fp,
  }));
}

/** A new city admin client of the running truc, and its token. */
export async function cityAdminToken(db: Db, url: string): Promise<string> {
  const client = await addClient(db, {
    name: `bench admin ${randomBytes(3).toString('hex')}`,
    role: 'city-admin',
  });
  return clientToken(url, client);
}
