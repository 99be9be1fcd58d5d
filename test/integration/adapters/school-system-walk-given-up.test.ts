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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmasAdapter, createSmasClient } from '../../../src/adapters/smas/index.js';
import { startSmasSimulator, type SmasSimulator } from '../../../src/simulators/smas/simulator.js';

const API_KEY = 'review17-smas-key';
const T0 = Date.parse('2026-12-01T01:00:00.000Z');
const keysOf = (items: readonly unknown[]) => (items as Array<{ MaHocSinh: string }>).map((r) => r.MaHocSinh);

describe('a full SMAS listing that gives up on a school (review17 B3)', () => {
  let sim: SmasSimulator;
  let clock = T0;

  beforeAll(async () => {
    sim = await startSmasSimulator({
      seed: 'review17-given-up',
      schools: 3,
      studentsPerSchool: 6,
      staffPerSchool: 1,
      apiKey: API_KEY,
      asOf: '2026-11-30T00:00:00.000Z',
      now: () => clock,
    });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('returns a watermark from which the next incremental listing brings the changes it skipped', async () => {
    const opts = { baseURL: sim.url, apiKey: API_KEY, timeoutMs: 2000 };
    const client = createSmasClient(opts);
    const adapter = createSmasAdapter(opts);
    const [a, b] = sim.schoolCodes;
    const studentsOf = async (school: string) =>
      (await client.fetchPage('students', school, { page: 1, pageSize: 50 })).items;
    const atA = await studentsOf(a!);
    expect(atA).toHaveLength(6);
    const x = atA[5]!;
    const [y] = await studentsOf(b!);

    // Before the run: the first school's last student changes, then the second school's first.
    clock = T0 + 5_000;
    await client.upsert('students', a!, [{ ...x, DienThoaiLienHe: '0901000011' }], 'r17-b3-x');
    clock = T0 + 10_000;
    await client.upsert('students', b!, [{ ...y!, DienThoaiLienHe: '0901000012' }], 'r17-b3-y');

    // An hour later, a full listing, two records a page; the first school deletes the first student of
    // each page it hands over (four times: listed again three times, then given up on).
    clock = T0 + 3_600_000;
    const walk = adapter.listChanges('students', { pageSize: 2 })[Symbol.asyncIterator]();
    const seen: string[] = [];
    let watermark: string | undefined;
    let unstable: readonly string[] = [];
    let deletes = 0;
    for (let next = await walk.next(); !next.done; next = await walk.next()) {
      const keys = keysOf(next.value.items);
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
    for await (const page of adapter.listChanges('students', from)) nextRun.push(...keysOf(page.items));
    expect(nextRun).toContain(x.MaHocSinh);
  });
});
