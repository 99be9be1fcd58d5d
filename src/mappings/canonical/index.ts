/**
 * The identity "mapping" for records pushed in truc's own canonical format: NFC-normalise text, then
 * validate with the canonical schema; every zod issue becomes a finding with its JSON pointer.
 */
import type { z } from 'zod';
import type { MapResult, MappingFinding } from '../types.js';

export const CANONICAL_MAPPING_VERSION = 'canonical@1';

function nfcDeep(value: unknown): unknown {
  if (typeof value === 'string') return value.normalize('NFC');
  if (Array.isArray(value)) return value.map(nfcDeep);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, nfcDeep(v)]),
    );
  }
  return value;
}

export function zodFindings(error: z.ZodError, prefix = 'SCHEMA'): MappingFinding[] {
  return error.issues.slice(0, 20).map((issue) => {
    const pointer = issue.path.length ? `/${issue.path.map(String).join('/')}` : '';
    const unknownKeys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    return {
      pointer,
      rule: `${prefix}_${issue.code.toUpperCase()}`,
      severity: 'error' as const,
      vi: `${prefix === 'WIRE' ? 'Sai định dạng của hệ thống nguồn' : 'Không hợp lệ theo lược đồ'}: ${issue.message}${unknownKeys}`,
      en: `${prefix === 'WIRE' ? 'Not in the source system’s wire format' : 'Schema violation'}: ${issue.message}${unknownKeys}`,
    };
  });
}

export function canonicalToCanonical<T>(schema: z.ZodType<T>, raw: unknown): MapResult<T> {
  const parsed = schema.safeParse(nfcDeep(raw));
  if (parsed.success) return { ok: true, value: parsed.data, findings: [] };
  return { ok: false, findings: zodFindings(parsed.error) };
}
