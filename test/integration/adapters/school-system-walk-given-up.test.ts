/**
 * review17 B3 (fixed by walk17): a FULL SMAS listing that gives up on a school (BUG 7: its total kept
 * changing between its pages, src/adapters/school-system/adapter.ts) skips records of it, and ended with the
 * latest change time it saw as its watermark (only an incremental listing was held at `since`). A change of
 * the given-up school that its last pass skipped, stamped before a later school's change the listing did
 * see, was then left out by the next incremental listing too: lost until the next full run. Such a listing
 * now tells no watermark (and the run keeps its scope's: school-system-walk-reconcile.test.ts). Here the
 * school deletes a student after each page it serves (four times: given up), its last student (changed
 * before the run) is never listed, and the next school's change is later.
 */
import { describe, expect, it } from 'vitest';
import { studentKeys, useSmasWalk, WALK_T0 } from '../../helpers/smas-walk.js';

describe('a full SMAS listing that gives up on a school (review17 B3)', () => {
  const w = useSmasWalk({
    seed: 'review17-given-up',
    schools: 3,
    studentsPerSchool: 6,
    apiKey: 'review17-smas-key',
  });

  it('returns a watermark from which the next incremental listing brings the changes it skipped', async () => {
    const { client, adapter } = w;
    const [a, b] = w.sim.schoolCodes;
    const studentsOf = async (school: string) =>
      (await client.fetchPage('students', school, { page: 1, pageSize: 50 })).items;
    const atA = await studentsOf(a!);
    expect(atA).toHaveLength(6);
    const x = atA[5]!;
    const [y] = await studentsOf(b!);

    // Before the run: the first school's last student changes, then the second school's first.
    w.clock = WALK_T0 + 5_000;
    await client.upsert('students', a!, [{ ...x, DienThoaiLienHe: '0901000011' }], 'r17-b3-x');
    w.clock = WALK_T0 + 10_000;
    await client.upsert('students', b!, [{ ...y!, DienThoaiLienHe: '0901000012' }], 'r17-b3-y');

    // An hour later, a full listing, two records a page; the first school deletes the first student of
    // each page it hands over (four times: listed again three times, then given up on).
    w.clock = WALK_T0 + 3_600_000;
    const walk = adapter.listChanges('students', { pageSize: 2 })[Symbol.asyncIterator]();
    const seen: string[] = [];
    let watermark: string | undefined;
    let unstable: readonly string[] = [];
    let deletes = 0;
    for (let next = await walk.next(); !next.done; next = await walk.next()) {
      const keys = studentKeys(next.value.items);
      seen.push(...keys);
      watermark = next.value.watermark ?? watermark;
      if (next.value.unstableScopes) unstable = next.value.unstableScopes;
      if (deletes < 4 && keys.length > 0 && atA.some((r) => r.MaHocSinh === keys[0])) {
        await client.remove('students', a!, [keys[0]!], `r17-b3-del-${deletes++}`);
      }
    }
    expect(unstable).toEqual([a]);
    // The given-up school's changed student was never listed; the second school's change was.
    expect(seen).not.toContain(x.MaHocSinh);
    expect(seen).toContain(y!.MaHocSinh);

    // The next incremental listing, from this one's watermark, must bring it (without one: a full listing).
    const nextRun: string[] = [];
    const from = watermark === undefined ? {} : { since: watermark };
    for await (const page of adapter.listChanges('students', from)) nextRun.push(...studentKeys(page.items));
    expect(nextRun).toContain(x.MaHocSinh);
  });
});
