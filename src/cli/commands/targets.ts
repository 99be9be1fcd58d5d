/**
 * `truc targets forget <system>`: a push target removed from the configuration (its URL or credentials
 * unset) leaves the records it never got (truc.undelivered) and its push sets' dead letters open for good:
 * counted by truc_dead_letters_open, the overview and the runs, and every re-push of their schools judged in
 * full. Forgetting it deletes those rows and abandons those letters, audited (`target.forgotten`). A target
 * still configured is refused: its records are delivered by a replay or the next re-push.
 */
import { PUSH_TARGETS } from '../../canonical/systems.js';
import { countEn, loadConfig, systemConfigured, type SystemName } from '../../config.js';
import { asOption, badValue, both, defineCommand, operatorActor, runs, UsageError, vnTime } from '../kit.js';

function pushTarget(value: string): SystemName {
  if ((PUSH_TARGETS as readonly string[]).includes(value)) return value as SystemName;
  throw badValue(`một trong ${PUSH_TARGETS.join(', ')}`, `one of ${PUSH_TARGETS.join(', ')}`);
}

const forgetCommand = () =>
  runs<{ as?: string; json?: boolean }>(
    defineCommand(
      'forget',
      'a target removed from the configuration: drop what it never got and abandon its dead letters (audited)',
    )
      .argument('<system>', PUSH_TARGETS.join(', '), pushTarget)
      .option('--json', 'print {"system":…,"records":…,"deadLetters":…}')
      .addOption(asOption()),
    async (o, [systemArg], out) => {
      const system = pushTarget(systemArg!);
      const actor = operatorActor(o.as);
      const config = loadConfig();
      if (systemConfigured(config, system))
        throw new UsageError(
          both(
            `${system} vẫn còn trong cấu hình: bản ghi chưa gửi sẽ được gửi khi chạy lại việc lỗi hoặc lần gửi lại sau; gỡ nó khỏi cấu hình trước`,
            `${system} is still configured: its undelivered records are sent by a replay or the next re-push; remove it from the configuration first`,
          ),
        );
      const { forgetPushTarget, targetServedAt, withDb } = await import('../../ops.js');
      const { SERVED_WINDOW_SECONDS } = await import('../../jobs/served-targets.js');
      const r = await withDb(config, async (db) => {
        // The running truc's configuration, not this shell's: a worker that delivers to it said so lately.
        const served = await targetServedAt(db, system, SERVED_WINDOW_SECONDS);
        if (served)
          throw new UsageError(
            both(
              `${system} vẫn đang được một worker của truc đang chạy gửi tới (lần cuối ${vnTime(served)}): gỡ nó khỏi cấu hình của truc và khởi động lại các worker trước (hoặc chờ ${SERVED_WINDOW_SECONDS / 60} phút sau khi worker cuối cùng dừng)`,
              `${system} is still served by a running truc worker (last seen ${vnTime(served)}): remove it from truc's configuration and restart the workers first (or wait ${SERVED_WINDOW_SECONDS / 60} minutes after the last worker stopped)`,
            ),
          );
        return forgetPushTarget(db, system, actor);
      });
      out.stdout(
        o.json
          ? `${JSON.stringify({ system, ...r })}\n`
          : `${both(
              `đã quên ${system}: bỏ ${r.records} bản ghi chưa gửi, ${r.deadLetters} việc lỗi không còn mở`,
              `${system} forgotten: ${countEn(r.records, 'undelivered record')} dropped, ${countEn(r.deadLetters, 'dead letter')} abandoned`,
            )}\n`,
      );
      return 0;
    },
  );

export const targetsCommand = () =>
  defineCommand('targets', 'push targets: forget one removed from the configuration').addCommand(
    forgetCommand(),
  );
