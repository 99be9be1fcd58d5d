import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createVneduAdapter,
  createVneduClient,
  type VneduAdapter,
} from '../../../src/adapters/vnedu/index.js';
import type { VneduRecordOf, VneduStudent } from '../../../src/adapters/vnedu/schema.js';
import { startVneduSimulator, type VneduSimulator } from '../../../src/simulators/vnedu/simulator.js';
import type { Student } from '../../../src/canonical/student.js';
import { vneduMappings } from '../../../src/mappings/vnedu/index.js';
import {
  drain,
  errorOf,
  mapCtx,
  newcomerStudent,
  runSchoolConformance,
  SCHOOL_SIM,
  sharedSchoolRules,
  type SchoolConformanceSetup,
} from '../../helpers/school-system-conformance.js';

const TOKEN = 'vnedu-sim-token';

const start = () => startVneduSimulator({ ...SCHOOL_SIM, token: TOKEN });
const adapterFor = (sim: VneduSimulator, o: { timeoutMs?: number; invalid?: boolean } = {}) =>
  createVneduAdapter({
    baseURL: sim.url,
    token: o.invalid ? 'wrong-token' : TOKEN,
    ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
  });

const setup: SchoolConformanceSetup<'vnedu', VneduRecordOf> = {
  system: 'vnedu',
  start,
  adapterFor,
  mappings: vneduMappings,
  studentKey: (s) => s.student_id,
  maxPageSize: 1000,
  codes: {
    badCredential: { rule: 'VNEDU_invalid_token', message: 'Token không hợp lệ.' },
    schoolNotFound: 'VNEDU_school_not_found',
    forbiddenSchool: 'VNEDU_forbidden_school',
    idempotencyKeyReused: 'VNEDU_idempotency_conflict',
  },
  otherVendorSchool: 0, // SMAS serves the even-index schools
};

/** A student transferred in, as truc would write it (canonical → vnEdu). */
const newcomer = (school: string, i: number, extra: Partial<Student> = {}): VneduStudent =>
  vneduMappings.students.fromCanonical(newcomerStudent(school, i, extra), mapCtx);

runSchoolConformance(setup, (sim) => [
  newcomer(sim.schoolCodes[0]!, 1),
  newcomer(sim.schoolCodes[0]!, 2),
  { ...newcomer(sim.schoolCodes[0]!, 3), dob: '20/05/2013' },
]);

describe('vnedu simulator and adapter: system rules', () => {
  let sim: VneduSimulator;
  let adapter: VneduAdapter;
  beforeAll(async () => {
    sim = await start();
    adapter = adapterFor(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('serves the odd-index schools of the population, ordered by code', () => {
    const odd = [1, 3].map((i) => sim.population.school(i).schoolCode).sort();
    expect(sim.schoolCodes).toEqual(odd);
  });

  it('cursor: follows `next` to the end; the last page has next = null and is never empty', async () => {
    const client = createVneduClient({ baseURL: sim.url, token: TOKEN });
    const school = sim.schoolCodes[0]!;
    const total = sim.count('students', { schoolCode: school });
    const pages = [];
    for await (const page of client.pages('students', school, { limit: 7 })) pages.push(page);
    expect(pages).toHaveLength(Math.ceil(total / 7));
    expect(pages.slice(0, -1).every((p) => p.items.length === 7 && typeof p.next === 'string')).toBe(true);
    expect(pages.at(-1)!.next).toBeUndefined();
    expect(pages.at(-1)!.items.length).toBe(total % 7 || 7);
    const ids = pages.flatMap((p) => p.items.map((s) => s.student_id));
    expect(new Set(ids).size).toBe(total);
  });

  it('a cursor is bound to its filter: reusing it with another updated_after is refused with its vnEdu code', async () => {
    const client = createVneduClient({ baseURL: sim.url, token: TOKEN });
    const school = sim.schoolCodes[0]!;
    const first = await client.fetchPage('students', school, { limit: 5 });
    const err = await errorOf(
      client.fetchPage('students', school, {
        limit: 5,
        after: first.next!,
        updatedAfter: '2025-09-01T00:00:00Z',
      }),
    );
    expect(err).toMatchObject({ code: 'ERR_ADAPTER_REJECTED', errors: [{ rule: 'VNEDU_invalid_param' }] });
  });

  it('updated_after filters and the last page carries the latest updated_at as watermark', async () => {
    const all = await drain(adapter, 'staff');
    const times = all.items.map((s) => Date.parse(s.updated_at!)).sort((a, b) => a - b);
    const since = new Date(times[Math.floor(times.length / 2)]!).toISOString();
    const changed = await drain(adapter, 'staff', { since, pageSize: 5 });
    expect(changed.items.length).toBe(sim.count('staff', { since }));
    expect(changed.items.length).toBeLessThan(all.items.length);
    expect(changed.items.every((s) => Date.parse(s.updated_at!) >= Date.parse(since))).toBe(true);
    expect(changed.watermarks.slice(0, -1).every((w) => w === undefined)).toBe(true);
    expect(changed.watermarks.at(-1)).toBe(new Date(times.at(-1)!).toISOString());
  });

  it('a batch over several schools is split; rejections keep their index in the original batch', async () => {
    const [a, b] = sim.schoolCodes as [string, string];
    const { school_code: _dropped, ...noSchool } = newcomer(a, 63);
    const records = [
      newcomer(a, 60),
      { ...newcomer(b, 61), gender: 'M' as never },
      newcomer(b, 62),
      noSchool,
    ];
    const receipt = await adapter.write('students', records, { idempotencyKey: 'split-1' });
    expect(receipt.accepted).toBe(2);
    expect(receipt.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'invalid_record'],
      [3, 'missing_school'],
    ]);
    expect(receipt.receiptId?.split(',')).toHaveLength(2);
  });

  sharedSchoolRules(
    setup,
    () => ({ sim, adapter }),
    (school) => ({
      studentCode: 'SIMRT000001',
      schoolCode: school,
      schoolYear: '2025-2026',
      grade: 'kg4',
      fullName: 'Lê Thị Cúc',
      birthDate: '2021-02-28',
      sex: 'female',
      ethnicityCode: '05',
      status: 'transferred_in',
      statusDate: '2025-10-01',
      disability: 'hearing',
    }),
  );
});
