/**
 * The identity "mapping" for records pushed in truc's own canonical format: validate with the
 * canonical schema (whose text fields trim and NFC-normalise); every zod issue becomes a finding with
 * its JSON pointer, in Vietnamese and English.
 */
import type { z } from 'zod';
import { issueWords } from '../../canonical/zod-text.js';
import type { MapResult, MappingFinding } from '../types.js';
import { issuePlace } from '../../canonical/keys.js';
import { asIsParser } from '../../canonical/as-is.js';

export const CANONICAL_MAPPING_VERSION = 'canonical@1';

export function zodFindings(error: z.ZodError, prefix = 'SCHEMA'): MappingFinding[] {
  return error.issues.slice(0, 20).map((issue) => {
    // zod's English in both languages, a missing field told so (walk3 W3-1: "received undefined" in the Vietnamese)
    const text = issueWords(issue);
    const { pointer, note } = issuePlace(issue);
    return {
      pointer,
      rule: `${prefix}_${issue.code.toUpperCase()}`,
      severity: 'error' as const,
      vi: `${prefix === 'WIRE' ? 'Sai định dạng của hệ thống nguồn' : 'Không hợp lệ theo lược đồ'}: ${text.vi}${note}`,
      en: `${prefix === 'WIRE' ? 'Not in the source system’s wire format' : 'Schema violation'}: ${text.en}${note}`,
    };
  });
}

export function canonicalToCanonical<T>(schema: z.ZodType<T>, raw: unknown): MapResult<T> {
  // A record the schema would take as it is skips zod, with zod's result (src/canonical/as-is.ts).
  const fast = asIsParser(schema)(raw);
  if (fast !== undefined) return { ok: true, value: fast as T, findings: [] };
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data, findings: [] };
  return { ok: false, findings: zodFindings(parsed.error) };
}
