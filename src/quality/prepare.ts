/**
 * The input step for records pushed in truc's canonical format: what happens before the canonical
 * schema, reported with catalogue codes instead of being done silently. The personal ID's input form
 * (spaces and dots dropped; empty = absent; a legacy 9-digit CMND dropped and reported — the same in
 * every format); text normalised (NFC, trimmed, single spaces) and the change reported; VNI/TCVN3
 * mojibake repaired or refused; control characters refused. Then the schema, whose issues become
 * findings of catalogue rules (DU_REQUIRED_MISSING, DUNG_DATE_INVALID, DUNG_CODE_UNKNOWN, …).
 */
import type { z } from 'zod';
import { ENTITY_SCHEMAS, type EntityName } from '../canonical/entities.js';
import { issueWords } from '../canonical/zod-text.js';
import { readPersonalId } from '../canonical/personal-id.js';
import { asIsParser, type AsIsParser } from '../canonical/as-is.js';
import { isDigits } from '../canonical/primitives.js';
import { hasNoForbiddenChars, normaliseText, textChanges } from '../canonical/text.js';
import { TEXT_FLAG, TEXT_SCAN, repairMojibake, textFlags, textScan } from '../canonical/vietnamese.js';
import { REQUIRED_MISSING } from './rules/du.js';
import {
  CODE_UNKNOWN,
  DATE_INVALID,
  EMAIL_FORMAT,
  PERSONAL_ID_FORMAT,
  PERSONAL_ID_LEGACY,
  SCHEMA,
} from './rules/dung.js';
import {
  CONTROL_CHARS,
  MOJIBAKE,
  MOJIBAKE_REPAIRED,
  PLACEHOLDER,
  REPLACEMENT_CHAR,
  isPlaceholder,
  placeholderSet,
  TEXT_FIELDS,
  TEXT_NORMALISED,
} from './rules/sach.js';
import type { BatchContext, Rec, RuleInfo, Text } from './types.js';
import { BatchSink } from './sink.js';
import { issuePlace } from '../canonical/keys.js';

const DATE_FIELDS = new Set(['birthDate', 'statusDate', 'startDate', 'endDate']);
const EMAIL_FIELDS = new Set(['email', 'officialEmail']);
const CODE_FIELDS = new Set([
  'sex',
  'status',
  'grade',
  'currentGrade',
  'level',
  'position',
  'disability',
  'ethnicityCode',
  'communeCode',
  'residenceCommuneCode',
  'provinceCode',
  'residenceType',
  'literacy',
  'schoolYear',
]);

/** The catalogue rule a schema issue on `field` stands for. */
function ruleOfIssue(field: string, issue: z.core.$ZodIssue, input: Rec, ctx: BatchContext): RuleInfo {
  const missing =
    (issue.path.length === 1 && (input[field] === undefined || input[field] === null)) ||
    (issue.code === 'too_small' && issue.origin === 'string' && issue.minimum === 1);
  if (missing) return REQUIRED_MISSING;
  // A placeholder in a text field that the schema refuses ('...' is not a name) is reported as what it is.
  const value = input[field];
  if (
    typeof value === 'string' &&
    value.trim() !== '' &&
    TEXT_FIELDS[ctx.entity].some((t) => t.field === field) &&
    isPlaceholder(value, placeholderSet(ctx.config.placeholders))
  )
    return PLACEHOLDER;
  if (field === 'personalId') return PERSONAL_ID_FORMAT;
  if (DATE_FIELDS.has(field)) return DATE_INVALID;
  if (EMAIL_FIELDS.has(field)) return EMAIL_FORMAT;
  if (CODE_FIELDS.has(field) || issue.code === 'invalid_value') return CODE_UNKNOWN;
  return SCHEMA;
}

/** `rec` with `field` set to `value` (deleted when undefined): `rec` itself when it is already a copy of `raw`. */
function edited(raw: Rec, rec: Rec, field: string, value: unknown): Rec {
  const out: Record<string, unknown> = rec === raw ? { ...raw } : rec;
  if (value === undefined) delete out[field];
  else out[field] = value;
  return out;
}

/** A personal ID sent as a JSON number (walk9: `"personalId": 79220001234`, its leading 0 lost, was told only "12 digits"). */
const ID_AS_NUMBER: Text = {
  vi: 'Số định danh được gửi dạng số nên mất số 0 ở đầu; hãy gửi 12 chữ số dạng chuỗi, trong dấu ngoặc kép ("079…").',
  en: 'The personal ID was sent as a number, which loses its leading 0: send the 12 digits as text, in quotes ("079…").',
};

/**
 * The personal ID as typed → the form the schema checks, read as every format reads it
 * (`readPersonalId`): spaces and dots out; empty = absent; a legacy 9-digit CMND dropped and reported;
 * anything but 12 digits dropped and reported (the policy says whether that rejects the record).
 */
function personalIdInput(raw: Rec, index: number, sink: BatchSink): Rec {
  const value = raw['personalId'];
  if (value === undefined || isDigits(value, 12)) return raw;
  const input = readPersonalId(value);
  if (input.kind === 'id') return edited(raw, raw, 'personalId', input.id);
  // Not text at all (an object, a boolean…): the schema says so.
  if (input.kind === 'absent' && value !== '' && typeof value !== 'string') return raw;
  if (input.kind === 'legacy') sink.add(index, PERSONAL_ID_LEGACY, '/personalId');
  else if (input.kind === 'malformed')
    sink.add(
      index,
      PERSONAL_ID_FORMAT,
      '/personalId',
      typeof value === 'number' ? { detail: ID_AS_NUMBER } : {},
    );
  return edited(raw, raw, 'personalId', undefined);
}

/** The cleaned text, or undefined when it is refused (control characters, unrepairable mojibake). */
function cleanText(pointer: string, raw: string, index: number, sink: BatchSink): string | undefined {
  let value = normaliseText(raw);
  // Mojibake first: TCVN3 writes ư as a soft hyphen, which the control-character test refuses.
  const mojibake = (textFlags(value) & TEXT_FLAG.mojibake) === 0 ? undefined : repairMojibake(value);
  if (mojibake?.kind === 'unrepairable') {
    sink.add(index, MOJIBAKE, pointer);
    return undefined;
  }
  if (mojibake?.kind === 'repaired') {
    value = normaliseText(mojibake.value);
    sink.add(index, MOJIBAKE_REPAIRED, pointer);
  }
  if (!hasNoForbiddenChars(value)) {
    sink.add(index, CONTROL_CHARS, pointer);
    return undefined;
  }
  if (value.includes('\ufffd')) {
    sink.add(index, REPLACEMENT_CHAR, pointer);
    return undefined;
  }
  // An all-blank value is a missing one: the schema reports it.
  if (value !== raw && value !== '' && textChanges(raw) !== 0) sink.add(index, TEXT_NORMALISED, pointer);
  return value;
}

/** What the input step does with a text field, by its scan (`textScan`). */
const TO_CLEAN = 0;
const UNSETTLED = 1;
const SETTLED = 2;

/**
 * TO_CLEAN for text that is not plain (see `textScan`) or shows a sign of mojibake; otherwise the text
 * is left as it is, SETTLED when the text rule has nothing to say of it (no flag; a non-name may be in
 * any case), else UNSETTLED.
 */
function textFieldState(scan: number, name: boolean): number {
  if ((scan & (TEXT_SCAN.plain | TEXT_FLAG.mojibake)) !== TEXT_SCAN.plain) return TO_CLEAN;
  const flags = scan & 7;
  return flags !== 0 && (name || flags !== TEXT_FLAG.notProperCase) ? UNSETTLED : SETTLED;
}

type TextState = (rec: Rec) => number;

const textStates: Partial<Record<EntityName, TextState>> = {};

/**
 * The least state (`textFieldState`) of a record's text fields, SETTLED when it has none: compiled
 * per entity, so each field is read with a constant name (the records come in many shapes; a read
 * with a varying name, or through a per-field reader, turns megamorphic).
 */
function textStateOf(entity: EntityName): TextState {
  let fn = textStates[entity];
  if (fn === undefined) {
    const body = TEXT_FIELDS[entity]
      .map(
        ({ field, name }) =>
          `v = r[${JSON.stringify(field)}];\nif (typeof v === 'string') { t = state(scan(v), ${name}); if (t === ${TO_CLEAN}) return t; if (t < s) s = t; }`,
      )
      .join('\n');
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiled from the constant field table
    const make = new Function(
      'scan',
      'state',
      `return function textState(r) {\nlet s = ${SETTLED}, v, t;\n${body}\nreturn s;\n};`,
    ) as (scan: typeof textScan, state: typeof textFieldState) => TextState;
    fn = make(textScan, textFieldState);
    textStates[entity] = fn;
  }
  return fn;
}

/**
 * The record with its text fields cleaned (`rec` itself when none changed); undefined when a field is
 * refused. Text already clean (plain, see `textScan`) with no sign of mojibake is left as it is; when
 * every text field is so, and names are in proper case, the record's text is noted as settled.
 */
function cleanTexts(entity: EntityName, raw: Rec, rec: Rec, index: number, sink: BatchSink): Rec | undefined {
  let out = rec;
  let refused = false;
  let settled = true;
  for (const { field, name, get } of TEXT_FIELDS[entity]) {
    const value = get(out);
    if (typeof value !== 'string') continue;
    const state = textFieldState(textScan(value), name);
    if (state !== TO_CLEAN) {
      if (state === UNSETTLED) settled = false;
      continue;
    }
    settled = false;
    const clean = cleanText(`/${field}`, value, index, sink);
    if (clean === undefined) refused = true;
    else if (clean !== value) out = edited(raw, out, field, clean);
  }
  if (refused) return undefined;
  if (settled) sink.settleText(index);
  return out;
}

const fastParsers: Partial<Record<EntityName, AsIsParser>> = {};

/**
 * Prepares record `index` of a canonical-format batch: input cleaning, then the canonical schema.
 * Returns the canonical record, or undefined when the record is refused (its findings say why).
 * A record the schema would take as it is skips zod (`asIsParser`); the result is the same.
 */
export function prepareCanonical(
  entity: EntityName,
  raw: unknown,
  index: number,
  sink: BatchSink,
): Rec | undefined {
  const schema = ENTITY_SCHEMAS[entity] as unknown as z.ZodType<Rec>;
  let input: unknown = raw;
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const parse = (fastParsers[entity] ??= asIsParser(schema));
    // The common case first: the schema takes the record as it is (so its personal ID needs no
    // reading either) and its text needs no cleaning (the parser's text tests scanned it; `textState`
    // reads the remembered scans).
    let fast = parse(raw);
    if (fast !== undefined) {
      const state = textStateOf(entity)(fast);
      if (state !== TO_CLEAN) {
        if (state === SETTLED) sink.settleText(index);
        return fast;
      }
    }
    const rec = personalIdInput(raw as Rec, index, sink);
    const clean = cleanTexts(entity, raw as Rec, rec, index, sink);
    if (clean === undefined) return undefined;
    input = clean;
    if (clean !== raw) {
      fast = parse(clean);
      if (fast !== undefined) return fast;
    } else if (fast !== undefined) return fast; // nothing cleaned after all: the fast path's answer
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const rec = (typeof input === 'object' && input !== null ? input : {}) as Rec;
  const reported = new Set<string>();
  for (const issue of parsed.error.issues.slice(0, 20)) {
    const field = String(issue.path[0] ?? '');
    // One finding per field: the first issue says what is wrong (a blank name is missing, not badly spelt).
    if (field !== '' && reported.has(field)) continue;
    reported.add(field);
    const words = issueWords(issue);
    const { pointer, note } = issuePlace(issue);
    const rule = ruleOfIssue(field, issue, rec, sink.ctx);
    sink.add(index, rule, pointer, { detail: { vi: words.vi + note, en: words.en + note } });
  }
  // A schema failure always rejects, whatever the policy says about the rule.
  sink.rejected.add(index);
  const apart = judgeable(rec, parsed.error.issues);
  if (apart !== undefined) sink.judgeApart(index, apart.rec, apart.broken);
  return undefined;
}

/**
 * What of a record the schema refused can still be judged: its fields but those an issue is at (`broken`); unknown
 * keys are no field of it. Undefined when an issue is at the record as a whole (not an object, a rule across fields).
 */
function judgeable(
  input: Rec,
  issues: readonly z.core.$ZodIssue[],
): { rec: Rec; broken: ReadonlySet<string> } | undefined {
  const broken = new Set<string>();
  for (const issue of issues) {
    if (issue.path.length > 0) broken.add(String(issue.path[0]));
    else if (issue.code !== 'unrecognized_keys') return undefined;
  }
  const rec: Record<string, unknown> = { ...input };
  for (const field of broken) delete rec[field];
  return { rec, broken };
}

/**
 * The input step over a whole canonical-format batch: a sink holding the input findings and the
 * canonical records (undefined where refused), ready for `checkInMemory` / `checkBatch`.
 */
export function prepareCanonicalBatch(ctx: BatchContext, raws: readonly unknown[]): BatchSink {
  const sink = new BatchSink(ctx, new Array<Rec | undefined>(raws.length));
  raws.forEach((raw, index) => {
    sink.records[index] = prepareCanonical(ctx.entity, raw, index, sink);
  });
  return sink;
}
