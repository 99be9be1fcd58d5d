/**
 * `truc holds list | show <id> | approve <id> [--except <codes>] | reject <id> [--reason …]`: the mass-change guard's
 * holds, as a
 * city admin reads and decides them at /v1/guard/holds, through the same store reads and the same decision
 * (jobs/contracts.ts `decideHold`, audited with the actor `operator:cli:<name>`, kit.ts `operatorActor`). A hold shows counts and record
 * codes (student, staff, class or school codes), never personal data.
 */
import { countEn, ENTITY_NAMES, entityNounEn, loadConfig, type EntityName } from '../../config.js';
import type { GuardHold, GuardHoldSummary, HoldStatus, SchoolDiff } from '../../store/guard-holds.js';
import type { NotApplied } from '../../store/run-except.js';
import {
  asOption,
  badValue,
  both,
  choice,
  defineCommand,
  int,
  operatorActor,
  positiveId,
  runs,
  UsageError,
  vnTime,
} from '../kit.js';
import {
  decidedListLine,
  deciderText,
  DECISIONS,
  HOLD_KIND_VI,
  HOLD_STATUS_VI,
  holdWords,
  noHold,
  reasonLine,
  whereOf,
} from './hold-words.js';
import { ENTITY_VI, viOf } from './words.js';

const STATUSES: readonly HoldStatus[] = ['held', 'approved', 'rejected', 'superseded'];

/** Codes shown per kind of change and school in `holds show` (all of them with --json). */
const KEYS_SHOWN = 20;

/** What the hold held: a run's page or its reconciliation (with the run), or a vendor's batch. */
export function subject(h: Pick<GuardHold, 'kind' | 'syncRunId' | 'batchId'>): { vi: string; en: string } {
  // The batch named once (fix30b: `batch, batch 42`, the kind and then the batch, as a run's page names its run)
  if (h.kind === 'batch') return { vi: `lô ${h.batchId ?? ''}`, en: `batch ${h.batchId ?? ''}` };
  return {
    vi: `${HOLD_KIND_VI[h.kind]}, lượt đồng bộ ${h.syncRunId ?? ''}`,
    en: `${h.kind}, sync run ${h.syncRunId ?? ''}`,
  };
}

/** A hold's head: `lệnh giữ 3 (…) đang giữ chờ duyệt, tạo …: <totals>` (`holds list`, `holds show`). */
export function headLine(h: GuardHoldSummary): string {
  const s = subject(h);
  const t = totalsText(h);
  return both(
    `lệnh giữ ${h.id} (${s.vi}) ${HOLD_STATUS_VI[h.status]}, tạo ${vnTime(h.createdAt)}: ${t.vi}`,
    `hold ${h.id} (${s.en}) ${h.status}, created ${vnTime(h.createdAt)}: ${t.en}`,
  );
}

/** Totals in words: `3 trường, 100 còn hiệu lực, 40 xoá, …`; a schools hold counts the city's schools as one. */
function totalsText(h: GuardHoldSummary): { vi: string; en: string } {
  const t = h.totals;
  const schools =
    h.entity === 'schools'
      ? { vi: '', en: '' }
      : { vi: `${h.schools} trường, `, en: `${countEn(h.schools, 'school')}, ` };
  return {
    vi: `${schools.vi}${t.live} ${viOf(ENTITY_VI, h.entity)} còn hiệu lực, ${t.deleted} xoá, ${t.moved} chuyển đi, ${t.changed} thay đổi`,
    en: `${schools.en}${t.live} live ${entityNounEn(t.live, h.entity)}, ${t.deleted} deleted, ${t.moved} moved, ${t.changed} changed`,
  };
}

/** Totals of a full hold, as a list computes them in the database (guard-holds.ts SUMMARY). */
function summaryOf(h: GuardHold): GuardHoldSummary {
  const sum = (f: (d: SchoolDiff) => number) => h.diff.reduce((n, d) => n + f(d), 0);
  const { diff: _diff, ...rest } = h;
  return {
    ...rest,
    schools: h.diff.length,
    totals: {
      live: sum((d) => d.live),
      deleted: sum((d) => d.deleted),
      moved: sum((d) => d.moved),
      changed: sum((d) => d.changed),
    },
  };
}

/**
 * `mã xoá: A, B, … và 12 mã nữa / deleted: A, B, … and 12 more`, or nothing for no codes. `total` is the kind's count:
 * a weighed hold keeps only some codes of a school (`keysTruncated`, guard.weighedKeys), so `--json` then holds
 * those, not all.
 */
function keysLine(
  kind: 'deleted' | 'moved' | 'changed',
  keys: readonly string[],
  total: number,
  truncated: boolean,
): string[] {
  if (keys.length === 0) return [];
  const vi = { deleted: 'mã bị xoá', moved: 'mã chuyển đi', changed: 'mã thay đổi' }[kind];
  const shown = keys.slice(0, KEYS_SHOWN);
  const more = (truncated ? Math.max(total, keys.length) : keys.length) - shown.length;
  const where = truncated
    ? { vi: `--json: ${keys.length} mã lệnh giữ lưu`, en: `--json: the ${keys.length} the hold keeps` }
    : { vi: '--json: tất cả', en: '--json: all' };
  return [
    `    ${both(
      `${vi}: ${shown.join(', ')}${more > 0 ? ` và ${more} mã nữa (${where.vi})` : ''}`,
      `${kind}: ${shown.join(', ')}${more > 0 ? ` and ${more} more (${where.en})` : ''}`,
    )}`,
  ];
}

/** The schools an approval left out, and what the run did not apply of each. */
function exceptLines(h: GuardHold, notApplied: readonly NotApplied[]): string[] {
  if (h.exceptSchools.length === 0) return [];
  return [
    `  ${both(
      `duyệt trừ các trường (chưa áp dụng lần này, hỏi lại ở lần kéo sau): ${h.exceptSchools.join(', ')}`,
      `approved except these schools (not applied this run, asked again by the next run): ${h.exceptSchools.join(', ')}`,
    )}`,
    ...notApplied.map(
      (n) =>
        `  ${both(
          `trường ${n.school}: ${n.records} bản ghi không áp dụng, ${n.deletions} bản ghi đối soát không xoá`,
          `school ${n.school}: ${countEn(n.records, 'record')} not applied, ${countEn(n.deletions, 'reconciliation deletion')} left`,
        )}`,
    ),
  ];
}

/** What a held change's decisions do, as commands. */
function decideLines(h: GuardHold): string[] {
  if (h.status !== 'held') return [];
  const [approve, reject] = DECISIONS[h.kind];
  return [
    `  ${both(`duyệt: truc holds approve ${h.id} (${approve[0]})`, `approve: truc holds approve ${h.id} (${approve[1]})`)}`,
    ...(h.kind === 'batch'
      ? []
      : [
          `  ${both(
            `duyệt trừ vài trường: truc holds approve ${h.id} --except <mã,…> (chưa áp dụng lần này, hỏi lại ở lần kéo sau)`,
            `approve except schools: truc holds approve ${h.id} --except <code,…> (not applied this run, asked again by the next run)`,
          )}`,
        ]),
    `  ${both(`từ chối: truc holds reject ${h.id} (${reject[0]})`, `reject: truc holds reject ${h.id} (${reject[1]})`)}`,
  ];
}

const WEIGHING_WORDS: Record<NonNullable<GuardHold['weighing']>['state'], [string, string]> = {
  weighing: ['đang cân nhắc', 'under way'],
  interrupted: [
    'bị gián đoạn (worker dừng giữa chừng; sẽ cân nhắc tiếp khi một worker nhận lại): lệnh giữ chỉ có các trang đã cân nhắc',
    'interrupted (its worker stopped; it resumes once a worker takes it up): the hold shows only the pages weighed',
  ],
  whole: ['đủ: đã cân nhắc tới hết lần kéo', "whole: weighed to the run's end"],
  partial: ['chưa đủ: dừng trước khi hết lần kéo', "partial: stopped before the run's end"],
};

/** Why a weighing stopped early, in both languages (fix34e). */
const stoppedWords = (by: string | null): [string, string] =>
  by === null
    ? ['', '']
    : by === 'time-cap'
      ? [', vì quá guard.weighing.maxSeconds', ', at guard.weighing.maxSeconds']
      : by === 'decided'
        ? [', vì lệnh giữ đã được quyết định', ', as the hold was decided']
        : [`, vì lỗi ${by}`, `, on ${by}`];

/** How far a held run's weighing got (fix34e: whole, partial and why, interrupted), or none. */
function weighingLine(h: GuardHold): string | undefined {
  const w = h.weighing;
  if (!w) return undefined;
  const [vi, en] = WEIGHING_WORDS[w.state];
  const [whyVi, whyEn] = stoppedWords(w.stoppedBy);
  const span = `${w.heldPage + 1}–${w.throughPage + 1}`;
  return `  ${both(
    `cân nhắc các trang tiếp theo: ${vi}${whyVi}; ${w.pages} trang sau trang bị giữ (trang ${span})`,
    `weighing of the run's next pages: ${en}${whyEn}; ${w.pages} pages after the held page (pages ${span})`,
  )}`;
}

/** `holds show`'s lines: the hold, its decision, the thresholds it went over, each school's counts and codes. */
export function showLines(h: GuardHold, notApplied: readonly NotApplied[] = []): string[] {
  const lines = [headLine(summaryOf(h))];
  // A held run's next pages being weighed (review32 F3, jobs/run-weigh.ts): the hold is not whole yet.
  if (h.status === 'held' && h.weighingUntil)
    lines.push(
      `  ${both(
        `đang cân nhắc các trang tiếp theo của lần kéo, lệnh giữ chưa đủ: chưa quyết định được trước ${vnTime(h.weighingUntil)}`,
        `the run's next pages are being weighed, the hold is not whole yet: it cannot be decided before ${vnTime(h.weighingUntil)}`,
      )}`,
    );
  const weighed = weighingLine(h);
  if (weighed) lines.push(weighed);
  if (h.decidedAt)
    lines.push(
      `  ${both(
        `quyết định: ${HOLD_STATUS_VI[h.status]} bởi ${deciderText(h)} lúc ${vnTime(h.decidedAt)}${h.decisionReason ? `, lý do: ${h.decisionReason}` : ''}`,
        `decided: ${h.status} by ${deciderText(h)} at ${vnTime(h.decidedAt)}${h.decisionReason ? `, reason: ${h.decisionReason}` : ''}`,
      )}`,
    );
  if (h.appliedAt)
    lines.push(
      `  ${both(
        `đã áp dụng lúc ${vnTime(h.appliedAt)}: xoá ${h.applied ?? 0} bản ghi`,
        `applied at ${vnTime(h.appliedAt)}: ${countEn(h.applied ?? 0, 'record')} deleted`,
      )}`,
    );
  for (const r of h.reasons) lines.push(`  ${reasonLine(r)}`);
  for (const d of h.diff) {
    const w = whereOf(d);
    lines.push(
      `  ${both(
        `${w.vi}: ${d.live} còn hiệu lực, ${d.deleted} xoá${d.reconciled === undefined ? '' : ` (${d.reconciled} do đối soát)`}, ${d.moved} chuyển đi, ${d.changed} thay đổi`,
        `${w.en}: ${d.live} live, ${d.deleted} deleted${d.reconciled === undefined ? '' : ` (${d.reconciled} by the reconciliation)`}, ${d.moved} moved, ${d.changed} changed`,
      )}`,
      ...keysLine('deleted', d.keys.deleted, d.deleted, d.keysTruncated === true),
      ...keysLine('moved', d.keys.moved, d.moved, d.keysTruncated === true),
      ...keysLine('changed', d.keys.changed, d.changed, d.keysTruncated === true),
    );
  }
  lines.push(...exceptLines(h, notApplied), ...decideLines(h));
  return lines.map((l) => `${l}\n`);
}

const listCommand = () =>
  runs<{ status?: HoldStatus; entity?: EntityName; limit?: number; offset?: number; json?: boolean }>(
    defineCommand(
      'list',
      'holds of the mass-change guard, newest first, counts only (as GET /v1/guard/holds)',
    )
      .option('--status <status>', STATUSES.join(', '), choice(STATUSES))
      .option('--entity <entity>', ENTITY_NAMES.join(', '), choice(ENTITY_NAMES))
      .option('--limit <n>', 'at most this many (default 50)', int(1, 200))
      .option('--offset <n>', 'skip this many (default 0)', int(0, 1_000_000))
      .option('--json', 'one JSON object a line'),
    async (o, _args, out) => {
      const config = loadConfig();
      const { withDb } = await import('../../ops.js');
      const { createGuardHoldsRepo } = await import('../../store/guard-holds.js');
      const limit = o.limit ?? 50;
      const offset = o.offset ?? 0;
      const page = await withDb(config, (db) =>
        createGuardHoldsRepo(db).list({ status: o.status, entity: o.entity, limit, offset }),
      );
      if (o.json) {
        for (const h of page.items) out.stdout(`${JSON.stringify(h)}\n`);
        return 0;
      }
      if (page.items.length === 0) {
        out.stderr(`${both('không có lệnh giữ nào khớp', 'no hold matches')}\n`);
        return 0;
      }
      out.stdout(
        `${both(
          `${page.items.length} trên ${page.total} lệnh giữ, mới nhất trước (truc holds show <id>: mã bản ghi)`,
          `${page.items.length} of ${countEn(page.total, 'hold')}, newest first (truc holds show <id>: the record codes)`,
        )}\n`,
      );
      for (const h of page.items) {
        out.stdout(`  ${headLine(h)}\n`);
        for (const line of decidedListLine(h)) out.stdout(line);
      }
      if (offset + page.items.length < page.total)
        out.stdout(
          `${both(`còn nữa: --offset ${offset + page.items.length}`, `more: --offset ${offset + page.items.length}`)}\n`,
        );
      return 0;
    },
  );

const showCommand = () =>
  runs<{ json?: boolean }>(
    defineCommand(
      'show',
      'one hold: its counts per school and the record codes it would delete, move or change',
    )
      .argument('<id>', 'the hold id', positiveId)
      .option('--json', 'the hold as one JSON object, every code'),
    async (o, [idArg], out) => {
      const id = positiveId(idArg!);
      const { AppError } = await import('../../errors.js');
      const { readWholeHold } = await import('./hold-read.js');
      const whole = await readWholeHold(loadConfig(), id);
      if (!whole) throw new AppError('ERR_NOT_FOUND', noHold(id));
      if (o.json) out.stdout(`${JSON.stringify(whole)}\n`);
      else for (const line of showLines(whole, whole.notApplied)) out.stdout(line);
      return 0;
    },
  );

/** The reason as kept (trimmed), or a usage error: the API's rule (jobs/requests.ts `isDecisionReason`). */
async function checkedReason(reason: string | undefined): Promise<string | undefined> {
  if (reason === undefined) return undefined;
  const { DECISION_REASON_MAX, isDecisionReason } = await import('../../jobs/contracts.js');
  if (!isDecisionReason(reason))
    throw new UsageError(
      both(
        `--reason: một dòng chữ, 1 đến ${DECISION_REASON_MAX} ký tự`,
        `--reason: one line of text, 1 to ${DECISION_REASON_MAX} characters`,
      ),
    );
  return reason.trim();
}

/** `--except`'s school codes (comma-separated; the option may be given again), each once. */
const schoolCodes = (value: string, before: string[] = []): string[] => {
  const codes = value.split(',').map((c) => c.trim());
  if (codes.some((c) => !/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/.test(c)))
    throw badValue('mã trường, cách nhau bởi dấu phẩy', 'school codes, comma-separated');
  return [...new Set([...before, ...codes])];
};

const decideCommand = (decision: 'approve' | 'reject') => {
  const command = defineCommand(
    decision,
    decision === 'approve'
      ? 'approve a held change: it is applied (audited, actor operator:cli:<name>)'
      : 'reject a held change: nothing is deleted (audited, actor operator:cli:<name>)',
  )
    .argument('<id>', 'the hold id', positiveId)
    .option(
      '--reason <text>',
      'why, kept in the audit entry of the decision (no personal ID or phone number)',
    );
  if (decision === 'approve')
    command.option(
      '--except <codes>',
      "a sync run's hold: approve all but these schools (comma-separated codes of the hold); their changes are rejected, not applied, counted",
      schoolCodes,
    );
  return runs<{ reason?: string; except?: string[]; json?: boolean; as?: string }>(
    command.option('--json', 'the decided hold as one JSON object').addOption(asOption()),
    async (o, [idArg], out) => {
      const id = positiveId(idArg!);
      const reason = await checkedReason(o.reason);
      const actor = operatorActor(o.as);
      const config = loadConfig();
      const { operatorClock, withDb } = await import('../../ops.js');
      const { AppError } = await import('../../errors.js');
      const { decideHold } = await import('../../jobs/contracts.js');
      const hold = await withDb(config, (db) =>
        db.tx((q) =>
          decideHold(q, {
            holdId: id,
            decision: decision === 'approve' ? 'approved' : 'rejected',
            by: actor,
            at: operatorClock(),
            ...(reason ? { reason } : {}),
            ...(o.except ? { exceptSchools: o.except } : {}),
          }),
        ),
      );
      // As the API answers (routes/guard.ts): closed as superseded (committed, audited), the approval did not take.
      if (hold.overtaken === 'schools')
        throw new AppError('ERR_GUARD_SUPERSEDED_SCHOOLS', holdWords(hold.id));
      if (hold.status === 'superseded') throw new AppError('ERR_GUARD_SUPERSEDED', holdWords(hold.id));
      const { overtaken: _o, ...decided } = hold;
      if (o.json) {
        out.stdout(`${JSON.stringify(decided)}\n`);
        return 0;
      }
      out.stdout(decidedLine(hold, decision));
      return 0;
    },
  );
};

/** What a decision says, in both languages: the hold, what it does now, and the schools an approval left out. */
function decidedLine(hold: GuardHold, decision: 'approve' | 'reject'): string {
  const [vi, en] = DECISIONS[hold.kind][decision === 'approve' ? 0 : 1];
  const s = subject(hold);
  return `${
    decision === 'approve'
      ? both(
          `đã duyệt lệnh giữ ${hold.id} (${s.vi}): ${vi}${exceptVi(hold.exceptSchools)}`,
          `hold ${hold.id} approved (${s.en}): ${en}${exceptEn(hold.exceptSchools)}`,
        )
      : both(`đã từ chối lệnh giữ ${hold.id} (${s.vi}): ${vi}`, `hold ${hold.id} rejected (${s.en}): ${en}`)
  }\n`;
}

const exceptVi = (schools: readonly string[]) =>
  schools.length > 0
    ? `; trừ các trường (chưa áp dụng lần này, hỏi lại ở lần kéo sau): ${schools.join(', ')}`
    : '';
const exceptEn = (schools: readonly string[]) =>
  schools.length > 0
    ? `; except these schools (not applied this run, asked again by the next run): ${schools.join(', ')}`
    : '';

export const holdsCommand = () =>
  defineCommand('holds', "the mass-change guard's holds: list, show, approve, reject")
    .addCommand(listCommand())
    .addCommand(showCommand())
    .addCommand(decideCommand('approve'))
    .addCommand(decideCommand('reject'));
