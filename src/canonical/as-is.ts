/**
 * The fast path of the canonical schemas: a field schema may carry an "as is" test — true only for
 * values it accepts and returns unchanged (a clean code, a real ISO date, a name already NFC, trimmed
 * and single-spaced). `asIsParser(entitySchema)` combines the tests of an entity's fields into one
 * function that either returns the record exactly as the zod schema would (same fields, same order,
 * nested objects rebuilt) or says "ask zod". Only the common, clean case is fast; anything else —
 * a value to normalise, a bad one, an unknown key, a field kind without a test — takes the schema,
 * which reports it. Tests compare the two on every record they can build (test/unit/canonical).
 */
import { z } from 'zod';

/** True when the schema accepts `value` and returns it unchanged. */
export type AsIsTest = (value: unknown) => boolean;

const TESTS = new WeakMap<z.ZodType, AsIsTest>();

/** Declares `test` as the as-is test of `schema` (returns the schema). */
export function asIs<S extends z.ZodType>(schema: S, test: AsIsTest): S {
  TESTS.set(schema, test);
  return schema;
}

/** An object parser for the fast path: the record as the schema returns it, or undefined ("ask zod"). */
export type AsIsParser = (input: unknown) => Record<string, unknown> | undefined;

interface Field {
  readonly key: string;
  readonly optional: boolean;
  /** A leaf test, or a nested object parser. */
  readonly test?: AsIsTest;
  readonly object?: AsIsParser;
}

const isBoolean: AsIsTest = (v) => typeof v === 'boolean';
/** The test of a field kind without a fast path (an array…): present, it goes to zod. */
const askZod: AsIsTest = () => false;

function enumTest(values: readonly unknown[]): AsIsTest {
  const set = new Set(values);
  return (v) => set.has(v);
}

/** The field descriptor of `schema`. */
function fieldOf(key: string, schema: z.ZodType): Field {
  let inner = schema;
  let optional = false;
  if (inner instanceof z.ZodOptional) {
    optional = true;
    inner = inner.unwrap() as z.ZodType;
  }
  const test = TESTS.get(inner);
  if (test) return { key, optional, test };
  if (inner instanceof z.ZodEnum) return { key, optional, test: enumTest(inner.options) };
  if (inner instanceof z.ZodBoolean) return { key, optional, test: isBoolean };
  if (inner instanceof z.ZodObject) {
    return { key, optional, object: asIsParser(inner) };
  }
  return { key, optional, test: askZod };
}

const parsers = new WeakMap<z.ZodType, AsIsParser>();
const draftParsers = new WeakMap<z.ZodType, AsIsParser>();

/** A function building the output object from the field values (absent ones passed as undefined). */
type Builder = (...values: unknown[]) => Record<string, unknown>;

/** At most this many builders per parser (one per set of optional fields present); past it, built field by field. */
const MAX_BUILDERS = 64;

/**
 * The builders of a parser: one per set of present fields (a bit mask), each an object literal of
 * those fields in the schema's order, so the output is allocated once with its final shape (built
 * field by field, it would grow its property store several times). The last mask used is remembered.
 */
function builders(fields: readonly Field[]): (mask: number) => Builder | undefined {
  const made = new Map<number, Builder>();
  const params = fields.map((_, i) => `v${i}`).join(', ');
  let lastMask = -1;
  let last: Builder | undefined;
  return (mask) => {
    if (mask === lastMask) return last;
    let builder = made.get(mask);
    if (builder === undefined) {
      if (made.size >= MAX_BUILDERS) return undefined;
      const props = fields.flatMap((f, i) => (mask & (2 ** i) ? [`${JSON.stringify(f.key)}: v${i}`] : []));
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiled from the schema's own field names
      builder = new Function(params, `return { ${props.join(', ')} };`) as Builder;
      made.set(mask, builder);
    }
    lastMask = mask;
    last = builder;
    return builder;
  };
}

/**
 * Compiles the fast parser of `fields` (as zod compiles its own parsers: `new Function`, so every
 * property is read and written with a constant name and each test is called from its own site).
 * Each leaf field remembers the last value its test passed (`m`, NaN at first: equal to nothing) and
 * does not test it again: a test is a pure function of the value, and in a batch of one school many
 * values repeat from record to record (the school, the school year, the class, the status date), so
 * one comparison — a pointer comparison for the short strings JSON.parse internalises — replaces a scan.
 */
function compileParser(fields: readonly Field[], draft: boolean): AsIsParser {
  const lines: string[] = [
    'if (typeof input !== "object" || input === null) return undefined;',
    'const proto = Object.getPrototypeOf(input);',
    'if (proto !== Object.prototype && proto !== null) return undefined;',
    'let seen = 0;',
    'let undef = 0;',
    'let mask = 0;',
  ];
  const checks: (AsIsTest | AsIsParser)[] = [];
  fields.forEach((f, i) => {
    const key = JSON.stringify(f.key);
    checks.push(f.test ?? f.object!);
    lines.push(`let v${i} = input[${key}];`);
    // Absent and optional: left out, as zod does; present with `undefined`: zod's to judge, or in a
    // draft, absent (see `asIsDraftParser`).
    const present = draft ? 'undef++;' : 'return undefined;';
    lines.push(
      `if (v${i} === undefined) { ${f.optional ? `if (${key} in input) ${present}` : 'return undefined;'} }`,
    );
    // A leaf test passed by the field's last value is not run again (see `compileParser`).
    lines.push(
      f.test
        ? `else if (v${i} !== m[${i}] && !c[${i}](v${i})) return undefined; else { m[${i}] = v${i}; seen++; mask |= ${2 ** i}; }`
        : `else if ((v${i} = c[${i}](v${i})) === undefined) return undefined; else { seen++; mask |= ${2 ** i}; }`,
    );
  });
  // Unknown keys are the strict schema's to report.
  // Counting every enumerable key (inherited ones too) can only send more records to zod, never fewer.
  lines.push('let keys = 0;', 'for (const k in input) keys++;');
  lines.push('if (keys !== seen + undef) return undefined;');
  const values = fields.map((_, i) => `v${i}`).join(', ');
  // Present fields in one object literal when a builder can be had (see `builders`), else one by one.
  const literal = fields.length <= 30 && fields.every((f) => f.key !== '__proto__');
  if (literal) lines.push(`const build = b(mask);`, `if (build !== undefined) return build(${values});`);
  lines.push('const out = {};');
  fields.forEach((f, i) => {
    const key = JSON.stringify(f.key);
    lines.push(f.optional ? `if (v${i} !== undefined) out[${key}] = v${i};` : `out[${key}] = v${i};`);
  });
  lines.push('return out;');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiled from the schema's own field names
  const make = new Function('c', 'b', 'm', `return function asIs(input) {\n${lines.join('\n')}\n};`) as (
    c: readonly (AsIsTest | AsIsParser)[],
    b: (mask: number) => Builder | undefined,
    m: unknown[],
  ) => AsIsParser;
  return make(
    checks,
    builders(fields),
    fields.map(() => NaN),
  );
}

/** Never fast: the parser of a schema that is not an object (or when code generation is off, zod's `jitless`). */
const always: AsIsParser = () => undefined;

/** The fast parser of an object schema, or of its drafts; memoised per schema in `memo`. */
function parserOf(schema: z.ZodType, draft: boolean, memo: WeakMap<z.ZodType, AsIsParser>): AsIsParser {
  let parser = memo.get(schema);
  if (parser === undefined) {
    parser =
      schema instanceof z.ZodObject && z.config().jitless !== true
        ? compileParser(
            Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, field]) =>
              fieldOf(key, field),
            ),
            draft,
          )
        : always;
    memo.set(schema, parser);
  }
  return parser;
}

/**
 * The fast parser of an object schema (memoised per schema). A field of a kind without an as-is
 * test (an array…) sends every record holding it to zod.
 */
export function asIsParser(schema: z.ZodType): AsIsParser {
  return parserOf(schema, false, parsers);
}

/**
 * The fast parser of a draft of an object schema's records: a mapping's draft, whose optional fields it
 * has no value for are there with `undefined`. Those count as absent, so it answers what {@link asIsParser}
 * answers for the draft with them left out (the mappings' `compact`), without that copy (issue 7: ~0.35 MB
 * a 1000-record page, the copy grown key by key). A required field with `undefined` is zod's, as there.
 */
export function asIsDraftParser(schema: z.ZodType): AsIsParser {
  return parserOf(schema, true, draftParsers);
}
