/**
 * Probable twins (SACH_PROBABLE_DUPLICATE and _STORED, ./sach-duplicates.ts): two records of one twin key (birth
 * date and name key) under different keys that share a parent's name, one of them holding no personal ID. The
 * records are indexed by twin key and parent's name, so a record meets only the records of its name cluster that
 * share a parent, in a few hash lookups (issue 7: comparing each record with every record of its day, or of its
 * name cluster, was quadratic in records sharing a name and birth date: 400 × 12,800 stored twins a batch).
 */
import { normaliseText } from '../../canonical/text.js';
import type { Rec } from '../types.js';

/** A name as duplicate detection compares it: normalised, lower case. */
export function nameKey(value: string): string {
  return normaliseText(value).toLowerCase();
}

/** The twin key of a record born on `birth` named `fullName`: its birth date and name key. */
export const twinKeyOf = (birth: string, fullName: string): string => `${birth}|${nameKey(fullName)}`;

/** The name keys of a record's father, mother and guardian (those it has). */
export function parentsOf(rec: Rec): string[] {
  const out: string[] = [];
  const father = rec['fatherName'];
  if (typeof father === 'string') out.push(nameKey(father));
  const mother = rec['motherName'];
  if (typeof mother === 'string') out.push(nameKey(mother));
  const guardian = rec['guardianName'];
  if (typeof guardian === 'string') out.push(nameKey(guardian));
  return out;
}

/** A record as twins are matched: its key, its school, whether it holds a personal ID, its parents' name keys. */
export interface TwinSide {
  readonly key: string;
  readonly school?: string | undefined;
  readonly hasId: boolean;
  readonly parents: readonly string[];
}

/** Up to two distinct keys of a bucket: enough to tell whether it holds a key other than one. */
type Keys = string[];

function addKey(keys: Keys, key: string): void {
  if (keys.length < 2 && keys[0] !== key) keys.push(key);
}

const holdsOther = (keys: Keys | undefined, key: string): boolean =>
  keys !== undefined && (keys.length > 1 || (keys.length === 1 && keys[0] !== key));

/** The records of one twin key and parent's name (of those holding no personal ID: `noId`), and by school. */
interface Bucket {
  readonly keys: Keys;
  readonly bySchool: Map<string | undefined, Keys>;
}

function put(bucket: Bucket, side: TwinSide): void {
  addKey(bucket.keys, side.key);
  const at = bucket.bySchool.get(side.school);
  if (at) addKey(at, side.key);
  else bucket.bySchool.set(side.school, [side.key]);
}

const bucket = (): Bucket => ({ keys: [], bySchool: new Map() });

/** Records indexed by twin key and parent's name ({@link twinIndex}). */
export interface TwinIndex {
  /** Adds a record of twin key `twin`. */
  add(twin: string, side: TwinSide): void;
  /** Whether a record of twin key `twin` was added (else {@link find} finds none, whatever the side). */
  holds(twin: string): boolean;
  /**
   * Whether a record of the index under another key is a twin of `side` (of twin key `twin`): undefined when none
   * is; else whether one of them is at `side`'s school.
   */
  find(twin: string, side: TwinSide): { readonly atSchool: boolean } | undefined;
}

/** An empty {@link TwinIndex}. */
export function twinIndex(): TwinIndex {
  const buckets = new Map<string, { readonly all: Bucket; readonly noId: Bucket }>();
  const twins = new Set<string>();
  return {
    add(twin, side) {
      twins.add(twin);
      for (const parent of side.parents) {
        const id = `${twin}\n${parent}`;
        let pair = buckets.get(id);
        if (!pair) buckets.set(id, (pair = { all: bucket(), noId: bucket() }));
        put(pair.all, side);
        if (!side.hasId) put(pair.noId, side);
      }
    },
    holds: (twin) => twins.has(twin),
    find(twin, side) {
      let found = false;
      for (const parent of side.parents) {
        const pair = buckets.get(`${twin}\n${parent}`);
        if (!pair) continue;
        // Two records both holding a personal ID are told apart by it: one holding one meets those holding none.
        const of = side.hasId ? pair.noId : pair.all;
        if (!holdsOther(of.keys, side.key)) continue;
        if (holdsOther(of.bySchool.get(side.school), side.key)) return { atSchool: true };
        found = true;
      }
      return found ? { atSchool: false } : undefined;
    },
  };
}
