/**
 * An hcm-csdl page taken as it is (issue 7, the city's first sync): a page whose records each hold only
 * fields of their wire schema (./schema.ts), every value of its field's kind, every required field, is the
 * value the page schema would return, without zod copying every record (a new object of ~20 properties a
 * record, ~0.55 MB of a 1000-student page's garbage). The tests are read off the schemas themselves (a
 * string, a literal, an array of strings; optional or not; strict or stripping unknown keys); a schema with
 * any other kind of field is never taken as it is. Anything else on a page (an unknown key, a value of
 * another kind, a missing field): undefined, and the schema parses (and reports) the page. The records
 * returned are the input's own objects (and their array): field for field zod's value, but with their keys
 * in the order received, where zod's follow the schema's (the simulator, as a source may, sends the optional
 * fields last). So the client takes a page as it is only when it knows each record's bytes as received,
 * which fingerprint it (../../jobs/source-fp.ts): nothing else reads a record's key order
 * (test/unit/adapters/hcm-csdl-page-as-is.test.ts compares the two values).
 */
import type { ZodType } from 'zod';

type Test = (v: unknown) => boolean;

/** What a record must be to be taken as it is: its fields in order, whether each is required, and its test. */
interface RecordShape {
  /** By key, its field's index in the lists below. */
  readonly index: ReadonlyMap<string, number>;
  /** How many fields are required. */
  readonly requiredCount: number;
  readonly keys: readonly string[];
  readonly required: readonly boolean[];
  readonly tests: readonly Test[];
  /** The fields whose schema is one literal value, with it. */
  readonly literals: ReadonlyMap<string, unknown>;
}

/** The parts of a zod definition read here (zod 4's `_zod.def`). */
interface Def {
  type: string;
  checks?: unknown[];
  innerType?: Schema;
  values?: unknown[];
  element?: Schema;
  options?: Schema[];
  shape?: Record<string, Schema>;
  catchall?: Schema;
}
interface Schema {
  _zod: { def: Def };
}

const defOf = (s: unknown): Def => (s as Schema)._zod.def;

const isString: Test = (v) => typeof v === 'string';
const isStrings: Test = (v) => Array.isArray(v) && v.every(isString);

/** The test of a field's (non-optional) schema, or undefined when it has no test here. */
function testOf(def: Def): Test | undefined {
  const plain = (def.checks ?? []).length === 0;
  if (def.type === 'string' && plain) return isString;
  if (def.type === 'literal' && def.values?.length === 1) {
    const [value] = def.values;
    return (v) => v === value;
  }
  if (def.type === 'array' && plain && def.element) {
    const el = defOf(def.element);
    if (el.type === 'string' && (el.checks ?? []).length === 0) return isStrings;
  }
  return undefined;
}

/**
 * The record shape of an object schema, or undefined when one of its fields has no test here. `strict`
 * (a strict object) or not (zod strips unknown keys, which would make its value another object), a record
 * with a key of no field is never taken as it is.
 */
function shapeOf(schema: Schema): RecordShape | undefined {
  const def = defOf(schema);
  if (def.type !== 'object' || !def.shape) return undefined;
  if (def.catchall && defOf(def.catchall).type !== 'never') return undefined;
  const keys: string[] = [];
  const required: boolean[] = [];
  const tests: Test[] = [];
  const literals = new Map<string, unknown>();
  for (const [key, field] of Object.entries(def.shape)) {
    let d = defOf(field);
    // `exactOptional()`: absent, or present with a value of its kind (never undefined).
    const optional = d.type === 'optional';
    if (optional) d = defOf(d.innerType);
    const test = testOf(d);
    if (!test) return undefined;
    keys.push(key);
    required.push(!optional);
    tests.push(test);
    if (d.type === 'literal') literals.set(key, d.values![0]);
  }
  const index = new Map(keys.map((k, i) => [k, i]));
  return { index, requiredCount: required.filter(Boolean).length, keys, required, tests, literals };
}

/** Whether `rec` holds only the shape's fields (in any order), each of its kind, and every required one. */
function takes(shape: RecordShape, rec: unknown): boolean {
  if (typeof rec !== 'object' || rec === null) return false;
  if (Object.getPrototypeOf(rec) !== Object.prototype) return false;
  const { index, required, tests } = shape;
  let requiredSeen = 0;
  // `for…in` lists inherited enumerable keys too: any would be a key of no field, sent to zod.
  for (const key in rec) {
    const k = index.get(key);
    if (k === undefined || !tests[k]!((rec as Record<string, unknown>)[key])) return false;
    if (required[k]) requiredSeen++;
  }
  return requiredSeen === shape.requiredCount;
}

/**
 * Whether every record `later` takes is one zod refuses under each of `earlier` (so the union, trying its options
 * in order, returns it as `later` does): a field required in `later` as one literal value that each earlier
 * option holds as another literal (hcm-csdl's tombstone, `deleted: true`, against a record's `deleted: false`).
 */
function excludedByEarlier(later: RecordShape, earlier: readonly RecordShape[]): boolean {
  return [...later.literals].some(
    ([key, value]) =>
      later.required[later.keys.indexOf(key)] === true &&
      earlier.every((e) => e.literals.has(key) && e.literals.get(key) !== value),
  );
}

/** What a page schema is read as: its records' shapes (a union's options, in order) and its other fields. */
interface PageShape {
  readonly records: readonly RecordShape[];
  /** The page's own fields but `data`: key, required, test (e.g. `nextCursor`, `watermark`). */
  readonly fields: RecordShape;
}

const pageShapes = new WeakMap<object, PageShape | null>();

function pageShapeOf(schema: ZodType): PageShape | undefined {
  let shape = pageShapes.get(schema);
  if (shape === undefined) {
    shape = readPageShape(schema) ?? null;
    pageShapes.set(schema, shape);
  }
  return shape ?? undefined;
}

/** `{ data: array of (a record, or a union of records), …fields }`, every part with tests here; else undefined. */
function readPageShape(schema: Schema): PageShape | undefined {
  const def = defOf(schema);
  const data = def.shape?.data;
  if (def.type !== 'object' || !data || (def.catchall && defOf(def.catchall).type !== 'never'))
    return undefined;
  const array = defOf(data);
  if (array.type !== 'array' || (array.checks ?? []).length > 0 || !array.element) return undefined;
  const element = defOf(array.element);
  const options = element.type === 'union' ? (element.options ?? []) : [array.element];
  // `data` first, as in every hcm-csdl page schema (else the page's key order would not be zod's).
  if (Object.keys(def.shape!)[0] !== 'data') return undefined;
  const records: RecordShape[] = [];
  for (const option of options) {
    const shape = shapeOf(option);
    // Options from one with no tests here, or one an earlier option might take, on: left to zod.
    if (!shape || (records.length > 0 && !excludedByEarlier(shape, records))) break;
    records.push(shape);
  }
  const rest = Object.fromEntries(Object.entries(def.shape!).filter(([k]) => k !== 'data'));
  const fields = shapeOf({ _zod: { def: { type: 'object', shape: rest } } });
  return fields && records.length > 0 ? { records, fields } : undefined;
}

/**
 * The page as `schema` (an hcm-csdl page schema) would return it, when its records can be taken as they are
 * (see the module's comment: their keys in the order received); else undefined. A record is taken by the first of the union's shapes that takes
 * it, as the union tries its options in order. The page itself is a new object of `data` and its other fields,
 * in the schema's order (its unknown members left out, as zod leaves them).
 */
export function pageAsIs<T>(schema: ZodType<T>, body: unknown): T | undefined {
  const shape = pageShapeOf(schema);
  if (!shape || typeof body !== 'object' || body === null) return undefined;
  if (Object.getPrototypeOf(body) !== Object.prototype) return undefined;
  const page = body as Record<string, unknown>;
  const data = page.data;
  if (!Array.isArray(data) || Object.getPrototypeOf(data) !== Array.prototype) return undefined;
  const { records, fields } = shape;
  for (let i = 0; i < data.length; i++) {
    const rec: unknown = data[i];
    let taken = false;
    for (const r of records) if ((taken = takes(r, rec))) break;
    if (!taken) return undefined;
  }
  const out: Record<string, unknown> = { data };
  const { keys, required, tests } = fields;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    const v = page[key];
    if (v === undefined) {
      if (required[k] || key in page) return undefined;
    } else if (!tests[k]!(v)) return undefined;
    else out[key] = v;
  }
  return out as T;
}
