/**
 * The quality engine's in-memory pass (issue 8): records/s of the record and batch rules of
 * `src/quality` (`checkInMemory`: personal ID, dates, age for grade, codes, communes in force,
 * contacts, required fields, text, mojibake, placeholders, name case, duplicates, school year,
 * deadlines) over 1000-record batches of valid canonical students with parents' names and a phone
 * (parsed from JSON, as the ingest reads a stored batch),
 * and of the whole input step plus rules (`prepareCanonicalBatch` — personal-ID input form, text
 * normalisation, mojibake, the canonical schema — then `checkInMemory`).
 * Baseline: a bare zod 4 object schema of the 18 canonical student fields (as in the validation
 * bench), `safeParse` over the same records in the same run. `zod/compile` is loaded first, as
 * `src/main.ts` does. Target for both rows: ≥ 0.5 × the baseline (issue 8).
 * The three are measured interleaved: short slices (one pass over the records) of each in turn until
 * each has run 1.5 s, so all three see the same load of a shared machine. Each repetition also prints
 * the quartiles of its per-round ratios and the ratios in CPU time of this process (stderr).
 */
import 'zod/compile';
import { loadavg } from 'node:os';
import { schoolYearOf, vietnamDateOf } from '../../src/canonical/school-year.js';
import {
  DEFAULT_QUALITY_CONFIG,
  checkInMemory,
  prepareCanonicalBatch,
  type BatchContext,
  type Rec,
} from '../../src/quality/index.js';
import { BareStudent } from './lib/bare-student.js';
import { fullStudents } from './lib/students.js';
import { rateRow, scaled, type BenchOptions, type BenchRow } from './lib/types.js';

export const name = 'quality';

const TARGET = 0.5;
const BATCH = 1000;
const BATCHES = 5;
const MIN_MS = 1500;

/**
 * Today's date in Vietnam and its school year, as the records' (lib/students.ts: the current school year). A fixed
 * date ('2025-10-15', fix12 found) made every record of a later year a finding, and the bench refused to run.
 */
const TODAY = vietnamDateOf(new Date());
const CTX: BatchContext = {
  entity: 'students',
  today: TODAY,
  schoolYear: schoolYearOf(TODAY),
  config: DEFAULT_QUALITY_CONFIG,
};

const FATHERS = ['Văn Hùng', 'Minh Tuấn', 'Quốc Bảo', 'Văn Nam', 'Đức Thắng'];

/** Records as the ingest reads them: a batch's JSON from the database, parsed. */
function asStored<T>(records: T): T {
  return JSON.parse(JSON.stringify(records)) as T;
}

/** Canonical students with parents' names and a phone (the fields the engine checks beyond the schema). */
function withFamily(records: readonly Rec[]): Rec[] {
  return asStored(
    records.map((r, i) => ({
      ...r,
      fatherName: `${String(r['fullName']).split(' ')[0]} ${FATHERS[i % FATHERS.length]}`,
      motherName: 'Lê Thị Lan',
      phone: `09${String(10_000_000 + i).padStart(8, '0')}`,
    })),
  );
}

/** What one side of the bench does with all the records: returns a count, so the work is not dropped. */
type Side = () => number;

/** What `interleaved` measured. */
interface Interleaved {
  /** Records/s of each side (wall clock, all its slices). */
  rates: number[];
  /** Records per CPU second of this process (user + system) of each side: insensitive to time lost to other processes. */
  cpuRates: number[];
  /** Per round: each side's wall-clock rate over the first side's in that round. */
  rounds: number[][];
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Runs the sides in turn, one pass over the records each (a slice of ~5–20 ms), rotating which side
 * goes first every round, until every side has run `minMs` in total, so every side sees the same
 * machine load: a burst of other processes' work falls on all of them instead of on one measurement
 * (as the changes bench alternates its passes).
 */
function interleaved(sides: readonly Side[], records: number, minMs: number): Interleaved {
  const wall = sides.map(() => 0);
  const cpu = sides.map(() => 0);
  const rounds: number[][] = [];
  let sink = 0;
  for (let round = 0; round < 100_000; round++) {
    const took = sides.map(() => 0);
    for (let k = 0; k < sides.length; k++) {
      const s = (k + round) % sides.length;
      const cpuStarted = cpuMs();
      const started = performance.now();
      sink += sides[s]!();
      const ms = performance.now() - started;
      took[s] = ms;
      cpu[s] = cpu[s]! + cpuMs() - cpuStarted;
      wall[s] = wall[s]! + ms;
    }
    rounds.push(took.map((t) => took[0]! / t));
    if (wall.every((t) => t >= minMs)) break;
  }
  if (sink < 0) throw new Error('unreachable');
  const rate = (ms: number) => (records * rounds.length) / (ms / 1000);
  return { rates: wall.map(rate), cpuRates: cpu.map(rate), rounds };
}

/** Quartiles of the per-round ratios of side `s` (how steady the comparison was). */
function spread(rounds: readonly number[][], s: number): string {
  const r = rounds.map((x) => x[s]!).sort((a, b) => a - b);
  const q = (p: number) => r[Math.min(r.length - 1, Math.floor(p * r.length))]!.toFixed(3);
  return `${q(0.25)} / ${q(0.5)} / ${q(0.75)}`;
}

/** Runs the benchmark (see the file comment). */
export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const size = scaled(BATCH, opts.scale, 100);
  const students = fullStudents(size * BATCHES) as unknown as Rec[];
  const batches = Array.from({ length: BATCHES }, (_, b) =>
    asStored(students.slice(b * size, (b + 1) * size)),
  );
  // Every row runs over the same records: students with parents' names and a phone.
  const family = batches.map(withFamily);
  const total = size * BATCHES;
  const bare = (): number => {
    let bad = 0;
    for (const batch of family) for (const r of batch) if (!BareStudent.safeParse(r).success) bad++;
    return bad;
  };
  const rules = (): number => {
    let findings = 0;
    for (const batch of family) findings += checkInMemory(CTX, batch).findings.length;
    return findings;
  };
  const whole = (): number => {
    let findings = 0;
    for (const batch of family) {
      const sink = prepareCanonicalBatch(CTX, batch);
      findings += checkInMemory(CTX, sink.records, sink).findings.length;
    }
    return findings;
  };
  if (bare() !== 0 || rules() !== 0 || whole() !== 0)
    throw new Error('quality bench: the records are not clean');
  const minMs = Math.max(200, MIN_MS * opts.scale);
  interleaved([bare, rules, whole], total, 100); // warm-up: every path compiled before measuring
  const { rates, cpuRates, rounds } = interleaved([bare, rules, whole], total, minMs);
  const [baseline, rulesRate, wholeRate] = rates as [number, number, number];
  const cpu = (s: number) => (cpuRates[s]! / cpuRates[0]!).toFixed(3);
  console.error(
    `quality #${opts.repetition + 1} (${rounds.length} rounds, load ${loadavg()[0]!.toFixed(1)}): ` +
      `rules ${(rulesRate / baseline).toFixed(3)}, per round p25/median/p75 ${spread(rounds, 1)}, CPU time ${cpu(1)}; ` +
      `whole pass ${(wholeRate / baseline).toFixed(3)}, per round ${spread(rounds, 2)}, CPU time ${cpu(2)}`,
  );
  return [
    rateRow(
      `Quality rules in memory (record + batch), ${size}-record student batches vs bare zod parse`,
      'records/s',
      rulesRate,
      baseline,
      TARGET,
    ),
    rateRow(
      `Whole quality pass (input step + canonical schema + rules), ${size}-record batches vs bare zod parse`,
      'records/s',
      wholeRate,
      baseline,
      TARGET,
    ),
  ];
}
