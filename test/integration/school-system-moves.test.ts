/**
 * Precedence (c) (precc17): a student the city database moves from school A to school B reaches B's own
 * system (smas, vnedu) as an upsert and A's as a delete, each through its push queue (paced, one effect per
 * set), whether A and B are served by one system or by two. A delete sent late is superseded only when the
 * student is live again at that same school (moved back), not because it is live at another school. What truc
 * knows a school's system holds (`truc.system_copies`) is kept per school: the delete to A leaves B's copy
 * alone, and SMAS's older copy at A still counts as older after the student came back to A.
 *
 * Real PostgreSQL and Redis, the worker role, and the hcm-csdl, SMAS and vnEdu simulators over HTTP. The city's
 * delete of a student (not a move) is covered by `vendor-delivery.test.ts` (unchanged by this).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { SystemName } from '../../src/config.js';
import { replayDeadLetters } from '../../src/jobs/dead-letters.js';
import { HCM_CSDL_MAPPINGS } from '../../src/mappings/hcm-csdl/index.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import type { SmasSimulator } from '../../src/simulators/smas/simulator.js';
import type { VneduSimulator } from '../../src/simulators/vnedu/simulator.js';
import { countRows, type TestEnv } from '../helpers/env.js';
import { useSchoolSystemWorld } from '../helpers/school-system-world.js';
import { settledSync, settleOutbox } from '../helpers/settled-sync.js';

// SMAS serves the even population schools, vnEdu the odd ones: two schools each.
const SIZE = { seed: 'precc17-moves', schools: 4, studentsPerSchool: 8, staffPerSchool: 1 };

interface PushSetRow {
  system: string;
  operation: string;
  keys: string[];
  schools: string[] | null;
  delivered: boolean;
  receipt: Record<string, unknown> | null;
}

describe('a city move reaches the old school’s system as a delete (postgres+redis)', () => {
  let env: TestEnv;
  let hcm: HcmCsdlSimulator;
  let smas: SmasSimulator;
  let vnedu: VneduSimulator;
  const world = useSchoolSystemWorld(SIZE, { vnedu: true });
  beforeAll(() => {
    ({ env, hcm, smas } = world);
    vnedu = world.vnedu!;
  });

  const sync = (system: SystemName, full: boolean) => settledSync(env.deps, system, full);

  /** The `n`-th live student (by code) of a school, as truc holds it. */
  const studentOf = async (school: string, n: number) =>
    (
      await env.deps.db.query<{ key: string; data: Record<string, unknown> }>(
        `SELECT student_code AS key, data FROM truc.students
          WHERE school_code = $1 AND deleted_at IS NULL ORDER BY student_code LIMIT 1 OFFSET $2`,
        [school, n],
      )
    ).rows[0]!;
  const stored = async (key: string) =>
    (
      await env.deps.db.query<{ school: string; personalId: string | null; fp: string }>(
        `SELECT school_code AS school, personal_id AS "personalId", fingerprint AS fp
           FROM truc.students WHERE student_code = $1`,
        [key],
      )
    ).rows[0]!;
  const lastPushSet = async () =>
    (await env.deps.db.query<{ id: number }>('SELECT coalesce(max(id), 0)::int AS id FROM truc.push_sets'))
      .rows[0]!.id;
  const setsSince = async (id: number) =>
    (
      await env.deps.db.query<PushSetRow>(
        `SELECT system, operation, keys, schools, delivered_at IS NOT NULL AS delivered, receipt
           FROM truc.push_sets WHERE id > $1 ORDER BY system, operation`,
        [id],
      )
    ).rows;
  /** The city database moves a student to `school` (and may correct its personal ID); truc pulls the change. */
  const cityMoves = async (s: { data: Record<string, unknown> }, school: string, personalId?: string) => {
    const wire = HCM_CSDL_MAPPINGS.students.fromCanonical!(s.data as never, { now: () => new Date() });
    hcm.received.put(
      'students',
      { ...wire, maTruong: school, ...(personalId ? { soDinhDanhCaNhan: personalId } : {}) },
      new Date().toISOString(),
    );
    await sync('hcm-csdl', false);
  };
  /** The student codes a school's own system lists, over its HTTP API. */
  const listed = async (system: 'smas' | 'vnedu', school: string) => {
    if (system === 'smas') {
      const res = await fetch(`${smas.url}/schools/${school}/students?pageSize=500`, {
        headers: { 'X-Api-Key': env.config.systems.smas.apiKey! },
      });
      return ((await res.json()) as { Data: Array<{ MaHocSinh: string }> }).Data.map((r) => r.MaHocSinh);
    }
    const res = await fetch(`${vnedu.url}/v1/schools/${school}/students?limit=1000`, {
      headers: { authorization: `Bearer ${env.config.systems.vnedu.token!}` },
    });
    return ((await res.json()) as { items: Array<{ student_id: string }> }).items.map((r) => r.student_id);
  };
  /** What truc notes a system holds of a key at each school (system_copies, migration 540). */
  const copiesOf = async (system: string, key: string) =>
    (
      await env.deps.db.query<{ school: string; sentFp: string | null; acknowledged: boolean }>(
        `SELECT school, sent_fp AS "sentFp", sent_at IS NOT NULL AS acknowledged FROM truc.system_copies
          WHERE system = $1 AND entity = 'students' AND key = $2 ORDER BY school`,
        [system, key],
      )
    ).rows;

  it('between two SMAS schools: deleted at the old school (a 429 waited out), written at the new one', async () => {
    const [from, to] = smas.schoolCodes as [string, string];
    const s = await studentOf(from, 0);
    expect(await listed('smas', from)).toContain(s.key);
    const before = await lastPushSet();
    const deletedBefore = smas.received.items('students_deleted').length;
    const limitedBefore = smas.stats().faultsApplied.status429 ?? 0;
    // SMAS limits the delete for a moment: it waits as Retry-After asks, like any delivery.
    smas.faults.merge({
      status429: { count: 1, retryAfterSeconds: 1 },
      paths: [`/schools/${from}/students/delete`],
    });

    await cityMoves(s, to);
    smas.faults.clear();

    expect((await stored(s.key)).school).toBe(to);
    expect(await setsSince(before)).toEqual([
      {
        system: 'smas',
        operation: 'delete',
        keys: [s.key],
        schools: [from],
        delivered: true,
        receipt: { accepted: 1, rejected: 0, receiptId: expect.any(String), superseded: 0 },
      },
      {
        system: 'smas',
        operation: 'upsert',
        keys: [s.key],
        schools: null,
        delivered: true,
        receipt: expect.anything(),
      },
    ]);
    expect(smas.stats().faultsApplied.status429).toBe(limitedBefore + 1);
    expect(await listed('smas', from)).not.toContain(s.key);
    expect(await listed('smas', to)).toContain(s.key);
    // Deleted once, at the old school only.
    expect(smas.received.items('students_deleted').slice(deletedBefore)).toEqual([{ MaHocSinh: s.key }]);
    expect(await countRows(env.deps.db, 'truc.dead_letters')).toBe(0);
    // The delete to the old school left the new school's copy alone: sent, acknowledged (one system, two rows).
    expect(await copiesOf('smas', s.key)).toEqual([
      { school: from, sentFp: null, acknowledged: true },
      { school: to, sentFp: (await stored(s.key)).fp, acknowledged: true },
    ]);

    // A full SMAS pull then changes nothing: the student stays at its new school, nothing goes to the city.
    const pulled = await lastPushSet();
    await sync('smas', true);
    expect((await stored(s.key)).school).toBe(to);
    expect(await setsSince(pulled)).toEqual([]);
  });

  it('from a SMAS school to a vnEdu school: deleted at SMAS, written at vnEdu', async () => {
    const from = smas.schoolCodes[1]!;
    const to = vnedu.schoolCodes[0]!;
    const s = await studentOf(from, 1);
    const before = await lastPushSet();

    await cityMoves(s, to);

    const sets = await setsSince(before);
    expect(sets.map((r) => [r.system, r.operation, r.keys, r.schools, r.delivered])).toEqual([
      ['smas', 'delete', [s.key], [from], true],
      ['vnedu', 'upsert', [s.key], null, true],
    ]);
    expect(await listed('smas', from)).not.toContain(s.key);
    expect(await listed('vnedu', to)).toContain(s.key);
  });

  /** The dead letters of delete sets made after push set `id`. */
  const deleteLettersSince = async (id: number) =>
    (
      await env.deps.db.query<{ id: number; pushSetId: number }>(
        `SELECT d.id, p.id AS "pushSetId" FROM truc.dead_letters d JOIN truc.outbox o ON o.id = d.outbox_id
          JOIN truc.push_sets p ON p.id = (o.payload->>'pushSetId')::int
          WHERE p.id > $1 AND p.operation = 'delete'`,
        [id],
      )
    ).rows;
  const receiptOf = async (pushSetId: number) =>
    (
      await env.deps.db.query<{ receipt: Record<string, unknown> | null }>(
        'SELECT receipt FROM truc.push_sets WHERE id = $1',
        [pushSetId],
      )
    ).rows[0]?.receipt;
  /** The city moves a student from A to B; SMAS refuses the delete at A (dead-lettered): that letter. */
  const moveWithDeleteRefused = async (s: { data: Record<string, unknown> }, a: string, b: string) => {
    const before = await lastPushSet();
    smas.faults.merge({ status400Burst: 1, paths: [`/schools/${a}/students/delete`] });
    await cityMoves(s, b);
    smas.faults.clear();
    const letters = await deleteLettersSince(before);
    expect(letters).toHaveLength(1);
    return letters[0]!;
  };
  const retry = async (letter: { id: number }) => {
    await replayDeadLetters(env.deps.db, { ids: [letter.id] }, { actor: 'test', at: env.deps.now() });
    await settleOutbox(env.deps.db, 'the retried delete');
  };

  it('a delete retried late still goes while the student is live at another school', async () => {
    const [a, b] = smas.schoolCodes as [string, string];
    const s = await studentOf(a, 2);
    const letter = await moveWithDeleteRefused(s, a, b);
    // SMAS lists the student at both schools meanwhile.
    expect(await listed('smas', a)).toContain(s.key);
    expect(await listed('smas', b)).toContain(s.key);

    await retry(letter);
    expect(await listed('smas', a)).not.toContain(s.key);
    expect(await listed('smas', b)).toContain(s.key);
    expect(await receiptOf(letter.pushSetId)).toMatchObject({ accepted: 1, superseded: 0 });
  });

  it('a delete retried after the student came back to that school is superseded (not sent)', async () => {
    const [a, b] = smas.schoolCodes as [string, string];
    const s = await studentOf(a, 3);
    const letter = await moveWithDeleteRefused(s, a, b);
    // The city moves the student back to A before the delete is retried: B's copy is deleted, A's rewritten.
    await cityMoves(s, a);
    expect(await listed('smas', b)).not.toContain(s.key);
    const deletedBefore = smas.received.items('students_deleted').length;

    await retry(letter);
    expect(await listed('smas', a)).toContain(s.key);
    expect(smas.received.items('students_deleted')).toHaveLength(deletedBefore);
    expect(await receiptOf(letter.pushSetId)).toMatchObject({ accepted: 0, superseded: 1 });
  });

  it('SMAS’s older copy at the old school still counts as older after the student came back there', async () => {
    const [a, b] = smas.schoolCodes as [string, string];
    const s = await studentOf(a, 4);
    // The move to B: SMAS refuses the delete at A (it keeps listing the student there); a full SMAS pull
    // sees the student at both schools (A's copy refused: truc holds the student at B).
    await moveWithDeleteRefused(s, a, b);
    await sync('smas', true);
    expect((await stored(s.key)).school).toBe(b);
    // The city moves the student back to A with a corrected personal ID; SMAS refuses that write at A.
    smas.faults.merge({ status400Burst: 1, paths: [`/schools/${a}/students/batch`] });
    await cityMoves(s, a, '079209007711');
    smas.faults.clear();
    expect(await stored(s.key)).toMatchObject({ school: a, personalId: '079209007711' });
    const before = await lastPushSet();

    // SMAS still lists its copy from before the move at A: an older copy, not a change.
    await sync('smas', true);
    expect(await stored(s.key)).toMatchObject({ school: a, personalId: '079209007711' });
    expect((await setsSince(before)).filter((r) => r.system === 'hcm-csdl')).toEqual([]);
  });
});
