/**
 * zod's own messages in Vietnamese and English: one rule for the API's 400s (`errors[].message`,
 * src/api/plugins/errors.ts) and a batch's schema findings (src/mappings/canonical/index.ts: a smas or vnedu record
 * refused for its wire format; walk3 W3-1, whose Vietnamese carried zod's English "expected string, received
 * undefined").
 */
import { z } from 'zod';
import { canonicalMessageVi, type Bilingual } from './messages.js';

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

/** zod's Vietnamese for `message` when `message` is zod's own English for this issue (its code and params). */
function zodVietnamese(code: string, params: object | undefined, message: string): string | undefined {
  for (const input of SAMPLE_INPUTS) {
    const issue = { ...params, code, path: [], message, input };
    if (message === localeText(ZOD_EN, issue)) return localeText(ZOD_VI, issue);
  }
  return undefined;
}

/**
 * A required field not sent: zod says "Invalid input: expected number, received undefined" (walk2: an officer's
 * `GET /v1/pcgd/deadlines` without `year`), a developer's words for "it is missing"; the pointer names the field.
 */
export const NOT_SENT: Bilingual = { vi: 'bắt buộc, chưa được gửi', en: 'required, not sent' };

/**
 * The words of a zod issue (its `code`, the rest of it as `params`, its `message`) in both languages: a field not
 * sent as such, zod's own English with its Vietnamese locale's, a canonical schema's with the Vietnamese it
 * registered; undefined for any other message (truc's own, written in both already).
 */
export function zodIssueText(
  code: string,
  params: object | undefined,
  message: string,
): Bilingual | undefined {
  if (code === 'invalid_type' && message.endsWith(', received undefined')) return NOT_SENT;
  const vi = zodVietnamese(code, params, message) ?? canonicalMessageVi(message);
  return vi ? { vi, en: message } : undefined;
}
