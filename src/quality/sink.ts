/**
 * The sink of one batch's checks: collects findings under the city's policy (severity per entity and
 * rule, `effectiveSeverity`), repairs records copy-on-write, and notes which records an `error`
 * finding rejects. A personal ID sent but refused at input is one finding, never also "missing" (see `add`).
 */
import { hintOf } from './hints.js';
import { PERSONAL_ID_FORMAT, PERSONAL_ID_LEGACY } from './rules/dung-identity.js';
import { refuses } from './sender-view.js';
import type { BatchContext, Finding, FindingSink, Rec, RuleInfo, Severity, Text } from './types.js';

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
    return copy;
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
      const hint = hintOf(rule, this.ctx.schoolYear, this.ctx.config.deadlines);
      t = severity === 'off' ? null : { severity, rule, hint };
      this.templates.set(rule, t);
    }
    return t;
  }

  /** True when the policy switched `rule` off for this batch's entity. */
  isOff(rule: RuleInfo): boolean {
    return this.template(rule) === null;
  }

  add(
    index: number,
    rule: RuleInfo,
    pointer: string,
    extra?: { value?: string; detail?: Text; elsewhere?: boolean },
  ): void {
    // A personal ID the sender sent but the input step or the mapping refused (and left out) is said once, by
    // that finding (at the wire's pointer in a vendor format). The record then holds no ID, so any later finding
    // at /personalId could only call it missing or still empty (DU_PERSONAL_ID_MISSING, DU_FIELD_MISSING,
    // SONG_MASTER_DATA_LATE): false, as the sender did send one (review31). Noted whatever the policy says of
    // the refusal. Nothing is allocated unless an ID is refused.
    if (rule === PERSONAL_ID_FORMAT || rule === PERSONAL_ID_LEGACY) this.personalIdRefused(index);
    else if (this.idRefused !== undefined && this.idRefused[index] === 1 && pointer === '/personalId') return;
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
      ...(extra?.elsewhere ? { elsewhere: true as const } : {}),
    };
    this.findings.push(finding);
    if (index >= 0 && refuses(t.severity, extra?.elsewhere === true, this.ctx)) this.rejected.add(index);
  }

  /**
   * Notes that record `index`'s personal ID was sent and refused (left out): later findings at /personalId are not
   * added for it (see `add`). A mapping's refusal from outside the catalogue (moet-pcgd's MAP_BAD_PERSONAL_ID,
   * `MappingFinding.refusesPersonalId`) is noted here by the judge (src/jobs/judge.ts `map`).
   */
  personalIdRefused(index: number): void {
    if (index >= 0) (this.idRefused ??= new Uint8Array(this.records.length))[index] = 1;
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
