/**
 * Delivery to a school's own system (smas) of push sets that span several schools, so the adapter sends
 * each as several calls (found by review15).
 *
 * BUG 1: a set's calls go under keys derived from the set's key; a set sent again (retried, or replayed
 * from its dead letter) reads its records afresh. The first school's call is stored by SMAS, the second
 * school's fails (a permanent 400 here; a 429/503 retried later is the same path); meanwhile the city
 * changes the first school's student again. Sent again, the first school's call carries another body: it
 * must go under a key of its own (SMAS refuses a stored key with another body, 409, a permanent refusal),
 * and the second school's student must be delivered.
 *
 * BUG 2: the job passed the gate once per set, and the adapter then made one call per school back to
 * back (a burst at the vendor; README: pushes are paced, no bursts): each call must take a slot of its own.
 *
 * BUG 3: a set is routed by its records' schools when it is made, but sent with the records as they are
 * when it goes. A set sent late whose record moved meanwhile to a school SMAS does not serve sent it there
 * (403 AUTH_SCHOOL_FORBIDDEN, permanent): the whole set was dead-lettered. That record must be left out.
 *
 * BUG 8: the city moves a student out of a SMAS school; the old school's SMAS still lists it. The next full
 * SMAS pull must not move it back, nor push that move to the city database.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { EntityName, SystemName } from '../../src/config.js';
import { replayDeadLetters } from '../../src/jobs/dead-letters.js';
import { HCM_CSDL_MAPPINGS } from '../../src/mappings/hcm-csdl/index.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import type { SmasSimulator } from '../../src/simulators/smas/simulator.js';
import type { VneduSimulator } from '../../src/simulators/vnedu/simulator.js';
import type { TestEnv } from '../helpers/env.js';
import { traceLogger, tracesOf } from '../helpers/gate-trace.js';
import { useSchoolSystemWorld } from '../helpers/school-system-world.js';
import { settledSync, settleOutbox } from '../helpers/settled-sync.js';

const SIZE = { seed: 'review15-chunks', schools: 4, studentsPerSchool: 6, staffPerSchool: 1 };

/** A canonical student as the city database's wire sends it. */
const toWire = (data: Record<string, unknown>) =>
  HCM_CSDL_MAPPINGS.students.fromCanonical!(data as never, { now: () => new Date() });

describe('a vendor push set spanning two schools, sent again after one school failed (postgres+redis)', () => {
  let env: TestEnv;
  let hcm: HcmCsdlSimulator;
  let smas: SmasSimulator;
  let vnedu: VneduSimulator;
  const trace = traceLogger();
  const world = useSchoolSystemWorld(SIZE, { vnedu: true, logger: trace.logger });
  beforeAll(() => {
    ({ env, hcm, smas } = world);
    vnedu = world.vnedu!;
  });

  const settle = (what: string) => settleOutbox(env.deps.db, what);
  const sync = (system: SystemName, full: boolean, entity: EntityName = 'students') =>
    settledSync(env.deps, system, full, entity);

  it('delivers the second school once the set is sent again, although the first school changed meanwhile', async () => {
    const [s1, s2] = smas.schoolCodes;
    const firstOf = async (school: string) =>
      (
        await env.deps.db.query<{ key: string; data: Record<string, unknown> }>(
          `SELECT student_code AS key, data FROM truc.students
            WHERE school_code = $1 AND deleted_at IS NULL ORDER BY 1 LIMIT 1`,
          [school],
        )
      ).rows[0]!;
    const [a, b] = [await firstOf(s1!), await firstOf(s2!)];
    const before = (
      await env.deps.db.query<{ id: number }>('SELECT coalesce(max(id), 0)::int AS id FROM truc.push_sets')
    ).rows[0]!.id;

    // The city corrects both students' personal IDs; SMAS refuses the second school's call once.
    smas.faults.merge({ status400Burst: 1, paths: [`/schools/${s2}/students/batch`] });
    hcm.received.put(
      'students',
      { ...toWire(a.data), soDinhDanhCaNhan: '079209004411' },
      new Date().toISOString(),
    );
    hcm.received.put(
      'students',
      { ...toWire(b.data), soDinhDanhCaNhan: '079209004422' },
      new Date().toISOString(),
    );
    await sync('hcm-csdl', false);
    const sets = (
      await env.deps.db.query<{ id: number; keys: string[] }>(
        `SELECT id, keys FROM truc.push_sets WHERE id > $1 AND system = 'smas' ORDER BY id`,
        [before],
      )
    ).rows;
    // One set, both schools: the first school's call was stored, the second's refused (dead-lettered).
    expect(sets.map((s) => [...s.keys].sort())).toEqual([[a.key, b.key].sort()]);
    const received = () =>
      (smas.received.items('students') as Array<Record<string, unknown>>).map((r) => [r.MaHocSinh, r.SoCCCD]);
    expect(received()).toContainEqual([a.key, '079209004411']);
    expect(received()).not.toContainEqual([b.key, '079209004422']);
    const letters = (
      await env.deps.db.query<{ id: number }>(
        `SELECT d.id FROM truc.dead_letters d JOIN truc.outbox o ON o.id = d.outbox_id
          WHERE (o.payload->>'pushSetId')::int = $1`,
        [sets[0]!.id],
      )
    ).rows;
    expect(letters).toHaveLength(1);

    // The city changes the first school's student again; that change is delivered by a set of its own.
    hcm.received.put(
      'students',
      { ...toWire(a.data), soDinhDanhCaNhan: '079209004433' },
      new Date().toISOString(),
    );
    await sync('hcm-csdl', false);
    expect(received()).toContainEqual([a.key, '079209004433']);

    // The operator replays the first set (SMAS answers again): its second school must now be delivered.
    const lettersBefore = (
      await env.deps.db.query<{ id: number }>('SELECT coalesce(max(id), 0)::int AS id FROM truc.dead_letters')
    ).rows[0]!.id;
    await replayDeadLetters(env.deps.db, { ids: [letters[0]!.id] }, { actor: 'test', at: env.deps.now() });
    await settle('the replayed set');
    const failedAgain = (
      await env.deps.db.query<{ code: string; msg: string }>(
        'SELECT error_code AS code, error_message AS msg FROM truc.dead_letters WHERE id > $1',
        [lettersBefore],
      )
    ).rows;
    expect(failedAgain).toEqual([]);
    expect(received()).toContainEqual([b.key, '079209004422']);
    const delivered = await env.deps.db.query<{ delivered: boolean }>(
      'SELECT delivered_at IS NOT NULL AS delivered FROM truc.push_sets WHERE id = $1',
      [sets[0]!.id],
    );
    expect(delivered.rows[0]?.delivered).toBe(true);
  });
  it('paces every call of a set to SMAS: one gate pass per call, as README says ("no bursts")', async () => {
    smas.faults.clear();
    const [s1, s2] = smas.schoolCodes;
    const secondOf = async (school: string) =>
      (
        await env.deps.db.query<{ data: Record<string, unknown> }>(
          `SELECT data FROM truc.students
            WHERE school_code = $1 AND deleted_at IS NULL ORDER BY student_code LIMIT 1 OFFSET 1`,
          [school],
        )
      ).rows[0]!.data;
    const batchCalls = () =>
      Object.entries(smas.stats().byRoute)
        .filter(([route]) => route.startsWith('POST ') && route.endsWith('/students/batch'))
        .reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
    const passes = () => tracesOf(0, trace.text(), 'smas').passed.filter((p) => p.paced).length;
    const [callsBefore, passesBefore] = [batchCalls(), passes()];

    // The city corrects one student's personal ID in each of two SMAS schools: one set, two schools.
    const at = new Date().toISOString();
    hcm.received.put('students', { ...toWire(await secondOf(s1!)), soDinhDanhCaNhan: '079209004455' }, at);
    hcm.received.put('students', { ...toWire(await secondOf(s2!)), soDinhDanhCaNhan: '079209004466' }, at);
    await sync('hcm-csdl', false);

    const calls = batchCalls() - callsBefore;
    expect(calls).toBe(2);
    // Each call to SMAS went through the gate's pacing (a slot of its own), not one slot for the set.
    expect(passes() - passesBefore).toBe(calls);
  });
  it('a set sent late leaves out a record that moved meanwhile to a school the target does not serve', async () => {
    smas.faults.clear();
    const [s1, s2] = smas.schoolCodes;
    const [v] = vnedu.schoolCodes;
    const thirdOf = async (school: string) =>
      (
        await env.deps.db.query<{ key: string; data: Record<string, unknown> }>(
          `SELECT student_code AS key, data FROM truc.students
            WHERE school_code = $1 AND deleted_at IS NULL ORDER BY student_code LIMIT 1 OFFSET 2`,
          [school],
        )
      ).rows[0]!;
    const [a, b] = [await thirdOf(s1!), await thirdOf(s2!)];
    const before = (
      await env.deps.db.query<{ id: number }>('SELECT coalesce(max(id), 0)::int AS id FROM truc.push_sets')
    ).rows[0]!.id;

    // The city corrects both students' personal IDs; SMAS refuses the set's first call (nothing stored).
    smas.faults.merge({ status400Burst: 1, paths: [`/schools/${s1}/students/batch`] });
    const at = new Date().toISOString();
    hcm.received.put('students', { ...toWire(a.data), soDinhDanhCaNhan: '079209004477' }, at);
    hcm.received.put('students', { ...toWire(b.data), soDinhDanhCaNhan: '079209004488' }, at);
    await sync('hcm-csdl', false);
    const set = (
      await env.deps.db.query<{ id: number; keys: string[] }>(
        `SELECT id, keys FROM truc.push_sets WHERE id > $1 AND system = 'smas' ORDER BY id`,
        [before],
      )
    ).rows;
    expect(set.map((s) => [...s.keys].sort())).toEqual([[a.key, b.key].sort()]);
    const letter = (
      await env.deps.db.query<{ id: number }>(
        `SELECT d.id FROM truc.dead_letters d JOIN truc.outbox o ON o.id = d.outbox_id
          WHERE (o.payload->>'pushSetId')::int = $1`,
        [set[0]!.id],
      )
    ).rows;
    expect(letter).toHaveLength(1);

    // The first student moves to a vnEdu school: the city's change goes to vnEdu (its own set).
    hcm.received.put(
      'students',
      { ...toWire(a.data), soDinhDanhCaNhan: '079209004477', maTruong: v! },
      new Date().toISOString(),
    );
    await sync('hcm-csdl', false);

    // The SMAS set is replayed: the second student reaches SMAS; nothing is sent to SMAS for the vnEdu school.
    smas.faults.clear();
    const lettersBefore = (
      await env.deps.db.query<{ id: number }>('SELECT coalesce(max(id), 0)::int AS id FROM truc.dead_letters')
    ).rows[0]!.id;
    await replayDeadLetters(env.deps.db, { ids: [letter[0]!.id] }, { actor: 'test', at: env.deps.now() });
    await settle('the replayed set');
    const failedAgain = (
      await env.deps.db.query<{ code: string; msg: string }>(
        'SELECT error_code AS code, error_message AS msg FROM truc.dead_letters WHERE id > $1',
        [lettersBefore],
      )
    ).rows;
    expect(failedAgain).toEqual([]);
    const toSmas = smas.received.items('students') as Array<Record<string, unknown>>;
    expect(toSmas.map((r) => [r.MaHocSinh, r.SoCCCD])).toContainEqual([b.key, '079209004488']);
    expect(toSmas.filter((r) => r.MaTruong === v)).toEqual([]);
    // The moved record is counted as superseded in the set's receipt, as a delete set's live keys are.
    const receipt = await env.deps.db.query<{ receipt: Record<string, unknown> }>(
      'SELECT receipt FROM truc.push_sets WHERE id = $1',
      [set[0]!.id],
    );
    expect(receipt.rows[0]?.receipt).toMatchObject({ accepted: 1, rejected: 0, superseded: 1 });
  });

  it('a transfer out of a SMAS school is not undone by the next full SMAS pull (review15 BUG 8)', async () => {
    smas.faults.clear();
    const codes = [...smas.schoolCodes];
    const [to, from] = [codes[0]!, codes[codes.length - 1]!];
    // A student of the last SMAS school (by code), as the city database serves it.
    const s = (
      await env.deps.db.query<{ key: string; data: Record<string, unknown> }>(
        `SELECT student_code AS key, data FROM truc.students
          WHERE school_code = $1 AND deleted_at IS NULL ORDER BY student_code DESC LIMIT 1`,
        [from],
      )
    ).rows[0]!;
    const schoolOf = async () =>
      (
        await env.deps.db.query<{ school: string }>(
          'SELECT school_code AS school FROM truc.students WHERE student_code = $1',
          [s.key],
        )
      ).rows[0]!.school;

    // The city database transfers the student to the first SMAS school: truc follows, SMAS gets it there.
    hcm.received.put('students', { ...toWire(s.data), maTruong: to }, new Date().toISOString());
    await sync('hcm-csdl', false);
    expect(await schoolOf()).toBe(to);
    const before = (
      await env.deps.db.query<{ id: number }>('SELECT coalesce(max(id), 0)::int AS id FROM truc.push_sets')
    ).rows[0]!.id;

    // A full pull of SMAS (a reconciliation) afterwards: the transfer stands, in truc and at the city.
    await sync('smas', true);
    expect.soft(await schoolOf()).toBe(to);
    const toCity = (
      await env.deps.db.query<{ keys: string[] }>(
        `SELECT keys FROM truc.push_sets WHERE id > $1 AND system = 'hcm-csdl'`,
        [before],
      )
    ).rows.flatMap((r) => r.keys);
    expect.soft(toCity).not.toContain(s.key);
  });
});
