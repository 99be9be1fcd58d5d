/**
 * Verdicts as the store keeps them (src/store/quality.ts), for tests that save verdicts and read them back:
 *
 *   verdictFinding('DU_FIELD_MISSING', 'du', 'warning', '/phone')   a kept finding
 *   verdict('A1', SCHOOL, [finding])                                an accepted record's verdict
 *   verdict('B1', SCHOOL, [finding], false)                         a refused one
 */
import type { Verdict, VerdictFinding } from '../../src/store/quality.js';

export function verdictFinding(
  rule: string,
  criterion: string,
  severity: VerdictFinding['severity'],
  pointer: string,
  value?: string,
): VerdictFinding {
  return { rule, criterion, severity, pointer, ...(value === undefined ? {} : { value }) };
}

export function verdict(
  recordKey: string,
  schoolCode: string,
  findings: readonly VerdictFinding[],
  accepted = true,
): Verdict {
  return { recordKey, schoolCode, accepted, findings };
}
