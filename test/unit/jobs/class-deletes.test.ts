/**
 * Class deletions travel (issue 7): a source's class tombstone names only the class's code (hcm-csdl's
 * maDinhDanh), so it deletes the live classes of that code the source itself last wrote; a full classes
 * run's reconciliation deletes the classes it no longer serves; both deletions go to the targets that
 * delete classes (a school's own system: by the class's code within the school). A class whose school
 * still holds a live class of the same code in a later school year is not deleted there (the system
 * holds that one under the same code): the set counts it as superseded (an earlier year's does not
 * supersede: class-delete-newer-year.test.ts). On a real in-memory database.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { requestSync } from '../../../src/jobs/contracts.js';
import { HCM_CSDL_MAPPINGS } from '../../../src/mappings/hcm-csdl/index.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { S1, S2 } from '../../helpers/api.js';
import { drain, fakeSource, fakeTarget, NOW, useTestContext } from './fixtures.js';

/** A class as hcm-csdl serves it. */
const wire = (school: string, year: string, code: string) => ({
  ...HCM_CSDL_MAPPINGS.classes.fromCanonical!(
    { classCode: code, schoolCode: school, schoolYear: year, grade: '6', name: `6 ${code}` },
    { now: () => NOW },
  ),
  updatedAt: '2025-10-01T02:00:00.000Z',
});

describe('class deletions', () => {
  const source = fakeSource('hcm-csdl', ['classes']);
  const school = fakeTarget('vnedu', ['classes'], ['classes']);
  const ctx = useTestContext({ sources: { 'hcm-csdl': source }, targets: { vnedu: school } });

  async function run(items: unknown[], deletedKeys: string[], full = false) {
    if (!full) await createSyncRunsRepo(ctx.db).saveWatermark('hcm-csdl', 'classes', '', 'w0');
    await ctx.db.tx((q) =>
      requestSync(q, { system: 'hcm-csdl', entity: 'classes', full, requestedBy: 'admin', at: ctx.now() }),
    );
    source.pages.push({ items, deletedKeys, nextCursor: undefined, watermark: 'w1' });
    await drain(ctx, 'pull');
    await drain(ctx, 'push.vnedu');
  }
  const live = async () =>
    (await ctx.db.rows<{ class_key: string }>('truc.classes', 'deleted_at IS NULL ORDER BY class_key')).map(
      (r) => r.class_key,
    );
  const deleteSets = () =>
    ctx.db.rows<{ keys: string[]; receipt: Record<string, unknown> }>(
      'truc.push_sets',
      `operation = 'delete' ORDER BY id`,
    );

  /** What the first two runs left: four classes stored, then Y's tombstone (both tests start from it). */
  const before = { stored: [] as string[], afterTombstone: [] as string[], removals: [] as unknown[] };
  beforeAll(async () => {
    await run(
      [
        wire(S1, '2024-2025', 'X'),
        wire(S1, '2025-2026', 'X'),
        wire(S1, '2025-2026', 'Y'),
        wire(S2, '2025-2026', 'Z'),
      ],
      [],
    );
    before.stored = await live();
    // The city deletes class Y (its tombstone names the code only).
    await run([], ['Y']);
    before.afterTombstone = await live();
    before.removals = school.removals.map((r) => [r.entity, r.keys]);
  }, 60_000);

  it("a class tombstone deletes the source's class of that code; the deletion travels", () => {
    expect(before.stored).toHaveLength(4);
    expect(before.afterTombstone).toEqual([`${S1}/2024-2025/X`, `${S1}/2025-2026/X`, `${S2}/2025-2026/Z`]);
    expect(before.removals).toEqual([['classes', [`${S1}/2025-2026/Y`]]]);
  });

  it('reconciliation deletes the classes a full run no longer serves, within the school years it lists', async () => {
    // A full run serving this year's classes only says nothing of last year's (left20 item 1): S1's last-year
    // X stays (history the records of that year name); S2, of which it lists no class, loses this year's Z.
    await run([wire(S1, '2025-2026', 'X')], [], true);
    expect(await live()).toEqual([`${S1}/2024-2025/X`, `${S1}/2025-2026/X`]);
    // Z is deleted at the school's system.
    expect(school.removals.map((r) => r.keys)).toEqual([[`${S1}/2025-2026/Y`], [`${S2}/2025-2026/Z`]]);
    const sets = await deleteSets();
    expect(sets.map((s) => [s.keys, s.receipt['superseded']])).toEqual([
      [[`${S1}/2025-2026/Y`], 0],
      [[`${S2}/2025-2026/Z`], 0],
    ]);
    // A full run listing last year's classes of S1 reconciles that year too: last year's X, unlisted, goes;
    // it is superseded at the school's system, which holds this year's X under the same code.
    await run([wire(S1, '2025-2026', 'X'), wire(S1, '2024-2025', 'W')], [], true);
    expect(await live()).toEqual([`${S1}/2024-2025/W`, `${S1}/2025-2026/X`]);
    expect((await deleteSets()).slice(2).map((s) => [s.keys, s.receipt['superseded']])).toEqual([
      [[`${S1}/2024-2025/X`], 1],
    ]);
  });
});
