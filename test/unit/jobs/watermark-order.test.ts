/**
 * left19 item 4: a scope's watermark is the latest-requested run's. Two runs of one scope may finish out of
 * the order they were requested in (a held run approved late, a run whose pages waited behind another's):
 * the run that finished last saved its watermark over the newer run's, so the next incremental run started
 * from the older listing's point and asked again for every change since (or, from a full run's end time taken
 * as watermark, worse). Watermarks are opaque strings (a system's own cursor), so the newer one is not told by
 * comparing them: the run that saved it is kept with it, and a run requested before it saves nothing. The
 * no-save rule of a listing that gave up on a school (review17 B3) stays: it saves nothing either way.
 */
import { describe, expect, it } from 'vitest';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { nextRow, requestFullStudentsSync, runRow, useStudentsSource } from './fixtures.js';

describe('the watermark of runs that finish out of order (left19 item 4)', () => {
  const { ctx, source } = useStudentsSource();
  const watermark = () => createSyncRunsRepo(ctx.db).watermark('hcm-csdl', 'students', '');
  /** Pulls the next page of run `id` (its one page, served with `wm` as the listing's watermark). */
  async function finish(id: number, wm: string) {
    source.pages.push({ items: [], deletedKeys: [], nextCursor: undefined, watermark: wm });
    const row = await nextRow(ctx.db, (r) => r.queue === 'pull' && r.payload['syncRunId'] === id);
    expect(row).toBeDefined();
    await runRow(ctx, row!);
    expect(await createSyncRunsRepo(ctx.db).get(id)).toMatchObject({ status: 'done' });
  }

  it('an older run finishing after a newer one leaves the newer run’s watermark', async () => {
    const older = await requestFullStudentsSync(ctx);
    const newer = await requestFullStudentsSync(ctx);
    await finish(newer, '2026-01-15T02:00:00.000Z');
    await finish(older, '2026-01-14T02:00:00.000Z');
    expect(await watermark()).toBe('2026-01-15T02:00:00.000Z');
  });

  it('a run requested after the one that saved the watermark saves its own', async () => {
    const later = await requestFullStudentsSync(ctx);
    // Opaque: not later than the one kept by any comparison of strings, yet the latest-requested run's.
    await finish(later, 'c-0001');
    expect(await watermark()).toBe('c-0001');
  });
});
