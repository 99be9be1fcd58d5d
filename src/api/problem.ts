/**
 * RFC 9457 problem details with truc's extensions: a stable `code`, `correlationId`, `errors[]`
 * (JSON pointer, rule, message) and the message in Vietnamese and English (`title` and `detail`
 * follow Accept-Language, Vietnamese first; `messages` always carries both).
 */
import { z } from 'zod';
import { ERRORS, type ErrorCode, type FieldError } from '../errors.js';

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
