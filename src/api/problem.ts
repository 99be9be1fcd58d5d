/**
 * RFC 9457 problem details with truc's extensions: a stable `code`, `correlationId`, `errors[]`
 * (JSON pointer, rule, message) and the message in Vietnamese and English (`title` and `detail`
 * follow Accept-Language, Vietnamese first; `messages` always carries both).
 */
import { z } from 'zod';
import { ERRORS, type ErrorCode, type FieldError } from '../errors.js';
import { personalNumberIn } from '../canonical/free-text.js';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    code: z.string(),
    correlationId: z.string(),
    messages: z.object({ vi: z.string(), en: z.string() }),
    errors: z.array(z.object({ pointer: z.string(), rule: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details, bilingual (vi, en)' });
export type Problem = z.infer<typeof ProblemSchema>;

/**
 * The problem answers of a route schema, for its `response` map: `{ 200: X, ...problems(400, 401, 403) }`
 * is `{ 200: X, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema }`.
 */
export function problems<const C extends readonly number[]>(
  ...codes: C
): Record<C[number], typeof ProblemSchema> {
  return Object.fromEntries(codes.map((c) => [c, ProblemSchema])) as Record<C[number], typeof ProblemSchema>;
}

export type Lang = 'vi' | 'en';

/** Vietnamese unless the client prefers English over Vietnamese. */
export function pickLang(acceptLanguage: string | undefined): Lang {
  if (!acceptLanguage) return 'vi';
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag ?? '', q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('vi')) return 'vi';
    if (tag.startsWith('en')) return 'en';
  }
  return 'vi';
}

export function problem(
  code: ErrorCode,
  opts: {
    lang: Lang;
    correlationId: string;
    instance?: string;
    detail?: string;
    errors?: readonly FieldError[];
    status?: number;
  },
): Problem {
  const def = ERRORS[code];
  const out: Problem = {
    type: `https://truc.hcm.edu.vn/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: def[opts.lang],
    status: opts.status ?? def.status,
    code,
    correlationId: opts.correlationId,
    messages: { vi: def.vi, en: def.en },
  };
  if (opts.detail !== undefined) out.detail = opts.detail;
  if (opts.instance !== undefined) out.instance = opts.instance;
  if (opts.errors && opts.errors.length > 0) out.errors = opts.errors.slice(0, 100).map((e) => ({ ...e }));
  return out;
}

/** What a path segment that may carry personal data reads as in a problem's `instance` (see {@link instanceOf}). */
export const MASKED_SEGMENT = '***';

/** An id truc gave (a batch's, a webhook's): a UUID, which may hold a run of digits and is no personal data. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when a path segment, decoded, may carry a personal ID or a phone number (a `TAM-<personal ID>` code). */
function mayBePersonal(segment: string): boolean {
  let text = segment;
  try {
    text = decodeURIComponent(segment);
  } catch {
    // not percent-encoding: read as sent
  }
  return !UUID.test(text) && (/\d{9}/.test(text) || personalNumberIn(text) !== undefined);
}

/**
 * A problem's `instance`: the request's path, without its query, each segment that may carry personal data shown as
 * {@link MASKED_SEGMENT} (walk13: a 404 or 400 for `/v1/schools/…/students/TAM-<personal ID>` echoed the ID, and errors
 * carry no personal data). A school code, a UUID, a year or a count stays as sent.
 */
export function instanceOf(url: string): string {
  const path = url.split('?')[0] ?? url;
  return path
    .split('/')
    .map((segment) => (mayBePersonal(segment) ? MASKED_SEGMENT : segment))
    .join('/');
}
