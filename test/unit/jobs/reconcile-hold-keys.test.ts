/**
 * fix34a item 3: a held reconciliation kept every code it would delete (a full run that deletes most records of many
 * schools: thousands of codes a school, all of them in the hold's diff, sent by GET /v1/guard/holds/{id}), where a
 * held run's weighed hold keeps at most `guard.weighedKeys` a school and kind (review33a F2). Now the reconciliation's
 * hold keeps as many (50), its counts exact, and says some codes are left out (`keysTruncated`). On a real in-memory
 * database.
 */
import { describe, expect, it } from 'vitest';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { smasStudent } from '../../factories/wire.js';
import { fakeSource, smasStudentsRun, useTestContext } from './fixtures.js';

/** NOW (2026-01-15) is in school year 2025-2026. */
const THIS = '2025-2026';

describe("a held reconciliation's codes", () => {
  const smas = fakeSource('smas', ['students']);
  const ctx = useTestContext({ sources: { smas } });

  const run = (items: unknown[], full: boolean): Promise<number> => smasStudentsRun(ctx, smas, items, full);
  const students = (school: string, n: number) =>
    Array.from({ length: n }, (_, i) =>
      smasStudent(`RK${school}${String(i).padStart(3, '0')}`, {
        MaTruong: school,
        NamHoc: THIS,
        KhoiHoc: '2',
      }),
    );

  it('are at most guard.weighedKeys a school and kind, the counts exact, keysTruncated', async () => {
    const cap = ctx.config.guard.weighedKeys;
    expect(cap).toBe(50);
    const [a, b] = ['79000061', '79000062'];
    await run([...students(a, 100), ...students(b, 100)], false);
    // Its full list now: 30 of A's 100 (70 to delete), 60 of B's (40 to delete): both over 30 %.
    const id = await run([...students(a, 100).slice(0, 30), ...students(b, 100).slice(0, 60)], true);
    const summary = await createGuardHoldsRepo(ctx.db).heldOfRun(id);
    expect(summary?.kind).toBe('reconcile');
    const hold = (await createGuardHoldsRepo(ctx.db).get(summary!.id))!;
    const of = (school: string) => hold.diff.find((d) => d.school === school)!;
    // A: 70 deletions, 50 codes kept (was: all 70), said so
    expect(of(a)).toMatchObject({ deleted: 70, reconciled: 70, keysTruncated: true });
    expect(of(a).keys.deleted).toHaveLength(cap);
    expect(new Set(of(a).keys.deleted).size).toBe(cap);
    // B: 40 deletions, all 40 kept, nothing said
    expect(of(b)).toMatchObject({ deleted: 40, reconciled: 40 });
    expect(of(b).keys.deleted).toHaveLength(40);
    expect(of(b).keysTruncated).toBeUndefined();
    expect(hold.reasons.find((r) => r.school === a)?.count).toBe(70);
  });
});
