/**
 * The walk of a school's own system (SMAS here; vnEdu shares the walker,
 * src/adapters/school-system/adapter.ts listSchoolChanges) while the school's records change, found by
 * review15. A case still marked `it.fails` reproduces a bug not fixed yet: it passes while the bug is
 * there, and fails once it is fixed (then make it a plain `it`).
 *
 * BUG 6 (1st case, fixed): an incremental listing's watermark was the latest change time it saw, but it walks
 * the schools in code order, not in change-time order. A record of a school already walked that changes
 * while the walk goes on is not seen, and its change time is earlier than a later school's change the
 * listing did see: the next incremental listing, from that watermark, left it out too, until a full run.
 * The watermark is now never later than the listing's start by the source's clock (its `Date`) less the
 * overlap, nor earlier than `since` (school-system-watermark.test.ts has the rule's other cases).
 *
 * BUG 7 (2nd case, fixed): SMAS lists by page number over a set that can shrink during the walk. A record
 * deleted at a position already listed shifts every later record one place back, and the next page skips
 * one. The walker keeps the school's TotalRecord from its first page and lists the school again from its
 * first page when a later page's differs (test/integration/school-system-walk-reconcile.test.ts: at the job
 * level, and a school given up on). vnEdu's cursor must not skip either (3rd case: its simulator kept
 * positions of the current set until walk16).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVneduAdapter, createVneduClient } from '../../../src/adapters/vnedu/index.js';
import { startVneduSimulator, type VneduSimulator } from '../../../src/simulators/vnedu/simulator.js';
import { studentKeys, useSmasWalk, WALK_T0 } from '../../helpers/smas-walk.js';

const VNEDU_TOKEN = 'walk16-vnedu-token';

describe('SMAS incremental listing: a change made while the listing walks the schools', () => {
  const w = useSmasWalk({
    seed: 'review15-watermark',
    schools: 6,
    studentsPerSchool: 4,
    apiKey: 'review15-smas-key',
  });

  it('BUG 6: is seen by the next incremental listing, from the watermark this one returned', async () => {
    const { client, adapter } = w;
    const [s1, s2] = w.sim.schoolCodes;
    const listed = async (school: string) =>
      (await client.fetchPage('students', school, { page: 1, pageSize: 50 })).items;
    const [a, x] = await listed(s1!);
    const [y] = await listed(s2!);
    const write = async (school: string, rec: typeof a, phone: string, key: string) =>
      client.upsert('students', school, [{ ...rec!, DienThoaiLienHe: phone }], key);

    // One change at the first school before the listing starts.
    w.clock = WALK_T0 + 5_000;
    await write(s1!, a, '0901000001', 'r15-wm-1');
    const since = new Date(WALK_T0).toISOString();
    const walk = adapter.listChanges('students', { since })[Symbol.asyncIterator]();
    const first = await walk.next();
    expect(first.done).toBe(false);
    expect(studentKeys(first.value!.items)).toEqual([a!.MaHocSinh]);

    // While the listing is on its way: the first school's other student changes, then the second school's.
    w.clock = WALK_T0 + 10_000;
    await write(s1!, x, '0901000002', 'r15-wm-2');
    w.clock = WALK_T0 + 20_000;
    await write(s2!, y, '0901000003', 'r15-wm-3');

    const seen = [...studentKeys(first.value!.items)];
    let watermark: string | undefined;
    for (let next = await walk.next(); !next.done; next = await walk.next()) {
      seen.push(...studentKeys(next.value.items));
      watermark = next.value.watermark ?? watermark;
    }
    // This listing saw the second school's change (after the first school was walked), not x's.
    expect(seen).toContain(y!.MaHocSinh);
    expect(seen).not.toContain(x!.MaHocSinh);
    expect(watermark).toBeDefined();

    // The next incremental listing, from this one's watermark, must bring x's change.
    const nextRun: string[] = [];
    for await (const page of adapter.listChanges('students', { since: watermark! }))
      nextRun.push(...studentKeys(page.items));
    expect(nextRun).toContain(x!.MaHocSinh);
  });
  it('BUG 7: a full listing lists every record the school still holds, though one it listed was deleted meanwhile', async () => {
    const { client, adapter } = w;
    const school = w.sim.schoolCodes[2]!;
    const held = async () =>
      studentKeys((await client.fetchPage('students', school, { page: 1, pageSize: 50 })).items);
    const before = await held();
    expect(before.length).toBeGreaterThanOrEqual(4);

    // A full listing of the school, two records a page (a big school's pages are 500 records).
    const listing = adapter.listChanges('students', { schoolCode: school, pageSize: 2 });
    const walk = listing[Symbol.asyncIterator]();
    const first = await walk.next();
    const seen = studentKeys(first.value!.items);
    expect(seen).toEqual(before.slice(0, 2));
    // Meanwhile the school deletes the first student it listed (in SMAS, or truc's own delete push).
    await client.remove('students', school, [seen[0]!], 'r15-full-1');
    for (let next = await walk.next(); !next.done; next = await walk.next())
      seen.push(...studentKeys(next.value.items));

    // Every student the school still holds was listed: a full run reconciles (deletes) what it did not see.
    const after = await held();
    expect(after).toEqual(before.slice(1));
    expect(after.filter((k) => !seen.includes(k))).toEqual([]);
  });
});

describe('vnEdu full listing: a record deleted while the listing walks the school', () => {
  let sim: VneduSimulator;
  beforeAll(async () => {
    sim = await startVneduSimulator({
      seed: 'walk16-vnedu',
      schools: 4,
      studentsPerSchool: 6,
      staffPerSchool: 1,
      token: VNEDU_TOKEN,
    });
  });
  afterAll(async () => {
    await sim?.close();
  });

  // vnEdu pages by an opaque cursor (no total to check): its contract is that the cursor resumes after
  // the last record it served, whatever was deleted before it (openapi/external/vnedu.yaml `After`).
  it('lists every record the school still holds, though one it listed was deleted meanwhile', async () => {
    const opts = { baseURL: sim.url, token: VNEDU_TOKEN };
    const client = createVneduClient(opts);
    const adapter = createVneduAdapter(opts);
    const school = sim.schoolCodes[0]!;
    const ids = (items: readonly unknown[]) =>
      (items as Array<{ student_id: string }>).map((r) => r.student_id);
    const held = async () => ids((await client.fetchPage('students', school, { limit: 50 })).items);
    const before = await held();
    expect(before.length).toBeGreaterThanOrEqual(4);

    const walk = adapter.listChanges('students', { schoolCode: school, pageSize: 2 })[Symbol.asyncIterator]();
    const first = await walk.next();
    const seen = ids(first.value!.items);
    expect(seen).toEqual(before.slice(0, 2));
    await client.remove('students', school, [seen[0]!], 'w16-vnedu-1');
    for (let next = await walk.next(); !next.done; next = await walk.next())
      seen.push(...ids(next.value.items));

    const after = await held();
    expect(after).toEqual(before.slice(1));
    expect(after.filter((k) => !seen.includes(k))).toEqual([]);
  });
});
