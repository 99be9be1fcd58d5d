/**
 * A judged batch's findings: their order, and as the store files them (./judge.ts `check`'s findings,
 * ../store/batch-findings.ts).
 */
import type { Finding } from '../quality/index.js';
import type { FindingRow } from '../store/batch-findings.js';

/**
 * A finding as the store keeps it, with the key of its record; a record refused before it was keyed (mapping, schema)
 * with the key it was sent with (`sent`: ./finding-pointers.ts `sentKeyOf`, review34a N6), null where none.
 */
export const toRow = (
  f: Finding,
  checked: { readonly records: readonly ({ readonly key: string } | undefined)[] },
  sent?: (index: number) => string | null,
): FindingRow => ({
  recordIndex: f.index,
  recordKey: checked.records[f.index]?.key ?? (f.index >= 0 && sent ? sent(f.index) : null),
  criterion: f.criterion,
  rule: f.rule,
  severity: f.severity,
  pointer: f.pointer,
  messageVi: f.vi,
  messageEn: f.en,
  value: f.value ?? null,
  hintVi: f.hintVi || null,
  hintEn: f.hintEn || null,
  detailVi: f.detail?.vi ?? null,
  detailEn: f.detail?.en ?? null,
});

/**
 * The order of a batch's findings: per record in index order, stable within a record (the order they were
 * added in), the batch's own (index −1) last.
 */
export const byRecord = (a: Finding, b: Finding): number =>
  a.index < 0 ? (b.index < 0 ? 0 : 1) : b.index < 0 ? -1 : a.index - b.index;

/** `checked` with `added` after each record's other findings, in {@link byRecord} order. */
export function withFindings<C extends { readonly findings: readonly Finding[] }>(
  checked: C,
  added: readonly Finding[],
): C {
  return added.length === 0
    ? checked
    : { ...checked, findings: [...checked.findings, ...added].sort(byRecord) };
}
