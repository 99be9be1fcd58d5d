/**
 * Bilingual validation messages of the canonical schemas. zod carries one message string per issue;
 * canonical schemas use the English text and register the Vietnamese one here, so the API layer can
 * answer in either language (Vietnamese first) without parsing messages.
 */

/** A message in both languages. */
export interface Bilingual {
  readonly vi: string;
  readonly en: string;
}

const VI_BY_EN = new Map<string, string>();

/**
 * Registers a bilingual message and returns its English text, to pass as a zod `error`.
 * @example z.string().max(100, { error: bilingual('At most 100 characters.', 'Tối đa 100 ký tự.') })
 */
export function bilingual(en: string, vi: string): string {
  VI_BY_EN.set(en, vi);
  return en;
}

/** The Vietnamese text of a message produced by a canonical schema, or undefined if it is not one of ours. */
export function canonicalMessageVi(en: string): string | undefined {
  return VI_BY_EN.get(en);
}
