/**
 * `truc holds list | show <id> | approve <id> [--except <codes>] | reject <id> [--reason …]`: the mass-change guard's
 * holds, as a
 * city admin reads and decides them at /v1/guard/holds, through the same store reads and the same decision
 * (jobs/contracts.ts `decideHold`, audited with the actor `operator:cli:<name>`, kit.ts `operatorActor`). A hold shows counts and record
 * codes (student, staff, class or school codes), never personal data; what `show` prints: ./hold-show.ts.
 */
import { countEn, ENTITY_NAMES, loadConfig, type EntityName } from '../../config.js';
import type { GuardHold, HoldStatus } from '../../store/guard-holds.js';
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
} from '../kit.js';
import { headLine, SHOWN, showLines, subject } from './hold-show.js';
import { decidedListLine, DECISIONS, holdWords, noHold } from './hold-words.js';

const STATUSES: readonly HoldStatus[] = ['held', 'approved', 'rejected', 'superseded'];

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
  runs<{ all?: boolean; json?: boolean }>(
    defineCommand(
      'show',
      'one hold: its counts per school and the record codes it would delete, move or change',
    )
      .argument('<id>', 'the hold id', positiveId)
      .option('--all', `every reason and school (${SHOWN} of each by default, the most telling first)`)
      .option('--json', 'the hold as one JSON object, every reason, school and code'),
    async (o, [idArg], out) => {
      const id = positiveId(idArg!);
      const { AppError } = await import('../../errors.js');
      const { readWholeHold } = await import('./hold-read.js');
      const whole = await readWholeHold(loadConfig(), id);
      if (!whole) throw new AppError('ERR_NOT_FOUND', noHold(id));
      if (o.json) out.stdout(`${JSON.stringify(whole)}\n`);
      else for (const line of showLines(whole, whole.notApplied, { all: o.all === true })) out.stdout(line);
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
      "why, kept in the audit entry of the decision; a held batch's vendor reads it too (no personal ID or phone number)",
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
