/**
 * review33a F3 (/work/briefs/review33a-findings.md): a held run's weighing (src/jobs/run-weigh.ts `weighOn`) gives
 * up at the first Retry-After its source answers: the read's hand-back (`DeferJob`, the gate paused for a second)
 * ends the weighing, and the hold stays with the schools weighed so far. Issue 7 asks Retry-After honoured on every
 * call; the weighing is meant for the nights a school system's first city-wide pull is over the guard everywhere
 * (README: "a first SMAS pull"), and it reads the rest of the run back to back, unpaced: a school system that
 * rate-limits answers 429 within a few pages, and the admin approves a hold of one school, then the next, as before
 * review32 F3. Here: two schools of 50; a full run deleting 20 of S1's on its first page (held) and 20 of S2's on
 * its second, whose first read is answered 429 with `Retry-After: 1`: the one hold should show S1 and S2.
 * (Memory database and a fake source, as the weighing's unit tests.)
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { PulledPage } from '../../src/jobs/sources.js';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { S1, S2 } from '../helpers/api.js';
import {
  hcmStudent,
  requestFullStudentsSync,
  runNextPull,
  useStudentsSource,
} from '../unit/jobs/fixtures.js';

const keysOf = (p: string) => Array.from({ length: 50 }, (_, i) => `${p}${String(i).padStart(2, '0')}`);
const [a, b] = [keysOf('RA'), keysOf('RB')];

describe('review33a, a held run weighed against a source that asks to wait (memory database)', () => {
  const { ctx, source } = useStudentsSource();

  it('F3: a Retry-After on a weighed read is waited out, and the hold shows every school', async () => {
    await requestFullStudentsSync(ctx);
    source.pages.push({
      items: [...a.map((k) => hcmStudent(k, { school: S1 })), ...b.map((k) => hcmStudent(k, { school: S2 }))],
      deletedKeys: [],
      nextCursor: undefined,
      watermark: 'w1',
    });
    expect(await runNextPull(ctx)).toEqual({ records: 100, last: true });

    const pages: Record<string, PulledPage> = {
      '': { items: [], deletedKeys: a.slice(0, 20), nextCursor: 'c1', watermark: undefined },
      c1: { items: [], deletedKeys: b.slice(0, 20), nextCursor: undefined, watermark: 'w2' },
    };
    let limited = 0;
    source.page = async (_entity, opts) => {
      if (opts.cursor === 'c1' && limited === 0) {
        limited += 1;
        throw new AppError('ERR_ADAPTER_RATE_LIMITED', 'hcm-csdl answered 429', { retryAfterSeconds: 1 });
      }
      return pages[opts.cursor ?? '']!;
    };
    await requestFullStudentsSync(ctx);
    const held = (await runNextPull(ctx)) as { held: boolean; holdId: number };
    expect(held).toMatchObject({ held: true, holdId: expect.any(Number) });
    expect(limited).toBe(1);

    const hold = (await createGuardHoldsRepo(ctx.db).get(held.holdId))!;
    expect(hold.weighingUntil).toBeNull();
    // Red today: [S1] alone, the weighing ended at the 429.
    expect(hold.reasons.map((r) => r.school).sort()).toEqual([S1, S2].sort());
  }, 60_000);
});
