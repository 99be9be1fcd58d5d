/**
 * Recall and false findings per rule on the defect set (test/fixtures/quality/defect-set.ts): at least
 * 95 % of the injected defects of every rule found, at most 2 % of the clean records flagged by it.
 * Prints the table (for the closing note).
 */
import { describe, expect, it } from 'vitest';
import {
  BatchSink,
  DEFAULT_QUALITY_CONFIG,
  RULES,
  checkBatch,
  prepareCanonical,
  type BatchContext,
  type Finding,
  type Rec,
} from '../../../src/quality/index.js';
import {
  DEFECT_TODAY,
  DEFECT_YEAR,
  buildDefectSet,
  type DefectBatch,
} from '../../fixtures/quality/defect-set.js';

interface Tally {
  injected: number;
  found: number;
  clean: number;
  flaggedClean: number;
}

/** Runs the input step and the engine as the ingest does. */
async function runBatch(b: DefectBatch): Promise<readonly Finding[]> {
  const ctx: BatchContext = {
    entity: b.entity,
    today: DEFECT_TODAY,
    schoolYear: DEFECT_YEAR,
    schoolCode: b.schoolCode,
    config: DEFAULT_QUALITY_CONFIG,
  };
  const sink = new BatchSink(ctx, new Array<Rec | undefined>(b.records.length));
  b.records.forEach((raw, index) => {
    sink.records[index] = prepareCanonical(b.entity, raw, index, sink);
  });
  return (await checkBatch(ctx, sink.records, b.lookups, sink)).findings;
}

/** The rules a school's batch gets once (index −1), injected per batch. */
const BATCH_LEVEL: ReadonlySet<string> = new Set([
  'SONG_SYNC_STALE',
  'SONG_ROLLOVER_LATE',
  'DUNG_SCHOOL_UNLISTED',
]);

async function measure(): Promise<Map<string, Tally>> {
  const tallies = new Map(RULES.map((r) => [r.code, { injected: 0, found: 0, clean: 0, flaggedClean: 0 }]));
  for (const b of buildDefectSet()) {
    const findings = await runBatch(b);
    const byIndex = new Map<number, Set<string>>();
    for (const f of findings) byIndex.set(f.index, (byIndex.get(f.index) ?? new Set()).add(f.rule));
    for (const rule of RULES) {
      if (!rule.entities.includes(b.entity)) continue;
      const t = tallies.get(rule.code)!;
      if (BATCH_LEVEL.has(rule.code)) {
        if (b.schoolCode === undefined) continue;
        const flagged = byIndex.get(-1)?.has(rule.code) ?? false;
        if (b.batchDefect === rule.code) {
          t.injected++;
          if (flagged) t.found++;
        } else if (b.batchDefect === undefined) {
          t.clean++;
          if (flagged) t.flaggedClean++;
        }
        continue;
      }
      b.records.forEach((_, index) => {
        const flagged = byIndex.get(index)?.has(rule.code) ?? false;
        const injected = b.injected.get(index);
        if (injected === rule.code) {
          t.injected++;
          if (flagged) t.found++;
        } else if (injected === undefined && b.batchDefect === undefined) {
          t.clean++;
          if (flagged) t.flaggedClean++;
        }
      });
    }
  }
  return tallies;
}

const pct = (n: number, d: number): string => (d === 0 ? '—' : `${((100 * n) / d).toFixed(1)} %`);

describe('defect set', () => {
  it('finds ≥ 95 % of the injected defects of every rule and flags ≤ 2 % of clean records', async () => {
    const tallies = await measure();
    const rows = RULES.map((r) => {
      const t = tallies.get(r.code)!;
      return {
        rule: r.code,
        injected: t.injected,
        recall: pct(t.found, t.injected),
        clean: t.clean,
        'false findings': pct(t.flaggedClean, t.clean),
      };
    });
    console.table(rows);
    const totalRecords = buildDefectSet().reduce((n, b) => n + b.records.length, 0);
    expect(totalRecords).toBeGreaterThan(3000);
    for (const r of RULES) {
      const t = tallies.get(r.code)!;
      expect(t.injected, `${r.code}: defects injected`).toBeGreaterThanOrEqual(20);
      expect(t.found / t.injected, `${r.code}: recall`).toBeGreaterThanOrEqual(0.95);
      expect(t.flaggedClean / t.clean, `${r.code}: false findings`).toBeLessThanOrEqual(0.02);
    }
  }, 120_000);
});
