/**
 * A pulled page is worked on ahead (issue 7, speed): while a page is written, the next one is fetched
 * and, when the run's pages are mostly new or changed, mapped, so its transaction only checks and
 * writes; an unchanged run maps nothing. A page's transaction reads the stored rows of its keys once
 * (the skip's read serves the judging too), and a first sync's page none after a read that found nothing. The outcome is the same as without working ahead. The
 * source is read back to back: each page read ahead asks for the next as soon as it has arrived, up to
 * three pages ahead of the page being stored (READ_AHEAD).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NATIVE_INBOUND } from '../../../src/jobs/native-formats.js';
import type { RecordCheck } from '../../../src/quality/rules/define.js';
import { textCheck } from '../../../src/quality/rules/sach-text.js';
import { noteStored, pageOf, readAhead } from '../../../src/jobs/pull-ahead.js';
import { plan, type Checked, type JudgedAhead } from '../../../src/jobs/judge.js';
import type { Queryable } from '../../../src/store/db.js';
import type { SyncRun } from '../../../src/store/sync-run-reads.js';
import { fullStudentsRun, hcmStudent as wire, useStudentsSource } from './fixtures.js';

const PAGES = 5;
const page = (run: string, i: number, name?: string) => [
  wire(`${run}${i}A`, { name }),
  wire(`${run}${i}B`, { name }),
];

describe('pulled pages worked on ahead', () => {
  const { ctx, source } = useStudentsSource();
  /** Statements run inside transactions; per record mapped, whether inside its own page's transaction. */
  let statements: string[] = [];
  let mappedInTx: boolean[] = [];
  /** Per record the text check judged, whether inside its own page's transaction. */
  let textCheckedInTx: boolean[] = [];
  /** The page whose pull job is running. */
  let jobPage = -1;
  /** Transactions open. */
  let open = 0;
  const pageOfCode = (code: string) => Number(code.slice(1, -1));

  beforeAll(() => {
    const tx = ctx.db.tx.bind(ctx.db);
    ctx.db.tx = <T>(fn: (q: Queryable) => Promise<T>) =>
      tx(async (q) => {
        open += 1;
        try {
          return await fn({
            query: (sql, params) => {
              statements.push(sql);
              return q.query(sql, params);
            },
          });
        } finally {
          open -= 1;
        }
      });
    const mapping = NATIVE_INBOUND['hcm-csdl']!.students!.mapping as {
      toCanonical: (...a: never[]) => unknown;
    };
    const toCanonical = mapping.toCanonical.bind(mapping);
    vi.spyOn(mapping, 'toCanonical').mockImplementation((...args: never[]) => {
      const code = (args[0] as unknown as { maDinhDanh: string }).maDinhDanh;
      mappedInTx.push(open > 0 && pageOfCode(code) === jobPage);
      return toCanonical(...args);
    });
    const text = textCheck as RecordCheck;
    const check = text.check.bind(text);
    vi.spyOn(text, 'check').mockImplementation((rec, index, checkCtx, out) => {
      textCheckedInTx.push(open > 0 && pageOfCode(String(rec['studentCode'])) === jobPage);
      check(rec, index, checkCtx, out);
    });
  });
  // The mapping and the rule are modules' objects, shared with the worker's next test files.
  afterAll(() => vi.restoreAllMocks());

  /** The reads of pages' stored rows made in transactions since the last {@link fullRun} began. */
  const storedReads = () =>
    statements.filter((s) =>
      /FROM truc\.students (r JOIN v ON v\.key = r\.student_code|WHERE student_code = ANY)/.test(s),
    );

  /** A full run of `pages`; notes which page's job runs. */
  function fullRun(pages: unknown[][]) {
    statements = [];
    mappedInTx = [];
    textCheckedInTx = [];
    return fullStudentsRun(ctx, source, pages, (row) => {
      jobPage = typeof row.payload.page === 'number' ? row.payload.page : -1;
    });
  }

  it('maps a changing run ahead, reads stored rows once per page, and maps nothing of an unchanged run', async () => {
    const pages = Array.from({ length: PAGES }, (_, i) => page('K', i));
    const first = await fullRun(pages);
    expect(first.map((b) => [b.accepted, b.rejected, b.unchanged])).toEqual(pages.map(() => [2, 0, 0]));
    // Every record mapped once; from the third page on (the run has shown it changes) ahead of its
    // transaction: the first two pages are mapped inside theirs.
    expect(mappedInTx).toEqual([...Array(4).fill(true), ...Array((PAGES - 2) * 2).fill(false)]);
    // A first sync: the first page's read found nothing stored, so the pages after it are not read (their
    // records inserted as new: one stored after all would fail the insert and have the page read).
    expect(storedReads()).toHaveLength(1);
    const rows = await ctx.db.rows<{ student_code: string; source_fp: string | null }>(
      'truc.students',
      `student_code LIKE 'K%' ORDER BY student_code`,
    );
    expect(rows).toHaveLength(PAGES * 2);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.source_fp ?? ''))).toBe(true);

    // The same run again: every record skipped, nothing mapped, in a transaction or ahead of one.
    const again = await fullRun(pages);
    expect(again.map((b) => [b.accepted, b.unchanged])).toEqual(pages.map(() => [0, 2]));
    expect(mappedInTx).toEqual([]);

    // Every record changed: written as if mapped in the transaction.
    const renamed = Array.from({ length: PAGES }, (_, i) => page('K', i, 'Trần Văn Nam'));
    const third = await fullRun(renamed);
    expect(third.map((b) => [b.accepted, b.unchanged])).toEqual(pages.map(() => [2, 0]));
    // Not a first sync: every page's transaction reads its stored rows, once.
    expect(storedReads()).toHaveLength(PAGES);
    const names = await ctx.db.query<{ name: string }>(
      "SELECT DISTINCT data->>'fullName' AS name FROM truc.students WHERE student_code LIKE 'K%'",
    );
    expect(names.rows).toEqual([{ name: 'Trần Văn Nam' }]);
  });

  it("judges a new run's pages ahead (record and batch checks, fingerprints): the transaction runs the store checks, with the same outcome", async () => {
    // Each page: a name the text check repairs (a finding), and one it leaves alone.
    const pages = Array.from({ length: PAGES }, (_, i) => [
      wire(`J${i}A`, { name: 'nguyễn thị mai' }),
      wire(`J${i}B`),
    ]);
    const first = await fullRun(pages);
    expect(first.map((b) => [b.accepted, b.rejected, b.unchanged])).toEqual(pages.map(() => [2, 0, 0]));
    // The first two pages are judged in their transactions, the rest ahead of theirs.
    expect(textCheckedInTx).toEqual([...Array(4).fill(true), ...Array((PAGES - 2) * 2).fill(false)]);
    // The same findings on every page, judged in its transaction or ahead of it.
    const findings = await Promise.all(
      first.map(async (b) =>
        (
          await ctx.db.query<{ i: number; rule: string }>(
            'SELECT record_index AS i, rule FROM truc.findings WHERE batch_id = $1 ORDER BY 1, 2',
            [b.id],
          )
        ).rows.map((f) => `${f.i}:${f.rule}`),
      ),
    );
    expect(findings[0]!.length).toBeGreaterThan(0);
    expect(new Set(findings.map((f) => f.join(','))).size).toBe(1);
    // Stored as repaired, with the same twin key on every page.
    const rows = await ctx.db.query<{ code: string; name: string; twin: string | null }>(
      `SELECT student_code AS code, data->>'fullName' AS name, twin_key AS twin FROM truc.students
        WHERE student_code LIKE 'J%' ORDER BY 1`,
    );
    expect(new Set(rows.rows.map((r) => r.name))).toEqual(new Set(['Nguyễn Thị Mai']));
    expect(new Set(rows.rows.map((r) => r.twin)).size).toBe(1);
    expect(rows.rows[0]!.twin).not.toBeNull();
    // The fingerprints worked out ahead are the ones judging in the transaction gives: judged again
    // (the source fingerprints forgotten, so nothing is skipped), every record is unchanged.
    await ctx.db.query(`UPDATE truc.students SET source_fp = NULL WHERE student_code LIKE 'J%'`);
    const again = await fullRun(pages);
    expect(again.map((b) => [b.accepted, b.unchanged])).toEqual(pages.map(() => [0, 2]));
  });

  it("writes a judged page's verdicts, batch, seen keys and refusals with its run's advance: one statement", async () => {
    // Each page: a record the schema refuses (no name), remembered as refused, and one accepted.
    const pages = Array.from({ length: 3 }, (_, i) => [wire(`C${i}A`, { name: '' }), wire(`C${i}B`)]);
    const first = await fullRun(pages);
    expect(first.map((b) => [b.accepted, b.rejected, b.unchanged])).toEqual(pages.map(() => [1, 1, 0]));
    const advances = statements.filter((s) => s.includes('UPDATE truc.sync_runs SET status'));
    expect(advances).toHaveLength(pages.length);
    for (const part of [
      'INSERT INTO truc.quality_records',
      'INSERT INTO truc.refused_sources',
      'INSERT INTO truc.sync_run_seen',
    ]) {
      expect(statements.filter((s) => s.includes(part))).toEqual(advances);
    }
    const refused = await ctx.db.query<{ key: string }>(
      `SELECT source_key AS key FROM truc.refused_sources WHERE source_key LIKE 'C%' ORDER BY 1`,
    );
    expect(refused.rows.map((r) => r.key)).toEqual(['C0A', 'C1A', 'C2A']);
  });

  it('reads the source back to back, three pages ahead of the page being stored', async () => {
    const pages = 6;
    source.calls = [];
    source.pages = Array.from({ length: pages }, (_, i) => ({
      items: page('R', i),
      deletedKeys: [],
      nextCursor: i < pages - 1 ? `r${i + 2}` : undefined,
      watermark: undefined,
    }));
    const run = {
      id: 9_999,
      system: 'hcm-csdl',
      entity: 'students',
      scope: '',
      since: null,
      rejectedSchools: [],
    } as unknown as SyncRun;
    const cursors = () => source.calls.map((c) => c.cursor);
    const upTo = (n: number) => Array.from({ length: n }, (_, i) => `r${i + 1}`);
    // Each read passes the gate first (a database read): on a loaded machine, longer than vi.waitFor's 1 s.
    const READS = { timeout: 15_000, interval: 20 };
    // Page r1 is stored: r2 is the next page; r3 and r4 are read as soon as the page before each has arrived.
    readAhead(ctx, run, 'r1');
    await vi.waitFor(() => expect(cursors()).toEqual(upTo(3)), READS);
    const taken = await pageOf(ctx, { ...run, cursor: 'r1' });
    expect(taken.page.items).toEqual(page('R', 0));
    expect(taken.ahead?.fps).toHaveLength(2);
    // Page r1 is stored next (taken from the pages read ahead, not fetched again); one more page is read.
    readAhead(ctx, run, 'r2');
    await vi.waitFor(() => expect(cursors()).toEqual(upTo(4)), READS);
    await new Promise((r) => setTimeout(r, 50));
    expect(cursors()).toEqual(upTo(4));
  });

  /**
   * A source that tells each page's next cursor (`hint` of it) as soon as it is asked, then holds the page
   * back, as if still receiving, parsing and checking it, until `release`; its parsed `nextCursor` is `next`
   * of it. Every cursor asked is recorded.
   */
  function hintingSource(hint: (i: number) => string, next: (i: number) => string | undefined) {
    const asked: (string | undefined)[] = [];
    const held: { cursor: string | undefined; go: () => void }[] = [];
    const page = source.page.bind(source);
    source.page = async (_entity, opts) => {
      asked.push(opts.cursor);
      const i = Number(opts.cursor?.slice(1));
      if (opts.cursor?.startsWith('h')) opts.onNextCursor?.(hint(i));
      await new Promise<void>((go) => held.push({ cursor: opts.cursor, go }));
      const nextCursor = opts.cursor?.startsWith('h') ? next(i) : undefined;
      return { items: [wire(`${opts.cursor}`)], deletedKeys: [], nextCursor, watermark: undefined };
    };
    /** Lets the pages held (those at `cursor` only, when given) arrive. */
    const release = (cursor?: string) => {
      for (const h of held.filter((x) => cursor === undefined || x.cursor === cursor)) {
        held.splice(held.indexOf(h), 1);
        h.go();
      }
    };
    return { asked, release, restore: () => (source.page = page) };
  }
  const hintRun = (id: number) =>
    ({
      id,
      system: 'hcm-csdl',
      entity: 'students',
      scope: '',
      since: null,
      rejectedSchools: [],
    }) as unknown as SyncRun;
  const READS = { timeout: 15_000, interval: 20 };

  it("asks for the next pages as soon as a page's body shows their cursors, before it is parsed and checked", async () => {
    const src = hintingSource(
      (i) => `h${i + 1}`,
      (i) => `h${i + 1}`,
    );
    try {
      const run = hintRun(9_998);
      readAhead(ctx, run, 'h1');
      // None of the three pages has been parsed (all are held): each was asked for on its predecessor's hint.
      await vi.waitFor(() => expect(src.asked).toEqual(['h1', 'h2', 'h3']), READS);
      src.release();
      const taken = await pageOf(ctx, { ...run, cursor: 'h1' });
      expect(taken.page.nextCursor).toBe('h2');
      expect(src.asked).toEqual(['h1', 'h2', 'h3']);
    } finally {
      src.restore();
      src.release();
    }
  });

  it('keeps three pages on their way as pages are taken, each asked for on the hint of the one before it', async () => {
    const src = hintingSource(
      (i) => `h${i + 1}`,
      (i) => `h${i + 1}`,
    );
    try {
      const run = hintRun(9_996);
      readAhead(ctx, run, 'h1');
      await vi.waitFor(() => expect(src.asked).toEqual(['h1', 'h2', 'h3']), READS);
      // Page by page, as the pull job does: the page to store arrives and is taken, and the page after it
      // becomes the next to store. Only the page taken has arrived; the others are still on their way, but
      // their bodies have shown their next cursors: the page three ahead is asked for at once.
      for (const [i, more] of [
        [1, 'h4'],
        [2, 'h5'],
        [3, 'h6'],
      ] as const) {
        src.release(`h${i}`);
        expect((await pageOf(ctx, { ...run, cursor: `h${i}` })).page.items).toEqual([wire(`h${i}`)]);
        readAhead(ctx, run, `h${i + 1}`);
        await vi.waitFor(() => expect(src.asked.at(-1)).toBe(more), READS);
      }
      expect(src.asked).toEqual(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
    } finally {
      // The run stops: its pages read ahead are dropped (they would count against the pages held ahead).
      noteStored(ctx, 9_996, undefined);
      src.restore();
      src.release();
    }
  });

  it('drops a page read on a hint its predecessor contradicts once parsed, and reads the parsed cursor', async () => {
    // Page h1's body hints x2, its parsed page says h2.
    const src = hintingSource(
      (i) => `x${i + 1}`,
      (i) => `h${i + 1}`,
    );
    try {
      const run = hintRun(9_997);
      readAhead(ctx, run, 'h1');
      await vi.waitFor(() => expect(src.asked).toEqual(['h1', 'x2']), READS);
      src.release();
      await vi.waitFor(() => expect(src.asked.slice(0, 3)).toEqual(['h1', 'x2', 'h2']), READS);
      src.release();
      // The page at x2 is not one of the run's pages read ahead: fetched anew. The one at h2 is.
      const asked = (c: string) => src.asked.filter((a) => a === c).length;
      const x2 = pageOf(ctx, { ...run, cursor: 'x2' });
      await vi.waitFor(() => expect(asked('x2')).toBe(2), READS);
      src.release();
      expect((await x2).page.items).toEqual([wire('x2')]);
      expect((await pageOf(ctx, { ...run, cursor: 'h2' })).page.items).toEqual([wire('h2')]);
      expect(asked('h2')).toBe(1);
    } finally {
      src.restore();
      src.release();
    }
  });

  it('writes a page judged ahead with the JSON texts its fingerprints were taken of, not serialised again', () => {
    const data = { studentCode: 'P1', schoolCode: '79000001' };
    // A text other than the record's own shows which one the upsert is given.
    const json = Buffer.from(JSON.stringify({ ...data, fullName: 'judged ahead' }));
    const checked = {
      findings: [],
      rejected: new Set<number>(),
      existing: new Map(),
      records: [{ key: 'P1', scope: '79000001', personalId: undefined, data }],
      ahead: {
        prejudged: {} as JudgedAhead['prejudged'],
        fingerprints: ['f'.repeat(64)],
        jsons: [json],
        twinKeys: [undefined],
      },
    } as unknown as Checked;
    const [row] = plan(checked).toWrite;
    expect(row!.json).toBe(json);
    expect(row!.fingerprint).toBe('f'.repeat(64));
  });
});
