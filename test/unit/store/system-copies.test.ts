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
});
