/**
 * `truc schedules list | pause <id> | resume <id> | run <id> [--follow]`: the configured sync schedules as a city admin
 * handles them at /v1/schedules, through the same functions (jobs/contracts.ts `listSchedules`,
 * `setSchedulePaused`, `runScheduleNow`; audited with the actor `operator:cli:<name>`, kit.ts `operatorActor`). The next run is read from the
 * schedule queue's job scheduler, which a running truc's scheduler role keeps.
 */
import { countEn, loadConfig } from '../../config.js';
import type { ScheduleView } from '../../jobs/schedule-control.js';
import { asOption, badValue, both, defineCommand, operatorActor, runs, vnTime } from '../kit.js';
import { followRun, followSettings, withFollow } from './sync-follow.js';
import { actorText, ENTITY_VI, FIRE_OUTCOME_VI, viOf } from './words.js';

/** A schedule id as the API takes it (routes/schedules.ts IdParams). */
function scheduleId(value: string): string {
  if (!/^[a-z0-9-]{1,64}$/.test(value))
    throw badValue(
      'một mã lịch: a-z, 0-9 và -, tối đa 64 ký tự',
      'a schedule id: a-z, 0-9 and -, at most 64',
    );
  return value;
}

/** When a schedule fires, in words. */
function when(s: ScheduleView): { vi: string; en: string } {
  return s.cron !== null
    ? { vi: `lịch cron ${s.cron} (${s.tz})`, en: `cron ${s.cron} (${s.tz})` }
    : { vi: `mỗi ${s.everyMs} ms`, en: `every ${s.everyMs} ms` };
}

/**
 * A fire skipped because an earlier run of the same pull (system, entity, scope) was unfinished (`busy`): it
 * requested nothing, and the run it found is named (review26a: `last … busy, sync run 12` read as if the fire had
 * requested run 12). The English half keeps the key in parentheses, as the API and --json show it.
 */
function busyFire(
  fireAt: string,
  runId: number | null,
  held: { vi: string; en: string },
): { vi: string; en: string } {
  const which = runId !== null ? { vi: ` ${runId}`, en: ` ${runId}` } : { vi: '', en: '' };
  return {
    vi: `lần trước ${vnTime(fireAt)} bỏ qua: lượt đồng bộ${which.vi}${held.vi} trước đó của cùng hệ thống, loại dữ liệu và phạm vi chưa xong, không yêu cầu lượt mới`,
    en: `last ${vnTime(fireAt)} skipped (busy): the earlier sync run${which.en}${held.en} of the same system, entity and scope had not finished, no run requested`,
  };
}

/**
 * A last run held by the mass-change guard says so, and where it is decided (fix7: the list read `requested, sync run
 * 13` while the run waited for a city admin; GET /v1/schedules' runStatus and the dashboard said held).
 */
const heldRun = (l: ScheduleView['lastRun']): { vi: string; en: string } =>
  l?.runStatus === 'held' && l.syncRunId !== null
    ? { vi: ' (bị giữ chờ duyệt: truc holds list)', en: ' (held for a decision: truc holds list)' }
    : { vi: '', en: '' };

/** One line per schedule: what it pulls, when, paused or not, its last run and its next. */
export function scheduleLine(s: ScheduleView, queueRead: boolean): string {
  const w = when(s);
  const scope = s.scope ? ` ${s.scope}` : '';
  const what =
    s.system === null || s.entity === null
      ? { vi: 'tính thẻ điểm chất lượng', en: 'quality scorecards' }
      : { vi: `${s.system} ${viOf(ENTITY_VI, s.entity)}${scope}`, en: `${s.system} ${s.entity}${scope}` };
  const full = s.full ? { vi: ', kéo toàn bộ', en: ', full' } : { vi: '', en: '' };
  // by name, the client id beside it (fix35a, review33c N6: as a hold's decider)
  const who = actorText(s.pausedBy, s.pausedById);
  const paused = s.paused ? { vi: `tạm dừng bởi ${who}; `, en: `paused by ${who}; ` } : { vi: '', en: '' };
  const l = s.lastRun;
  // A refused fire says why (its error code and the error table's words: ERR_SCOPE_UNKNOWN).
  const why = l?.error
    ? { vi: ` (${l.error.code}: ${l.error.message.vi})`, en: ` (${l.error.code}: ${l.error.message.en})` }
    : { vi: '', en: '' };
  // A quality schedule's fire names the quality run it requested once computed (fix35d).
  const quality =
    l?.qualityRunId != null
      ? { vi: `, lần tính thẻ điểm ${l.qualityRunId}`, en: `, quality run ${l.qualityRunId}` }
      : { vi: '', en: '' };
  const held = heldRun(l);
  const last = !l
    ? { vi: 'chưa chạy lần nào', en: 'never run' }
    : l.outcome === 'busy' && s.kind === 'pull'
      ? busyFire(l.fireAt, l.syncRunId, held)
      : {
          vi: `lần trước ${vnTime(l.fireAt)} ${s.kind === 'quality' && l.outcome === 'requested' ? 'đã yêu cầu' : viOf(FIRE_OUTCOME_VI, l.outcome)}${why.vi}${l.syncRunId !== null ? `, lượt đồng bộ ${l.syncRunId}${held.vi}` : ''}${quality.vi}`,
          en: `last ${vnTime(l.fireAt)} ${l.outcome}${why.en}${l.syncRunId !== null ? `, sync run ${l.syncRunId}${held.en}` : ''}${quality.en}`,
        };
  // After a busy fire, the next one requests a run only if the run it found unfinished has ended by then.
  const after =
    l?.outcome === 'busy' && l.syncRunId !== null
      ? {
          vi: ` (sẽ yêu cầu lượt mới nếu lượt ${l.syncRunId} đã xong)`,
          en: ` (requests a run if run ${l.syncRunId} has finished by then)`,
        }
      : { vi: '', en: '' };
  const next = s.nextRunAt
    ? { vi: `lần tới ${vnTime(s.nextRunAt)}${after.vi}`, en: `next ${vnTime(s.nextRunAt)}${after.en}` }
    : s.paused
      ? { vi: 'lần tới: không có (tạm dừng)', en: 'next: none (paused)' }
      : queueRead
        ? {
            vi: 'lần tới: không rõ (chưa có bộ lập lịch nào chạy?)',
            en: 'next: unknown (no scheduler running?)',
          }
        : { vi: 'lần tới: không rõ', en: 'next: unknown' };
  return both(
    `${s.id}: ${what.vi}, ${w.vi}${full.vi}; ${paused.vi}${last.vi}; ${next.vi}`,
    `${s.id}: ${what.en}, ${w.en}${full.en}; ${paused.en}${last.en}; ${next.en}`,
  );
}

const listCommand = () =>
  runs<{ json?: boolean }>(
    defineCommand(
      'list',
      'the configured schedules with their last and next run (as GET /v1/schedules)',
    ).option('--json', 'one JSON object a line, as the API lists them'),
    async (o, _args, out) => {
      const config = loadConfig();
      const { withDbAndQueue } = await import('../../ops.js');
      const { fireSchedule, listSchedules } = await import('../../jobs/contracts.js');
      const { items, queueRead } = await withDbAndQueue(config, fireSchedule.queue, async (db, queue) => ({
        items: await listSchedules(db, config, queue),
        queueRead: queue !== undefined,
      }));
      if (!queueRead)
        out.stderr(
          `${both(
            'hàng đợi lịch không trả lời: không biết lần chạy tới',
            'the schedule queue did not answer: next runs unknown',
          )}\n`,
        );
      if (o.json) {
        for (const s of items) out.stdout(`${JSON.stringify(s)}\n`);
        return 0;
      }
      if (items.length === 0) {
        out.stderr(
          `${both('không có lịch nào trong cấu hình (sync.schedules)', 'no schedule configured (sync.schedules)')}\n`,
        );
        return 0;
      }
      out.stdout(`${both(`${items.length} lịch đồng bộ`, `${countEn(items.length, 'schedule')}`)}\n`);
      for (const s of items) out.stdout(`  ${scheduleLine(s, queueRead)}\n`);
      return 0;
    },
  );

const pauseCommand = (paused: boolean) =>
  runs<{ as?: string }>(
    defineCommand(
      paused ? 'pause' : 'resume',
      paused
        ? 'pause a schedule: its fires request nothing until resumed (audited)'
        : 'resume a paused schedule (audited)',
    )
      .argument('<id>', 'the schedule id (truc schedules list)', scheduleId)
      .addOption(asOption()),
    async (o, [idArg], out) => {
      const id = scheduleId(idArg!);
      const actor = operatorActor(o.as);
      const config = loadConfig();
      const { operatorClock, withDb } = await import('../../ops.js');
      const { setSchedulePaused } = await import('../../jobs/contracts.js');
      await withDb(config, (db) => setSchedulePaused(db, config, id, paused, actor, operatorClock()));
      out.stdout(
        `${
          paused
            ? both(
                `đã tạm dừng lịch ${id}: các lần kích hoạt không yêu cầu gì cho đến khi tiếp tục`,
                `schedule ${id} paused: its fires request nothing until it is resumed`,
              )
            : both(`đã tiếp tục lịch ${id}`, `schedule ${id} resumed`)
        }\n`,
      );
      return 0;
    },
  );

const runNowCommand = () =>
  runs<{ json?: boolean; follow?: boolean; intervalMs?: number; timeout?: number; as?: string }>(
    withFollow(
      defineCommand('run', 'run a schedule now, even paused: its sync run is requested at once (audited)')
        .argument('<id>', 'the schedule id (truc schedules list)', scheduleId)
        .option('--json', 'print {"syncRunId":…}'),
    )
      .addOption(asOption())
      .addHelpText(
        'after',
        `\n${both(
          'Lượt chạy được xếp hàng; một truc đang chạy (`truc all` hoặc `truc worker`) kéo dữ liệu. Với --follow,\n' +
            'trạng thái và tiến độ ra stderr đến khi kết thúc, lượt đồng bộ đã xong ra stdout (như `truc sync run\n' +
            '--follow`): mã thoát 0 khi xong (lượt toàn bộ: khi bước đối soát cũng xong), 1 khi thất bại (hoặc hết\n' +
            'thời gian chờ), 3 khi bộ chặn thay đổi hàng loạt giữ lại (số đếm và cách duyệt hay từ chối ra stderr).\n' +
            'Lịch chất lượng: lượt chất lượng của nó được theo dõi như `truc quality run --follow` (mã thoát 0 khi\n' +
            'xong, 1 khi thất bại hoặc hết thời gian chờ).',
          '\nThe run is queued; a running truc (`truc all`, or `truc worker`) pulls it. With --follow, its status and\n' +
            'progress on stderr until it ends and the finished run on stdout (as `truc sync run --follow`): exit 0 when\n' +
            'done (a full run: once its reconciliation is), 1 when failed (or timed out), 3 when the mass-change guard\n' +
            'holds it (its counts and how to approve or reject on stderr). A quality schedule: its quality run is\n' +
            'followed as `truc quality run --follow` follows it (exit 0 done, 1 failed or timed out).',
        )}`,
      ),
    async (o, [idArg], out) => {
      const id = scheduleId(idArg!);
      const actor = operatorActor(o.as);
      const config = loadConfig();
      const { operatorClock, withDb } = await import('../../ops.js');
      const { runScheduleNow } = await import('../../jobs/contracts.js');
      return withDb(config, async (db) => {
        const { syncRunId, qualityRunId } = await runScheduleNow(db, config, id, actor, operatorClock());
        if (qualityRunId !== undefined) {
          // A quality schedule (fix35d): its quality run is queued; fix36d: named, and followed with --follow.
          out.stdout(
            o.json
              ? `${JSON.stringify({ syncRunId, kind: 'quality', qualityRunId })}\n`
              : `${both(
                  `đã chạy lịch ${id} ngay: lần tính thẻ điểm ${qualityRunId} (GET /v1/quality/runs/${qualityRunId})`,
                  `schedule ${id} run now: quality run ${qualityRunId} (GET /v1/quality/runs/${qualityRunId})`,
                )}\n`,
          );
          if (!o.follow) return 0;
          const { followQualityRun } = await import('./quality.js');
          return followQualityRun(db, qualityRunId, followSettings(o), out);
        }
        if (syncRunId === null) return 0;
        out.stdout(
          o.json
            ? `${JSON.stringify({ syncRunId })}\n`
            : `${both(
                `đã chạy lịch ${id} ngay: lượt đồng bộ ${syncRunId} (truc sync show ${syncRunId})`,
                `schedule ${id} run now: sync run ${syncRunId} (truc sync show ${syncRunId})`,
              )}\n`,
        );
        if (!o.follow) return 0;
        return followRun(db, syncRunId, { ...followSettings(o), delivery: config.sync.delivery }, out);
      });
    },
  );

export const schedulesCommand = () =>
  defineCommand(
    'schedules',
    'schedules (pulls, the quality run): list (last and next run), pause, resume, run now',
  )
    .addCommand(listCommand())
    .addCommand(pauseCommand(true))
    .addCommand(pauseCommand(false))
    .addCommand(runNowCommand());
