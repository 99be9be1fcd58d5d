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
});
