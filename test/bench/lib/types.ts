/**
 * The benchmark module contract (DESIGN §10) and small helpers shared by the bench modules.
 *
 * Every ratio is oriented so that HIGHER IS BETTER: `value / baseline` for rates, `baseline / value`
 * for costs (latency, memory) — the row's unit says which. A row is MET when `ratio >= target`.
 */

/** One result row, as written to `bench-results.json`. */
export interface BenchRow {
  name: string;
  /** Unit of `value` and `baseline`, and how `ratio` was formed. */
  unit: string;
  value: number;
  /** The raw limit measured in the same run, on the same data. */
  baseline: number;
  ratio: number;
  /** Goal ratio from docs/PERFORMANCE.md §4; null when no goal applies (informative row). */
  target: number | null;
  /**
   * When the baseline is the median of several samples taken in the same run (interleaved with the
   * measured runs): their min, max and every sample, so the baseline's own noise is on record.
   */
  baselineSpread?: { min: number; max: number; samples: number[] };
}

/** What the runner passes to a module's `run`. */
export interface BenchOptions {
  /** 0-based repetition number (the runner repeats each module, default 3 times). */
  repetition: number;
  repeats: number;
  /** Size multiplier from BENCH_SCALE (default 1). */
  scale: number;
}

/** The shape of a bench module: `export const name`, `export async function run(opts)`. */
export interface BenchModule {
  name: string;
  run(opts: BenchOptions): Promise<BenchRow[]>;
}

const round = (n: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** Rounds to 3 significant digits (at least integers for large numbers). */
export function tidy(n: number): number {
  if (!Number.isFinite(n) || n === 0) return n;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(n))));
  return round(n, digits);
}

/** A row for a rate (records/s): ratio = value / baseline. */
export function rateRow(name: string, unit: string, value: number, baseline: number, target: number | null) {
  return row(name, `${unit} (ratio value/baseline)`, value, baseline, value / baseline, target);
}

/** A row for a cost (ms, MB): ratio = baseline / value, so higher is still better. */
export function costRow(name: string, unit: string, value: number, baseline: number, target: number | null) {
  return row(name, `${unit} (ratio baseline/value)`, value, baseline, baseline / value, target);
}

function row(
  name: string,
  unit: string,
  value: number,
  baseline: number,
  ratio: number,
  target: number | null,
): BenchRow {
  return { name, unit, value: tidy(value), baseline: tidy(baseline), ratio: round(ratio, 3), target };
}

/** `row` with the spread of the baseline samples its baseline is the median of. */
export function withSpread(
  r: BenchRow,
  spread: { min: number; max: number; samples: readonly number[] },
): BenchRow {
  return {
    ...r,
    baselineSpread: { min: tidy(spread.min), max: tidy(spread.max), samples: spread.samples.map(tidy) },
  };
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** A positive integer size scaled by `scale` (at least `min`). */
export function scaled(base: number, scale: number, min = 1): number {
  return Math.max(min, Math.round(base * scale));
}

/** Positive number from an environment variable, or the fallback. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return n;
}

/** Seconds elapsed since `startedMs` (a performance.now() reading). */
export function secondsSince(startedMs: number): number {
  return (performance.now() - startedMs) / 1000;
}
