/**
 * The sink of one batch's checks: collects findings under the city's policy (severity per entity and
 * rule, `effectiveSeverity`), repairs records copy-on-write, and notes which records an `error`
 * finding rejects. A personal ID sent but refused at input is one finding, never also "missing" (see `add`).
 */
import { hintOf } from './hints.js';
import { PERSONAL_ID_FORMAT, PERSONAL_ID_LEGACY } from './rules/dung-identity.js';
import { refuses } from './sender-view.js';
import { tokenKey } from '../errors.js';
import type {
  BatchContext,
  Finding,
  FindingExtra,
  FindingSink,
  Rec,
  RuleInfo,
  Severity,
  Text,
} from './types.js';

/** A record the schema refused: its fields that can still be judged, and the names of those it refused. */
export interface Apart {
  readonly rec: Rec;
  readonly broken: ReadonlySet<string>;
}

/** True when `pointer` is at or under one of the `broken` fields (`/grade`, `/guardians/0`). */
function brokenAt(pointer: string, broken: ReadonlySet<string>): boolean {
  const end = pointer.indexOf('/', 1);
  return broken.has(tokenKey(end < 0 ? pointer.slice(1) : pointer.slice(1, end)));
}

/** `extra` of a view's record, its indexes of other records (`repeats`, `sameIdAs`) the sink's own. */
function atIndexes(extra: FindingExtra, indexes: readonly number[]): FindingExtra {
  if (extra.repeats === undefined && extra.sameIdAs === undefined) return extra;
  return {
    ...extra,
    ...(extra.repeats !== undefined ? { repeats: indexes[extra.repeats]! } : {}),
    ...(extra.sameIdAs !== undefined ? { sameIdAs: indexes[extra.sameIdAs]! } : {}),
  };
}

/** What makes two records' findings the same problem: rule, place, detail and value. */
const sameness = (f: Finding): string => `${f.rule}\n${f.pointer}\n${f.detail?.en ?? ''}\n${f.value ?? ''}`;

/** The detail of a record repeating record `first`'s key. */
const repeatsText = (first: number): Text => ({
  vi: `Cùng mã với bản ghi recordIndex ${first} của lô; phát hiện nào hai bản ghi cùng có chỉ nêu ở bản ghi đó.`,
  en: `Same key as the batch's record at recordIndex ${first}; a finding the two share is told there only.`,
});

/** The detail of a record holding the personal ID record `first` holds (never the ID itself). */
const sameIdText = (first: number): Text => ({
  vi: `Cùng số định danh với bản ghi recordIndex ${first} của lô.`,
  en: `Same personal ID as the batch's record at recordIndex ${first}.`,
});

interface Template {
  readonly severity: Severity;
  readonly rule: RuleInfo;
  /** The hint its findings give in the batch's school year. */
  readonly hint: Text;
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
  /** 1 at the indexes whose personal ID was sent but refused at input (malformed, a legacy CMND): see `add`. */
  private idRefused: Uint8Array | undefined;
  /** The records the schema refused, with what of them can still be judged (see `judgeApart`). */
  apart: Map<number, Apart> | undefined;
  /** A record repeating an earlier one's key → that one's index (see `FindingExtra.repeats`, `told`). */
  private repeated: Map<number, number> | undefined;
  /** While a refused record is judged apart, it and its broken fields: findings there are not added (see `add`). */
  private judging: { readonly index: number; readonly broken: ReadonlySet<string> } | undefined;

  constructor(
    readonly ctx: BatchContext,
    records: readonly (Rec | undefined)[],
  ) {
    this.records = [...records];
  }

  /**
   * A copy to go on judging with: its findings, rejections, records and settled text so far; what is added
   * to it, or repaired in it (copy-on-write again), leaves this sink as it is (a page judged ahead may be
   * judged by its store checks more than once: src/jobs/judge.ts `check`).
   */
  fork(): BatchSink {
    const copy = new BatchSink(this.ctx, this.records);
    // One push each: a spread of a batch's findings as one call's arguments overflows past ~125 k (review9).
    for (const finding of this.findings) copy.findings.push(finding);
    for (const index of this.rejected) copy.rejected.add(index);
    copy.patches = this.patches;
    copy.settled = this.settled?.slice();
    copy.idRefused = this.idRefused?.slice();
    copy.apart = this.apart;
    if (this.repeated !== undefined) copy.repeated = new Map(this.repeated);
    return copy;
  }

  /** A sink for checks that see only some records: index i there is `indexes[i]` here. */
  view(indexes: readonly number[]): FindingSink {
    return {
      add: (i, rule, pointer, extra) =>
        this.add(
          i < 0 ? i : indexes[i]!,
          rule,
          pointer,
          extra === undefined ? extra : atIndexes(extra, indexes),
        ),
      patch: (i, field, value) => this.patch(indexes[i]!, field, value),
      textSettled: (i) => this.textSettled(indexes[i]!),
    };
  }

  private template(rule: RuleInfo): Template | null {
    let t = this.templates.get(rule);
    if (t === undefined) {
      const severity = effectiveSeverity(rule, this.ctx);
      const hint = hintOf(rule, this.ctx.schoolYear, this.ctx.config.deadlines);
      t = severity === 'off' ? null : { severity, rule, hint };
      this.templates.set(rule, t);
    }
    return t;
  }

  /**
   * The findings to tell: each problem once (W9-9), a record repeating an earlier one's key not told again what that
   * one is told (same rule, place, detail and value); `findings` itself when no record repeats another.
   */
  told(): readonly Finding[] {
    const repeated = this.repeated;
    if (repeated === undefined) return this.findings;
    const firsts = new Set(repeated.values());
    const atFirst = new Set<string>();
    for (const f of this.findings) if (firsts.has(f.index)) atFirst.add(`${f.index}\n${sameness(f)}`);
    return this.findings.filter((f) => {
      const first = repeated.get(f.index);
      return first === undefined || !atFirst.has(`${first}\n${sameness(f)}`);
    });
  }

  /** True when the policy switched `rule` off for this batch's entity. */
  isOff(rule: RuleInfo): boolean {
    return this.template(rule) === null;
  }

  add(index: number, rule: RuleInfo, pointer: string, extra?: FindingExtra): void {
    // A personal ID the sender sent but the input step or the mapping refused (and left out) is said once, by
    // that finding (at the wire's pointer in a vendor format). The record then holds no ID, so any later finding
    // at /personalId could only call it missing or still empty (DU_PERSONAL_ID_MISSING, DU_FIELD_MISSING,
    // SONG_MASTER_DATA_LATE): false, as the sender did send one (review31). Noted whatever the policy says of
    // the refusal. Nothing is allocated unless an ID is refused.
    if (rule === PERSONAL_ID_FORMAT || rule === PERSONAL_ID_LEGACY) this.personalIdRefused(index);
    else if (this.idRefused !== undefined && this.idRefused[index] === 1 && pointer === '/personalId') return;
    // A rule judging a refused record apart says nothing at a field the schema refused (that finding says it).
    if (this.judging !== undefined && index === this.judging.index && brokenAt(pointer, this.judging.broken))
      return;
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
      hintVi: t.hint.vi,
      hintEn: t.hint.en,
      ...(rule.showsValue && extra?.value !== undefined ? { value: extra.value } : {}),
      ...(extra?.detail ? { detail: extra.detail } : {}),
      ...(extra?.repeats !== undefined ? { detail: repeatsText(extra.repeats) } : {}),
      ...(extra?.sameIdAs !== undefined ? { detail: sameIdText(extra.sameIdAs) } : {}),
      ...(extra?.elsewhere ? { elsewhere: true as const } : {}),
    };
    this.findings.push(finding);
    if (extra?.repeats !== undefined) (this.repeated ??= new Map()).set(index, extra.repeats);
    if (index >= 0 && refuses(t.severity, extra?.elsewhere === true, this.ctx)) this.rejected.add(index);
  }

  /**
   * A mapping's own finding (outside the catalogue: `MAP_…`), made already: told with the catalogue's, so a record
   * repeating an earlier one's key is not told it again (see `told`). An error refuses the record (the mapping left
   * none), whatever the policy says.
   */
  addMapped(finding: Finding): void {
    this.findings.push(finding);
    if (finding.severity === 'error' && finding.index >= 0) this.rejected.add(finding.index);
  }

  /**
   * Notes that record `index`'s personal ID was sent and refused (left out): later findings at /personalId are not
   * added for it (see `add`). A mapping's refusal from outside the catalogue (moet-pcgd's MAP_BAD_PERSONAL_ID,
   * `MappingFinding.refusesPersonalId`) is noted here by the judge (src/jobs/judge.ts `map`).
   */
  personalIdRefused(index: number): void {
    if (index >= 0) (this.idRefused ??= new Uint8Array(this.records.length))[index] = 1;
  }

  /**
   * Notes what of record `index`, which the schema refused, can still be judged (W10-2: a wrong type in one
   * field hid its invalid personal ID or a birth date in the future until it was fixed and pushed again): its
   * fields but the `broken` ones. The record checks run on it apart (../engine.ts); it stays refused.
   */
  judgeApart(index: number, rec: Rec, broken: ReadonlySet<string>): void {
    (this.apart ??= new Map()).set(index, { rec, broken });
  }

  /** Runs `judge` with findings at record `index`'s broken fields left out (see `judgeApart`). */
  whileJudgingApart(index: number, broken: ReadonlySet<string>, judge: () => void): void {
    this.judging = { index, broken };
    try {
      judge();
    } finally {
      this.judging = undefined;
    }
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
