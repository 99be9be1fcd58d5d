/**
 * review30 F1, fixed: a read of a school's records answers, on its last page, `nextUpdatedSince`, the `updatedSince`
 * of the vendor's next read (src/store/reads.ts `watermark`, src/api/routes/records.ts). A record is stamped with its
 * writing transaction's START, so the watermark is the earlier of the read's own time and the start of every
 * transaction open when the read began, less a second. The edges: nothing in flight (the read's own time, on both
 * databases), a long ingest in flight (held at its start while it runs, moving on once it commits), and a walk of
 * several pages (the first page's, carried by the cursors: a change committed during the walk to a key already
 * served is listed next time). The finding's own test is `review30 F1` in test/integration/review30.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/store/reads.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import type { Queryable } from '../../src/store/db.js';
import { expectProblem, S1, S2, student, useApiHarness, type ApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

interface Page {
  items: Array<{ key: string; updatedAt: string; record: Record<string, unknown> }>;
  nextCursor: string | null;
  nextUpdatedSince: string | null;
}

/** The watermark's margin (src/store/reads.ts `watermark`): a second. */
const MARGIN_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes canonical students as ingest's write statement does, in the transaction `q`. */
const upsert = (q: Queryable, rs: Array<ReturnType<typeof student>>) =>
  createRecordsRepo(q).upsert(
    'students',
    rs.map((r) => ({ key: r.studentCode, scope: r.schoolCode, data: r, fingerprint: fingerprint(r) })),
    { system: 'vendor', mappingVersion: 'canonical@1' },
  );

async function list(h: ApiHarness, school: string, query = ''): Promise<Page> {
  const res = await h.get(`/v1/schools/${school}/students${query}`, h.tokens.vendor);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Page>();
}

const since = (w: string | null) => `?updatedSince=${encodeURIComponent(w ?? 'none')}`;

describe.each([backends()[0]!, backends()[1]!])(
  'updatedSince watermark on $name: nothing in flight',
  (backend) => {
    const h = useApiHarness(backend);

    it('a read answers its own time less the margin; what changes after it is listed next time, not before', async () => {
      await h.env.deps.db.tx((q) => upsert(q, [student('NW1', S1)]));
      await sleep(MARGIN_MS + 500);
      const t0 = Date.now();
      const read = await list(h, S1);
      const t1 = Date.now();
      expect(read.nextCursor).toBeNull();
      const w = Date.parse(read.nextUpdatedSince ?? '');
      expect(w).toBeGreaterThanOrEqual(t0 - MARGIN_MS - 200);
      expect(w).toBeLessThanOrEqual(t1 - MARGIN_MS);
      await h.env.deps.db.tx((q) => upsert(q, [student('NW2', S1)]));
      const next = await list(h, S1, since(read.nextUpdatedSince));
      expect(next.items.map((i) => i.key)).toEqual(['NW2']);
    });
  },
);

describe('updatedSince watermark on postgres: writes in flight', () => {
  const h = useApiHarness(backends()[1]!);

  it('a long ingest in flight holds the watermark at its start until it commits; then its records are listed', async () => {
    await h.env.deps.db.tx((q) => upsert(q, [student('LI1', S1)]));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let began!: (at: Date) => void;
    const start = new Promise<Date>((r) => (began = r));
    const ingest = h.env.deps.db.tx(async (q) => {
      const { rows } = await q.query<{ now: Date }>('SELECT now()');
      await upsert(q, [{ ...student('LI1', S1), fullName: 'Trần Thị Bình' }, student('LI2', S1)]);
      began(rows[0]!.now);
      await gate;
    });
    const ingestStart = (await start).getTime();
    let again: Page;
    try {
      await sleep(MARGIN_MS + 200);
      const first = await list(h, S1);
      expect(first.items.find((i) => i.key === 'LI1')?.record['fullName']).toBe('Nguyễn Văn An');
      expect(first.items.map((i) => i.key)).not.toContain('LI2');
      expect(Date.parse(first.nextUpdatedSince ?? '')).toBe(ingestStart - MARGIN_MS);
      await sleep(300);
      again = await list(h, S1, since(first.nextUpdatedSince));
      expect(again.nextUpdatedSince).toBe(first.nextUpdatedSince);
    } finally {
      release(); // red or green, the ingest commits (an open transaction would hold the suite's teardown)
      await ingest;
    }
    const t0 = Date.now();
    const after = await list(h, S1, since(again.nextUpdatedSince));
    expect(after.items.map((i) => [i.key, i.record['fullName']])).toEqual([
      ['LI1', 'Trần Thị Bình'],
      ['LI2', 'Nguyễn Văn An'],
    ]);
    // Nothing in flight any more: the watermark moves on to this read's time.
    expect(Date.parse(after.nextUpdatedSince ?? '')).toBeGreaterThanOrEqual(t0 - MARGIN_MS - 200);
  });

  it('a walk of pages answers, on its last page only, its first page’s watermark', async () => {
    await h.env.deps.db.tx((q) => upsert(q, [student('PW1', S2), student('PW2', S2), student('PW3', S2)]));
    await sleep(MARGIN_MS + 500);
    const p1 = await list(h, S2, '?limit=1');
    const t1 = Date.now();
    expect(p1).toMatchObject({
      items: [{ key: 'PW1' }],
      nextCursor: expect.any(String),
      nextUpdatedSince: null,
    });
    // A change to a key the walk has served, committed while the walk goes on.
    await h.env.deps.db.tx((q) => upsert(q, [{ ...student('PW1', S2), fullName: 'Trần Thị Bình' }]));
    await sleep(MARGIN_MS + 200);
    const p2 = await list(h, S2, `?limit=1&cursor=${p1.nextCursor}`);
    expect(p2).toMatchObject({ items: [{ key: 'PW2' }], nextUpdatedSince: null });
    const p3 = await list(h, S2, `?limit=1&cursor=${p2.nextCursor}`);
    expect(p3).toMatchObject({ items: [{ key: 'PW3' }], nextCursor: null });
    expect(Date.parse(p3.nextUpdatedSince ?? '')).toBeLessThanOrEqual(t1 - MARGIN_MS);
    const next = await list(h, S2, since(p3.nextUpdatedSince));
    expect(next.items.map((i) => [i.key, i.record['fullName']])).toEqual([['PW1', 'Trần Thị Bình']]);
  });

  it('a cursor’s watermark must be a time; a cursor of before review30 F1 (no watermark) still pages', async () => {
    const bad = encodeCursor({ k: 'PW1', w: 'yesterday' });
    expectProblem(
      await h.get(`/v1/schools/${S2}/students?cursor=${bad}`, h.tokens.vendor),
      400,
      'ERR_INVALID_CURSOR',
    );
    const old = await list(h, S2, `?cursor=${encodeCursor({ k: 'PW1' })}`);
    expect(old.items.map((i) => i.key)).toEqual(['PW2', 'PW3']);
    expect(old.nextUpdatedSince).toEqual(expect.any(String));
  });
});
