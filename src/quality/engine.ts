/**
 * The quality engine: runs the catalogue's checks over one batch of canonical records in one pass —
 * record checks, batch checks (duplicates), then store checks fed by lookups the engine makes once
 * each per batch (a fixed number of queries whatever the batch size). Applies the city's policy
 * (severity per entity and rule), collects repairs (mojibake, name case) copy-on-write, and says
 * which records an `error` finding rejects. Pure apart from the lookups it is given.
 */
import type { EntityName } from '../canonical/entities.js';
import { ENTITY_SCHEMAS, naturalKey, scopeOf } from '../canonical/entities.js';
import { CHECKS } from './catalogue.js';
import { twinKey } from './rules/sach-duplicates.js';
import type {
  ActiveHolder,
  BatchCheck,
  Check,
  IdHolder,
  LastSync,
  LookupName,
  RecordCheck,
  SchoolFacts,
  StoreCheck,
  StoreFacts,
  StoredRecord,
  WebsiteProbe,
} from './rules/define.js';
import type { BatchContext, Finding, FindingSink, Rec, RuleInfo, Severity, Text } from './types.js';

/**
 * Store lookups the store-backed rules need, each answering for a whole batch in one query. A
 * lookup left out switches its rules off. The engine asks every lookup a batch needs at once (none
 * waits for another's answer), so a store may answer them together in one statement.
 */
export interface QualityLookups {
  /** Facts (level) of these schools. */
  schools?(codes: readonly string[]): Promise<ReadonlyMap<string, SchoolFacts>>;
  /** The known classes of these (school, school year) pairs, as `school/year/class`. */
  classes?(
    pairs: readonly (readonly [schoolCode: string, schoolYear: string])[],
  ): Promise<ReadonlySet<string>>;
  /**
   * Active records (any school) holding these personal IDs. `askers` are the batch's records holding
   * them: a lookup may leave out a holder that is, for every asker of its personal ID, the asker itself
   * (same key) or at the asker's school: the two-schools rule cannot match it.
   */
  activeHolders?(
    entity: EntityName,
    personalIds: readonly string[],
    askers: readonly Asker[],
  ): Promise<ReadonlyMap<string, readonly ActiveHolder[]>>;
  /**
   * Live records of these schools (a person: communes) holding these personal IDs, whatever their
   * status; a lookup may also return holders of other scopes (the check compares scopes), and may
   * leave out the records `keys` names (the batch's own: the rule judges those as the batch has them).
   */
  scopeHolders?(
    entity: EntityName,
    scopes: readonly string[],
    personalIds: readonly string[],
    keys: readonly string[],
  ): Promise<ReadonlyMap<string, readonly IdHolder[]>>;
  /** The authoritative (city database) copies of these records, by natural key. */
  authoritative?(entity: EntityName, keys: readonly string[]): Promise<ReadonlyMap<string, Rec>>;
  /** The last successful sync of these schools, per system. */
  lastSyncs?(schoolCodes: readonly string[]): Promise<ReadonlyMap<string, readonly LastSync[]>>;
  /** How many records of `entity` these schools hold in `schoolYear`. */
  currentYearCounts?(
    entity: EntityName,
    schoolCodes: readonly string[],
    schoolYear: string,
  ): Promise<ReadonlyMap<string, number>>;
  /** The school (a person: the commune) holding each of these keys in the store, where one does. */
  owners?(entity: EntityName, keys: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /**
   * Stored records of `entity` born on these dates, by date. A lookup may leave out the records
   * whose twin key (`twinKey`, ./rules/sach-duplicates.ts) is not among `twinKeys`, and a record whose
   * key is that of every asker of its twin key (`twins`: the batch's records, twin key and key): the
   * duplicate rule cannot match them.
   */
  bornOn?(
    entity: EntityName,
    dates: readonly string[],
    twinKeys: readonly string[],
    twins: readonly { twinKey: string; key: string }[],
  ): Promise<ReadonlyMap<string, readonly StoredRecord[]>>;
  /** The last probe of these schools' websites, by school code. */
  websiteProbes?(schoolCodes: readonly string[]): Promise<ReadonlyMap<string, WebsiteProbe>>;
}

/** A record of the batch asking who else holds its personal ID. */
export interface Asker {
  readonly personalId: string;
  readonly key: string;
  readonly schoolCode: string | undefined;
}

/** What the engine returns for a batch. */
export interface QualityResult {
  /** The records with repairs applied (the input object itself when nothing was repaired); undefined for a record refused before the schema. */
  readonly records: readonly (Rec | undefined)[];
  /** Every finding, records in order, then the batch's own (index −1). */
  readonly findings: readonly Finding[];
  /** Indexes of the records an `error` finding rejects. */
  readonly rejected: ReadonlySet<number>;
  /** Store lookups made (at most one per lookup, whatever the batch size). */
  readonly lookups: number;
}

interface Template {
  readonly severity: Severity;
  readonly rule: RuleInfo;
}

/** The severity `rule` has for `entity` under the policy, or 'off'. Tenancy is access control: no policy changes it. */
export function effectiveSeverity(rule: RuleInfo, ctx: BatchContext): Severity | 'off' {
  if (rule.criterion === 'tenancy') return rule.severity;
  const policy = ctx.config.policy;
  return policy[ctx.entity]?.[rule.code] ?? policy['*']?.[rule.code] ?? rule.severity;
}

/** Collects findings and repairs of one batch. */
export class BatchSink implements FindingSink {
  readonly findings: Finding[] = [];
  readonly rejected = new Set<number>();
  /** The batch's records; undefined where one was refused before the schema. */
  readonly records: (Rec | undefined)[];
  private readonly copied = new Set<number>();
  private readonly templates = new Map<RuleInfo, Template | null>();
  /** Bumped by every repair (`patch`): a view of a record (see `viewerOf`) older than it may be stale. */
  patches = 0;
  /** 1 at the indexes whose text the input step found settled (see `FindingSink.textSettled`). */
  private settled: Uint8Array | undefined;

  constructor(
    readonly ctx: BatchContext,
    records: readonly (Rec | undefined)[],
  ) {
    this.records = [...records];
  }

  /** A sink for checks that see only some records: index i there is `indexes[i]` here. */
  view(indexes: readonly number[]): FindingSink {
    return {
      add: (i, rule, pointer, extra) => this.add(i < 0 ? i : indexes[i]!, rule, pointer, extra),
      patch: (i, field, value) => this.patch(indexes[i]!, field, value),
      textSettled: (i) => this.textSettled(indexes[i]!),
    };
  }

  private template(rule: RuleInfo): Template | null {
    let t = this.templates.get(rule);
    if (t === undefined) {
      const severity = effectiveSeverity(rule, this.ctx);
      t = severity === 'off' ? null : { severity, rule };
      this.templates.set(rule, t);
    }
    return t;
  }

  /** True when the policy switched `rule` off for this batch's entity. */
  isOff(rule: RuleInfo): boolean {
    return this.template(rule) === null;
  }

  add(index: number, rule: RuleInfo, pointer: string, extra?: { value?: string; detail?: Text }): void {
    const t = this.template(rule);
    if (t === null) return;
    const finding: Finding = {
      index,
      rule: rule.code,
      criterion: rule.criterion,
      severity: t.severity,
      pointer,
      vi: rule.message.vi,
      en: rule.message.en,
      hintVi: rule.hint.vi,
      hintEn: rule.hint.en,
      ...(rule.showsValue && extra?.value !== undefined ? { value: extra.value } : {}),
      ...(extra?.detail ? { detail: extra.detail } : {}),
    };
    this.findings.push(finding);
    if (t.severity === 'error' && index >= 0) this.rejected.add(index);
  }

  /** Notes that the input step found record `index`'s text settled. */
  settleText(index: number): void {
    (this.settled ??= new Uint8Array(this.records.length))[index] = 1;
  }

  textSettled(index: number): boolean {
    return this.settled !== undefined && this.settled[index] === 1;
  }

  patch(index: number, field: string, value: unknown): void {
    const rec = this.records[index];
    if (rec === undefined) return;
    this.patches++;
    if (this.copied.has(index)) (rec as Record<string, unknown>)[field] = value;
    else {
      this.records[index] = { ...rec, [field]: value };
      this.copied.add(index);
    }
  }
}

interface Plan {
  readonly record: readonly RecordCheck[];
  readonly batch: readonly BatchCheck[];
  readonly store: readonly StoreCheck[];
}

const plans = new Map<string, Plan>();

function planFor(entity: EntityName, checks: readonly Check[]): Plan {
  const cached = checks === CHECKS ? plans.get(entity) : undefined;
  if (cached) return cached;
  const mine = checks.filter((c) => c.entities.includes(entity));
  const plan: Plan = {
    record: mine.filter((c): c is RecordCheck => c.scope === 'record'),
    batch: mine.filter((c): c is BatchCheck => c.scope === 'batch'),
    store: mine.filter((c): c is StoreCheck => c.scope === 'store'),
  };
  if (checks === CHECKS) plans.set(entity, plan);
  return plan;
}

function live<C extends Check>(checks: readonly C[], sink: BatchSink): C[] {
  return checks.filter((c) => c.rules.some((r) => !sink.isOff(r)));
}

/** Natural keys of canonical records ('' for a missing record or one that lacks its key fields). */
export function keysOf(entity: EntityName, records: readonly (Rec | undefined)[]): string[] {
  return records.map((r) => {
    if (r === undefined) return '';
    try {
      return naturalKey(entity, r as never);
    } catch {
      return '';
    }
  });
}

/** The records of the sink that are present, with their indexes and keys. */
interface Present {
  readonly indexes: readonly number[];
  readonly records: readonly Rec[];
  readonly keys: readonly string[];
}

function presentOf(sink: BatchSink, keys: readonly string[]): Present {
  const indexes: number[] = [];
  const records: Rec[] = [];
  const presentKeys: string[] = [];
  sink.records.forEach((r, i) => {
    if (r === undefined) return;
    indexes.push(i);
    records.push(r);
    presentKeys.push(keys[i] ?? '');
  });
  return { indexes, records, keys: presentKeys };
}

type RecordLoop = (
  records: readonly (Rec | undefined)[],
  ctx: BatchContext,
  sink: BatchSink,
  view: Viewer,
  views: (Rec | undefined)[],
) => void;

/** Copies a record's fields into an object of one fixed shape (see `viewerOf`). */
type Viewer = (rec: Rec) => Rec;

const viewers = new Map<EntityName, Viewer>();
const FIELD = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * The viewer of an entity: a function copying the fields of its schema into one object literal, the
 * same fields in the same order whatever the record holds (an absent field reads undefined, as it
 * does on the record). Records reach the checks in many shapes (each set of optional fields present,
 * JSON-parsed or built, from each source's mapping); a check's property reads that see more than four
 * shapes turn megamorphic and cost several times a monomorphic read, so every check reads a view of one
 * shape instead, built once per record by reading each field once. Only the schema's fields are in
 * the view: the checks judge canonical records, which hold no other (the strict schemas refuse them).
 */
function viewerOf(entity: EntityName): Viewer {
  let viewer = viewers.get(entity);
  if (viewer === undefined) {
    const keys = Object.keys(ENTITY_SCHEMAS[entity].shape);
    if (keys.length > 64 || !keys.every((k) => FIELD.test(k))) viewer = (rec) => rec;
    else {
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiled from the schema's own field names (identifiers, checked above)
      viewer = new Function('r', `return { ${keys.map((k) => `${k}: r.${k}`).join(', ')} };`) as Viewer;
    }
    viewers.set(entity, viewer);
  }
  return viewer;
}

/** The compiled loops, by the ids of the checks they run (`loopOf`). */
const loops = new Map<string, RecordLoop>();
const checkIds = new WeakMap<RecordCheck, number>();
let nextCheckId = 0;

function idOf(check: RecordCheck): number {
  let id = checkIds.get(check);
  if (id === undefined) {
    id = nextCheckId++;
    checkIds.set(check, id);
  }
  return id;
}

/**
 * One loop running `checks` in order over every present record: a record's checks run one after the
 * other on its view (`viewerOf`). The loop is compiled for its checks (`new Function`, as zod
 * compiles its parsers), each called from its own site, so every call sees one target and can be
 * inlined; one generic loop would dispatch each call through a megamorphic site. A check's repair
 * (`patch`) replaces or changes the record in `records`, so the view is built again for the next
 * check. The last view of each record is left in `views` for the batch checks.
 */
function loopOf(checks: readonly RecordCheck[]): RecordLoop {
  const key = checks.map(idOf).join(',');
  let loop = loops.get(key);
  if (loop === undefined) {
    const calls = checks
      .map(
        (_, k) =>
          `    c${k}.check(v, i, ctx, sink);\n    if (sink.patches !== p) { p = sink.patches; v = view(records[i]); }`,
      )
      .join('\n');
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- constant source, no input in it
    const make = new Function(
      ...checks.map((_, k) => `c${k}`),
      `return function loop(records, ctx, sink, view, views) {
  const n = records.length;
  let p = sink.patches;
  for (let i = 0; i < n; i++) {
    const r = records[i];
    if (r === undefined) continue;
    let v = view(r);
${calls}
    views[i] = v;
  }
};`,
    ) as (...c: RecordCheck[]) => RecordLoop;
    loop = make(...checks);
    loops.set(key, loop);
  }
  return loop;
}

/** Runs the record and batch checks; the sink then holds their findings and repairs. */
export function runInMemory(
  ctx: BatchContext,
  sink: BatchSink,
  keys: readonly string[],
  checks: readonly Check[] = CHECKS,
): void {
  const plan = planFor(ctx.entity, checks);
  // Record by record, each through every live check (see `loopOf`).
  const recordChecks = live(plan.record, sink);
  const viewer = viewerOf(ctx.entity);
  const views = new Array<Rec | undefined>(sink.records.length);
  const batchChecks = live(plan.batch, sink);
  if (recordChecks.length > 0) loopOf(recordChecks)(sink.records, ctx, sink, viewer, views);
  else if (batchChecks.length > 0) sink.records.forEach((r, i) => (views[i] = r && viewer(r)));
  if (batchChecks.length === 0) return;
  if (!sink.records.includes(undefined)) {
    // Every record present: the batch checks see the records' views and the sink's own indexes.
    for (const c of batchChecks) c.check(views as readonly Rec[], keys, ctx, sink);
    return;
  }
  const present = presentOf(sink, keys);
  const presentViews = present.indexes.map((i) => views[i]!);
  const view = sink.view(present.indexes);
  for (const c of batchChecks) c.check(presentViews, present.keys, ctx, view);
}

const distinct = (values: Iterable<string | undefined>): string[] =>
  [...new Set(values)].filter((v): v is string => v !== undefined && v !== '');

/** The distinct (school, school year) pairs of the records that name a class. */
function classPairs(records: readonly Rec[]): (readonly [string, string])[] {
  const pairs = new Map<string, readonly [string, string]>();
  for (const r of records) {
    if (typeof r['classCode'] !== 'string') continue;
    const pair = [String(r['schoolCode']), String(r['schoolYear'])] as const;
    pairs.set(pair.join('/'), pair);
  }
  return [...pairs.values()];
}

/** The records holding a personal ID, as askers of who else holds it. */
function idAskers(records: readonly Rec[], keys: readonly string[]): Asker[] {
  return records.flatMap((r, i): Asker[] =>
    typeof r['personalId'] === 'string' && r['personalId'] !== ''
      ? [
          {
            personalId: r['personalId'],
            key: keys[i] ?? '',
            schoolCode: typeof r['schoolCode'] === 'string' ? r['schoolCode'] : undefined,
          },
        ]
      : [],
  );
}

/** The records with a twin key (birth date and name key), as askers of their stored twins. */
function twinAskers(records: readonly Rec[], keys: readonly string[]): { twinKey: string; key: string }[] {
  return records.flatMap((r, i) => {
    const twin = twinKey(r);
    return twin === undefined ? [] : [{ twinKey: twin, key: keys[i] ?? '' }];
  });
}

/**
 * Fetches what the live store checks need, one lookup call each, all asked at once (nothing awaited
 * between them), so a store can answer them together in one statement (src/jobs/judge.ts does).
 */
async function fetchFacts(
  ctx: BatchContext,
  records: readonly Rec[],
  keys: readonly string[],
  needs: ReadonlySet<LookupName>,
  lookups: QualityLookups,
): Promise<{ facts: StoreFacts; calls: number }> {
  const facts: { -readonly [K in keyof StoreFacts]: StoreFacts[K] } = {};
  const asked: Promise<void>[] = [];
  const ask = <K extends LookupName>(name: K, answer: Promise<StoreFacts[K]>): void => {
    asked.push(answer.then((value) => void (facts[name] = value)));
  };
  const field = (f: string) => records.map((r) => (typeof r[f] === 'string' ? r[f] : undefined));
  const schools = distinct(field('schoolCode'));
  const ownSchools = ctx.schoolCode === undefined ? [] : [ctx.schoolCode];
  if (needs.has('schools') && lookups.schools && schools.length > 0) {
    ask('schools', lookups.schools(schools));
  }
  if (needs.has('classes') && lookups.classes) {
    const pairs = classPairs(records);
    if (pairs.length > 0) ask('classes', lookups.classes(pairs));
  }
  const ids = distinct(field('personalId'));
  if (needs.has('activeHolders') && lookups.activeHolders && ids.length > 0) {
    ask('activeHolders', lookups.activeHolders(ctx.entity, ids, idAskers(records, keys)));
  }
  if (needs.has('scopeHolders') && lookups.scopeHolders && ids.length > 0) {
    const scopes = distinct(records.map((r) => scopeOf(ctx.entity, r)));
    ask('scopeHolders', lookups.scopeHolders(ctx.entity, scopes, ids, distinct(keys)));
  }
  if (needs.has('authoritative') && lookups.authoritative && keys.length > 0) {
    ask('authoritative', lookups.authoritative(ctx.entity, distinct(keys)));
  }
  if (needs.has('lastSyncs') && lookups.lastSyncs && ownSchools.length > 0) {
    ask('lastSyncs', lookups.lastSyncs(ownSchools));
  }
  if (needs.has('currentYearCounts') && lookups.currentYearCounts && ownSchools.length > 0) {
    ask('currentYearCounts', lookups.currentYearCounts(ctx.entity, ownSchools, ctx.schoolYear));
  }
  const dates = distinct(field('birthDate'));
  if (needs.has('bornOn') && lookups.bornOn && dates.length > 0) {
    const twins = twinAskers(records, keys);
    ask('bornOn', lookups.bornOn(ctx.entity, dates, distinct(twins.map((t) => t.twinKey)), twins));
  }
  if (needs.has('websiteProbes') && lookups.websiteProbes && schools.length > 0) {
    ask('websiteProbes', lookups.websiteProbes(schools));
  }
  if (needs.has('owners') && lookups.owners && keys.length > 0) {
    ask('owners', lookups.owners(ctx.entity, distinct(keys)));
  }
  await Promise.all(asked);
  return { facts, calls: asked.length };
}

function resultOf(sink: BatchSink, lookups: number): QualityResult {
  const findings = [...sink.findings].sort((a, b) =>
    a.index < 0 ? 1 : b.index < 0 ? -1 : a.index - b.index,
  );
  return { records: sink.records, findings, rejected: sink.rejected, lookups };
}

/**
 * Checks a batch of canonical records in memory (record and batch checks, no store): what the
 * ingest runs when it has no store, and what the benchmark measures. `sink` may hold findings of an
 * input step already (see `checkCanonicalInput`).
 */
export function checkInMemory(
  ctx: BatchContext,
  records: readonly (Rec | undefined)[],
  sink = new BatchSink(ctx, records),
): QualityResult {
  runInMemory(ctx, sink, keysOf(ctx.entity, sink.records));
  return resultOf(sink, 0);
}

/**
 * Checks a batch of canonical records with every rule: record and batch checks, then the store
 * checks with one call per lookup they need. Records an earlier check rejected are still looked at
 * (their findings are useful), but they stay rejected.
 */
export async function checkBatch(
  ctx: BatchContext,
  records: readonly (Rec | undefined)[],
  lookups: QualityLookups = {},
  sink = new BatchSink(ctx, records),
  checks: readonly Check[] = CHECKS,
): Promise<QualityResult> {
  const keys = keysOf(ctx.entity, sink.records);
  runInMemory(ctx, sink, keys, checks);
  const store = live(planFor(ctx.entity, checks).store, sink);
  if (store.length === 0) return resultOf(sink, 0);
  const needs = new Set(store.flatMap((c) => c.needs));
  const present = presentOf(sink, keys);
  const { facts, calls } = await fetchFacts(ctx, present.records, present.keys, needs, lookups);
  const view = sink.view(present.indexes);
  for (const c of store) c.check(present.records, present.keys, ctx, facts, view);
  return resultOf(sink, calls);
}
