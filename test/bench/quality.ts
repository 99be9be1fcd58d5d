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
 */
import 'zod/compile';
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

const CTX: BatchContext = {
  entity: 'students',
  today: '2025-10-15',
  schoolYear: '2025-2026',
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

function rate(run: () => number, records: number, minMs: number): number {
  let done = 0;
  let sink = 0;
  const started = performance.now();
  for (let pass = 0; pass < 10_000; pass++) {
    sink += run();
    done += records;
    if (performance.now() - started >= minMs) break;
  }
  if (sink < 0) throw new Error('unreachable');
  return done / ((performance.now() - started) / 1000);
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
  for (const fn of [bare, rules, whole]) rate(fn, total, 100);
  const rows: BenchRow[] = [];
  let baseline = rate(bare, total, minMs);
  rows.push(
    rateRow(
      `Quality rules in memory (record + batch), ${size}-record student batches vs bare zod parse`,
      'records/s',
      rate(rules, total, minMs),
      baseline,
      TARGET,
    ),
  );
  baseline = rate(bare, total, minMs);
  rows.push(
    rateRow(
      `Whole quality pass (input step + canonical schema + rules), ${size}-record batches vs bare zod parse`,
      'records/s',
      rate(whole, total, minMs),
      baseline,
      TARGET,
    ),
  );
  return rows;
}
