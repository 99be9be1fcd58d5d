/**
 * The pure per-page work of a first sync, stage by stage, on real hcm-csdl student pages (issue 7; not
 * part of `npm test` nor of `npm run bench`): main-thread CPU a 1000-record page of each stage, the stages
 * alternated round by round in one process (forward, then backward), medians. Steadier under load than a
 * whole pull; a change to one stage is measured by running it before and after (or as a stage of its own).
 *
 *   STAGES_PAGES=10 STAGES_ROUNDS=20 npx tsx test/bench/lib/page-stages.ts [stage,…]
 *
 * Each stage's minor page faults a page are printed too (a fresh page costs ~15 µs on this VM: V8 maps a
 * string over 128 KB afresh). `pieces` is `utf8` and `parse` as the hcm-csdl client does them now.
 * zod's compiled fast path is loaded first, as `src/main.ts` loads it (the wire and canonical schemas are
 * compiled, as in production). STAGES_ALLOC=1 also prints each stage's allocation a page (MB, V8's heap
 * sampler over STAGES_ALLOC_ROUNDS rounds: a count, steady under load; Buffers' backing stores are not in it).
 */
// Before any schema is built (see src/main.ts).
import 'zod/compile';
import { loadavg } from 'node:os';
import { pageAsIs } from '../../../src/adapters/hcm-csdl/page-as-is.js';
import { ENTITY_SCHEMAS } from '../../../src/adapters/hcm-csdl/schema.js';
import { schoolYearOf, vietnamDateOf } from '../../../src/canonical/school-year.js';
import { parseJsonPage, parseWire } from '../../../src/adapters/wire.js';
import { inboundMapping } from '../../../src/jobs/inbound.js';
import { sourceFpOf } from '../../../src/jobs/source-fp.js';
import {
  BatchSink,
  DEFAULT_QUALITY_CONFIG,
  INGEST_CHECKS,
  prejudge,
  twinKey,
  type BatchContext,
  type Rec,
} from '../../../src/quality/index.js';
import { fingerprinted } from '../../../src/store/records.js';
import { schedCpu } from './cpu.js';
import { bytesOf, sampled } from './profiled.js';
import { simToken, startSimChild, studentPages } from './hcm-csdl-sim.js';

const wanted = Number(process.env.STAGES_PAGES ?? 10);
const rounds = Number(process.env.STAGES_ROUNDS ?? 20);

async function readPages(n: number): Promise<string[]> {
  const { sim, url } = await startSimChild({ seed: 'page-stages', schools: Math.ceil((n * 1000) / 680) + 1 });
  try {
    const token = await simToken(url);
    const texts: string[] = [];
    for await (const p of studentPages(url, token, n)) texts.push(p.text);
    return texts;
  } finally {
    await sim.stop();
  }
}

const texts = await readPages(wanted);
const bodies = texts.map((t) => Buffer.from(t));
const schema = ENTITY_SCHEMAS.students.page;
const pages = texts.map((t) => parseWire(schema, JSON.parse(t), 'hcm-csdl').data);
const takenAsIs = texts.filter((t) => pageAsIs(schema, JSON.parse(t)) !== undefined).length;
const mapping = inboundMapping('hcm-csdl', 'students');
const now = () => new Date();
const mapped = pages.map((p) => p.map((raw) => mapping.map(raw, { now })));

let sink = 0;
/** The quality engine's context of a pulled page (today, the current school year, the default settings). */
const ctx: BatchContext = {
  entity: 'students',
  today: vietnamDateOf(new Date()),
  schoolYear: schoolYearOf(vietnamDateOf(new Date())),
  schoolCode: undefined,
  config: DEFAULT_QUALITY_CONFIG,
};
/** Each stage's work on page `i`, as the pull does it (src/jobs/source-fp.ts, src/jobs/ingest-pulled.ts, ../../../src/store/records.ts). */
const STAGES: Record<string, (i: number) => void> = {
  /** The body's bytes to text (axios, responseType text). */
  utf8: (i) => void (sink += bodies[i]!.toString('utf8').length),
  parse: (i) => void (sink += (JSON.parse(texts[i]!) as { data: unknown[] }).data.length),
  /** `utf8` and `parse` as the hcm-csdl client does them now: the body's bytes parsed piece by piece (../../../src/adapters/wire.ts). */
  pieces: (i) => void (sink += (parseJsonPage(bodies[i]!, 'data') as { data: unknown[] }).data.length),
  /** `wire` less `parse` is zod's part. */
  wire: (i) => void (sink += parseWire(schema, JSON.parse(texts[i]!), 'hcm-csdl').data.length),
  /** `wire` as the hcm-csdl client does it now: a page the schema returns as it is, not copied (../../../src/adapters/hcm-csdl/page-as-is.ts). */
  asIs: (i) => {
    const body: unknown = JSON.parse(texts[i]!);
    sink += (pageAsIs(schema, body) ?? parseWire(schema, body, 'hcm-csdl')).data.length;
  },
  sourceFp: (i) => {
    for (const raw of pages[i]!) sink += sourceFpOf(mapping, raw).length;
  },
  /** `sourceFp`'s JSON text alone. */
  sourceJson: (i) => {
    for (const raw of pages[i]!) sink += JSON.stringify(raw).length;
  },
  map: (i) => {
    for (const raw of pages[i]!) sink += mapping.map(raw, { now }).ok ? 1 : 0;
  },
  fingerprint: (i) => {
    for (const m of mapped[i]!) if (m.ok) sink += fingerprinted(m.value.data).json.length;
  },
  /** The quality engine's record and batch checks of a page mapped ahead (src/jobs/ingest-pulled.ts judgeAhead). */
  prejudge: (i) => {
    const recs = mapped[i]!.flatMap((m) => (m.ok ? [m.value.data as Rec] : []));
    sink += prejudge(ctx, new BatchSink(ctx, recs), INGEST_CHECKS).keys.length;
  },
  /** The twin keys (worked out once a page judged ahead: the store checks' lookups reuse them). */
  twinKey: (i) => {
    for (const m of mapped[i]!) if (m.ok) sink += twinKey(m.value.data as Rec)?.length ?? 0;
  },
};

const chosen = (process.argv[2] ?? Object.keys(STAGES).join(',')).split(',');
const cpu = new Map<string, number[]>(chosen.map((s) => [s, []]));
const faults = new Map<string, number>(chosen.map((s) => [s, 0]));
for (let r = -2; r < rounds; r++) {
  for (const stage of r % 2 === 0 ? chosen : [...chosen].reverse()) {
    const [t0, f0] = [schedCpu(process.pid), process.resourceUsage().minorPageFault];
    for (let i = 0; i < pages.length; i++) STAGES[stage]!(i);
    if (r < 0) continue;
    cpu.get(stage)!.push(((schedCpu(process.pid) - t0) * 1000) / pages.length);
    faults.set(
      stage,
      faults.get(stage)! + (process.resourceUsage().minorPageFault - f0) / pages.length / rounds,
    );
  }
}
const allocRounds = Number(process.env.STAGES_ALLOC_ROUNDS ?? 5);
const allocated = new Map<string, number>();
if (process.env.STAGES_ALLOC === '1')
  for (const stage of chosen) {
    await sampled(
      { cpu: false, heap: true },
      async () => {
        for (let r = 0; r < allocRounds; r++) for (let i = 0; i < pages.length; i++) STAGES[stage]!(i);
      },
      ({ heap }) => allocated.set(stage, bytesOf(heap!.head) / allocRounds / pages.length / 1e6),
    );
  }
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
for (const [stage, ms] of cpu)
  console.log(
    `${stage.padEnd(12)} ${median(ms).toFixed(3).padStart(7)} ms a page ${faults
      .get(stage)!
      .toFixed(0)
      .padStart(4)} faults${
      allocated.has(stage) ? `  ${allocated.get(stage)!.toFixed(2).padStart(6)} MB` : ''
    }`,
  );
console.log(
  `${pages.length} pages (${takenAsIs} taken as they are), ${rounds} rounds, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (${sink})`,
);
