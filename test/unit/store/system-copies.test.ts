/**
 * review17b C1: the order of a school system's copies (src/store/system-copies.ts `holdsSql`). A copy a school's
 * own system (smas) shows of a state truc received from it or sent it is an older copy only while that system
 * may not hold truc's state yet; once the last thing truc knows of it there (before the copy was listed) is
 * that it holds truc's state, whatever else it shows is its own change. Read as the judging reads it
 * (records.ts `existing` with `copiesOf`): the fingerprints that count as older copies. Keys of its own per
 * test (the file shares one database).
 */
import { describe, expect, it } from 'vitest';
import { createRecordsRepo, fingerprint } from '../../../src/store/records.js';
import { createSystemCopiesRepo } from '../../../src/store/system-copies.js';
import { student } from '../../factories/records.js';
import { S1 } from '../../helpers/api.js';
import { useTestContext } from '../jobs/fixtures.js';

describe('the order of a school system’s copies (review17b C1)', () => {
  const ctx = useTestContext();
  const copies = () => createSystemCopiesRepo(ctx.db);

  /** truc holds `key` at S1 as `fullName` says (written by the city): its fingerprint. */
  async function holds(key: string, fullName: string): Promise<string> {
    const data = student(key, { schoolCode: S1, fullName });
    const fp = fingerprint(data);
    await createRecordsRepo(ctx.db).upsert('students', [{ key, scope: S1, data, fingerprint: fp }], {
      system: 'hcm-csdl',
      mappingVersion: 'hcm-csdl/students@test',
    });
    return fp;
  }
  /** The fingerprints of SMAS's copies of `key` that count as older, for a copy listed at `asOf` (now). */
  async function older(key: string, asOf = new Date()): Promise<string[] | undefined> {
    const rows = await createRecordsRepo(ctx.db).existing('students', [key], {
      copiesOf: { system: 'smas', asOf },
    });
    return rows.get(key)?.copies;
  }
  /** Lets the clock pass the current millisecond (the order of notes is what is tested). */
  const tick = async () => {
    const now = Date.now();
    while (Date.now() <= now + 1) await new Promise((resolve) => setTimeout(resolve, 1));
  };
  const at = (key: string, fp: string) => [{ key, school: S1, fp }];

  it('a copy SMAS shows after it acknowledged truc’s state is its own change, not an older copy', async () => {
    const fpA = await holds('K1', 'Nguyễn Văn An');
    await copies().noteReceived('smas', 'students', at('K1', fpA));
    const fpB = await holds('K1', 'Nguyễn Văn Bình');
    await copies().noteSending('smas', 'students', at('K1', fpB));
    // Not acknowledged yet: SMAS may still hold the copy it gave.
    expect(await older('K1')).toEqual(expect.arrayContaining([fpA, fpB]));
    await copies().acknowledged('smas', 'students', at('K1', fpB));
    await tick();
    expect(await older('K1'), 'acknowledged').toEqual([]);
  });

  it('an acknowledgement made after the copy was listed does not count yet', async () => {
    const fpA = await holds('K2', 'Nguyễn Văn An');
    await copies().noteReceived('smas', 'students', at('K2', fpA));
    const fpB = await holds('K2', 'Nguyễn Văn Bình');
    await copies().noteSending('smas', 'students', at('K2', fpB));
    await tick();
    const listed = new Date();
    await tick();
    await copies().acknowledged('smas', 'students', at('K2', fpB));
    await tick();
    // A pull run requested before the acknowledgement may list SMAS's copy from before it applied the send.
    expect(await older('K2', listed)).toEqual(expect.arrayContaining([fpA]));
    expect(await older('K2')).toEqual([]);
  });

  it('the copy SMAS gave truc after the last acknowledged send is what it holds, though it gave it before too', async () => {
    // SMAS gave A; the city changed it to B, which SMAS acknowledged; SMAS's staff put A back (truc took it).
    const fpA = await holds('K3', 'Nguyễn Văn An');
    await copies().noteReceived('smas', 'students', at('K3', fpA));
    const fpB = await holds('K3', 'Nguyễn Văn Bình');
    await copies().noteSending('smas', 'students', at('K3', fpB));
    await copies().acknowledged('smas', 'students', at('K3', fpB));
    await tick();
    await holds('K3', 'Nguyễn Văn An');
    await copies().noteReceived('smas', 'students', at('K3', fpA));
    await tick();
    // SMAS holds A, truc's state: B shown again is SMAS's staff redoing the city's change.
    expect(await older('K3')).toEqual([]);
  });

  it('an acknowledged send counts only until SMAS shows another copy after it', async () => {
    // The city's B, acknowledged; then SMAS's own C (truc took it); then the city puts B back, not sent yet.
    const fpB = await holds('K4', 'Nguyễn Văn Bình');
    await copies().noteSending('smas', 'students', at('K4', fpB));
    await copies().acknowledged('smas', 'students', at('K4', fpB));
    await tick();
    const fpC = await holds('K4', 'Nguyễn Văn Cường');
    await copies().noteReceived('smas', 'students', at('K4', fpC));
    await tick();
    await holds('K4', 'Nguyễn Văn Bình');
    // SMAS holds C until truc's B reaches it: C is an older copy.
    expect(await older('K4')).toEqual(expect.arrayContaining([fpC]));
    await copies().noteSending('smas', 'students', at('K4', fpB));
    expect(await older('K4'), 'sent, not acknowledged').toEqual(expect.arrayContaining([fpC]));
    await copies().acknowledged('smas', 'students', at('K4', fpB));
    await tick();
    expect(await older('K4'), 'acknowledged').toEqual([]);
  });

  it('after SMAS acknowledged truc’s delete, a copy it shows is a new enrolment; before, an older copy', async () => {
    const fpA = await holds('K5', 'Nguyễn Văn An');
    await copies().noteReceived('smas', 'students', at('K5', fpA));
    await createRecordsRepo(ctx.db).tombstone('students', ['K5']);
    await copies().noteDeleting('smas', 'students', [{ key: 'K5', school: S1 }]);
    expect(await older('K5'), 'delete under way').toContain(fpA);
    await copies().deletionsAcknowledged('smas', 'students', [{ key: 'K5', school: S1 }]);
    await tick();
    expect(await older('K5'), 'delete acknowledged').toEqual([]);
  });
  /** What truc last noted as received from SMAS of `key` at S1. */
  const receivedFp = async (key: string) =>
    (
      await ctx.db.query<{ fp: string | null }>(
        `SELECT received_fp AS fp FROM truc.system_copies
          WHERE system = 'smas' AND entity = 'students' AND key = $1 AND school = $2`,
        [key, S1],
      )
    ).rows[0]?.fp;

  it('an approved held batch’s copy is noted as SMAS’s only where SMAS gave or took nothing there since the batch arrived (review18b R3, review19b)', async () => {
    // SMAS gave A of K6, K7 and K8; then its vendor's batch (held) arrived with B of each.
    const fpA = await holds('K6', 'Nguyễn Văn An');
    for (const key of ['K6', 'K7', 'K8']) await copies().noteReceived('smas', 'students', at(key, fpA));
    const fpB = fingerprint(student('K6', { schoolCode: S1, fullName: 'Nguyễn Văn Bình' }));
    await tick();
    const arrived = new Date();
    await tick();
    // Since then SMAS gave truc C of K7 (a pull, a small batch), and acknowledged truc's D of K8.
    const fpC = fingerprint(student('K7', { schoolCode: S1, fullName: 'Nguyễn Văn Cường' }));
    await copies().noteReceived('smas', 'students', at('K7', fpC));
    const fpD = fingerprint(student('K8', { schoolCode: S1, fullName: 'Nguyễn Văn Dũng' }));
    await copies().noteSending('smas', 'students', at('K8', fpD));
    await copies().acknowledged('smas', 'students', at('K8', fpD));
    await tick();
    // The approval leaves all three newer and notes the batch's copies as what SMAS held when it arrived.
    await copies().noteHeldCopies(
      'smas',
      'students',
      [...at('K6', fpB), ...at('K7', fpB), ...at('K8', fpB)],
      arrived,
    );
    expect({ K6: await receivedFp('K6'), K7: await receivedFp('K7'), K8: await receivedFp('K8') }).toEqual({
      K6: fpB,
      K7: fpC,
      K8: fpA,
    });
    // A key truc knew nothing of at SMAS: the batch's copy.
    await copies().noteHeldCopies('smas', 'students', at('K9', fpB), arrived);
    expect(await receivedFp('K9')).toBe(fpB);
  });

  describe('the city database’s copies (review18 R2)', () => {
    /** truc holds `key` at S1 as `fullName` says, written by `system`: its fingerprint. */
    async function written(key: string, fullName: string, system: string): Promise<string> {
      const data = student(key, { schoolCode: S1, fullName });
      const fp = fingerprint(data);
      await createRecordsRepo(ctx.db).upsert('students', [{ key, scope: S1, data, fingerprint: fp }], {
        system,
        mappingVersion: `${system}/students@test`,
      });
      return fp;
    }
    /** The fingerprints of the city's copies of `key` that count as older, as a page of the city's reads them. */
    const cityOlder = async (key: string) =>
      (
        await createRecordsRepo(ctx.db).existing('students', [key], {
          copiesOf: { system: 'hcm-csdl', asOf: new Date(), city: true },
        })
      ).get(key)?.copies;
    /** The city's copy rows of `key`: their schools and received fingerprints. */
    const cityRows = async (key: string) =>
      (
        await ctx.db.query<{ school: string; received_fp: string | null }>(
          `SELECT school, received_fp FROM truc.system_copies WHERE system = 'hcm-csdl' AND key = $1`,
          [key],
        )
      ).rows;

    it('notes the city’s copy of a record only where the city wrote it last, under its one school', async () => {
      const fpA = await written('C1', 'Lê Văn An', 'hcm-csdl');
      await written('C2', 'Lê Văn Bình', 'vendor:v1');
      await copies().noteHeldBy('hcm-csdl', 'students', ['C1', 'C2', 'C-NONE']);
      expect(await cityRows('C1')).toEqual([{ school: '', received_fp: fpA }]);
      expect(await cityRows('C2'), 'written by a vendor: the city’s copy is not known from it').toEqual([]);
      expect(await cityRows('C-NONE')).toEqual([]);
      // Deleted by another source after the city wrote it: noted as the city holds it.
      const fpD = await written('C3', 'Lê Văn Dũng', 'hcm-csdl');
      await createRecordsRepo(ctx.db).tombstone('students', ['C3']);
      await copies().noteHeldBy('hcm-csdl', 'students', ['C3']);
      expect(await cityRows('C3')).toEqual([{ school: '', received_fp: fpD }]);
    });

    it('counts the city’s copies where another source changed the record last, none where the city did', async () => {
      const fpA = await written('C4', 'Lê Văn An', 'hcm-csdl');
      await copies().noteHeldBy('hcm-csdl', 'students', ['C4']);
      await written('C4', 'Lê Văn Anh', 'vendor:v1');
      expect(await cityOlder('C4')).toEqual([fpA]);
      // The city writes it (its own edit): truc holds the city's state, whatever else it lists is its change.
      const fpC = await written('C4', 'Lê Văn Ánh', 'hcm-csdl');
      expect(await cityOlder('C4')).toBeUndefined();
      // Deleted by another source: the city's copy (its own edit) counts (no restore); the city's own deletion
      // forgets them.
      await createRecordsRepo(ctx.db).tombstone('students', ['C4']);
      await copies().noteHeldBy('hcm-csdl', 'students', ['C4']);
      expect(await cityOlder('C4')).toEqual(expect.arrayContaining([fpC]));
      await copies().forgetOwnDeletions('hcm-csdl', 'students', ['C4']);
      expect(await cityOlder('C4')).toBeUndefined();
    });

    it('a school system’s copy at the record’s school is not the city’s, nor the city’s a school system’s (next door)', async () => {
      const fpA = await written('C5', 'Lê Văn An', 'smas');
      await copies().noteReceived('smas', 'students', at('C5', fpA));
      await written('C5', 'Lê Văn Anh', 'vendor:v1');
      expect(await older('C5'), 'SMAS’s copy').toEqual(expect.arrayContaining([fpA]));
      expect(await cityOlder('C5'), 'the city knows no copy').toBeUndefined();
      // truc sends the city its state; the city's copy is noted under its one school, not SMAS's S1.
      const fpB = fingerprint(student('C5', { schoolCode: S1, fullName: 'Lê Văn Anh' }));
      await copies().noteSending('hcm-csdl', 'students', [{ key: 'C5', school: '', fp: fpB }]);
      await copies().acknowledged('hcm-csdl', 'students', [{ key: 'C5', school: '', fp: fpB }]);
      await tick();
      expect(await cityOlder('C5'), 'the city acknowledged truc’s state').toEqual([]);
      expect(await older('C5'), 'SMAS has not').toEqual(expect.arrayContaining([fpA]));
      expect(await older('C5')).not.toContain(fpB);
      // Forgetting the city's copies leaves SMAS's.
      await copies().forgetOwnDeletions('hcm-csdl', 'students', ['C5']);
      expect(await older('C5')).toEqual(expect.arrayContaining([fpA]));
    });
  });

  it('a school system’s own deletion forgets its copies at the record’s school only', async () => {
    const fpA = await holds('K20', 'Nguyễn Văn An');
    await copies().noteReceived('smas', 'students', at('K20', fpA));
    // What truc knows of the key elsewhere: SMAS at another school (a move's delete sent there), the city, vnEdu.
    await copies().noteSending('smas', 'students', [{ key: 'K20', school: 'S-OTHER', fp: fpA }]);
    await copies().noteSending('hcm-csdl', 'students', [{ key: 'K20', school: '', fp: fpA }]);
    await copies().noteReceived('vnedu', 'students', at('K20', fpA));
    await createRecordsRepo(ctx.db).tombstone('students', ['K20']);
    expect(await older('K20'), 'deleted by another source: SMAS’s copy is older').toEqual(
      expect.arrayContaining([fpA]),
    );
    // SMAS deleted it itself: its copy at the record's school is forgotten (a later copy is its restore).
    await copies().forgetOwnDeletions('smas', 'students', ['K20']);
    expect(await older('K20')).toBeUndefined();
    const left = await ctx.db.query<{ system: string; school: string }>(
      `SELECT system, school FROM truc.system_copies WHERE key = 'K20' ORDER BY system, school`,
    );
    expect(left.rows).toEqual([
      { system: 'hcm-csdl', school: '' },
      { system: 'smas', school: 'S-OTHER' },
      { system: 'vnedu', school: S1 },
    ]);
  });
});
