/**
 * An unchanged re-sync overlaps its pages (issue 7): while a page with nothing to judge is stored outside
 * a transaction, the next page's read of its stored rows is already sent, so that page no longer waits
 * for its read after the page before it. The read writes nothing; it is used only when the page before
 * it wrote no record (stored outside a transaction), and each page still advances the run in its own
 * statement, only while it is the run's next page. So a crash in the middle of the overlap resumes from
 * the run's stored cursor and loses and counts twice nothing; and a page stored in a transaction (which
 * may write a record the next page has too) has the next page read again.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { QueryOptions } from '../../../src/store/db.js';
import { loadConfig } from '../../../src/config.js';
import {
  hcmStudent,
  nextRow,
  requestFullStudentsSync,
  runRow,
  servePagesByCursor,
  useTestContext,
  fakeSource,
  type OutboxRow,
  type TestContext,
} from './fixtures.js';

const PAGES = 6;
/** Page i's students: two of their own. */
const keysOf = (i: number) => [`E${i}A`, `E${i}B`];

const READ = /FROM truc\.students r JOIN v ON v\.key = r\.student_code/;
const ADVANCE = /UPDATE truc\.sync_runs SET status = \$2/;

/** The error pg reports when the server ends the connection (a crash of the database's side, or ours). */
const lost = () => Object.assign(new Error('Connection terminated unexpectedly'), { code: undefined });

describe('an unchanged re-sync reads the next page while the page before it is stored', () => {
  const source = fakeSource('hcm-csdl', ['students']);
  const ctx = useTestContext({ sources: { 'hcm-csdl': source }, chainMs: 60_000 });
  /** What the source serves: page i's records (a test may change one). */
  let pages: unknown[][] = [];
  /** Sees every statement sent outside a transaction: `send` sends it; what it answers is the statement's answer. */
  let spy:
    ((sql: string, params: readonly unknown[], send: () => Promise<unknown>) => Promise<unknown>) | undefined;

  beforeAll(() => {
    const query = ctx.db.query.bind(ctx.db);
    ctx.db.query = ((sql: string, params?: readonly unknown[], opts?: QueryOptions) =>
      spy
        ? spy(sql, params ?? [], () => query(sql, params, opts))
        : query(sql, params, opts)) as typeof ctx.db.query;
    servePagesByCursor(source, () => pages);
  });

  const pageJob = (r: OutboxRow) => r.job_name === 'pull-page';
  const reconcileJob = (r: OutboxRow) => r.job_name === 'reconcile-run';

  /** Runs the open jobs of the pull queue until none is left; the failures of those that failed. */
  async function drainPull(): Promise<unknown[]> {
    const failures: unknown[] = [];
    for (let i = 0; i < 40; i++) {
      const row = (await nextRow(ctx.db, pageJob)) ?? (await nextRow(ctx.db, reconcileJob));
      if (!row) return failures;
      await runRow(ctx, row).catch((err: unknown) => failures.push(err));
    }
    throw new Error('drainPull: more than 40 jobs');
  }

  /** What a run left: its batches' counts, seen keys, the run's own counts, the students deleted. */
  async function outcome(runId: number) {
    const batches = await ctx.db.rows<{ status: string; accepted: number; unchanged: number }>(
      'truc.batches',
      `sync_run_id = ${runId} ORDER BY created_at`,
    );
    const audit = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT subject FROM truc.audit_pending UNION ALL
                                       SELECT subject FROM truc.audit_log) a WHERE subject = $1`,
      [`sync:${runId}`],
    );
    const run = await ctx.db.query(
      'SELECT status, pages, records, reconcile, reconciled FROM truc.sync_runs WHERE id = $1',
      [runId],
    );
    const deleted = await ctx.db.rows('truc.students', 'deleted_at IS NOT NULL');
    return {
      batches: batches.map((b) => [b.status, b.accepted, b.unchanged]),
      runAudit: audit.rows[0]!.n,
      run: run.rows[0],
      deleted: deleted.length,
    };
  }

  /** A full run of `pages` (in one chain), its jobs drained; its id and the failures met. */
  async function fullRun(): Promise<{ runId: number; failures: unknown[] }> {
    const runId = await requestFullStudentsSync(ctx);
    const failures = await drainPull();
    return { runId, failures };
  }

  /** The page (index) whose records a read or an advance is of. */
  const readPage = (params: readonly unknown[]) =>
    (JSON.parse(String(params[2])) as string[])[0]!.match(/^E(\d+)A$/)?.[1];

  /** The run's audit entries of a run without a crash. */
  let noCrash = 0;
  beforeAll(async () => {
    pages = Array.from({ length: PAGES }, (_, i) => keysOf(i).map((k) => hcmStudent(k)));
    const { runId } = await fullRun();
    const first = await outcome(runId);
    expect(first.batches).toEqual(pages.map(() => ['done', 2, 0]));
    noCrash = first.runAudit;
  }, 60_000);

  it('sends a page’s read before the page before it has advanced', async () => {
    // Each advance's answer is held until the next page's read is sent (or 2 s went by).
    const readsSent = new Set<string>();
    const waiting = new Map<string, () => void>();
    const waitRead = (page: number) =>
      new Promise<boolean>((done) => {
        if (readsSent.has(String(page))) return done(true);
        const timer = setTimeout(() => done(false), 2_000);
        waiting.set(String(page), () => {
          clearTimeout(timer);
          done(true);
        });
      });
    const held: Array<[number, boolean]> = [];
    let advances = 0;
    let reads = 0;
    spy = async (sql, params, send) => {
      if (READ.test(sql)) {
        reads += 1;
        const page = readPage(params)!;
        readsSent.add(page);
        waiting.get(page)?.();
      }
      if (!ADVANCE.test(sql) || params[12] === null) return send();
      // An advance outside a transaction: that of a page stored with nothing to judge.
      const page = Number(params[12]);
      advances += 1;
      const answer = send();
      const inTime = page + 1 < PAGES - 1 ? await waitRead(page + 1) : true;
      held.push([page, inTime]);
      return answer;
    };
    try {
      const { runId, failures } = await fullRun();
      expect(failures).toEqual([]);
      // Every page but the last is stored outside a transaction; the one after each (but the last,
      // which is stored in one) had its read sent while its advance was held.
      expect(advances).toBe(PAGES - 1);
      expect(held).toEqual(Array.from({ length: PAGES - 1 }, (_, i) => [i, true]));
      // Each of them read once (the last page is read in its transaction).
      expect(reads).toBe(PAGES - 1);
      const after = await outcome(runId);
      expect(after.batches).toEqual(pages.map(() => ['done', 0, 2]));
      expect(after.run).toMatchObject({ status: 'done', pages: PAGES, records: PAGES * 2 });
    } finally {
      spy = undefined;
    }
  });

  it.each([
    { when: 'before its advance reached the database', written: false },
    { when: 'after its advance was written, its answer lost', written: true },
  ])('a crash in the overlap ($when) resumes, losing and counting twice nothing', async ({ written }) => {
    // Page 2's advance fails with the connection while page 3's read is out.
    let crashed = false;
    spy = async (sql, params, send) => {
      if (crashed || !ADVANCE.test(sql) || params[12] !== 2) return send();
      crashed = true;
      if (written) await send();
      throw lost();
    };
    try {
      const { runId, failures } = await fullRun();
      expect(crashed).toBe(true);
      // The job failed with the connection (the worker waits for the database and runs it again).
      expect(failures).toHaveLength(1);
      const after = await outcome(runId);
      expect(after.batches).toEqual(pages.map(() => ['done', 0, 2]));
      // As many as a run without a crash: once per page.
      expect(after.runAudit).toBe(noCrash);
      expect(after.run).toEqual({
        status: 'done',
        pages: PAGES,
        records: PAGES * 2,
        reconcile: 'done',
        reconciled: 0,
      });
      expect(after.deleted).toBe(0);
    } finally {
      spy = undefined;
    }
  });

  it('reads a page again when another process stored the page before it', async () => {
    // While this process stores page 2 outside a transaction (page 3's read is out and answered), another
    // process, whose page 2 brings a change to E3A, stores page 2 first, in a transaction that writes E3A:
    // this process's page 2 is not due any more. Page 3, which still has E3A as it was, is stored next by
    // this process (its job comes from the relay): its early read saw E3A before the other process wrote
    // it, so it is read again, sees E3A changed, and the source's last word wins.
    const moved = hcmStudent('E3A', { name: 'Trần Văn Nam' });
    const other: TestContext = {
      ...ctx,
      // Another object: pages read ahead are another process's.
      db: Object.create(ctx.db) as TestContext['db'],
      config: loadConfig({ env: { TRUC_PROFILE: 'test', TRUC_PULL_CHAIN_MS: '0' } }),
      sources: {
        'hcm-csdl': {
          ...source,
          page: async (entity, opts) => {
            const page = await source.page(entity, opts);
            return opts.cursor === 'c2' ? { ...page, items: [...page.items, moved] } : page;
          },
        },
      },
    };
    let runId = 0;
    let read3: Promise<unknown> | undefined;
    let armed = true;
    spy = async (sql, params, send) => {
      if (READ.test(sql) && readPage(params) === '3' && !read3) {
        const answer = send();
        read3 = answer.catch(() => undefined);
        return answer;
      }
      if (!armed || !ADVANCE.test(sql) || params[12] !== 2) return send();
      armed = false;
      for (let i = 0; i < 200 && !read3; i++) await new Promise((go) => setTimeout(go, 10));
      await read3;
      const row = await nextRow(
        ctx.db,
        (r) => pageJob(r) && r.payload.syncRunId === runId && r.payload.page === 2,
      );
      await runRow(other, row!);
      return send();
    };
    const request = requestFullStudentsSync(ctx);
    try {
      runId = await request;
      const failures = await drainPull();
      expect(armed).toBe(false);
      expect(failures).toEqual([]);
      const after = await outcome(runId);
      // Page 2 stored once (by the other process), page 3 judged E3A changed.
      expect(after.batches).toEqual([
        ['done', 0, 2],
        ['done', 0, 2],
        ['done', 1, 2],
        ['done', 1, 1],
        ['done', 0, 2],
        ['done', 0, 2],
      ]);
      expect(after.run).toMatchObject({ status: 'done', pages: PAGES, records: PAGES * 2 + 1 });
      const [stored] = await ctx.db.rows<{ data: { fullName: string } }>(
        'truc.students',
        `student_code = 'E3A'`,
      );
      expect(stored!.data.fullName).toBe('Nguyễn Thị Mai');
    } finally {
      spy = undefined;
    }
  });
});
