/**
 * Shared setup of the school-system (SMAS, vnEdu) adapter conformance tests: the simulator sizes, a
 * drain of `listChanges`, canonical records to write, the generic conformance suite wired for a
 * school system, and the system rules both systems share (every served record maps, written records
 * read back, deletes by key, page sizes agree, determinism). Each system's test keeps its own wire-specific rules.
 */
import { expect, it } from 'vitest';
import type { SchoolSimulator } from '../../src/simulators/school-system/simulator.js';
import type { SchoolSystemAdapter } from '../../src/adapters/school-system/adapter.js';
import type { ListChangesOptions } from '../../src/adapters/types.js';
import type { Student } from '../../src/canonical/student.js';
import type { EntityMapping, MapContext } from '../../src/mappings/types.js';
import { runConformance } from '../conformance/adapter-conformance.js';

type Entity = 'students' | 'staff' | 'classes';

/** Population sizes every school-system conformance simulator uses. */
export const SCHOOL_SIM = { seed: 20251015, schools: 4, studentsPerSchool: 30, staffPerSchool: 8 } as const;

/** Mapping context of the conformance tests. */
export const mapCtx: MapContext = { now: () => new Date('2025-10-15T00:00:00Z') };

/** A school-system adapter (`RecOf`: its wire record per entity). */
export type SchoolAdapterLike<RecOf extends Record<Entity, unknown>> = SchoolSystemAdapter<Entity, RecOf>;

/** Every page of a listing: items and the watermark of each page (bounded). */
export async function drain<RecOf extends Record<Entity, unknown>, E extends Entity>(
  a: SchoolAdapterLike<RecOf>,
  entity: E,
  opts: ListChangesOptions = {},
) {
  const items: RecOf[E][] = [];
  const watermarks: Array<string | undefined> = [];
  for await (const page of a.listChanges(entity, opts)) {
    items.push(...page.items);
    watermarks.push(page.watermark);
    if (watermarks.length > 10_000) throw new Error('pagination does not end');
  }
  return { items, watermarks };
}

/** The rejection of a promise (undefined when it resolves). */
export const errorOf = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

/** A canonical student transferred in, as truc would write it. */
export const newcomerStudent = (school: string, i: number, extra: Partial<Student> = {}): Student => ({
  studentCode: `SIMT${String(i).padStart(6, '0')}`,
  schoolCode: school,
  schoolYear: '2025-2026',
  grade: '6',
  fullName: 'Phạm Minh Khôi',
  birthDate: '2013-05-20',
  sex: 'male',
  ethnicityCode: '01',
  status: 'transferred_in',
  statusDate: '2025-10-01',
  ...extra,
});

type Mappings = Record<Entity, object>;
const asMapping = (m: object) => m as EntityMapping<unknown, unknown>;

/** How one system plugs into the shared suite and rules. */
export interface SchoolConformanceSetup<S extends string, RecOf extends Record<Entity, unknown>> {
  system: S;
  start(): Promise<SchoolSimulator<S>>;
  /** An adapter of `sim`; `invalid` credentials must be refused. */
  adapterFor(
    sim: SchoolSimulator<S>,
    o?: { timeoutMs?: number; invalid?: boolean },
  ): SchoolAdapterLike<RecOf>;
  mappings: Mappings;
  /** Key of a student record on the wire. */
  studentKey(s: RecOf['students']): string;
  /** Largest page size the system takes. */
  maxPageSize: number;
  /** The vendor's own codes the adapter must surface (the `rule` of an AppError's errors[]). */
  codes: {
    /** A wrong credential: its rule and the vendor's message. */
    badCredential: { rule: string; message: string };
    schoolNotFound: string;
    /** A school the other vendor serves. */
    forbiddenSchool: string;
    idempotencyKeyReused: string;
  };
  /** Population index of a school the other vendor serves. */
  otherVendorSchool: number;
}

/** The generic adapter conformance suite (students as source and target), wired for a school system. */
export function runSchoolConformance<S extends string, RecOf extends Record<Entity, unknown>>(
  setup: SchoolConformanceSetup<S, RecOf>,
  targetRecords: (sim: SchoolSimulator<S>) => RecOf['students'][],
): void {
  runConformance<SchoolSimulator<S>, Entity, RecOf[Entity], RecOf[Entity]>(setup.system, {
    startSim: () => setup.start(),
    makeAdapter: (sim, o) =>
      setup.adapterFor(sim, { timeoutMs: o.timeoutMs, invalid: o.credentials === 'invalid' }),
    source: {
      entity: 'students',
      // every school the system serves: pagination and resume cross school boundaries
      expectedCount: (sim) => sim.count('students'),
      keyOf: (s) => setup.studentKey(s),
    },
    target: {
      entity: 'students',
      records: targetRecords,
      effectCount: (sim) => sim.received.count('students'),
    },
  });
}

/**
 * Registers, inside the caller's `describe`, the rules both systems share. `get` returns the running
 * simulator and adapter (set in the caller's `beforeAll`); call after the tests that write, so the
 * page-size check also covers written records. `written` is a canonical student to write and read back.
 */
export function sharedSchoolRules<S extends string, RecOf extends Record<Entity, unknown>>(
  setup: SchoolConformanceSetup<S, RecOf>,
  get: () => { sim: SchoolSimulator<S>; adapter: SchoolAdapterLike<RecOf> },
  written: (school: string) => Student,
): void {
  const newcomer = (school: string, i: number) =>
    asMapping(setup.mappings.students).fromCanonical!(
      newcomerStudent(school, i),
      mapCtx,
    ) as RecOf['students'];

  it(`a wrong credential is ERR_ADAPTER_AUTH carrying ${setup.codes.badCredential.rule}; health says not ok`, async () => {
    const bad = setup.adapterFor(get().sim, { invalid: true });
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
    const other = sim.population.school(setup.otherVendorSchool).schoolCode;
    const forbidden = await errorOf(drain(adapter, 'students', { schoolCode: other }));
    expect(forbidden).toMatchObject({
      code: 'ERR_ADAPTER_AUTH',
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

  it('a written student (transferred in) reads back and maps to the same canonical record', async () => {
    const { sim, adapter } = get();
    const school = sim.schoolCodes[1]!;
    const canonical = written(school);
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

  it('after writes, small and large pages list the same records (written ones replace or follow)', async () => {
    const { sim, adapter } = get();
    const school = sim.schoolCodes[0]!;
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
      const first = await drain(setup.adapterFor(other), 'classes');
      const again = await drain(setup.adapterFor(other), 'classes', { pageSize: 3 });
      expect(again.items).toEqual(first.items);
      expect(first.items.length).toBe(other.count('classes'));
    } finally {
      await other.close();
    }
  });
}
