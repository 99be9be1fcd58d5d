/**
 * review21 (was it.fails: README Known limits; guard22 weighs a schools run's schools as one unit, the city's): the mass-change guard cannot hold a schools run. Issue 7 item 3: "a
 * source that suddenly returns half its students … would be applied in full" — the guard weighs a run's deletions
 * per school against that school's live records (src/jobs/run-guard.ts, src/jobs/guard.ts `evaluate`: schools
 * with fewer than `minRecords` (20) are not guarded). A school record is its own school (record-tables.ts: the
 * schools table's scope is school_code), so each counts 1 live record against itself: never guarded. A full
 * schools run whose source lists half of the city's schools (a glitch, a page lost) tombstones the other half, and
 * nothing asks an admin: their scorecards, overview rows, website probes and the level the age/grade rules read
 * (quality-facts.ts reads live schools only) are gone until the next full run lists them again.
 * Expected: a schools run that deletes more than `deleteRatio` of the schools in its scope is held, as a run
 * deleting that share of one school's students is.
 */
import { describe, expect, it } from 'vitest';
import { requestSync } from '../../../src/jobs/contracts.js';
import { HCM_CSDL_MAPPINGS } from '../../../src/mappings/hcm-csdl/index.js';
import { school } from '../../factories/records.js';
import { drain, fakeSource, NOW, useTestContext } from './fixtures.js';

const codes = Array.from({ length: 40 }, (_, i) => `7900${String(i).padStart(4, '0')}`);
/** A school as hcm-csdl serves it. */
const wire = (code: string) => ({
  ...HCM_CSDL_MAPPINGS.schools.fromCanonical!(school(code), { now: () => NOW }),
  updatedAt: '2025-10-01T02:00:00.000Z',
});

describe("a full schools run listing half of the city's schools (review21)", () => {
  const source = fakeSource('hcm-csdl', ['schools']);
  const ctx = useTestContext({ sources: { 'hcm-csdl': source } });

  async function fullRun(items: unknown[]) {
    await ctx.db.tx((q) =>
      requestSync(q, {
        system: 'hcm-csdl',
        entity: 'schools',
        full: true,
        requestedBy: 'admin',
        at: ctx.now(),
      }),
    );
    source.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
    await drain(ctx, 'pull');
  }
  const live = async () => (await ctx.db.rows('truc.schools', 'deleted_at IS NULL')).length;
  const holds = async () => (await ctx.db.rows('truc.guard_holds', 'true')).length;

  it('is held before it deletes the other half', async () => {
    await fullRun(codes.map(wire));
    expect(await live()).toBe(40);
    await fullRun(codes.slice(0, 20).map(wire));
    // Fails: 20 live, no hold — 20 of 40 schools (50 %) deleted unguarded.
    expect(await live()).toBe(40);
    expect(await holds()).toBe(1);
    // The hold weighs the city's schools as one (`*`, guard22): its diff names the schools it would delete.
    const [hold] = await ctx.db.rows('truc.guard_holds', 'true');
    expect(hold).toMatchObject({ kind: 'reconcile', entity: 'schools', status: 'held' });
    expect(hold!.diff).toEqual([
      {
        school: '*',
        live: 40,
        deleted: 20,
        moved: 0,
        changed: 0,
        reconciled: 20,
        keys: { deleted: codes.slice(20), moved: [], changed: [] },
      },
    ]);
    expect(hold!.reasons).toEqual([
      { school: '*', kind: 'deleted', count: 20, live: 40, ratio: 0.5, threshold: 0.3 },
    ]);
  });
});
