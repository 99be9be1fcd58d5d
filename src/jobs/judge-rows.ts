/** A judged batch's findings as the store files them (./judge.ts `check`'s findings, ../store/batch-findings.ts). */
import type { Finding } from '../quality/index.js';
import type { FindingRow } from '../store/batch-findings.js';

/** A finding as the store keeps it, with the key of its record (null where mapping failed). */
export const toRow = (
  f: Finding,
  checked: { readonly records: readonly ({ readonly key: string } | undefined)[] },
): FindingRow => ({
  recordIndex: f.index,
  recordKey: checked.records[f.index]?.key ?? null,
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
