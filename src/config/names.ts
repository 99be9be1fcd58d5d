/**
 * Names shared by the settings and by the whole code base: external systems, canonical entities, PCGD-XMC
 * levels and units. A section of the configuration (src/config.ts re-exports them); it imports nothing but the
 * leaf src/errors.ts's `both` (a refusal's words in Vietnamese and English).
 */
import { both } from '../errors.js';

/** The external systems truc talks to, by the name used in config, env prefixes, queues and the API. */
export const SYSTEM_NAMES = ['hcm-csdl', 'moet-pcgd', 'smas', 'vnedu'] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

/**
 * The canonical entities, by the name used in the API, jobs, the store and config, in dependency
 * order (schools before classes before students …). Their schemas are in src/canonical/entities.ts.
 */
export const ENTITY_NAMES = ['schools', 'classes', 'students', 'staff', 'persons'] as const;
export type EntityName = (typeof ENTITY_NAMES)[number];

/**
 * The entities in Vietnamese, as a count or a list names them (`100 học sinh`): a line's Vietnamese half reads
 * Vietnamese, its English half keeps the name (the CLI's lines, src/cli/commands/words.ts; the demo's summary).
 */
export const ENTITY_VI: Readonly<Record<EntityName, string>> = {
  schools: 'trường',
  classes: 'lớp',
  students: 'học sinh',
  staff: 'cán bộ, giáo viên',
  persons: 'người trong điều tra PCGD',
};

/** The entities in English, one of them (`1 student`; the plural is the entity's name: `2 students`). */
export const ENTITY_ONE: Readonly<Record<EntityName, string>> = {
  schools: 'school',
  classes: 'class',
  students: 'student',
  staff: 'staff',
  persons: 'person',
};

/**
 * An English count and its noun, the noun singular for one: `1 school`, `2 schools`, `0 schools` (fix30b: `1 schools`
 * in the CLI's and the demo's lines). Vietnamese nouns do not change with the count: a line's Vietnamese half needs
 * none. `many` defaults to `one` + s.
 */
export function countEn(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** An entity's English noun for a count of `n` (`student` for one, `students` else); another word as it is. */
export const entityNounEn = (n: number, entity: string): string =>
  n === 1 && Object.hasOwn(ENTITY_ONE, entity) ? ENTITY_ONE[entity as EntityName] : entity;

/** An entity counted in English (`1 student`, `3 classes`, `1 staff`): {@link countEn} with {@link ENTITY_ONE}. */
export const entityCountEn = (n: number, entity: string): string => `${n} ${entityNounEn(n, entity)}`;

/**
 * What a sync run can pull from each system and what a pull's scope is: an optional school code, or (persons
 * per commune) a required 5-digit commune code. Settings (a schedule) and sync requests are checked against it
 * ({@link pullProblem}); src/canonical/systems.ts builds each system's capabilities on it.
 */
export const SYSTEM_PULLS: {
  readonly [S in SystemName]: {
    readonly entities: readonly EntityName[];
    readonly scope: 'school' | 'commune';
  };
} = {
  'hcm-csdl': { entities: ['schools', 'classes', 'students', 'staff'], scope: 'school' },
  'moet-pcgd': { entities: ['persons'], scope: 'commune' },
  smas: { entities: ['students', 'staff', 'classes'], scope: 'school' },
  vnedu: { entities: ['students', 'staff', 'classes'], scope: 'school' },
};

/** What a pull's scope may be (a school or commune code), one rule for a schedule, the API and the CLI. */
export const PULL_SCOPE = /^[A-Za-z0-9._-]{1,32}$/;
/** What {@link PULL_SCOPE} is, in words: the API's refusal and the CLI's (walk7 W7-2: the API's showed the regex). */
export const PULL_SCOPE_WORDS = {
  vi: 'mã trường hoặc mã xã: 1–32 ký tự A–Z a–z 0–9 . _ -',
  en: 'a school or commune code: 1–32 of A–Z a–z 0–9 . _ -',
} as const;

/**
 * Why `system` cannot be pulled for `entity` with `scope` ('' = everything), or undefined when it can:
 * ERR_ENTITY_UNSUPPORTED when it has no such entity, ERR_VALIDATION when it is pulled per commune and
 * `scope` is no commune code. `message` in Vietnamese and English (the API's detail, a configuration problem),
 * `en` alone (the CLI words its own Vietnamese).
 */
export function pullProblem(
  system: SystemName,
  entity: EntityName,
  scope: string,
): { code: 'ERR_ENTITY_UNSUPPORTED' | 'ERR_VALIDATION'; message: string; en: string } | undefined {
  const can = SYSTEM_PULLS[system];
  const refusal = (code: 'ERR_ENTITY_UNSUPPORTED' | 'ERR_VALIDATION', vi: string, en: string) => ({
    code,
    message: both(vi, en),
    en,
  });
  if (!can.entities.includes(entity))
    return refusal(
      'ERR_ENTITY_UNSUPPORTED',
      `${system} không có ${entity} để kéo`,
      `${system} has no ${entity} to pull`,
    );
  if (can.scope === 'commune' && !/^\d{5}$/.test(scope))
    return refusal(
      'ERR_VALIDATION',
      `${system} kéo ${entity} theo từng xã: scope là mã xã 5 chữ số`,
      `${system} ${entity} are pulled per commune: scope = 5-digit commune code`,
    );
  return undefined;
}

/** Level names of the PCGD-XMC rule set (PCGD-RULES.md §3); province shares are set per level. */
export const PCGD_LEVELS = [
  'preschool5',
  'primary_level1',
  'primary_level2',
  'primary_level3',
  'literacy_level1',
  'literacy_level2',
  'lower_secondary_level1',
  'lower_secondary_level2',
  'lower_secondary_level3',
] as const;
export type PcgdLevelName = (typeof PCGD_LEVELS)[number];
/** The units PCGD-XMC figures are made for: a commune or a province (no districts after 1 July 2025). */
export type UnitLevel = 'commune' | 'province';
