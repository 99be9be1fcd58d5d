/**
 * review18 R2 (= review18b R5): what truc knows the city database holds of a record (truc.system_copies under
 * system hcm-csdl and school '': src/store/system-copies.ts), so that a full pull listing the city's copy of a
 * record another source changed, that change not delivered to the city yet, is no change — the rule prec16
 * applies to a school system's older copy (../../integration/school-system-precedence.test.ts). The city's copy
 * is noted when truc sends it a record (acknowledged when it answers) and, for a record the city wrote, when
 * another source changes or deletes it; a pull notes nothing (a first sync writes no copy). Once the city is
 * known to hold truc's state (it acknowledged it), whatever else it lists is its own change; its own deletions
 * forget its copies. `city` below stands for the city database: what its full pulls list. Keys of their own per
 * test (the file shares one database).
 */
import { describe, expect, it } from 'vitest';
import { S1 } from '../../helpers/api.js';
import { useCity } from './city-fixtures.js';
import { drain, fullStudentsRun, hcmStudent, vendorBatch } from './fixtures.js';

describe('the city database’s copies (review18 R2)', () => {
  const { city: target, ctx, source, pullTombstones, vendorLeavesOut } = useCity();
  /** What the city database holds (and lists on a full pull), by student code. */
  const city = new Map<string, ReturnType<typeof hcmStudent>>();
  const cityHas = (code: string, name: string) => city.set(code, hcmStudent(code, { name, school: S1 }));

  /** A full pull of the city (Sunday's reconciliation): every record it holds. */
  const sunday = () =>
    fullStudentsRun(ctx, source, [[...city.values()]]).then(async (batches) => {
      await drain(ctx, 'reconcile');
      return batches;
    });
  /** The stored row of `code` (live or deleted). */
  const row = async (code: string) =>
    (
      await ctx.db.rows<{ data: Record<string, unknown>; fingerprint: string; deleted_at: Date | null }>(
        'truc.students',
        `student_code = '${code}'`,
      )
    )[0];
  /** The name truc holds `code` under (undefined when it is deleted). */
  const nameOf = async (code: string) => {
    const r = await row(code);
    return r && r.deleted_at === null ? r.data['fullName'] : undefined;
  };
  /** The vendor renames `code` (the rest of the record as truc holds it). */
  const vendorRenames = async (code: string, fullName: string) => {
    const r = await row(code);
    expect(await vendorBatch(ctx, [{ ...r!.data, fullName }])).toMatchObject({ status: 'done', accepted: 1 });
  };
  /** The city's copies of `code` as truc keeps them. */
  const copies = (code: string) =>
    ctx.db.rows<{
      school: string;
      received_fp: string | null;
      sent_fp: string | null;
      sent_at: Date | null;
    }>('truc.system_copies', `system = 'hcm-csdl' AND key = '${code}'`);
  /** Pushes waiting for the city are delivered (it is back up, and applies them); the records it was sent. */
  const cityBackUp = async () => {
    const [calls, removals] = [target.calls.length, target.removals.length];
    await drain(ctx, 'push.hcm-csdl');
    const sent = target.calls
      .slice(calls)
      .flatMap((c) => c.records as Array<{ studentCode: string; fullName: string }>);
    for (const r of sent) cityHas(r.studentCode, r.fullName);
    for (const r of target.removals.slice(removals)) for (const k of r.keys) city.delete(k);
    return sent;
  };
  /** Lets the clock pass the current millisecond (a run requested after an acknowledgement). */
  const tick = async () => {
    const now = Date.now();
    while (Date.now() <= now + 1) await new Promise((resolve) => setTimeout(resolve, 1));
  };

  it('a pull notes no copy; the city’s copy is noted when a vendor changes its record, and is no change', async () => {
    cityHas('CC1', 'Lê Thị Hoa');
    await sunday();
    expect(await copies('CC1'), 'a pull writes no copy (a first sync: none at all)').toEqual([]);
    const cityFp = (await row('CC1'))!.fingerprint;
    await vendorRenames('CC1', 'Lê Thị Hoa Mai');
    expect(await copies('CC1')).toEqual([
      expect.objectContaining({ school: '', received_fp: cityFp, sent_fp: null }),
    ]);
    // The city still lists its copy (its push waits): counted unchanged, nothing written.
    const [page] = await sunday();
    expect(page).toMatchObject({ accepted: 0 });
    expect(await nameOf('CC1')).toBe('Lê Thị Hoa Mai');
    expect((await cityBackUp()).filter((r) => r.studentCode === 'CC1').map((r) => r.fullName)).toEqual([
      'Lê Thị Hoa Mai',
    ]);
  });

  it('the copy truc sent the city is no change while a newer one waits', async () => {
    cityHas('CC2', 'Phạm Văn Long');
    await sunday();
    await vendorRenames('CC2', 'Phạm Văn Long Hải');
    await cityBackUp();
    const sentFp = (await row('CC2'))!.fingerprint;
    expect(await copies('CC2')).toEqual([
      expect.objectContaining({ sent_fp: sentFp, sent_at: expect.any(Date) }),
    ]);
    // The vendor changes it again; the city is down. Its copy is the one truc sent it: no change.
    await vendorRenames('CC2', 'Phạm Hải Long');
    const [page] = await sunday();
    expect(page).toMatchObject({ accepted: 0 });
    expect(await nameOf('CC2')).toBe('Phạm Hải Long');
    expect((await cityBackUp()).map((r) => r.fullName)).toEqual(['Phạm Hải Long']);
  });

  it('what the city lists after it acknowledged truc’s state is its own change, even a state it held before', async () => {
    cityHas('CC3', 'Võ Thị Lan');
    await sunday();
    await vendorRenames('CC3', 'Võ Thị Lan Anh');
    await cityBackUp();
    await tick();
    // The city's staff undo the vendor's change there: taken, though it is the copy the city held before.
    cityHas('CC3', 'Võ Thị Lan');
    const [undo] = await sunday();
    expect(undo).toMatchObject({ accepted: 1 });
    expect(await nameOf('CC3')).toBe('Võ Thị Lan');
    // And a new edit of the city's own: taken too.
    cityHas('CC3', 'Võ Thị Lan Chi');
    await sunday();
    expect(await nameOf('CC3')).toBe('Võ Thị Lan Chi');
  });

  it('the city’s own deletion forgets its copies: the copy it lists again later is its restore', async () => {
    cityHas('CC4', 'Đặng Văn Tú');
    await sunday();
    await vendorRenames('CC4', 'Đặng Văn Tuấn');
    await cityBackUp();
    expect(await copies('CC4')).toHaveLength(1);
    // The city deletes the student: its tombstone, read by an incremental pull.
    city.delete('CC4');
    await pullTombstones(['CC4']);
    expect(await nameOf('CC4')).toBeUndefined();
    expect(await copies('CC4'), 'forgotten').toEqual([]);
    // … then enrols it again with the record it held first: restored.
    cityHas('CC4', 'Đặng Văn Tú');
    await sunday();
    expect(await nameOf('CC4')).toBe('Đặng Văn Tú');
  });

  it('after the city acknowledged a vendor snapshot’s deletion, its copy listed again is its restore', async () => {
    cityHas('CC5', 'Bùi Thị Nga');
    cityHas('CC6', 'Bùi Thị Ngân');
    await sunday();
    // The vendor carries every student of the school as truc holds them (it holds them), then leaves CC5 out.
    await vendorLeavesOut(['CC5']);
    // The city, down, still lists it: its older copy, no restore.
    await sunday();
    expect(await nameOf('CC5')).toBeUndefined();
    // Back up, it applies the deletion; later its staff enrol the student again as before: restored.
    await cityBackUp();
    expect(city.has('CC5')).toBe(false);
    await sunday();
    await tick();
    cityHas('CC5', 'Bùi Thị Nga');
    await sunday();
    expect(await nameOf('CC5')).toBe('Bùi Thị Nga');
  });

  it('two vendor changes waiting: the city’s copy is no change, and the city gets the latest', async () => {
    cityHas('CC7', 'Hồ Văn Nam');
    await sunday();
    await vendorRenames('CC7', 'Hồ Văn Nam Anh');
    await vendorRenames('CC7', 'Hồ Nam Anh');
    const [page] = await sunday();
    expect(page).toMatchObject({ accepted: 0 });
    expect(await nameOf('CC7')).toBe('Hồ Nam Anh');
    const sent = (await cityBackUp()).filter((r) => r.studentCode === 'CC7').map((r) => r.fullName);
    expect(sent.at(-1)).toBe('Hồ Nam Anh');
    expect(sent).not.toContain('Hồ Văn Nam');
  });
});
