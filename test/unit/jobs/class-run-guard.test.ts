/**
 * left19 item 3, runs (fixed by left20 item 1): the run guard (src/jobs/run-guard.ts `withRun`) weighed a full
 * classes run's deletions against the school's classes of every year, diluting a mass deletion of one year's
 * classes with the years kept beside it, as a vendor's class snapshot was before review18 R4: a full run that
 * still lists last year's 24 classes and leaves out 12 of this year's 24 deleted them as 25 % of the school's
 * 48 (under `guard.deleteRatio`, 30 %), not held. A classes run now keeps its counts per school and school year
 * (truc.sync_run_guard.school_year, migration 670) and reconciles within the years it lists at each school
 * (class-deletes.test.ts), so each deletion is weighed within its year: 12 of 24, held.
 */
import { describe, expect, it } from 'vitest';
import { requestSync } from '../../../src/jobs/contracts.js';
import { HCM_CSDL_MAPPINGS } from '../../../src/mappings/hcm-csdl/index.js';
import { S1 } from '../../helpers/api.js';
import { drain, fakeSource, NOW, useTestContext } from './fixtures.js';

/** A class as hcm-csdl serves it. */
const wire = (year: string, code: string) => ({
  ...HCM_CSDL_MAPPINGS.classes.fromCanonical!(
    { classCode: code, schoolCode: S1, schoolYear: year, grade: '6', name: `6 ${code}` },
    { now: () => NOW },
  ),
  updatedAt: '2025-10-01T02:00:00.000Z',
});

describe('the run guard over a full classes run (left19 item 3, left20 item 1)', () => {
  const source = fakeSource('hcm-csdl', ['classes']);
  const ctx = useTestContext({ sources: { 'hcm-csdl': source } });

  async function fullRun(items: unknown[]) {
    await ctx.db.tx((q) =>
      requestSync(q, {
        system: 'hcm-csdl',
        entity: 'classes',
        full: true,
        requestedBy: 'admin',
        at: ctx.now(),
      }),
    );
    source.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
    await drain(ctx, 'pull');
  }
  const liveOf = async (year: string) =>
    (
      await ctx.db.rows<{ class_key: string }>(
        'truc.classes',
        `school_code = '${S1}' AND deleted_at IS NULL AND data->>'schoolYear' = '${year}'`,
      )
    ).length;
  const codes = Array.from({ length: 24 }, (_, i) => `6C${i + 1}`);

  it('holds a full run that leaves out half of this year’s classes while listing last year’s', async () => {
    const last = codes.map((c) => wire('2024-2025', c));
    const current = codes.map((c) => wire('2025-2026', c));
    await fullRun([...last, ...current]);
    expect([await liveOf('2024-2025'), await liveOf('2025-2026')]).toEqual([24, 24]);
    await fullRun([...last, ...current.slice(12)]);
    const holds = await ctx.db.rows<{ kind: string; reasons: unknown[] }>(
      'truc.guard_holds',
      `kind = 'reconcile'`,
    );
    expect({ held: holds.length, liveThisYear: await liveOf('2025-2026') }).toEqual({
      held: 1,
      liveThisYear: 24,
    });
    // Weighed within this year's classes: 12 of 24, not 12 of the school's 48.
    expect(holds[0]?.reasons).toEqual([
      expect.objectContaining({ school: S1, schoolYear: '2025-2026', kind: 'deleted', count: 12, live: 24 }),
    ]);
  });
});
