/**
 * The common case of a wire schema without zod (issue 7: a first sync parses every record of every page,
 * and zod's object parser allocates a result and an issue list for each field it checks, and an issue
 * for each optional field a record leaves out: ~2 MB of garbage a 1000-student page). `parsedFast(schema,
 * value)` gives exactly what `schema.parse(value)` gives — the same object built the same way: its fields
 * in the schema's order, unknown keys left out — or {@link NOT_FAST}, and then zod parses it (and reports
 * what is wrong). Only the kinds the wire schemas use are done here: objects (stripping or strict), plain
 * strings, literals, arrays, unions and optional fields; anything else (a string with checks, a refinement,
 * a transform, a default…) is left to zod.
 */
import { z } from 'zod';

/** zod would refuse the value. */
const FAIL = Symbol('fail');
/** Not known here: zod decides. */
const ASK = Symbol('ask');

/** The schema's output for a value, or FAIL or ASK. */
type Fast = (value: unknown) => unknown;

/** Returned by {@link parsedFast} when zod must parse the value. */
export const NOT_FAST: unique symbol = Symbol('not fast');

const fasts = new WeakMap<z.ZodType, Fast>();
const ask: Fast = () => ASK;

/** How an object's field is read: its key, its parser, and how it may be absent. */
interface Field {
  readonly key: string;
  readonly parse: Fast;
  /** 'exact': may be absent, not undefined; 'optional': absent or undefined (kept); undefined: required. */
  readonly optional?: 'exact' | 'optional';
}

/** A field of an object schema, or undefined when zod must judge it. */
function fieldOf(key: string, schema: z.ZodType): Field | undefined {
  if (schema instanceof z.ZodExactOptional)
    return { key, parse: fastOf(schema.unwrap() as z.ZodType), optional: 'exact' };
  if (schema instanceof z.ZodOptional) {
    const inner = schema.unwrap() as z.ZodType;
    return inner._zod.optin === undefined ? { key, parse: fastOf(inner), optional: 'optional' } : undefined;
  }
  return schema._zod.optin === undefined ? { key, parse: fastOf(schema) } : undefined;
}

function objectFast(schema: z.ZodObject): Fast {
  const shape = schema._zod.def.shape as Record<string, z.ZodType>;
  const catchall = schema._zod.def.catchall as z.ZodType | undefined;
  const strict = catchall !== undefined && catchall._zod.def.type === 'never';
  if (catchall !== undefined && !strict) return ask;
  const fields: Field[] = [];
  for (const key of Object.keys(shape)) {
    const field = key === '__proto__' ? undefined : fieldOf(key, shape[key]!);
    if (!field) return ask;
    fields.push(field);
  }
  const known = new Set(fields.map((f) => f.key));
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return FAIL;
    const input = value as Record<string, unknown>;
    // Built field by field in the schema's order, as zod builds it.
    const out: Record<string, unknown> = {};
    let asked = false;
    for (const { key, parse, optional } of fields) {
      if (!(key in input)) {
        if (optional === undefined) return FAIL;
        continue;
      }
      const v = input[key];
      if (v === undefined && optional === 'optional') {
        out[key] = undefined;
        continue;
      }
      const r = parse(v);
      if (r === FAIL) return FAIL;
      if (r === ASK) asked = true;
      else out[key] = r;
    }
    if (strict) for (const key in input) if (!known.has(key)) return FAIL;
    return asked ? ASK : out;
  };
}

function arrayFast(schema: z.ZodArray): Fast {
  const element = fastOf(schema._zod.def.element as z.ZodType);
  return (value) => {
    if (!Array.isArray(value)) return FAIL;
    const out = new Array<unknown>(value.length);
    let asked = false;
    for (let i = 0; i < value.length; i++) {
      const r = element(value[i]);
      if (r === FAIL) return FAIL;
      if (r === ASK) asked = true;
      else out[i] = r;
    }
    return asked ? ASK : out;
  };
}

/** The first option that takes the value, as zod's union does; one zod may take is zod's to judge. */
function unionFast(schema: z.ZodUnion): Fast {
  const options = (schema._zod.def.options as readonly z.ZodType[]).map(fastOf);
  return (value) => {
    for (const option of options) {
      const r = option(value);
      if (r !== FAIL) return r;
    }
    return FAIL;
  };
}

function compile(schema: z.ZodType): Fast {
  const def = schema._zod.def as { type: string; checks?: unknown[]; coerce?: boolean };
  if ((def.checks?.length ?? 0) > 0) return ask;
  if (schema instanceof z.ZodString && def.type === 'string' && def.coerce !== true)
    return (v) => (typeof v === 'string' ? v : FAIL);
  if (schema instanceof z.ZodLiteral) {
    const values = new Set(schema._zod.def.values);
    return (v) => (values.has(v as never) ? v : FAIL);
  }
  if (schema instanceof z.ZodObject) return objectFast(schema);
  if (schema instanceof z.ZodArray) return arrayFast(schema);
  // Not an exclusive one (a discriminated union, xor): zod's own rules.
  if (schema instanceof z.ZodUnion && (schema._zod.def as { inclusive?: boolean }).inclusive !== false)
    return unionFast(schema);
  return ask;
}

function fastOf(schema: z.ZodType): Fast {
  let fast = fasts.get(schema);
  if (!fast) {
    fast = compile(schema);
    fasts.set(schema, fast);
  }
  return fast;
}

/** What `schema.parse(value)` returns, when it is worked out here; else {@link NOT_FAST} (zod must parse it). */
export function parsedFast(schema: z.ZodType, value: unknown): unknown {
  const r = fastOf(schema)(value);
  return r === FAIL || r === ASK ? NOT_FAST : r;
}
