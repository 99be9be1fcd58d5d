/** `truc sync run <system> <entity> [--follow]`: ask for a pull from an external system, and watch it (./sync-follow.ts). */
import {
  ENTITY_NAMES,
  SYSTEM_NAMES,
  loadConfig,
  PULL_SCOPE,
  PULL_SCOPE_WORDS,
  pullProblem,
  type EntityName,
  type SystemName,
} from '../../config.js';
import { asOption, badValue, both, defineCommand, operatorActor, runs, UsageError } from '../kit.js';
import { followRun, followSettings, withFollow } from './sync-follow.js';
import { ENTITY_VI, viOf } from './words.js';
import { syncListCommand, syncShowCommand } from './sync-runs.js';

interface RunOptions {
  scope?: string;
  full?: boolean;
  follow?: boolean;
  intervalMs?: number;
  timeout?: number;
  as?: string;
}

/**
 * Why `system` cannot be pulled for `entity` with `scope`, in both languages (src/config/names.ts `pullProblem`,
 * whose English the API's problem details carry with its own Vietnamese), or undefined when it can.
 */
function pullRefusal(system: SystemName, entity: EntityName, scope: string): string | undefined {
  const problem = pullProblem(system, entity, scope);
  if (!problem) return undefined;
  return problem.code === 'ERR_ENTITY_UNSUPPORTED'
    ? both(`${system} không có ${viOf(ENTITY_VI, entity)} (${entity}) để kéo`, problem.en)
    : both(
        `${system} kéo ${viOf(ENTITY_VI, entity)} (${entity}) theo từng xã: --scope là mã xã 5 chữ số`,
        problem.en,
      );
}

/** `value` if it is one of `names`, else bad usage naming the argument (`what`: its vi and en). */
function oneOf<T extends string>(
  what: { vi: string; en: string },
  value: string | undefined,
  names: readonly T[],
): T {
  if (value && (names as readonly string[]).includes(value)) return value as T;
  const given = `"${value ?? ''}"`;
  throw new UsageError(
    both(
      `${what.vi} ${given}: phải là một trong ${names.join(', ')}`,
      `${what.en} ${given}: one of ${names.join(', ')}`,
    ),
  );
}

/** `--scope`: the API's rule (1–32 of A–Z a–z 0–9 . _ -); an empty one is refused, never read as "everything" (review26a F4). */
function pullScope(value: string): string {
  if (!PULL_SCOPE.test(value)) throw badValue(PULL_SCOPE_WORDS.vi, PULL_SCOPE_WORDS.en);
  return value;
}

const runCommand = () =>
  runs<RunOptions>(
    withFollow(
      defineCommand('run', 'pull <entity> from <system> (a sync run the workers carry out)')
        .argument('<system>', SYSTEM_NAMES.join(', '))
        .argument('<entity>', ENTITY_NAMES.join(', '))
        .option('--scope <code>', 'a school code, or a commune code for moet-pcgd', pullScope)
        .option('--full', 'ignore the watermark: pull everything (and reconcile deletions)'),
    )
      .addOption(asOption())
      .addHelpText(
        'after',
        `\n${both(
          'Lượt đồng bộ được xếp hàng; một truc đang chạy (`truc all` hoặc `truc worker`) kéo dữ liệu. In ra\n' +
            '{"syncRunId":…}; với --follow, tiến độ ra stderr và lượt đồng bộ đã xong ra stdout, mã thoát 0 khi xong\n' +
            '(lượt toàn bộ: khi bước đối soát cũng xong), 1 khi thất bại (hoặc hết thời gian chờ), 3 khi bộ chặn thay\n' +
            'đổi hàng loạt giữ lại một trang hay bước đối soát (số đếm và cách duyệt hay từ chối ra stderr).',
          '\nThe run is queued; a running truc (`truc all`, or `truc worker`) pulls it. Prints {"syncRunId":…};\n' +
            'with --follow, progress on stderr and the finished run on stdout, exit 0 when done (a full run: once\n' +
            'its reconciliation is), 1 when failed (or timed out), 3 when the mass-change guard holds it, a page or\n' +
            'its reconciliation (its counts and how to approve or reject on stderr).',
        )}`,
      ),
    async (o, [systemArg, entityArg], out) => {
      const system = oneOf<SystemName>({ vi: 'hệ thống', en: 'system' }, systemArg, SYSTEM_NAMES);
      const entity = oneOf<EntityName>({ vi: 'loại dữ liệu', en: 'entity' }, entityArg, ENTITY_NAMES);
      const refusal = pullRefusal(system, entity, o.scope ?? '');
      if (refusal) throw new UsageError(refusal);
      const requestedBy = operatorActor(o.as);
      const config = loadConfig();
      const { operatorClock, withDb } = await import('../../ops.js');
      const { checkScopeHeld, checkSystemConfigured, requestSync } = await import('../../jobs/contracts.js');
      return withDb(config, async (db) => {
        // This shell's configuration or the running truc's (its workers': review30 F6). Else stored, then failed.
        await checkSystemConfigured(db, config, system);
        const id = await db.tx(async (q) => {
          await checkScopeHeld(q, { system, entity, ...(o.scope ? { scope: o.scope } : {}) });
          return requestSync(q, {
            system,
            entity,
            full: o.full ?? false,
            requestedBy,
            at: operatorClock(),
            ...(o.scope ? { scope: o.scope } : {}),
          });
        });
        out.stdout(`${JSON.stringify({ syncRunId: id })}\n`);
        if (!o.follow) return 0;
        return followRun(db, id, { ...followSettings(o), delivery: config.sync.delivery }, out);
      });
    },
  );

export const syncCommand = () =>
  defineCommand('sync', 'pulls from external systems: run (and --follow), list, show')
    .addCommand(runCommand())
    .addCommand(syncListCommand())
    .addCommand(syncShowCommand());
