/**
 * The probable-twin rules match a record with the records of its name cluster sharing a parent, indexed once per
 * batch (src/quality/rules/sach-twins.ts; issue 7: 400 records × 12,800 stored twins were compared pair by pair).
 * Their findings are those of the pairwise comparison they replace (written out here as the oracle), and each
 * stored twin's record is read once a batch, not once per record of the batch.
 */
import { describe, expect, it } from 'vitest';
import { normaliseText } from '../../../src/canonical/text.js';
import type { Rec } from '../../../src/quality/index.js';
import { twinIndex } from '../../../src/quality/rules/sach-twins.js';
import { rec, run } from './helpers.js';

type Stored = { key: string; rec: Rec };
const DAY = '2018-05-06';
const HOME = '79000001';
const AWAY = '79000002';

/** The rules' findings: record index → `elsewhere` (stored), or present (in the batch). */
async function findings(recs: Rec[], stored: Stored[]) {
  const r = await run('students', recs, {
    lookups: { bornOn: async () => new Map([[DAY, stored]]) },
  });
  const of = (rule: string) =>
    new Map(r.findings.filter((f) => f.rule === rule).map((f) => [f.index, f.elsewhere === true]));
  return { stored: of('SACH_PROBABLE_DUPLICATE_STORED'), inBatch: of('SACH_PROBABLE_DUPLICATE') };
}

// The pairwise comparison the index replaced (src/quality/rules/sach-duplicates.ts before issue 7's fix).
const nameKey = (v: string) => normaliseText(v).toLowerCase();
const parentsOf = (r: Rec) =>
  [r['fatherName'], r['motherName'], r['guardianName']].flatMap((p) =>
    typeof p === 'string' ? [nameKey(p)] : [],
  );
const twins = (a: Rec, aKey: string, b: Rec, bKey: string) =>
  aKey !== bKey &&
  a['birthDate'] === b['birthDate'] &&
  nameKey(String(a['fullName'])) === nameKey(String(b['fullName'])) &&
  !(a['personalId'] !== undefined && b['personalId'] !== undefined) &&
  parentsOf(a).some((p) => parentsOf(b).includes(p));

function oracle(recs: Rec[], stored: Stored[]) {
  const key = (r: Rec) => String(r['studentCode']);
  const inStore = new Map<number, boolean>();
  const inBatch = new Map<number, boolean>();
  recs.forEach((r, i) => {
    const found = stored.filter((s) => twins(r, key(r), s.rec, s.key));
    if (found.length > 0) inStore.set(i, !found.some((s) => s.rec['schoolCode'] === r['schoolCode']));
    if (recs.slice(0, i).some((e) => twins(r, key(r), e, key(e)))) inBatch.set(i, false);
  });
  return { stored: inStore, inBatch };
}

/** A deterministic stream of numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('probable twins, by name cluster and parent', () => {
  const pupil = (code: string, over: Record<string, unknown> = {}) =>
    rec('students', {
      studentCode: code,
      personalId: undefined,
      fullName: 'Lê Thị Hoa',
      birthDate: DAY,
      schoolCode: HOME,
      fatherName: 'Lê Văn Nam',
      ...over,
    });
  const kept = (r: Rec): Stored => ({ key: String(r['studentCode']), rec: r });

  it('flag a twin at the school, one elsewhere, not two holding IDs, nor another family, nor the record itself', async () => {
    const recs = [
      pupil('OWN'), // its twin at its own school
      pupil('AWAY', { fullName: 'Trần Văn An', fatherName: 'Trần Văn Ba' }), // a twin at another school only
      pupil('IDS', { fullName: 'Phạm Văn Bình', personalId: '079318000001' }), // both hold an ID
      pupil('FAMILY', { fullName: 'Võ Thị Mai', fatherName: 'Võ Văn Một' }), // no parent shared
      pupil('ITSELF', { fullName: 'Đỗ Văn Tâm' }), // its own stored row
    ];
    const stored = [
      kept(pupil('S-OWN', { fullName: 'LÊ  THỊ HOA', fatherName: undefined, motherName: 'Lê Văn Nam' })),
      kept(pupil('S-AWAY', { fullName: 'trần văn an', fatherName: 'Trần Văn Ba', schoolCode: AWAY })),
      kept(pupil('S-IDS', { fullName: 'Phạm Văn Bình', personalId: '079318000002' })),
      kept(pupil('S-FAMILY', { fullName: 'Võ Thị Mai', fatherName: 'Võ Văn Hai' })),
      kept(recs[4]!),
    ];
    const got = await findings(recs, stored);
    expect(got.stored).toEqual(
      new Map([
        [0, false],
        [1, true],
      ]),
    );
    expect(got).toEqual(oracle(recs, stored));
  });

  it('find what the pairwise comparison found, in a mix of names, families, IDs, schools and keys', async () => {
    const seen = { stored: 0, elsewhere: 0, inBatch: 0 };
    for (let seed = 1; seed <= 20; seed++) {
      const next = random(seed);
      const pick = <T>(of: readonly T[]): T => of[Math.floor(next() * of.length)]!;
      const names = ['Lê Thị Hoa', 'lê thị  hoa', 'Trần Văn An'];
      const fathers = ['Lê Văn Nam', 'Trần Văn Ba', undefined];
      const mothers = ['Ngô Thị Lan', 'Lê Văn Nam', undefined];
      let id = 0;
      const one = (code: string): Rec =>
        pupil(code, {
          fullName: pick(names),
          birthDate: pick([DAY, '2018-05-07']),
          fatherName: pick(fathers),
          motherName: pick(mothers),
          guardianName: pick([undefined, undefined, 'Ngô Thị Lan']),
          personalId: next() < 0.4 ? `0793180${String(++id).padStart(5, '0')}` : undefined,
          schoolCode: pick([HOME, HOME, AWAY]),
        });
      const stored = Array.from({ length: 30 }, (_, i) => kept(one(`S${i}`)));
      // Some of the batch's records stored before (the same key), the others new.
      const recs = Array.from({ length: 25 }, (_, i) => one(next() < 0.3 ? `S${i}` : `N${i}`));
      const onDay = stored.filter((s) => s.rec['birthDate'] === DAY);
      const got = await findings(recs, onDay);
      expect(got, `seed ${seed}`).toEqual(oracle(recs, onDay));
      seen.stored += got.stored.size;
      seen.elsewhere += [...got.stored.values()].filter(Boolean).length;
      seen.inBatch += got.inBatch.size;
    }
    // The mix holds every case: twins stored at the school and only elsewhere, and twins in the batch.
    expect(seen.elsewhere).toBeGreaterThan(0);
    expect(seen.stored).toBeGreaterThan(seen.elsewhere);
    expect(seen.inBatch).toBeGreaterThan(0);
  });

  it("read each stored twin's record once a batch, not once per record of the batch", async () => {
    let reads = 0;
    const counted = (r: Rec): Rec =>
      new Proxy(r, {
        get(target, field, receiver) {
          if (field === 'fullName') reads++;
          return Reflect.get(target, field, receiver) as unknown;
        },
      });
    const stored = Array.from({ length: 500 }, (_, i) =>
      kept(counted(pupil(`S${i}`, { schoolCode: AWAY, fatherName: `Cha ${i}` }))),
    );
    const recs = Array.from({ length: 200 }, (_, i) => pupil(`N${i}`, { fatherName: `Cha ${i}` }));
    const got = await findings(recs, stored);
    expect(got.stored.size).toBe(200);
    expect([...got.stored.values()].every((elsewhere) => elsewhere)).toBe(true);
    // Pair by pair: 200 × 500 reads; indexed: one a stored twin.
    expect(reads).toBeLessThanOrEqual(stored.length);
  });
  it('say whether a twin key is held, so a record of none builds no side to look for its twins (issue 7)', () => {
    const index = twinIndex();
    const side = { key: 'S0', school: AWAY, hasId: false, parents: ['cha 0'] };
    index.add(`${DAY}|lê thị hoa`, side);
    expect(index.holds(`${DAY}|lê thị hoa`)).toBe(true);
    expect(index.holds(`${DAY}|trần văn an`)).toBe(false);
    expect(index.find(`${DAY}|trần văn an`, { ...side, key: 'N1' })).toBeUndefined();
    expect(index.find(`${DAY}|lê thị hoa`, { ...side, key: 'N1' })).toEqual({ atSchool: true });
  });
});
