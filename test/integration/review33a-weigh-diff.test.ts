/**
 * review33a F2 (/work/briefs/review33a-findings.md): a held run's weighing (src/jobs/run-weigh.ts `Weighed.add`)
 * unions every weighed page's record codes into the hold's diff, for the whole rest of the run, with no bound, and
 * rewrites the whole diff (`guard_holds.diff`, jsonb) every 25 pages. Before the weighing (stop 52) a run's hold held
 * one page's codes (at most 1,000). The README's own case for it, "a city recoding its communes" (every student
 * changed), makes one hold of the city's 1.7 M codes: modelled with the same union, its diff is 22 MB of JSON and
 * ~95-130 MB of the worker's heap (which runs with --max-old-space-size=256), written 136 times during the weighing,
 * and `GET /v1/guard/holds/{id}` (and the dashboard's hold page) then sends all of it.
 * Here, at a small scale: one school of 1,500 students; a full run of the city whose three pages delete 500 each
 * (held at the first, 33 % over `deleteRatio`), the other two weighed: the hold keeps the exact counts, and should
 * keep a bounded list of codes per school and kind (here: at most the 1,000 a page held), not all 1,500.
 * (Memory database and a fake source, as the weighing's unit tests; the defect is in the weighing's arithmetic.)
 */
import { describe, expect, it } from 'vitest';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { S1 } from '../helpers/api.js';
import {
  hcmStudent,
  requestFullStudentsSync,
  runNextPull,
  useStudentsSource,
} from '../unit/jobs/fixtures.js';

const N = 1500;
const PAGE = 500;
/** What one page's hold held before the weighing: the codes of one page of hcm-csdl (its maximum page size). */
const CODES_BOUND = 1000;
const keys = Array.from({ length: N }, (_, i) => `WD${String(i).padStart(5, '0')}`);

describe('review33a, the codes a weighed hold keeps (memory database)', () => {
  const { ctx, source } = useStudentsSource();

  it('F2: a held run weighed to its end keeps exact counts and a bounded list of codes per school and kind', async () => {
    await requestFullStudentsSync(ctx);
    source.pages.push({
      items: keys.map((k) => hcmStudent(k, { school: S1 })),
      deletedKeys: [],
      nextCursor: undefined,
      watermark: 'w1',
    });
    expect(await runNextPull(ctx)).toEqual({ records: N, last: true });

    // The next full run deletes them all, 500 a page: held at its first page, the two others weighed.
    const pages: Record<string, { deletedKeys: string[]; nextCursor: string | undefined }> = {
      '': { deletedKeys: keys.slice(0, PAGE), nextCursor: 'c1' },
      c1: { deletedKeys: keys.slice(PAGE, 2 * PAGE), nextCursor: 'c2' },
      c2: { deletedKeys: keys.slice(2 * PAGE), nextCursor: undefined },
    };
    source.page = async (_entity, opts) => {
      const p = pages[opts.cursor ?? '']!;
      return { items: [], deletedKeys: p.deletedKeys, nextCursor: p.nextCursor, watermark: undefined };
    };
    await requestFullStudentsSync(ctx);
    const held = (await runNextPull(ctx)) as { held: boolean; holdId: number };
    expect(held).toMatchObject({ held: true, holdId: expect.any(Number) });

    const hold = (await createGuardHoldsRepo(ctx.db).get(held.holdId))!;
    expect(hold.weighingUntil).toBeNull();
    const s1 = hold.diff.find((d) => d.school === S1)!;
    // The counts are the whole run's (the weighing works) …
    expect(s1.deleted).toBe(N);
    expect(hold.reasons.find((r) => r.school === S1 && r.kind === 'deleted')?.count).toBe(N);
    // … and the codes were every code of the run (1,500, red before fix33d): now bounded (the held page's 500:
    // config guard.weighedKeys, 50, or the held page's own if more), the school saying some are left out.
    expect(s1.keys.deleted.length).toBeLessThanOrEqual(CODES_BOUND);
    expect(s1.keys.deleted).toEqual(keys.slice(0, PAGE));
    expect(s1.keysTruncated).toBe(true);
  }, 120_000);
});
