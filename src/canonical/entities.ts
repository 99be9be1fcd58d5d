/** The entity table: which schema validates each entity name, and each entity's natural key. */
import type { z } from 'zod';
import { ENTITY_NAMES, type EntityName } from '../config.js';
import { ClassGroupSchema } from './class-group.js';
import { PersonSchema } from './person.js';
import { SchoolSchema } from './school.js';
import { StaffSchema } from './staff.js';
import { StudentSchema } from './student.js';

/** Schema of each canonical entity, by the entity name used in APIs, jobs and the store. */
export const ENTITY_SCHEMAS = {
  schools: SchoolSchema,
  classes: ClassGroupSchema,
  students: StudentSchema,
  staff: StaffSchema,
  persons: PersonSchema,
} as const satisfies Record<EntityName, z.ZodType>;

/** The entity names are defined once, in src/config/names.ts (through src/config.ts, a leaf every layer may import). */
export { ENTITY_NAMES, type EntityName };
/** The canonical record type of an entity. */
export type EntityRecord<E extends EntityName> = z.infer<(typeof ENTITY_SCHEMAS)[E]>;

const KEY_OF: { readonly [E in EntityName]: (record: EntityRecord<E>) => string } = {
  schools: (r) => r.schoolCode,
  classes: (r) => `${r.schoolCode}/${r.schoolYear}/${r.classCode}`,
  students: (r) => r.studentCode,
  staff: (r) => r.staffCode,
  persons: (r) => r.personRef,
};

/**
 * The natural key of a canonical record: schools → schoolCode; classes → schoolCode/schoolYear/classCode;
 * students → studentCode (the sector's immutable ID); staff → staffCode; persons → personRef.
 */
export function naturalKey<E extends EntityName>(entity: E, record: EntityRecord<E>): string {
  const keyOf = KEY_OF[entity] as (r: EntityRecord<E>) => string;
  return keyOf(record);
}

/** The fields each entity's natural key is made of (those {@link KEY_OF} reads). */
const KEY_FIELDS: { readonly [E in EntityName]: readonly (keyof EntityRecord<E> & string)[] } = {
  schools: ['schoolCode'],
  classes: ['schoolCode', 'schoolYear', 'classCode'],
  students: ['studentCode'],
  staff: ['staffCode'],
  persons: ['personRef'],
};

/**
 * The natural key of a record that may lack fields (what of a record the schema refused can still be judged): its
 * {@link naturalKey} when every key field is a text, else undefined.
 */
export function naturalKeyOfPart(
  entity: EntityName,
  record: Readonly<Record<string, unknown>>,
): string | undefined {
  const fields: readonly string[] = KEY_FIELDS[entity];
  return fields.every((f) => typeof record[f] === 'string') ? naturalKey(entity, record as never) : undefined;
}

/** The school, year and code of a class's natural key (`schoolCode/schoolYear/classCode`; none holds a '/'). */
export function classKeyParts(key: string): { school: string; year: string; code: string } {
  const [school = '', year = '', code = ''] = key.split('/');
  return { school, year, code };
}

/** True when `name` is a canonical entity name. */
export function isEntityName(name: string): name is EntityName {
  return Object.hasOwn(ENTITY_SCHEMAS, name);
}

/**
 * The unit a canonical record belongs to, as tenancy reads it: its school (a person: its commune);
 * '' when the record names none.
 */
export function scopeOf(entity: EntityName, record: Readonly<Record<string, unknown>>): string {
  const v = entity === 'persons' ? record['communeCode'] : record['schoolCode'];
  return typeof v === 'string' ? v : '';
}
