/**
 * review24 (was it.fails; fixed by the lead, runerr24: src/store/sync-run-reads.ts `list` counts the open letters of the
 * run's push sets too): issue 7 item 6 — sync runs "listed and filtered …, each with counts per
 * outcome, duration, the mapping version used and an error summary"; the summary's `deadLetters` ("open dead
 * letters", README) counts only letters whose payload names the run (its pull and reconcile jobs:
 * src/store/sync-run-reads.ts `list`). The deliveries of what the run changed (push sets made from its pages'
 * batches: a school system's changes to the city, the city's changes and deletions to the school systems) are left
 * out. A night's smas pull whose every change the city refused (dead-lettered) reads `errors: none` in
 * `GET /v1/syncs`, `truc sync list|show` and the dashboard's sync runs, and no view of the run leads to those
 * letters: the run's batches are not listed anywhere a city admin reads runs. The vendor's batch shows such a
 * delivery `failed` (`deliveries`); the city admin's run does not.
 * Expected: the run's error summary counts the open dead letters of its deliveries too (or names them apart).
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { requestSync } from '../../../src/jobs/contracts.js';
import { createSyncRunReads } from '../../../src/store/sync-run-reads.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { smasStudent } from '../../factories/wire.js';
import { S1 } from '../../helpers/api.js';
import {
  byQueue,
  drain,
  fakeSource,
  fakeTarget,
  nextRow,
  runRow,
  useTestContext,
  deadLetterRow,
} from './fixtures.js';

describe('a smas run whose changes the city refused (review24)', () => {
  const source = fakeSource('smas', ['students']);
  const city = fakeTarget('hcm-csdl', ['students'], ['students']);
  const ctx = useTestContext({ sources: { smas: source }, targets: { 'hcm-csdl': city } });

  it('shows the dead-lettered delivery in the run’s error summary', async () => {
    await createSyncRunsRepo(ctx.db).saveWatermark('smas', 'students', '', 'w0');
    const runId = await ctx.db.tx((q) =>
      requestSync(q, {
        system: 'smas',
        entity: 'students',
        full: false,
        requestedBy: 'admin',
        at: ctx.now(),
      }),
    );
    source.pages.push({
      items: [smasStudent('DE1', { MaTruong: S1 }), smasStudent('DE2', { MaTruong: S1 })],
      deletedKeys: [],
      nextCursor: undefined,
      watermark: 'w1',
    });
    await drain(ctx, 'pull');

    // The city refuses the run's changes for good: the worker dead-letters the push set.
    city.next = () => {
      throw new AppError('ERR_ADAPTER_REJECTED', 'hcm-csdl POST /v1/students:batchUpsert failed: HTTP 400');
    };
    const row = (await nextRow(ctx.db, byQueue('push.hcm-csdl')))!;
    const err = await runRow(ctx, row).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_ADAPTER_REJECTED' });
    await deadLetterRow(ctx, row, { message: 'HTTP 400', attempts: 1 });
    const dead = await ctx.db.rows('truc.dead_letters', `replayed_at IS NULL`);
    expect(dead).toHaveLength(1);

    const { items } = await createSyncRunReads(ctx.db).list({ id: runId, limit: 1, offset: 0 });
    expect(items[0]).toMatchObject({ status: 'done', accepted: 2 });
    // Was 0: the run read as if nothing went wrong while the city never got its two changes.
    expect(items[0]!.deadLetters).toBe(1);
  });
});
