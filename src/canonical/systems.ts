/**
 * The one table of what each external system does for truc: which entities a sync run can pull from
 * it (and what a pull's scope is), which entities truc delivers to it, and which entities vendors may
 * push to truc in its wire format. The API (sync requests, batch formats), the pull sources and the
 * push targets read it. System and entity names themselves are defined once, in src/config/names.ts
 * (imported through src/config.ts).
 */
import { SYSTEM_PULLS, type EntityName, type SystemName } from '../config.js';

export interface SystemCapabilities {
  /** Entities a sync run can pull from the system. */
  readonly pull: readonly EntityName[];
  /** A pull's scope: an optional school code, or (persons per commune) a required 5-digit commune code. */
  readonly pullScope: 'school' | 'commune';
  /** Entities truc delivers to the system when they change (it is a push target for them). */
  readonly push: readonly EntityName[];
  /**
   * Whose changes it is sent: every source's but its own (`any`), or only the city database's
   * (`city`: a school's own system hears what the city changed, never another vendor's change).
   */
  readonly pushFrom: 'any' | 'city';
  /**
   * Which records: all of them, or only those of the schools the system serves (`served-schools`,
   * learned from its pulls and from vendor batches in its format).
   */
  readonly pushScope: 'all' | 'served-schools';
  /** Entities vendors may push to truc in the system's own wire format. */
  readonly vendorFormat: readonly EntityName[];
}

/** A school's own records: what school-management systems hold and vendors push. */
const SCHOOL_RECORDS = ['students', 'staff', 'classes'] as const satisfies readonly EntityName[];

/** A school's own system: the city's changes to its schools' records reach it through its write API. */
const SCHOOL_SYSTEM: Omit<SystemCapabilities, 'pull' | 'pullScope'> = {
  push: SCHOOL_RECORDS,
  pushFrom: 'city',
  pushScope: 'served-schools',
  vendorFormat: SCHOOL_RECORDS,
};

/** What a sync run can pull from the system (the settings' one table: src/config/names.ts). */
function pulls(system: SystemName): Pick<SystemCapabilities, 'pull' | 'pullScope'> {
  return { pull: SYSTEM_PULLS[system].entities, pullScope: SYSTEM_PULLS[system].scope };
}

export const SYSTEMS: { readonly [S in SystemName]: SystemCapabilities } = {
  'hcm-csdl': {
    ...pulls('hcm-csdl'),
    push: ['students', 'staff', 'classes', 'schools'],
    pushFrom: 'any',
    pushScope: 'all',
    vendorFormat: [],
  },
  'moet-pcgd': {
    ...pulls('moet-pcgd'),
    push: [],
    pushFrom: 'any',
    pushScope: 'all',
    vendorFormat: [],
  },
  smas: { ...pulls('smas'), ...SCHOOL_SYSTEM },
  vnedu: { ...pulls('vnedu'), ...SCHOOL_SYSTEM },
};

/** The system whose changes reach systems that take the city's changes only (`pushFrom: 'city'`). */
export const CITY_SYSTEM = 'hcm-csdl' satisfies SystemName;

/** Entities vendors push through the batch API, in truc's canonical format or a system's own. */
export const VENDOR_ENTITIES = SCHOOL_RECORDS;

/** Formats of a vendor batch: `canonical`, or the name of a system vendors may push in the format of. */
export const BATCH_FORMATS: readonly [string, ...string[]] = [
  'canonical',
  ...(Object.keys(SYSTEMS) as SystemName[]).filter((s) => SYSTEMS[s].vendorFormat.length > 0),
];

/** Systems that serve schools (a school's own system): each school is served by at most one of them. */
export const SCHOOL_SYSTEMS = (Object.keys(SYSTEMS) as SystemName[]).filter(
  (s) => SYSTEMS[s].pushScope === 'served-schools',
) as [SystemName, ...SystemName[]];

/** The systems truc pushes to (a `push` of some entity): the targets `truc targets forget` takes. */
export const PUSH_TARGETS = (Object.keys(SYSTEMS) as SystemName[]).filter((s) => SYSTEMS[s].push.length > 0);
