/**
 * Where a batch's findings point (review34a F5): one rule for every finding of a batch. `pointer` points into the
 * record as its sender sent it, in the batch's format; `canonicalPointer` names the same field in truc's canonical
 * record (what the record routes read back). A batch in a vendor's native format (smas, vnedu) is judged in two
 * vocabularies: its mapping's findings point at the wire field (`/SoCCCD`), the quality rules' at the canonical
 * field (`/personalId`); here both are told in both. A nested canonical pointer (`/subjects/2`) points at its wire
 * field as a whole (`/MonDay`: SMAS sends the subjects as one text). A wire field the format's mapping does not
 * carry (SMAS's `TenLop`, an unknown one) has no canonical field: `canonicalPointer` null. A canonical batch's
 * two pointers are the same; a pulled system's format without a one-for-one table of names (hcm-csdl, moet-pcgd)
 * keeps its pointers as filed, `canonicalPointer` null. Pure; read when findings are shown, so batches filed
 * before this read the same.
 */
import type { EntityName } from '../config.js';
import { pointerToken, tokenKey } from '../errors.js';
import { NATIVE_INBOUND } from './native-formats.js';

export interface FindingPointers {
  /** Into the record as sent, in the batch's format ('' the whole record). */
  readonly pointer: string;
  /** Into truc's canonical record; null where the sent field has no canonical counterpart. */
  readonly canonicalPointer: string | null;
}

/** The first reference token of a JSON pointer and the rest ('' for the whole record). */
function split(pointer: string): { head: string; rest: string } {
  const end = pointer.indexOf('/', 1);
  return end < 0
    ? { head: tokenKey(pointer.slice(1)), rest: '' }
    : { head: tokenKey(pointer.slice(1, end)), rest: pointer.slice(end) };
}

/** A pointer's pair for a table of names, canonical field → wire field. */
function viaNames(
  pointer: string,
  toWire: Readonly<Record<string, string>>,
  toCanonical: ReadonlyMap<string, string>,
): FindingPointers {
  if (pointer === '') return { pointer: '', canonicalPointer: '' };
  const { head } = split(pointer);
  const wire = Object.hasOwn(toWire, head) ? toWire[head] : undefined;
  if (wire !== undefined) return { pointer: `/${pointerToken(wire)}`, canonicalPointer: pointer };
  const field = toCanonical.get(head);
  return { pointer, canonicalPointer: field === undefined ? null : `/${pointerToken(field)}` };
}

/**
 * How the findings of a batch of `format` and `entity` point: a function of a filed finding's pointer (as the
 * judging filed it, in either vocabulary) to the pair the batch's reader is told.
 */
export function findingPointers(format: string, entity: string): (pointer: string) => FindingPointers {
  if (format === 'canonical') return (pointer) => ({ pointer, canonicalPointer: pointer });
  const toWire = NATIVE_INBOUND[format]?.[entity as EntityName]?.mapping.wireNames;
  if (toWire === undefined) return (pointer) => ({ pointer, canonicalPointer: null });
  const toCanonical = new Map(Object.entries(toWire).map(([field, wire]) => [wire, field]));
  return (pointer) => viaNames(pointer, toWire, toCanonical);
}

/** What a record key looks like (the record routes' key): a key sent that does not is not told back. */
const KEY_LIKE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;

/** The code field of a student or a staff member: its key. A class's key is made of three fields, none told alone. */
const CODE_FIELD: Readonly<Record<string, string>> = { students: 'studentCode', staff: 'staffCode' };

/**
 * The key a record refused before it was keyed (its format, its mapping or the canonical schema refused it) was
 * sent with (review34a N6): its own student or staff code as it sent it, in its format's field (SMAS `MaHocSinh`),
 * when that looks like a record key; else null (a class, a code missing or not text, a pulled format). The sender's
 * own code, told back to who may read the batch; never another field of the record.
 */
export function sentKeyOf(format: string, entity: string, sent: unknown): string | null {
  const field = CODE_FIELD[entity];
  if (field === undefined || sent === null || typeof sent !== 'object') return null;
  const name =
    format === 'canonical'
      ? field
      : NATIVE_INBOUND[format]?.[entity as EntityName]?.mapping.wireNames?.[field];
  const value = name === undefined ? undefined : (sent as Record<string, unknown>)[name];
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  return typeof text === 'string' && KEY_LIKE.test(text.trim()) ? text.trim() : null;
}

/** The vendors' native formats whose wire fields have one-for-one canonical names (a verdict of theirs is canonical). */
const NAMED_FORMATS = ['smas', 'vnedu'] as const;

/**
 * Per entity: a native format's wire field → truc's canonical field, over {@link NAMED_FORMATS}; a wire name that is
 * also a canonical field's name, or that two formats read as two fields, is left out (read as stored).
 */
function wireToCanonical(entity: string): ReadonlyMap<string, string> {
  const canonical = new Set<string>();
  const pairs: [string, string][] = [];
  for (const format of NAMED_FORMATS) {
    const toWire = NATIVE_INBOUND[format]?.[entity as EntityName]?.mapping.wireNames ?? {};
    for (const [field, wire] of Object.entries(toWire)) {
      canonical.add(field);
      pairs.push([wire, field]);
    }
  }
  const out = new Map<string, string>();
  const twice = new Set<string>();
  for (const [wire, field] of pairs) {
    if (canonical.has(wire)) continue;
    if (out.has(wire) && out.get(wire) !== field) twice.add(wire);
    out.set(wire, field);
  }
  for (const wire of twice) out.delete(wire);
  return out;
}

const VERDICT_NAMES = new Map<string, ReadonlyMap<string, string>>();

/**
 * Where a school's finding (a record's stored verdict) points, in truc's canonical record (fix36d). A verdict is
 * about the canonical record (c8017fd), but one filed before by a smas or vnedu batch kept the mapping's pointer at
 * the wire field (`/SoCCCD`, `/citizen_id`): read as the canonical field (`/personalId`). Any other pointer as stored.
 */
export function verdictPointer(entity: string, pointer: string): string {
  if (pointer === '') return pointer;
  let names = VERDICT_NAMES.get(entity);
  if (names === undefined) VERDICT_NAMES.set(entity, (names = wireToCanonical(entity)));
  const { head } = split(pointer);
  const field = names.get(head);
  return field === undefined ? pointer : `/${pointerToken(field)}`;
}
