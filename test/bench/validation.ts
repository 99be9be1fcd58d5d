/**
 * P3 — the validation layer alone: records/s of what ingest runs on every pushed canonical student
 * (`canonicalToCanonical` with the canonical StudentSchema: NFC, strict schema, bilingual findings),
 * on valid and on invalid records (two bad fields each), with `zod/compile` loaded first as
 * `src/main.ts` does (production parses through zod's compiled fast path). The quality rules are
 * measured by the `quality` bench.
 * Baseline (PERFORMANCE 4a/4b): a bare zod 4 object schema of the same fields (plain regexes, enums
 * and `z.iso.date()`, no refinements, transforms or findings), `safeParse` over the same records in
 * the same run. Target: ≥ 0.5 × the baseline on both paths.
 */
// Loaded first, as src/main.ts does: every schema built after this is compiled on first parse.
import 'zod/compile';
import { StudentSchema } from '../../src/canonical/student.js';
import { canonicalToCanonical } from '../../src/mappings/canonical/index.js';
import { BareStudent } from './lib/bare-student.js';
import { fullStudents, withTwoBadFields } from './lib/students.js';
import { rateRow, scaled, type BenchOptions, type BenchRow } from './lib/types.js';

export const name = 'validation';

const P3_TARGET = 0.5;
const RECORDS = 5000;
const MIN_MS = 1500;

/** truc's validation layer for one pushed canonical student; returns the number of findings. */
function trucValidate(raw: unknown): number {
  return canonicalToCanonical(StudentSchema, raw).findings.length;
}

function bareValidate(raw: unknown): number {
  const r = BareStudent.safeParse(raw);
  return r.success ? 0 : r.error.issues.length;
}

/** Records/s of `fn` over `records`, looping whole passes for at least `minMs`. */
function rate(fn: (raw: unknown) => number, records: readonly unknown[], minMs: number): number {
  let done = 0;
  let sink = 0;
  const started = performance.now();
  for (let pass = 0; pass < 10_000; pass++) {
    for (const r of records) sink += fn(r);
    done += records.length;
    if (performance.now() - started >= minMs) break;
  }
  if (sink < 0) throw new Error('unreachable');
  return done / ((performance.now() - started) / 1000);
}

/** Checks the data set does what the row claims (valid: no findings; invalid: findings on both). */
function assertVerdicts(valid: readonly unknown[], invalid: readonly unknown[]): void {
  const firstValid = valid.findIndex((r) => trucValidate(r) !== 0 || bareValidate(r) !== 0);
  if (firstValid >= 0) throw new Error(`validation bench: valid record ${firstValid} has findings`);
  const firstInvalid = invalid.findIndex((r) => trucValidate(r) === 0 || bareValidate(r) === 0);
  if (firstInvalid >= 0) throw new Error(`validation bench: invalid record ${firstInvalid} passed`);
}

/** Runs the benchmark (see the file comment). */
export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const valid = fullStudents(scaled(RECORDS, opts.scale, 100));
  const invalid = withTwoBadFields(valid);
  assertVerdicts(valid, invalid);
  const minMs = Math.max(200, MIN_MS * opts.scale);
  // Warm-up: let the JIT see every path before timing.
  for (const fn of [bareValidate, trucValidate]) {
    rate(fn, valid, 100);
    rate(fn, invalid, 100);
  }
  const rows: BenchRow[] = [];
  for (const [label, data] of [
    ['valid', valid],
    ['invalid (2 bad fields)', invalid],
  ] as const) {
    const baseline = rate(bareValidate, data, minMs);
    const value = rate(trucValidate, data, minMs);
    rows.push(
      rateRow(
        `P3 validation, ${label} students: canonical schema (zod/compile) vs bare zod`,
        'records/s',
        value,
        baseline,
        P3_TARGET,
      ),
    );
  }
  return rows;
}
