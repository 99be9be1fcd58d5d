/**
 * A school's records deleted and added while its listing walks it (review16's case, BUG 6 follow-up):
 * SMAS lists by page number, so a record deleted before the next page shifts the later ones back and
 * that page skips one; a record added meanwhile leaves `TotalRecord` as it was, so BUG 7's check does not
 * see it. The walker lists the school again when a later page lists a record changed after the school's
 * first page was served (by SMAS's clock, its `Date`): here the added one. A full run then lists every
 * record the school still holds (its reconciliation deletes none of them). vnEdu's cursor keeps a deleted
 * record's place: nothing skipped, and no need to list the school again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmasAdapter, type SmasStudent } from '../../../src/adapters/smas/index.js';
import {
  createVneduAdapter,
  createVneduClient,
  type VneduStudent,
} from '../../../src/adapters/vnedu/index.js';
import type { ChangeFeed, ListChangesOptions } from '../../../src/adapters/types.js';
import { startVneduSimulator, type VneduSimulator } from '../../../src/simulators/vnedu/simulator.js';
import { useSmasWalk, WALK_T0 } from '../../helpers/smas-walk.js';

const TOKEN = 'walk17-vnedu-token';

interface Listing<T> {
  listChanges(entity: 'students', opts: ListChangesOptions): AsyncIterable<ChangeFeed<T>>;
}

/**
 * Walks a listing of `school` two records a page; `meanwhile` runs once, after the first page was handed
 * over. `oneCallAPage`: each page from a new call with the previous page's cursor, as the pull job walks.
 */
async function walkWith<T>(
  adapter: Listing<T>,
  school: string,
  key: (r: T) => string,
  meanwhile: (firstPage: string[]) => Promise<void>,
  oneCallAPage: boolean,
): Promise<string[]> {
  const opts = { schoolCode: school, pageSize: 2 };
  const seen: string[] = [];
  let ran = false;
  const after = async (page: ChangeFeed<T>) => {
    seen.push(...page.items.map(key));
    if (!ran) {
      ran = true;
      await meanwhile(page.items.map(key));
    }
  };
  if (!oneCallAPage) {
    for await (const page of adapter.listChanges('students', opts)) await after(page);
    return seen;
  }
  let cursor: string | undefined;
  do {
    const it = adapter.listChanges('students', { ...opts, ...(cursor ? { cursor } : {}) });
    const next = await it[Symbol.asyncIterator]().next();
    if (next.done) break;
    await after(next.value);
    cursor = next.value.nextCursor;
  } while (cursor !== undefined);
  return seen;
}

describe('SMAS: a record deleted and another added while the listing walks the school', () => {
  const w = useSmasWalk({
    seed: 'walk17-delete-add',
    schools: 6,
    studentsPerSchool: 6,
    apiKey: 'walk17-smas-key',
  });

  for (const [i, oneCallAPage] of [false, true].entries()) {
    it(`lists every record the school still holds (${oneCallAPage ? 'one call a page' : 'one walk'})`, async () => {
      const { client } = w;
      const school = w.sim.schoolCodes[i]!;
      const held = async () => (await client.fetchPage('students', school, { page: 1, pageSize: 50 })).items;
      const before = await held();
      expect(before.length).toBeGreaterThanOrEqual(5);
      const total = before.length;

      w.clock = WALK_T0 + 60_000 * (i + 1);
      const seen = await walkWith(
        w.adapter,
        school,
        (r: SmasStudent) => r.MaHocSinh,
        async (first) => {
          // Seconds after the first page: the school deletes a student it listed and admits another.
          w.clock += 5_000;
          await client.remove('students', school, [first[0]!], `w17-del-${i}`);
          const admitted = { ...before[1]!, MaHocSinh: `W17NEW${i}`, HoVaTen: 'Trần Văn Mới' };
          await client.upsert('students', school, [admitted], `w17-add-${i}`);
        },
        oneCallAPage,
      );

      const after = (await held()).map((r) => r.MaHocSinh);
      expect(after.length).toBe(total); // the total did not move: BUG 7's check alone sees nothing
      expect(after).toContain(`W17NEW${i}`);
      expect(after.filter((k) => !seen.includes(k))).toEqual([]);
    });
  }

  it('record stamps running ahead of its Date: changes made before the first page do not relist the school', async () => {
    const { client, opts } = w;
    const school = w.sim.schoolCodes[2]!;
    // SMAS's web servers' clock (its Date) 5 s behind the clock that stamps its records.
    const behind: typeof client = {
      ...client,
      async *pages(...args: Parameters<typeof client.pages>) {
        for await (const page of client.pages(...args)) yield { ...page, servedAt: page.servedAt! - 5_000 };
      },
    } as typeof client;
    w.clock = WALK_T0 + 600_000;
    const [first] = (await client.fetchPage('students', school, { page: 1, pageSize: 1 })).items;
    // Just before the listing: the first student changes, and a student is admitted (listed last).
    await client.upsert('students', school, [{ ...first!, DienThoaiLienHe: '0901000077' }], 'w17-skew-1');
    const admitted = { ...first!, MaHocSinh: 'W17SKEW', HoVaTen: 'Lê Văn Sớm' };
    await client.upsert('students', school, [admitted], 'w17-skew-2');

    const seen: string[] = [];
    const unstable: string[] = [];
    const adapter = createSmasAdapter({ ...opts, client: behind });
    for await (const page of adapter.listChanges('students', { schoolCode: school, pageSize: 2 })) {
      seen.push(...page.items.map((r) => r.MaHocSinh));
      unstable.push(...(page.unstableScopes ?? []));
    }
    expect(seen).toContain('W17SKEW');
    expect(new Set(seen).size).toBe(seen.length); // listed once: not again
    expect(unstable).toEqual([]);
  });
});

describe('vnEdu: a record deleted and another added while the listing walks the school', () => {
  let sim: VneduSimulator;
  let clock = WALK_T0;
  beforeAll(async () => {
    sim = await startVneduSimulator({
      seed: 'walk17-delete-add',
      schools: 4,
      studentsPerSchool: 6,
      staffPerSchool: 1,
      token: TOKEN,
      asOf: '2026-11-30T00:00:00.000Z',
      now: () => clock,
    });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('lists every record the school still holds, each once (its cursor skips nothing: no relist)', async () => {
    const opts = { baseURL: sim.url, token: TOKEN };
    const client = createVneduClient(opts);
    const school = sim.schoolCodes[0]!;
    const held = async () => (await client.fetchPage('students', school, { limit: 50 })).items;
    const before = await held();
    expect(before.length).toBeGreaterThanOrEqual(5);

    clock = WALK_T0 + 60_000;
    const seen = await walkWith(
      createVneduAdapter(opts),
      school,
      (r: VneduStudent) => r.student_id,
      async (first) => {
        clock += 5_000;
        await client.remove('students', school, [first[0]!], 'w17-vdel');
        const admitted = { ...before[1]!, student_id: 'W17VNEW', full_name: 'Trần Văn Mới' };
        await client.upsert('students', school, [admitted], 'w17-vadd');
      },
      true,
    );

    const after = (await held()).map((r) => r.student_id);
    expect(after).toContain('W17VNEW');
    expect(after.filter((k) => !seen.includes(k))).toEqual([]);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
