import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmasAdapter, createSmasClient, type SmasAdapter } from '../../../src/adapters/smas/index.js';
import type { SmasRecordOf, SmasStudent } from '../../../src/adapters/smas/schema.js';
import { startSmasSimulator, type SmasSimulator } from '../../../src/simulators/smas/simulator.js';
import type { Student } from '../../../src/canonical/student.js';
import { smasMappings } from '../../../src/mappings/smas/index.js';
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

const API_KEY = 'smas-sim-key';

const start = () => startSmasSimulator({ ...SCHOOL_SIM, apiKey: API_KEY });
const adapterFor = (sim: SmasSimulator, o: { timeoutMs?: number; invalid?: boolean } = {}) =>
  createSmasAdapter({
    baseURL: sim.url,
    apiKey: o.invalid ? 'wrong-key' : API_KEY,
    ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
  });

const setup: SchoolConformanceSetup<'smas', SmasRecordOf> = {
  system: 'smas',
  start,
  adapterFor,
  mappings: smasMappings,
  studentKey: (s) => s.MaHocSinh,
  maxPageSize: 500,
  codes: {
    badCredential: { rule: 'SMAS_AUTH_INVALID_KEY', message: 'API key không hợp lệ.' },
    schoolNotFound: 'SMAS_SCHOOL_NOT_FOUND',
    forbiddenSchool: 'SMAS_AUTH_SCHOOL_FORBIDDEN',
    idempotencyKeyReused: 'SMAS_IDEMPOTENCY_KEY_REUSED',
  },
  otherVendorSchool: 1, // vnEdu serves the odd-index schools
};

/** A student transferred in, as truc would write it (canonical → SMAS). */
const newcomer = (school: string, i: number, extra: Partial<Student> = {}): SmasStudent =>
  smasMappings.students.fromCanonical(newcomerStudent(school, i, extra), mapCtx);

runSchoolConformance(setup, (sim) => [
  newcomer(sim.schoolCodes[0]!, 1),
  newcomer(sim.schoolCodes[0]!, 2),
  { ...newcomer(sim.schoolCodes[0]!, 3), NgaySinh: '2013-05-20' },
]);

describe('smas simulator and adapter: system rules', () => {
  let sim: SmasSimulator;
  let adapter: SmasAdapter;
  beforeAll(async () => {
    sim = await start();
    adapter = adapterFor(sim);
  });
  afterAll(async () => {
    await sim.close();
    nock.cleanAll();
  });

  it('serves the even-index schools of the population, ordered by code', () => {
    const even = [0, 2].map((i) => sim.population.school(i).schoolCode).sort();
    expect(sim.schoolCodes).toEqual(even);
  });

  it('page/offset: walks pages 1..n of each school until Page × PageSize ≥ TotalRecord', async () => {
    const client = createSmasClient({ baseURL: sim.url, apiKey: API_KEY });
    const school = sim.schoolCodes[0]!;
    const total = sim.count('students', { schoolCode: school });
    const pages = [];
    for await (const page of client.pages('students', school, { pageSize: 7 })) pages.push(page);
    expect(pages.map((p) => p.page)).toEqual(Array.from({ length: Math.ceil(total / 7) }, (_, i) => i + 1));
    expect(pages.every((p) => p.totalRecord === total)).toBe(true);
    expect(pages.at(-1)!.items.length).toBe(total % 7 || 7);
    expect(pages.at(-1)!.last).toBe(true);
    const past = await client.fetchPage('students', school, { page: 999, pageSize: 7 });
    expect(past).toMatchObject({ items: [], last: true, totalRecord: total });
  });

  it('modifiedSince filters and the last page carries the latest change time as watermark', async () => {
    const all = await drain(adapter, 'staff');
    const times = all.items.map((s) => Date.parse(s.NgayCapNhat!)).sort((a, b) => a - b);
    const since = new Date(times[Math.floor(times.length / 2)]!).toISOString();
    const changed = await drain(adapter, 'staff', { since, pageSize: 5 });
    expect(changed.items.length).toBe(sim.count('staff', { since }));
    expect(changed.items.length).toBeLessThan(all.items.length);
    expect(changed.items.every((s) => Date.parse(s.NgayCapNhat!) >= Date.parse(since))).toBe(true);
    expect(changed.watermarks.slice(0, -1).every((w) => w === undefined)).toBe(true);
    expect(changed.watermarks.at(-1)).toBe(new Date(times.at(-1)!).toISOString());
    const nothing = await drain(adapter, 'staff', { since: '2030-01-01T00:00:00.000Z' });
    expect(nothing).toEqual({ items: [], watermarks: ['2030-01-01T00:00:00.000Z'] });
  });

  it('a cursor keeps its page size: resuming with another pageSize leaves no gap and no duplicate', async () => {
    const keys: string[] = [];
    let cursor: string | undefined;
    for await (const page of adapter.listChanges('students', { pageSize: 5 })) {
      keys.push(...page.items.map((s) => s.MaHocSinh));
      cursor = page.nextCursor;
      if (keys.length >= 10) break;
    }
    const rest = await drain(adapter, 'students', { cursor: cursor!, pageSize: 50 });
    const all = [...keys, ...rest.items.map((s) => s.MaHocSinh)];
    expect(all.length).toBe(sim.count('students'));
    expect(new Set(all).size).toBe(all.length);
  });

  it('a failure reported inside HTTP 200 (Success: false) is classified by its ErrorCode', async () => {
    nock('http://smas.test')
      .get('/health')
      .reply(200, { Success: false, Message: 'Bảo trì', ErrorCode: 'MAINTENANCE' });
    const client = createSmasClient({ baseURL: 'http://smas.test', apiKey: API_KEY });
    const err = await errorOf(client.health());
    expect(err).toMatchObject({ code: 'ERR_ADAPTER_UNAVAILABLE', errors: [{ rule: 'SMAS_MAINTENANCE' }] });
  });

  it('a batch over several schools is split; rejections keep their index in the original batch', async () => {
    const [a, b] = sim.schoolCodes as [string, string];
    const { MaTruong: _dropped, ...noSchool } = newcomer(a, 63);
    const records = [
      newcomer(a, 60),
      { ...newcomer(b, 61), HoVaTen: 42 as never },
      newcomer(b, 62),
      noSchool,
    ];
    const receipt = await adapter.write('students', records, { idempotencyKey: 'split-1' });
    expect(receipt.accepted).toBe(2);
    expect(receipt.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'INVALID_RECORD'],
      [3, 'MISSING_SCHOOL'],
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
      grade: '3',
      fullName: 'Lê Thị Cúc',
      birthDate: '2017-02-28',
      sex: 'female',
      ethnicityCode: '05',
      status: 'transferred_in',
      statusDate: '2025-10-01',
      disability: 'none',
    }),
  );
});
