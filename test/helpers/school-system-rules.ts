/**
 * The school-system rules both systems (SMAS, vnEdu) share, around each system's own wire-specific
 * rules: the schools served, change-time filters and watermarks, split batches, the vendor's answers,
 * every served record maps, written records read back, deletes by key, page sizes agree, determinism.
 * The set-up they run on is in school-system-conformance.ts.
 */
import { describe, expect, it } from 'vitest';
import type { SchoolSimulator } from '../../src/simulators/school-system/simulator.js';
import type { Student } from '../../src/canonical/student.js';
import { useRunning } from '../conformance/adapter-conformance.js';
import {
  adapterOf,
  asMapping,
  drain,
  errorOf,
  mapCtx,
  newcomerOf,
  type Entity,
  type SchoolAdapterLike,
  type SchoolConformanceSetup,
} from './school-system-conformance.js';

/** The running simulator and adapter of a system's rules. */
export interface RunningSchoolSystem<S extends string, RecOf extends Record<Entity, unknown>> {
  sim: SchoolSimulator<S>;
  adapter: SchoolAdapterLike<RecOf>;
}

/**
 * The system rules of `setup`'s system: one simulator and adapter for all of them, the rules both
 * systems share around `ownRules` (the system's wire-specific rules, given the running simulator and
 * adapter), the rules that need written records last.
 */
export function describeSchoolSystemRules<S extends string, RecOf extends Record<Entity, unknown>>(
  setup: SchoolConformanceSetup<S, RecOf>,
  ownRules: (running: RunningSchoolSystem<S, RecOf>) => void,
): void {
  describe(`${setup.system} simulator and adapter: system rules`, () => {
    const running = useRunning(
      () => setup.start(),
      (sim) => adapterOf(setup, sim),
    );
    const newcomer = newcomerOf(setup);

    it(`serves schools ${setup.servedSchools.join(' and ')} of the population, ordered by code`, () => {
      const served = setup.servedSchools.map((i) => running.sim.population.school(i).schoolCode).sort();
      expect(running.sim.schoolCodes).toEqual(served);
    });

    it('filters by change time; the last page carries the latest change time as watermark', async () => {
      const { sim, adapter } = running;
      const all = await drain(adapter, 'staff');
      const times = all.items.map((s) => Date.parse(setup.staffUpdatedAt(s)!)).sort((a, b) => a - b);
      const since = new Date(times[Math.floor(times.length / 2)]!).toISOString();
      const changed = await drain(adapter, 'staff', { since, pageSize: 5 });
      expect(changed.items.length).toBe(sim.count('staff', { since }));
      expect(changed.items.length).toBeLessThan(all.items.length);
      expect(changed.items.every((s) => Date.parse(setup.staffUpdatedAt(s)!) >= Date.parse(since))).toBe(
        true,
      );
      expect(changed.watermarks.slice(0, -1).every((w) => w === undefined)).toBe(true);
      expect(changed.watermarks.at(-1)).toBe(new Date(times.at(-1)!).toISOString());
      const nothing = await drain(adapter, 'staff', { since: '2030-01-01T00:00:00.000Z' });
      expect(nothing).toEqual({ items: [], watermarks: ['2030-01-01T00:00:00.000Z'] });
    });

    ownRules(running);

    it('a batch over several schools is split; rejections keep their index in the original batch', async () => {
      const [a, b] = running.sim.schoolCodes as [string, string];
      const noSchool: Record<string, unknown> = { ...(newcomer(a, 63) as object) };
      delete noSchool[setup.split.schoolField];
      const records = [
        newcomer(a, 60),
        setup.invalid(newcomer(b, 61)),
        newcomer(b, 62),
        noSchool as RecOf['students'],
      ];
      const receipt = await running.adapter.write('students', records, { idempotencyKey: 'split-1' });
      expect(receipt.accepted).toBe(2);
      expect(receipt.rejected.map((r) => [r.index, r.code])).toEqual([
        [1, setup.split.codes.invalid],
        [3, setup.split.codes.missingSchool],
      ]);
      expect(receipt.receiptId?.split(',')).toHaveLength(2);
    });

    sharedSchoolRules(setup, running, newcomer);
  });
}

/** The written (transferred-in) student of the read-back rule. */
const writtenStudent = (school: string, own: SchoolConformanceSetup<string, never>['written']): Student => ({
  studentCode: 'SIMRT000001',
  schoolCode: school,
  schoolYear: '2025-2026',
  fullName: 'Lê Thị Cúc',
  sex: 'female',
  ethnicityCode: '05',
  status: 'transferred_in',
  statusDate: '2025-10-01',
  ...own,
});

/**
 * The rules both systems share that need the running simulator and adapter; after the tests that
 * write, so the page-size check also covers written records.
 */
function sharedSchoolRules<S extends string, RecOf extends Record<Entity, unknown>>(
  setup: SchoolConformanceSetup<S, RecOf>,
  running: RunningSchoolSystem<S, RecOf>,
  newcomer: (school: string, i: number) => RecOf['students'],
): void {
  vendorAnswerRules(setup, running, newcomer);
  servedRecordRules(setup, running);
  writtenRecordRules(setup, running);
}

/** How the vendor's answers come through: credentials, its error codes, its idempotency. */
function vendorAnswerRules<S extends string, RecOf extends Record<Entity, unknown>>(
  setup: SchoolConformanceSetup<S, RecOf>,
  running: RunningSchoolSystem<S, RecOf>,
  newcomer: (school: string, i: number) => RecOf['students'],
): void {
  const get = () => running;

  it(`a wrong credential is ERR_ADAPTER_AUTH carrying ${setup.codes.badCredential.rule}; health says not ok`, async () => {
    const bad = adapterOf(setup, get().sim, { invalid: true });
    const err = await errorOf(drain(bad, 'classes'));
    expect(err).toMatchObject({ code: 'ERR_ADAPTER_AUTH', retryable: false });
    expect((err as { errors: unknown[] }).errors).toEqual([{ pointer: '', ...setup.codes.badCredential }]);
    expect(await bad.health()).toEqual({ ok: false, detail: 'ERR_ADAPTER_AUTH' });
  });

  it("the vendor's error body surfaces its code (unknown school, school of another vendor)", async () => {
    const { sim, adapter } = get();
    const unknown = await errorOf(drain(adapter, 'students', { schoolCode: 'SIM-NONE' }));
    expect(unknown).toMatchObject({
      code: 'ERR_ADAPTER_REJECTED',
      message: expect.stringContaining(setup.codes.schoolNotFound),
    });
    const index = [0, 1, 2, 3].find((i) => !setup.servedSchools.includes(i))!;
    const other = sim.population.school(index).schoolCode;
    const forbidden = await errorOf(drain(adapter, 'students', { schoolCode: other }));
    expect(forbidden).toMatchObject({
      code: 'ERR_ADAPTER_FORBIDDEN',
      errors: [{ rule: setup.codes.forbiddenSchool }],
    });
  });

  it("idempotency: a replay says replayed; the same key with another batch is refused with the vendor's code", async () => {
    const { sim, adapter } = get();
    const school = sim.schoolCodes[0]!;
    const batch = [newcomer(school, 50)];
    const first = await adapter.write('students', batch, { idempotencyKey: 'idem-1' });
    const again = await adapter.write('students', batch, { idempotencyKey: 'idem-1' });
    expect(first.replayed).toBeUndefined();
    expect(again).toEqual({ ...first, replayed: true });
    const err = await errorOf(
      adapter.write('students', [newcomer(school, 51)], { idempotencyKey: 'idem-1' }),
    );
    expect(err).toMatchObject({
      code: 'ERR_ADAPTER_REJECTED',
      errors: [{ rule: setup.codes.idempotencyKeyReused }],
    });
  });
}

/** The records served: they map without errors, page alike after writes, repeat by seed. */
function servedRecordRules<S extends string, RecOf extends Record<Entity, unknown>>(
  setup: SchoolConformanceSetup<S, RecOf>,
  running: RunningSchoolSystem<S, RecOf>,
): void {
  const get = () => running;

  it('every record it serves maps to the canonical model without findings of severity error', async () => {
    const { sim, adapter } = get();
    for (const entity of ['classes', 'students', 'staff'] as const) {
      const { items } = await drain(adapter, entity, { pageSize: setup.maxPageSize });
      expect(items.length).toBe(sim.count(entity));
      for (const record of items) {
        const out = asMapping(setup.mappings[entity]).toCanonical(record, mapCtx);
        expect(out.ok, `${entity} ${JSON.stringify(out.findings)}`).toBe(true);
      }
    }
  });

  it('after writes, small and large pages list the same records (written ones replace or follow)', async () => {
    const { sim, adapter } = get();
    const school = sim.schoolCodes[0]!;
    // Writes of its own, whichever tests ran before: a newcomer follows, a served student written again
    // replaces itself.
    const [served] = (await drain(adapter, 'students', { schoolCode: school, pageSize: 100 })).items;
    const written = [newcomerOf(setup)(school, 900), served!];
    expect(await adapter.write('students', written, { idempotencyKey: 'pages-alike' })).toMatchObject({
      accepted: 2,
      rejected: [],
    });
    const big = await drain(adapter, 'students', { schoolCode: school, pageSize: 500 });
    const small = await drain(adapter, 'students', { schoolCode: school, pageSize: 3 });
    expect(small.items).toEqual(big.items);
    expect(big.items.length).toBe(sim.count('students', { schoolCode: school }));
    expect(sim.received.count('students')).toBeGreaterThan(0);
    const newcomers = big.items.filter((s) => setup.studentKey(s).startsWith('SIMT'));
    expect(newcomers.length).toBeGreaterThan(0);
    const since = await drain(adapter, 'students', { schoolCode: school, since: '2030-01-01T00:00:00Z' });
    expect(since.items).toEqual([]);
  });

  it('is deterministic: the same seed serves the same records', async () => {
    const other = await setup.start();
    try {
      const first = await drain(adapterOf(setup, other), 'classes');
      const again = await drain(adapterOf(setup, other), 'classes', { pageSize: 3 });
      expect(again.items).toEqual(first.items);
      expect(first.items.length).toBe(other.count('classes'));
    } finally {
      await other.close();
    }
  });
}

/** The records written: a written student reads back as it was sent, a delete by key takes it away. */
function writtenRecordRules<S extends string, RecOf extends Record<Entity, unknown>>(
  setup: SchoolConformanceSetup<S, RecOf>,
  running: RunningSchoolSystem<S, RecOf>,
): void {
  const get = () => running;

  it('a written student (transferred in) reads back and maps to the same canonical record', async () => {
    const { sim, adapter } = get();
    const school = sim.schoolCodes[1]!;
    const canonical = writtenStudent(school, setup.written);
    const students = asMapping(setup.mappings.students);
    const wire = students.fromCanonical!(canonical, mapCtx) as RecOf['students'];
    const receipt = await adapter.write('students', [wire], { idempotencyKey: 'rt-1' });
    expect(receipt).toMatchObject({ accepted: 1, rejected: [] });
    const { items } = await drain(adapter, 'students', { schoolCode: school, pageSize: 100 });
    const back = items.find((s) => setup.studentKey(s) === canonical.studentCode)!;
    expect(students.toCanonical(back, mapCtx)).toEqual({ ok: true, value: canonical, findings: [] });
  });

  it('deletes by key: a held record is no longer served, an unknown key is a no-op success, a write restores it', async () => {
    const { sim, adapter } = get();
    const [a, b] = sim.schoolCodes as [string, string];
    const listed = async (school: string) =>
      (await drain(adapter, 'students', { schoolCode: school, pageSize: 100 })).items;
    const [victim, other] = [(await listed(b))[0]!, (await listed(a))[0]!];
    const counts = () => [a, b].map((school) => sim.count('students', { schoolCode: school }));
    const before = counts();
    const keys = [
      { key: setup.studentKey(victim), school: b },
      { key: 'SIM-NOT-HELD', school: b },
      { key: setup.studentKey(other), school: a },
    ];
    const receipt = await adapter.remove('students', keys, { idempotencyKey: 'del-1' });
    expect(receipt).toMatchObject({ accepted: 3, rejected: [] });
    expect(receipt.receiptId?.split(',')).toHaveLength(2);
    expect(counts()).toEqual([before[0]! - 1, before[1]! - 1]);
    expect((await listed(b)).map((s) => setup.studentKey(s))).not.toContain(setup.studentKey(victim));
    expect(sim.received.count('students_deleted')).toBe(2);
    // The same request again is a replay; the same key deleted again under a new request changes nothing.
    expect(await adapter.remove('students', keys, { idempotencyKey: 'del-1' })).toEqual({
      ...receipt,
      replayed: true,
    });
    const again = await adapter.remove('students', keys.slice(0, 1), { idempotencyKey: 'del-2' });
    expect(again).toMatchObject({ accepted: 1, rejected: [] });
    expect(sim.received.count('students_deleted')).toBe(2);
    // A key naming no school is refused locally.
    const noSchool = await adapter.remove('students', [{ key: 'X', school: '' }], {
      idempotencyKey: 'del-3',
    });
    expect(noSchool.accepted).toBe(0);
    expect(noSchool.rejected).toHaveLength(1);
    // Written again, both are served again.
    await adapter.write('students', [victim, other], { idempotencyKey: 'del-restore' });
    expect(counts()).toEqual(before);
    expect((await listed(b)).map((s) => setup.studentKey(s))).toContain(setup.studentKey(victim));
  });
}
