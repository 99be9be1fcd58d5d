/**
 * zod's own messages in Vietnamese and English: one rule for the API's 400s (`errors[].message`,
 * src/api/plugins/errors.ts) and every finding made of a zod issue ({@link issueWords}: a canonical record's schema
 * findings, src/quality/prepare.ts; a smas or vnedu record refused for its wire format, src/mappings/canonical; a
 * mapped record the canonical schema refuses, src/mappings; walk3 W3-1, whose Vietnamese carried zod's English
 * "expected string, received undefined").
 */
import { z } from 'zod';
import { canonicalMessageVi, type Bilingual } from './messages.js';
import { printableKey } from './keys.js';
import { TYPE_WORDS, typeWords, withArticle } from '../config.js';

const ZOD_EN = z.locales.en();
const ZOD_VI = z.locales.vi();
const localeText = (locale: typeof ZOD_EN, issue: Record<string, unknown>): string | undefined => {
  const out = locale.localeError(issue as unknown as Parameters<typeof locale.localeError>[0]);
  return typeof out === 'string' ? out : out?.message;
};

/**
 * Inputs of every type zod names ("received string", "received array", …): an issue comes without its `input`
 * (fastify-type-provider-zod hands it on so, and zod leaves it out unless asked), so zod's English text is matched
 * against each (review28 F2: rebuilt without it, the text read "…, received undefined" and zod's own words went out
 * English only).
 */
const SAMPLE_INPUTS: readonly unknown[] = [
  undefined,
  '',
  0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  true,
  null,
  [],
  {},
  0n,
  new Date(0),
  Symbol('input'),
  () => undefined,
];

/** Where the locale puts a type name: after "mong đợi" (expected), "nhận được" (received), "trong" (in). */
const VI_TYPE_SLOT = /(mong đợi|nhận được|trong) ([a-z]+)(?=$|[ ,])/g;

/**
 * zod's Vietnamese in truc's words: its type names in Vietnamese too (words6: its locale translates only number, array
 * and NaN, "mong đợi string, nhận được số"), from the one table of type words, `TYPE_WORDS` (src/config/type-words.ts),
 * and "khoá" spelt as truc spells it (tidy7: its locale writes "Khóa không hợp lệ", truc "khoá" everywhere else).
 */
const trucVietnamese = (text: string): string =>
  text
    .replace(VI_TYPE_SLOT, (whole, slot: string, type: string) => {
      const words = TYPE_WORDS[type];
      return words === undefined ? whole : `${slot} ${words.vi}`;
    })
    .replace(/(K|k)hóa/g, '$1hoá');

/** zod's Vietnamese for `message` when `message` is zod's own English for this issue (its code and params). */
function zodVietnamese(code: string, params: object | undefined, message: string): string | undefined {
  for (const input of SAMPLE_INPUTS) {
    const issue = { ...params, code, path: [], message, input };
    if (message !== localeText(ZOD_EN, issue)) continue;
    const vi = localeText(ZOD_VI, issue);
    return vi === undefined ? undefined : trucVietnamese(vi);
  }
  return undefined;
}

/**
 * A required field not sent: zod says "Invalid input: expected number, received undefined" (walk2: an officer's
 * `GET /v1/pcgd/deadlines` without `year`), a developer's words for "it is missing"; the pointer names the field.
 */
export const NOT_SENT: Bilingual = { vi: 'bắt buộc, chưa được gửi', en: 'required, not sent' };

/**
 * The JSON types zod may ask a value to be, and how JSON writes each, after its words in `TYPE_WORDS` (walk3 W3-7: how
 * to send a value it refused; tidy7: the words are the table's, one vocabulary of types): a string in a body is in
 * double quotes, one in the address or a header is sent as it is (only JSON quotes its strings).
 */
const JSON_SHAPES: Readonly<Record<string, Bilingual>> = {
  string: { vi: ' (trong dấu ngoặc kép)', en: ' (in double quotes)' },
  number: { vi: '', en: '' },
  int: { vi: '', en: '' },
  boolean: { vi: '', en: '' },
  array: { vi: ' […]', en: ' […]' },
  object: { vi: ' {…}', en: ' {…}' },
};

/** "a string (in double quotes)", "an integer": a value of `type` as it is sent; undefined for a type JSON has not. */
function typeForm(type: string, inUrl: boolean): Bilingual | undefined {
  const shape = JSON_SHAPES[type];
  if (shape === undefined) return undefined;
  const { vi, en } = typeWords(type);
  return inUrl
    ? { vi: `một ${vi}`, en: withArticle(en) }
    : { vi: `một ${vi}${shape.vi}`, en: `${withArticle(en)}${shape.en}` };
}

const FORMAT_FORMS: Readonly<Record<string, Bilingual>> = {
  date: { vi: 'ngày YYYY-MM-DD (ví dụ 2015-09-05)', en: 'a date YYYY-MM-DD (e.g. 2015-09-05)' },
  datetime: {
    vi: 'thời điểm ISO 8601 có múi giờ (ví dụ 2026-09-05T08:00:00+07:00)',
    en: 'an ISO 8601 time with its offset (e.g. 2026-09-05T08:00:00+07:00)',
  },
  uuid: { vi: 'một UUID (ví dụ 3f1c2a9e-…)', en: 'a UUID (e.g. 3f1c2a9e-…)' },
  email: { vi: 'một địa chỉ email', en: 'an email address' },
};

/**
 * How to fix what a zod issue refused, where zod knows the form it wants (a type, a string format): "send MaHocSinh as
 * a string"; the field by its schema name (never a value, nor a key shaped like data: ./keys.ts), none for an item.
 */
function howToFix(
  code: string,
  params: object | undefined,
  field: string | undefined,
  inUrl: boolean,
): Bilingual | undefined {
  const p = (params ?? {}) as { expected?: unknown; format?: unknown };
  const form =
    code === 'invalid_type' && typeof p.expected === 'string'
      ? typeForm(p.expected, inUrl)
      : code === 'invalid_format' && typeof p.format === 'string'
        ? FORMAT_FORMS[p.format]
        : undefined;
  if (!form) return undefined;
  const name =
    field === undefined || /^\d+$/.test(field) || printableKey(field) !== field ? undefined : field;
  return name
    ? { vi: `hãy gửi ${name} là ${form.vi}`, en: `send ${name} as ${form.en}` }
    : { vi: `hãy gửi ${form.vi}`, en: `send ${form.en}` };
}

/**
 * The words of a zod issue (its `code`, the rest of it as `params`, its `message`) in both languages, and whether they
 * are zod's own: a field not sent as such, zod's own English with its Vietnamese locale's, a canonical schema's with the
 * Vietnamese it registered; undefined for any other message (truc's own, written in both already).
 */
function wordsOf(
  code: string,
  params: object | undefined,
  message: string,
): { text: Bilingual; zods: boolean } | undefined {
  const notSent = code === 'invalid_type' && message.endsWith(', received undefined');
  if (notSent) return { text: NOT_SENT, zods: true };
  const zodVi = zodVietnamese(code, params, message);
  if (zodVi !== undefined) return { text: { vi: zodVi, en: message }, zods: true };
  const vi = canonicalMessageVi(message); // a canonical schema's own words say what to send already
  return vi ? { text: { vi, en: message }, zods: false } : undefined;
}

/**
 * The words of a zod issue (`wordsOf`), zod's own followed by how to fix it where zod knows the form it wants
 * (`field`: the last step of the issue's path; `inUrl`: the value came in the address or a header, where a string has
 * no quotes); undefined for any other message (truc's own, written in both already).
 */
export function zodIssueText(
  code: string,
  params: object | undefined,
  message: string,
  field?: string,
  inUrl = false,
): Bilingual | undefined {
  const words = wordsOf(code, params, message);
  if (words === undefined || !words.zods) return words?.text;
  const { text } = words;
  const fix = howToFix(code, params, field, inUrl);
  return fix ? { vi: `${text.vi}; ${fix.vi}`, en: `${text.en}; ${fix.en}` } : text;
}

/** A message neither zod's nor a canonical schema's (so without Vietnamese words of its own): said in general. */
const INVALID_VI = 'Giá trị không hợp lệ.';

/**
 * The words of a zod issue in both languages, the one way every finding made of one says it (fix12; see
 * {@link zodIssueText}): how to fix it named by the issue's field, unless `mapped` (the value came through a mapping
 * from another system's field, whose name and type the canonical schema's are not); a message with no Vietnamese of its
 * own is said as an invalid value in Vietnamese, its English as it is.
 */
export function issueWords(issue: z.core.$ZodIssue, mapped = false): Bilingual {
  const { code, path, message, ...params } = issue;
  const field = path.at(-1);
  const text = mapped
    ? wordsOf(code, params, message)?.text
    : zodIssueText(code, params, message, typeof field === 'string' ? field : undefined);
  return text ?? { vi: INVALID_VI, en: message };
}
