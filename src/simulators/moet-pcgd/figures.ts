/**
 * Simulator side of the figures endpoints: the body validation (400 coded errors) and the store of
 * received submissions keyed by (unit, year, Idempotency-Key). Modelled rules, see README.md.
 */
import { createHash } from 'node:crypto';
import {
  INDICATOR_AGE_GROUPS,
  INDICATOR_CODES,
  type FiguresBodyWire,
  type IndicatorCode,
  type ReceiptWire,
  type StoredFiguresWire,
  type UnitLevel,
} from '../../adapters/moet-pcgd/schema.js';
import { rateOf } from '../../canonical/pcgd-figures.js';

/** One field problem of a 400 answer. */
export interface FieldProblem {
  pointer: string;
  code: string;
  message: string;
}

const MESSAGES: Record<string, string> = {
  REQUIRED: 'Thiếu trường bắt buộc. / A required field is missing.',
  NOT_INTEGER: 'Phải là số nguyên không âm. / Must be a non-negative integer.',
  NOT_OBJECT: 'Phải là đối tượng JSON. / Must be a JSON object.',
  EMPTY: 'Danh sách chỉ tiêu trống. / The indicator list is empty.',
  TOO_MANY: 'Quá 100 chỉ tiêu. / More than 100 indicators.',
  UNKNOWN_FIELD: 'Trường không được hỗ trợ. / Field not supported.',
  UNKNOWN_INDICATOR: 'Mã chỉ tiêu không có trong danh mục. / Unknown indicator code.',
  INDICATOR_NOT_FOR_LEVEL: 'Chỉ tiêu chỉ dành cho cấp tỉnh. / Indicator is for provinces only.',
  BAD_AGE_GROUP: 'Độ tuổi không hợp lệ cho chỉ tiêu này. / Age group not valid for this indicator.',
  DUPLICATE_INDICATOR: 'Chỉ tiêu bị lặp. / Indicator repeated.',
  NUMERATOR_GT_DENOMINATOR: 'Tử số lớn hơn mẫu số. / Numerator greater than denominator.',
  RATE_MISMATCH: 'Tỷ lệ không khớp tử số/mẫu số. / Rate does not match numerator/denominator.',
};

const problem = (pointer: string, code: string): FieldProblem => ({
  pointer,
  code,
  message: MESSAGES[code] ?? code,
});

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const ROW_FIELDS = new Set(['indicator', 'ageGroup', 'numerator', 'denominator', 'rate']);

function checkIndicator(row: Record<string, unknown>, at: string, level: UnitLevel): FieldProblem[] {
  const code = row.indicator;
  if (typeof code !== 'string' || !(INDICATOR_CODES as readonly string[]).includes(code)) {
    return [problem(`${at}/indicator`, code === undefined ? 'REQUIRED' : 'UNKNOWN_INDICATOR')];
  }
  const allowed = INDICATOR_AGE_GROUPS[code as IndicatorCode];
  if (allowed === undefined) {
    if (level !== 'province') return [problem(`${at}/indicator`, 'INDICATOR_NOT_FOR_LEVEL')];
    return row.ageGroup === undefined ? [] : [problem(`${at}/ageGroup`, 'BAD_AGE_GROUP')];
  }
  return typeof row.ageGroup === 'string' && allowed.includes(row.ageGroup)
    ? []
    : [problem(`${at}/ageGroup`, row.ageGroup === undefined ? 'REQUIRED' : 'BAD_AGE_GROUP')];
}

function checkCounts(row: Record<string, unknown>, at: string): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const field of ['numerator', 'denominator'] as const) {
    if (!isCount(row[field]))
      out.push(problem(`${at}/${field}`, row[field] === undefined ? 'REQUIRED' : 'NOT_INTEGER'));
  }
  if (out.length > 0) return out;
  const n = row.numerator as number;
  const d = row.denominator as number;
  if (n > d) return [problem(`${at}/numerator`, 'NUMERATOR_GT_DENOMINATOR')];
  const expected = rateOf(n, d);
  const rate = row.rate;
  const matches =
    expected === null ? rate === null : typeof rate === 'number' && Math.abs(rate - expected) <= 0.01;
  return matches ? [] : [problem(`${at}/rate`, rate === undefined ? 'REQUIRED' : 'RATE_MISMATCH')];
}

function checkRow(row: unknown, at: string, level: UnitLevel): FieldProblem[] {
  if (!isRecord(row)) return [problem(at, 'NOT_OBJECT')];
  const extra = Object.keys(row).filter((k) => !ROW_FIELDS.has(k));
  return [
    ...extra.map((k) => problem(`${at}/${k}`, 'UNKNOWN_FIELD')),
    ...checkIndicator(row, at, level),
    ...checkCounts(row, at),
  ];
}

/** Validates a figures body for a unit level; an empty list means valid. */
export function validateFigures(body: unknown, level: UnitLevel): FieldProblem[] {
  if (!isRecord(body)) return [problem('', 'NOT_OBJECT')];
  if (!Array.isArray(body.indicators)) return [problem('/indicators', 'REQUIRED')];
  const rows: unknown[] = body.indicators;
  if (rows.length === 0) return [problem('/indicators', 'EMPTY')];
  if (rows.length > 100) return [problem('/indicators', 'TOO_MANY')];
  const out: FieldProblem[] = Object.keys(body)
    .filter((k) => k !== 'indicators')
    .map((k) => problem(`/${k}`, 'UNKNOWN_FIELD'));
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    const at = `/indicators/${i}`;
    out.push(...checkRow(row, at, level));
    if (!isRecord(row)) return;
    const key = JSON.stringify([row.indicator, row.ageGroup ?? null]);
    if (seen.has(key)) out.push(problem(`${at}/indicator`, 'DUPLICATE_INDICATOR'));
    seen.add(key);
  });
  return out;
}

/** Canonical JSON (sorted keys) of a value, for checksums. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `sha256:<hex>` of the canonical JSON of a body. */
export function checksumOf(body: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(body)).digest('hex')}`;
}

/** Outcome of {@link FiguresStore.submit}. */
export type SubmitOutcome =
  | { kind: 'created'; receipt: ReceiptWire }
  | { kind: 'replayed'; receipt: ReceiptWire }
  | { kind: 'key_reused' };

/** One received submission, as `GET /__sim/received` lists it. */
export interface ReceivedFigures {
  unitCode: string;
  year: number;
  idempotencyKey: string;
  body: FiguresBodyWire;
  receipt: ReceiptWire;
}

/** In-memory store of accepted figures: by (unit, year, key) for replays, latest by (unit, year). */
export class FiguresStore {
  private readonly byKey = new Map<string, ReceivedFigures>();
  private readonly latest = new Map<string, ReceivedFigures>();
  private seq = 0;

  /** Stores a valid body, or replays the receipt of an earlier identical submission with the same key. */
  submit(
    unitCode: string,
    year: number,
    idempotencyKey: string,
    body: FiguresBodyWire,
    now: Date,
  ): SubmitOutcome {
    const checksum = checksumOf(body);
    const key = `${unitCode}|${year}|${idempotencyKey}`;
    const earlier = this.byKey.get(key);
    if (earlier) {
      return earlier.receipt.checksum === checksum
        ? { kind: 'replayed', receipt: earlier.receipt }
        : { kind: 'key_reused' };
    }
    this.seq += 1;
    const receipt: ReceiptWire = {
      receiptId: `PCGD-${year}-${unitCode}-${String(this.seq).padStart(6, '0')}`,
      unitCode,
      year,
      receivedAt: now.toISOString(),
      checksum,
    };
    const entry: ReceivedFigures = { unitCode, year, idempotencyKey, body, receipt };
    this.byKey.set(key, entry);
    this.latest.set(`${unitCode}|${year}`, entry);
    return { kind: 'created', receipt };
  }

  /** The submission stored under (unit, year, key), if any. */
  lookup(unitCode: string, year: number, idempotencyKey: string): ReceivedFigures | undefined {
    return this.byKey.get(`${unitCode}|${year}|${idempotencyKey}`);
  }

  /** The latest accepted figures of a unit and year. */
  get(unitCode: string, year: number, level: UnitLevel): StoredFiguresWire | undefined {
    const entry = this.latest.get(`${unitCode}|${year}`);
    if (!entry) return undefined;
    return { unitCode, unitLevel: level, year, indicators: entry.body.indicators, receipt: entry.receipt };
  }

  /** Every accepted submission, in arrival order. */
  all(): ReceivedFigures[] {
    return [...this.byKey.values()];
  }
}
