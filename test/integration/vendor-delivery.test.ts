/**
 * Delivery to vendors' systems (issue 7, item 5), with real PostgreSQL and Redis, the worker role and
 * the hcm-csdl, SMAS and vnEdu simulators over HTTP: pulls from SMAS and vnEdu show which system serves
 * which school; a change the city database makes (a student transferred into a SMAS school, a corrected
 * personal ID at a vnEdu school) reaches the school's own system through its batch write API, through
 * the delivery gate (a 429 with Retry-After on the way), with one effect per set; a student the city
 * database deletes is deleted at its school's system (and only there), and comes back there when the city
 * restores it; a vendor's own change (a pulled page, a vendor batch) is never sent back to a vendor's
 * system. A class the city database deletes (its tombstone names the class's code) is deleted at its
 * school's system by that code.
 *
 * The first pulls of each system happen once, before the tests; each test reads only the push sets,
 * dead letters and deliveries made since it began, so any one runs alone and in any order.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { queueBatch } from '../../src/jobs/contracts.js';
import { replayDeadLetters } from '../../src/jobs/dead-letters.js';
import { HCM_CSDL_MAPPINGS } from '../../src/mappings/hcm-csdl/index.js';
import { smasStudentFromCanonical } from '../../src/mappings/smas/index.js';
import { createSchoolSystemsRepo } from '../../src/store/school-systems.js';
import { countRows, waitFor } from '../helpers/env.js';
import { useVendorDeliveryWorld } from '../helpers/vendor-delivery-world.js';

describe('delivery of the city database changes to the schools own systems (postgres+redis)', () => {
  const { w, pushSetsOf, sync, smasStudents, maxId, settle } = useVendorDeliveryWorld();

  it('pulls from SMAS and vnEdu record which system serves each school, and nothing goes back to them', async () => {
    const { served } = w.firstPulls;
    expect(new Map(served.map((r) => [r.schoolCode, r.system]))).toEqual(
      new Map([
        ...w.smas.schoolCodes.map((code) => [code, 'smas'] as const),
        ...w.vnedu.schoolCodes.map((code) => [code, 'vnedu'] as const),
      ]),
    );
    expect(served.every((r) => r.learnedFrom === 'pull')).toBe(true);
    // A vendor's own records are never pushed to a vendor's system.
    expect(w.firstPulls.vendorSets).toEqual([]);
    expect(w.firstPulls.vendorStudents).toBe(0);
  });

  it('a transfer into a SMAS school and a corrected personal ID at a vnEdu school reach those systems', async () => {
    const [smasSchool] = w.smas.schoolCodes;
    const [vneduSchool, otherVneduSchool] = w.vnedu.schoolCodes;
    const [before, lettersBefore] = [await maxId('truc.push_sets'), await maxId('truc.dead_letters')];
    const limitedBefore = w.smas.stats().faultsApplied.status429 ?? 0;
    const vendorSets = () => pushSetsOf(`id > ${before} AND system IN ('smas', 'vnedu')`);
    // Two students of the city database as it serves them (the population's records).
    const students = await w.env.deps.db.query<{ key: string; school_code: string }>(
      `SELECT student_code AS key, school_code FROM truc.students WHERE school_code = ANY($1) ORDER BY key`,
      [[vneduSchool, otherVneduSchool]],
    );
    const moving = students.rows.find((r) => r.school_code === vneduSchool)!.key;
    const corrected = students.rows.find((r) => r.school_code === otherVneduSchool)!.key;
    const wireOf = async (key: string) => {
      const rec = await w.env.deps.db.query<{ data: Record<string, unknown> }>(
        'SELECT data FROM truc.students WHERE student_code = $1',
        [key],
      );
      return rec.rows[0]!.data;
    };
    const toWire = (data: Record<string, unknown>) =>
      HCM_CSDL_MAPPINGS.students.fromCanonical!(data as never, { now: () => new Date() });
    const now = new Date().toISOString();
    // The city database changes them (its own staff, not truc): a transfer, a corrected personal ID.
    w.hcm.received.put('students', { ...toWire(await wireOf(moving)), maTruong: smasSchool! }, now);
    const newId = '079209001234';
    w.hcm.received.put('students', { ...toWire(await wireOf(corrected)), soDinhDanhCaNhan: newId }, now);
    // SMAS is limited for a moment: the delivery waits as Retry-After asks instead of failing.
    w.smas.faults.merge({ status429: { count: 2, retryAfterSeconds: 1 } });

    await sync('hcm-csdl', false);
    await waitFor(async () => (await vendorSets()).every((s) => s.delivered), {
      timeoutMs: 30_000,
      what: 'the deliveries to the vendors',
    });

    const toSmas = w.smas.received.items('students') as Array<Record<string, unknown>>;
    const toVnedu = w.vnedu.received.items('students') as Array<Record<string, unknown>>;
    expect(toSmas.map((r) => [r.MaHocSinh, r.MaTruong])).toContainEqual([moving, smasSchool]);
    expect(toVnedu.map((r) => [r.student_id, r.citizen_id])).toContainEqual([corrected, newId]);
    // Each system got only records of the schools it serves.
    expect(toSmas.every((r) => w.smas.schoolCodes.includes(String(r.MaTruong)))).toBe(true);
    expect(toVnedu.every((r) => w.vnedu.schoolCodes.includes(String(r.school_code)))).toBe(true);
    expect(toVnedu.map((r) => r.student_id)).not.toContain(moving);
    // One effect per set: the 429s were waited out, nothing dead-lettered.
    expect(w.smas.stats().faultsApplied.status429).toBe(limitedBefore + 2);
    expect(await countRows(w.env.deps.db, 'truc.dead_letters', `id > ${lettersBefore}`)).toBe(0);
    // The transfer's old school (vnEdu) is sent its delete (precc17; school-system-moves.test.ts).
    const sets = await vendorSets();
    expect(sets.map((s) => [s.system, s.keys]).sort()).toEqual(
      [
        ['smas', [moving]],
        ['vnedu', [corrected]],
        ['vnedu', [moving]],
      ].sort(),
    );
    expect(w.vnedu.received.items('students_deleted')).toContainEqual({ student_id: moving });
  });

  it("a student the city deletes is deleted at its school's system only; restored, it is written back", async () => {
    const smasSchool = w.smas.schoolCodes[1]!;
    const vneduSchool = w.vnedu.schoolCodes[0]!;
    const lastOf = async (school: string) =>
      (
        await w.env.deps.db.query<{ key: string; data: Record<string, unknown> }>(
          `SELECT student_code AS key, data FROM truc.students
            WHERE school_code = $1 AND deleted_at IS NULL ORDER BY 1 DESC LIMIT 1`,
          [school],
        )
      ).rows[0]!;
    const [atSmas, atVnedu] = [await lastOf(smasSchool), await lastOf(vneduSchool)];
    // What each school's system lists, over its HTTP API.
    const smasKeys = () => smasStudents(smasSchool);
    const vneduKeys = async () => {
      const res = await fetch(`${w.vnedu.url}/v1/schools/${vneduSchool}/students?limit=1000`, {
        headers: { authorization: `Bearer ${w.env.config.systems.vnedu.token!}` },
      });
      return ((await res.json()) as { items: Array<{ student_id: string }> }).items.map((r) => r.student_id);
    };
    expect(await smasKeys()).toContain(atSmas.key);
    expect(await vneduKeys()).toContain(atVnedu.key);
    const [before, lettersBefore] = [await maxId('truc.push_sets'), await maxId('truc.dead_letters')];
    const delivered = () =>
      waitFor(
        async () =>
          (await pushSetsOf(`id > ${before} AND system IN ('smas', 'vnedu')`)).every((s) => s.delivered),
        {
          timeoutMs: 30_000,
          what: 'the deliveries to the vendors',
        },
      );
    const deletedBefore = {
      smas: w.smas.received.items('students_deleted').length,
      vnedu: w.vnedu.received.items('students_deleted').length,
    };

    // The city database deletes both: its feed serves them as tombstones.
    const now = new Date().toISOString();
    w.hcm.received.remove('students', atSmas.key, now);
    w.hcm.received.remove('students', atVnedu.key, now);
    await sync('hcm-csdl', false);
    await delivered();

    const sets = (
      await w.env.deps.db.query<{
        system: string;
        operation: string;
        keys: string[];
        schools: string[] | null;
      }>('SELECT system, operation, keys, schools FROM truc.push_sets WHERE id > $1 ORDER BY system', [
        before,
      ])
    ).rows;
    // Each deletion went to the one system that serves the record's school, with that school; none back
    // to the city database it came from.
    expect(sets).toEqual([
      { system: 'smas', operation: 'delete', keys: [atSmas.key], schools: [smasSchool] },
      { system: 'vnedu', operation: 'delete', keys: [atVnedu.key], schools: [vneduSchool] },
    ]);
    expect(await smasKeys()).not.toContain(atSmas.key);
    expect(await vneduKeys()).not.toContain(atVnedu.key);
    expect(w.smas.received.items('students_deleted').slice(deletedBefore.smas)).toEqual([
      { MaHocSinh: atSmas.key },
    ]);
    expect(w.vnedu.received.items('students_deleted').slice(deletedBefore.vnedu)).toEqual([
      { student_id: atVnedu.key },
    ]);

    // The city restores the SMAS school's student: truc restores it and writes it back to SMAS.
    const wire = HCM_CSDL_MAPPINGS.students.fromCanonical!(atSmas.data as never, { now: () => new Date() });
    w.hcm.received.put('students', wire, new Date().toISOString());
    await sync('hcm-csdl', false);
    await delivered();
    expect(await smasKeys()).toContain(atSmas.key);
    expect(await vneduKeys()).not.toContain(atVnedu.key);
    expect(await countRows(w.env.deps.db, 'truc.dead_letters', `id > ${lettersBefore}`)).toBe(0);
  });

  it("a vendor's own change, pulled or pushed, is never echoed to a vendor system", async () => {
    const before = await countRows(w.env.deps.db, 'truc.push_sets', `system IN ('smas', 'vnedu')`);
    // Pulled again, whatever SMAS holds (with what truc delivered to it, SMAS's change times) is SMAS's own.
    await sync('smas', false);
    // A vendor pushes one of its school's students in SMAS's format, changed.
    const [smasSchool] = w.smas.schoolCodes;
    const key = (
      await w.env.deps.db.query<{ key: string }>(
        'SELECT student_code AS key FROM truc.students WHERE school_code = $1 ORDER BY 1 LIMIT 1',
        [smasSchool],
      )
    ).rows[0]!.key;
    const listed = w.smas.received.items('students').length;
    const batchId = randomUUID();
    const data = (
      await w.env.deps.db.query<{ data: Record<string, unknown> }>(
        'SELECT data FROM truc.students WHERE student_code = $1',
        [key],
      )
    ).rows[0]!.data;
    await w.env.deps.db.tx((q) =>
      queueBatch(q, {
        id: batchId,
        clientId: 'vendor-smas',
        schoolCode: smasSchool!,
        entity: 'students',
        format: 'smas',
        records: [{ ...smasStudentFromCanonical(data as never), DienThoaiLienHe: '0901234567' }],
      }),
    );
    await settle('the vendor batch');
    expect((await pushSetsOf(`batch_id = '${batchId}'`)).map((s) => s.system)).toEqual(['hcm-csdl']);
    expect(await countRows(w.env.deps.db, 'truc.push_sets', `system IN ('smas', 'vnedu')`)).toBe(before);
    expect(w.smas.received.items('students')).toHaveLength(listed);
    const learned = (await createSchoolSystemsRepo(w.env.deps.db).list()).items.find(
      (r) => r.schoolCode === smasSchool,
    );
    expect(learned?.system).toBe('smas');
  });
  it('a delete retried after the restore was delivered does not undo the restore', async () => {
    const school = w.smas.schoolCodes[1]!;
    const student = (
      await w.env.deps.db.query<{ key: string; data: Record<string, unknown> }>(
        `SELECT student_code AS key, data FROM truc.students
          WHERE school_code = $1 AND deleted_at IS NULL ORDER BY 1 LIMIT 1`,
        [school],
      )
    ).rows[0]!;
    expect(await smasStudents(school)).toContain(student.key);
    const before = await maxId('truc.push_sets');

    // The city deletes the student; SMAS refuses the delete (dead-lettered: its delivery failed once).
    w.smas.faults.merge({ status400Burst: 1, paths: [`/schools/${school}/students/delete`] });
    w.hcm.received.remove('students', student.key, new Date().toISOString());
    await sync('hcm-csdl', false);
    const letter = (
      await w.env.deps.db.query<{ id: number }>(
        `SELECT d.id FROM truc.dead_letters d JOIN truc.outbox o ON o.id = d.outbox_id
          JOIN truc.push_sets p ON p.id = (o.payload->>'pushSetId')::int
          WHERE p.id > $1 AND p.operation = 'delete' AND p.system = 'smas'`,
        [before],
      )
    ).rows;
    expect(letter).toHaveLength(1);
    expect(await smasStudents(school)).toContain(student.key);

    // The city restores it, and the restore's upsert reaches SMAS.
    const wire = HCM_CSDL_MAPPINGS.students.fromCanonical!(student.data as never, { now: () => new Date() });
    w.hcm.received.put('students', wire, new Date().toISOString());
    await sync('hcm-csdl', false);
    const upserts = await pushSetsOf(`id > ${before} AND system = 'smas' AND operation = 'upsert'`);
    expect(upserts.map((s) => [s.keys, s.delivered])).toEqual([[[student.key], true]]);

    // Now the delete is retried: its key is live again, so nothing is deleted at SMAS.
    w.smas.faults.clear();
    const deletesBefore = w.smas.received.items('students_deleted').length;
    await replayDeadLetters(w.env.deps.db, { ids: [letter[0]!.id] }, { actor: 'test', at: w.env.deps.now() });
    await settle('the retried delete');
    // SMAS still holds the restored student, and was sent no delete for it.
    expect(await smasStudents(school)).toContain(student.key);
    expect(w.smas.received.items('students_deleted').length).toBe(deletesBefore);
    // The set's outcome says its one key was skipped as superseded.
    const sets = (
      await w.env.deps.db.query<{ delivered: boolean; receipt: Record<string, unknown> }>(
        `SELECT delivered_at IS NOT NULL AS delivered, receipt FROM truc.push_sets
          WHERE id > $1 AND system = 'smas' AND operation = 'delete'`,
        [before],
      )
    ).rows;
    expect(sets).toEqual([
      { delivered: true, receipt: { accepted: 0, rejected: 0, receiptId: null, superseded: 1 } },
    ]);
  });
  it("a class the city deletes is deleted at its school's system, by the class's code", async () => {
    await sync('hcm-csdl', true, 'classes');
    const smasSchool = w.smas.schoolCodes[0]!;
    const vneduSchool = w.vnedu.schoolCodes[0]!;
    const classOf = async (school: string) =>
      (
        await w.env.deps.db.query<{ key: string; code: string }>(
          `SELECT class_key AS key, data ->> 'classCode' AS code FROM truc.classes
            WHERE school_code = $1 AND deleted_at IS NULL ORDER BY 1 LIMIT 1`,
          [school],
        )
      ).rows[0]!;
    const [atSmas, atVnedu] = [await classOf(smasSchool), await classOf(vneduSchool)];
    const listed = async (system: 'smas' | 'vnedu', school: string) => {
      const res =
        system === 'smas'
          ? await fetch(`${w.smas.url}/schools/${school}/classes?pageSize=500`, {
              headers: { 'X-Api-Key': w.env.config.systems.smas.apiKey! },
            })
          : await fetch(`${w.vnedu.url}/v1/schools/${school}/classes?limit=1000`, {
              headers: { authorization: `Bearer ${w.env.config.systems.vnedu.token!}` },
            });
      const body = (await res.json()) as {
        Data?: Array<{ MaLop: string }>;
        items?: Array<{ class_id: string }>;
      };
      return body.Data?.map((r) => r.MaLop) ?? body.items?.map((r) => r.class_id) ?? [];
    };
    expect(await listed('smas', smasSchool)).toContain(atSmas.code);
    expect(await listed('vnedu', vneduSchool)).toContain(atVnedu.code);
    const before = await maxId('truc.push_sets');

    // The city database deletes both classes: its feed serves tombstones naming each class's code.
    const now = new Date().toISOString();
    w.hcm.received.remove('classes', atSmas.code, now);
    w.hcm.received.remove('classes', atVnedu.code, now);
    await sync('hcm-csdl', false, 'classes');
    const gone = await w.env.deps.db.query<{ key: string }>(
      'SELECT class_key AS key FROM truc.classes WHERE class_key = ANY($1) AND deleted_at IS NOT NULL ORDER BY 1',
      [[atSmas.key, atVnedu.key]],
    );
    expect(gone.rows.map((r) => r.key)).toEqual([atSmas.key, atVnedu.key].sort());
    const sets = (
      await w.env.deps.db.query<{
        system: string;
        keys: string[];
        schools: string[] | null;
        delivered: boolean;
      }>(
        `SELECT system, keys, schools, delivered_at IS NOT NULL AS delivered FROM truc.push_sets
          WHERE id > $1 AND operation = 'delete' ORDER BY system`,
        [before],
      )
    ).rows;
    expect(sets).toEqual([
      { system: 'smas', keys: [atSmas.key], schools: [smasSchool], delivered: true },
      { system: 'vnedu', keys: [atVnedu.key], schools: [vneduSchool], delivered: true },
    ]);
    expect(w.smas.received.items('classes_deleted')).toEqual([{ MaLop: atSmas.code }]);
    expect(w.vnedu.received.items('classes_deleted')).toEqual([{ class_id: atVnedu.code }]);
    expect(await listed('smas', smasSchool)).not.toContain(atSmas.code);
    expect(await listed('vnedu', vneduSchool)).not.toContain(atVnedu.code);
  });
});
