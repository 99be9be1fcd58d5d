/**
 * Shared setup of the school-system (SMAS, vnEdu) adapter conformance tests: the simulator sizes, a
 * drain of `listChanges`, canonical records to write and the generic conformance suite wired for a
 * school system. The system rules both systems share are in school-system-rules.ts; each system's test
 * keeps only its own wire-specific rules.
 */
import { readFileSync } from 'node:fs';
import type { SchoolSimulator } from '../../src/simulators/school-system/simulator.js';
import type { SchoolSystemAdapter } from '../../src/adapters/school-system/adapter.js';
import type { ListChangesOptions } from '../../src/adapters/types.js';
import type { Student } from '../../src/canonical/student.js';
import type { EntityMapping, MapContext } from '../../src/mappings/types.js';
import { errorOf, REPLY_WAIT_MS, runConformance } from '../conformance/adapter-conformance.js';

export { errorOf };

export type Entity = 'students' | 'staff' | 'classes';

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
export const asMapping = (m: object) => m as EntityMapping<unknown, unknown>;

/** How one system's test plugs it into the shared suite and rules: its simulator, adapter and mappings. */
export interface SchoolSystemParts<S extends string, RecOf extends Record<Entity, unknown>> {
  system: S;
  start(): Promise<SchoolSimulator<S>>;
  /** An adapter of `sim`; `invalid` credentials must be refused. */
  adapterFor(sim: SchoolSimulator<S>, o: { timeoutMs: number; invalid: boolean }): SchoolAdapterLike<RecOf>;
  mappings: Mappings;
}

/** What the tests expect of a vendor, from `test/fixtures/<system>/conformance.json`. */
interface VendorProfile {
  /** Field of a student's key on the wire; field of a staff record's change time. */
  studentKey: string;
  staffUpdatedAt: string;
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
  /** Population indexes of the schools it serves; the others belong to the other vendor. */
  servedSchools: readonly [number, number];
  /** A batch over several schools: fields that make a record invalid, its school field, the rejection codes. */
  split: {
    invalid: Record<string, unknown>;
    schoolField: string;
    codes: { invalid: string; missingSchool: string };
  };
  /** What the written (transferred-in) student of the read-back rule has of this system's own. */
  written: Pick<Student, 'grade' | 'birthDate' | 'disability'>;
}

/** A system's parts and its vendor profile, as the shared suite and rules use them. */
export interface SchoolConformanceSetup<S extends string, RecOf extends Record<Entity, unknown>>
  extends SchoolSystemParts<S, RecOf>, Omit<VendorProfile, 'studentKey' | 'staffUpdatedAt'> {
  studentKey(s: RecOf['students']): string;
  staffUpdatedAt(s: RecOf['staff']): string | undefined;
  /** `s` made invalid with the profile's `split.invalid` fields. */
  invalid(s: RecOf['students']): RecOf['students'];
}

/** `parts` with the vendor profile of `test/fixtures/<system>/conformance.json`. */
export function schoolSetup<S extends string, RecOf extends Record<Entity, unknown>>(
  parts: SchoolSystemParts<S, RecOf>,
): SchoolConformanceSetup<S, RecOf> {
  const url = new URL(`../fixtures/${parts.system}/conformance.json`, import.meta.url);
  const profile = JSON.parse(readFileSync(url, 'utf8')) as VendorProfile;
  const field = (record: unknown, name: string) => (record as Record<string, string | undefined>)[name];
  return {
    ...parts,
    ...profile,
    studentKey: (s) => field(s, profile.studentKey)!,
    staffUpdatedAt: (s) => field(s, profile.staffUpdatedAt),
    invalid: (s) => ({ ...(s as object), ...profile.split.invalid }),
  };
}

/** An adapter of `sim` with the client's default timeout, REPLY_WAIT_MS (and valid credentials unless `invalid`). */
export const adapterOf = <S extends string, RecOf extends Record<Entity, unknown>>(
  setup: SchoolConformanceSetup<S, RecOf>,
  sim: SchoolSimulator<S>,
  { invalid = false } = {},
) => setup.adapterFor(sim, { timeoutMs: REPLY_WAIT_MS, invalid });

/** A student transferred in, as truc would write it to `setup`'s system (canonical → wire). */
export function newcomerOf<S extends string, RecOf extends Record<Entity, unknown>>(
  setup: SchoolConformanceSetup<S, RecOf>,
) {
  return (school: string, i: number, extra: Partial<Student> = {}) =>
    asMapping(setup.mappings.students).fromCanonical!(
      newcomerStudent(school, i, extra),
      mapCtx,
    ) as RecOf['students'];
}

/** The generic adapter conformance suite (students as source and target), wired for a school system. */
export function runSchoolConformance<S extends string, RecOf extends Record<Entity, unknown>>(
  setup: SchoolConformanceSetup<S, RecOf>,
): void {
  const newcomer = newcomerOf(setup);
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
      records: (sim) => [1, 2, 3].map((i) => newcomer(sim.schoolCodes[0]!, i)),
      effectCount: (sim) => sim.received.count('students'),
    },
  });
}
