/**
 * The in-memory stages of a changed 1000-student vendor batch, in one process, no database (issue 7: what the API's
 * and the worker's CPU a changed batch is made of, without the end-to-end noise): per batch, the CPU (this process,
 * `process.cpuUsage`) of the API's scan of the body (src/api/json-scan.ts), the ingest's `JSON.parse` of the records
 * as stored, `map` (the canonical input step and schema), the record and batch checks (`prejudge`), the twin keys, the
 * store checks with every lookup answered empty at once (what they ask and do besides the store's answer:
 * ../../../src/quality/lookups.ts `fetchFacts`) and `plan` (each record's JSON bytes and fingerprint, every record
 * changed). Prints the medians of the batches after the first `warmup` as one JSON line. Run it in two trees back to
 * back (A B A B) to compare builds; the end-to-end share of each is in a `REPUSH_PROF` profile (./repush-cpu.ts).
 *
 *   npx tsx test/bench/lib/judge-stages.ts [batches=40] [warmup=8]
 */
import 'zod/compile';
import { scanJson } from '../../../src/api/json-scan.js';
import { inboundMapping } from '../../../src/jobs/inbound.js';
import { map, plan, type Checked, type Loaded } from '../../../src/jobs/judge.js';
import {
  checkStored,
  DEFAULT_QUALITY_CONFIG,
  INGEST_CHECKS,
  prejudge,
  twinKey,
  type QualityLookups,
} from '../../../src/quality/index.js';
import type { ExistingRow } from '../../../src/store/records.js';
import { batchBody } from './push.js';
import { changedStatusDate, studentBatches } from './students.js';

const empty = async () => new Map();
/** Every lookup, answered at once with nothing: the store checks ask and judge, the store is not timed. */
const LOOKUPS: QualityLookups = {
  schools: empty,
  classes: async () => new Set(),
  activeHolders: empty,
  scopeHolders: empty,
  authoritative: empty,
  lastSyncs: empty,
  currentYearCounts: empty,
  owners: empty,
  bornOn: empty,
  websiteProbes: empty,
};
const DEPS = {
  now: () => new Date('2026-10-15T03:00:00Z'),
  config: { quality: DEFAULT_QUALITY_CONFIG, guard: {} as never },
};
/** The API's input limits by default (src/config/service.ts: api.maxJsonDepth, api.maxNestedArrayItems). */
const SCAN_LIMITS = { maxDepth: 32, maxNestedArrayItems: 1000 };

const times = new Map<string, number[]>();

/** The CPU ms `fn` took (settled, when it returns a promise), kept under `stage`. */
async function timed<T>(stage: string, fn: () => T | Promise<T>): Promise<T> {
  const t0 = process.cpuUsage();
  const out = await fn();
  const t = process.cpuUsage(t0);
  times.set(stage, [...(times.get(stage) ?? []), (t.user + t.system) / 1000]);
  return out;
}

/** Each record changed against its stored copy: a stored row whose fingerprint no record has. */
function storedCopies(mapped: ReturnType<typeof map>): Map<string, ExistingRow> {
  const rows = new Map<string, ExistingRow>();
  for (const r of mapped.records) {
    if (r) rows.set(r.key, { key: r.key, scope: r.scope, fingerprint: '-', deleted: false, sourceFp: null });
  }
  return rows;
}

/** One changed batch through the stages (see the file's comment). */
async function judgeOne(body: Buffer, schoolCode: string): Promise<void> {
  const members = await timed('scan', () => scanJson(body, SCAN_LIMITS));
  const r = members?.find((m) => m.name === 'records');
  if (!r) throw new Error('judge-stages: the scan doubted a bench body');
  const text = body.toString('utf8', r.start, r.end);
  const records = await timed('parse', () => JSON.parse(text) as unknown[]);
  const loaded = {
    batch: { format: 'canonical', records, schoolCode },
    entity: 'students',
    mapping: inboundMapping('canonical', 'students'),
    trusted: false,
  } as unknown as Loaded;
  const mapped = await timed('map', () => map(loaded, DEPS));
  const pre = await timed('prejudge', () => prejudge(mapped.ctx, mapped.sink, INGEST_CHECKS));
  const twinKeys = await timed('twinKeys', () => pre.sink.records.map((x) => x && twinKey(x)));
  const result = await timed('storeChecks', () => checkStored(mapped.ctx, { ...pre, twinKeys }, LOOKUPS));
  const checked: Checked = {
    findings: result.findings,
    rejected: result.rejected,
    existing: storedCopies(mapped),
    records: mapped.records,
    twinKeys,
  };
  const p = await timed('plan', () => plan(checked));
  if (p.toWrite.length !== records.length) throw new Error(`judge-stages: ${p.toWrite.length} to write`);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 40);
  const warmup = Number(process.argv[3] ?? 8);
  const day = changedStatusDate();
  const batches = studentBatches(n, 1000);
  const bodies = batches.map((b) =>
    Buffer.from(batchBody({ ...b, records: b.records.map((x) => ({ ...x, statusDate: day })) })),
  );
  for (let i = 0; i < n; i++) await judgeOne(bodies[i]!, batches[i]!.schoolCode);
  const out: Record<string, number> = { batches: n - warmup };
  let total = 0;
  for (const [stage, xs] of times) {
    out[stage] = +median(xs.slice(warmup)).toFixed(3);
    total += out[stage];
  }
  console.log(JSON.stringify({ ...out, total: +total.toFixed(2) }));
}

await main();
