/**
 * An unchanged pulled page is stored outside a transaction (issue 7, unchanged re-sync): after a page
 * with nothing to judge, the next one is read (a hint: nothing locked) and, when it has nothing to judge
 * either, written in one statement that advances the run only while the page is still the run's next
 * one. The outcome is the transaction's: every page's batch done with its counts, its seen keys and
 * audit entries, the run advanced once per page; a duplicate job of the page stores it once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Queryable, QueryOptions } from '../../../src/store/db.js';
import {
  requestFullStudentsSync,
  hcmStudent as wire,
  nextRow,
  runRow,
  servePagesByCursor,
  useStudentsSource,
  type OutboxRow,
} from './fixtures.js';

const PAGES = 4;
const pages = Array.from({ length: PAGES }, (_, i) => [wire(`Q${i}A`), wire(`Q${i}B`)]);

describe('unchanged pulled pages stored outside a transaction', () => {
  const { ctx, source } = useStudentsSource();
  /**
   * Per pull job: transactions opened, statements sent outside them (the delivery gate's aside), and the
   * rows its stored-rows reads brought back.
   */
  type Job = {
    txs: number;
    outside: string[];
    /** Per statement outside: whether it was asked to be prepared (PostgreSQL parses and plans it once). */
    prepared: boolean[];
    read: Record<string, unknown>[];
    sent: unknown[][];
  };
  let jobs: Job[] = [];
  let current: Job | undefined;

  beforeAll(() => {
    const tx = ctx.db.tx.bind(ctx.db);
    ctx.db.tx = <T>(fn: (q: Queryable) => Promise<T>) => {
      if (current) current.txs += 1;
      return tx(fn);
    };
    const query = ctx.db.query.bind(ctx.db);
    ctx.db.query = (async (sql: string, params?: readonly unknown[], opts?: QueryOptions) => {
      if (current && !/delivery_gates/.test(sql)) {
        current.outside.push(sql);
        current.prepared.push(opts?.prepared === true);
      }
      const res = await query(sql, params, opts);
      if (current && /FROM truc\.students r JOIN v /.test(sql)) {
        current.read.push(...res.rows);
        current.sent.push([...(params ?? [])]);
      }
      return res;
    }) as typeof ctx.db.query;
    servePagesByCursor(source, () => pages);
  });

  /** Runs `row`'s job, noting its transactions and statements. */
  async function runJob(row: OutboxRow) {
    const seen: Job = { txs: 0, outside: [], prepared: [], read: [], sent: [] };
    jobs.push(seen);
    current = seen;
    try {
      return await runRow(ctx, row);
    } finally {
      current = undefined;
    }
  }

  const pageJob = (r: OutboxRow) => r.job_name === 'pull-page';

  /** Runs the open page jobs one after the other (the reconciliation, which drops the seen keys, is left). */
  async function drainPull() {
    for (let row = await nextRow(ctx.db, pageJob); row; row = await nextRow(ctx.db, pageJob))
      await runJob(row);
  }

  /** A full run of `pages`, its pull jobs one after the other; the run's id. */
  async function fullRun(): Promise<number> {
    jobs = [];
    const runId = await requestFullStudentsSync(ctx);
    await drainPull();
    return runId;
  }

  /** What a run left: its batches' counts, seen rows, audit entries, the run's own counts. */
  async function outcome(runId: number) {
    const batches = await ctx.db.rows<{ id: string; status: string; accepted: number; unchanged: number }>(
      'truc.batches',
      `sync_run_id = ${runId} ORDER BY created_at`,
    );
    const seen = await ctx.db.query<{ keys: string[] }>(
      'SELECT keys FROM truc.sync_run_seen WHERE sync_run_id = $1 ORDER BY keys[1]',
      [runId],
    );
    const audit = await ctx.db.query<{ action: string; n: number }>(
      `SELECT action, count(*)::int AS n FROM (
         SELECT action, subject, details FROM truc.audit_pending UNION ALL
         SELECT action, subject, details FROM truc.audit_log) a
        WHERE subject = $1 OR details ->> 'batchId' = ANY($2::text[])
        GROUP BY action ORDER BY action`,
      [`sync:${runId}`, batches.map((b) => b.id)],
    );
    const run = await ctx.db.query('SELECT status, pages, records FROM truc.sync_runs WHERE id = $1', [
      runId,
    ]);
    return {
      batches: batches.map((b) => [b.status, b.accepted, b.unchanged]),
      seen: seen.rows.map((r) => r.keys),
      audit: audit.rows,
      run: run.rows[0],
    };
  }

  /** The first run, which stored every page: each test re-syncs it. */
  let first: Awaited<ReturnType<typeof outcome>>;
  beforeAll(async () => {
    first = await outcome(await fullRun());
  }, 60_000);

  it('stores each unchanged page but the last in two statements, none in a transaction, with the same outcome', async () => {
    expect(first.batches).toEqual(pages.map(() => ['done', 2, 0]));
    const runId = await fullRun();
    // The last page keeps its transaction (the run's watermark and reconciliation follow it).
    expect(jobs.map((j) => j.txs)).toEqual([0, 0, 0, 1]);
    // Each job reads its run first (here every page is a job of its own: no chain), then its page's
    // stored rows, then writes the page.
    for (const j of jobs.slice(0, -1)) {
      expect(j.outside).toHaveLength(3);
      expect(j.outside[0]).toMatch(/FROM truc\.sync_runs r WHERE id = \$1$/);
      expect(j.outside[1]).toMatch(/FROM truc\.students r JOIN v ON v\.key = r\.student_code/);
      expect(j.outside[2]).toMatch(/INSERT INTO truc\.batches[^]*UPDATE truc\.sync_runs/);
      // The read and the write are the same few texts every page: prepared.
      expect(j.prepared.slice(1)).toEqual([true, true]);
    }
    // The read compares the source fingerprints itself: a page's unchanged rows come back as one row,
    // their keys by school, without their fingerprints.
    const read = jobs.slice(0, -1).flatMap((j) => j.read);
    expect(read).toHaveLength(PAGES - 1);
    for (const row of read)
      expect(row).toMatchObject({ unchanged: true, key: null, fingerprint: null, sourceFp: null });
    // The candidates go as two JSON arrays, the source keys and their source fingerprints in page order
    // (cheaper for truc to write than one object keyed by source key).
    for (const [i, j] of jobs.slice(0, -1).entries()) {
      const [system, entity, keys, fps] = j.sent[0]!;
      expect([system, entity]).toEqual(['hcm-csdl', 'students']);
      expect(JSON.parse(String(keys))).toEqual(pages[i]!.map((r) => r.maDinhDanh));
      const fpList = JSON.parse(String(fps)) as string[];
      expect(fpList).toHaveLength(pages[i]!.length);
      for (const fp of fpList) expect(fp).toMatch(/^[0-9a-f]{64}$/);
    }
    const keysBySchool = read.map((r) => JSON.parse(String(r.scope)) as Record<string, string[]>);
    expect(keysBySchool.map((s) => Object.values(s).flat().sort())).toEqual(
      pages.slice(0, -1).map((p) => p.map((r) => r.maDinhDanh).sort()),
    );
    const again = await outcome(runId);
    expect(again.batches).toEqual(pages.map(() => ['done', 0, 2]));
    expect(again.seen).toEqual(pages.map((p) => p.map((r) => r.maDinhDanh)));
    expect(again.audit).toEqual(first.audit);
    expect(again.run).toEqual({ status: 'done', pages: PAGES, records: PAGES * 2 });
  });

  it('a duplicate job of an unchanged page stores it once', async () => {
    jobs = [];
    const runId = await requestFullStudentsSync(ctx);
    await runJob((await nextRow(ctx.db, pageJob))!);
    const row = (await nextRow(ctx.db, pageJob))!;
    const twice = await Promise.all([runJob(row), runJob(row)]);
    expect(twice).toContainEqual({ skipped: true });
    expect(twice).toContainEqual({ records: 2, last: false });
    await drainPull();
    const after = await outcome(runId);
    expect(after.batches).toEqual(pages.map(() => ['done', 0, 2]));
    expect(after.run).toEqual({ status: 'done', pages: PAGES, records: PAGES * 2 });
  });
});
