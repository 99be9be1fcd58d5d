/**
 * `truc quality run [--follow]` (fix36d): ask for a quality scorecard run, as a city admin's `POST /v1/quality/runs`
 * does (jobs/contracts.ts `requestQualityRun`: refused beside an unfinished run), and watch it. `--follow` is
 * `truc sync run --follow`'s (./sync-follow.ts `withFollow`, `followSettings`): the run's status on stderr each time it
 * changes, the run as it ended on stdout (as GET /v1/quality/runs/{id} shows it), exit 0 done, 1 failed or timed out.
 * `truc schedules run <id> --follow` of a quality schedule follows its run the same way.
 */
import { loadConfig } from '../../config.js';
import type { Db } from '../../store/db.js';
import type { QualityRun } from '../../store/quality-runs.js';
import { asOption, both, defineCommand, operatorActor, runs, type CliOutput, type Words } from '../kit.js';
import { followSettings, withFollow } from './sync-follow.js';
import { actorText } from './words.js';
import { sleep } from '../../observability/deadline.js';

const STATUS_VI: Record<QualityRun['status'], string> = {
  queued: 'đang chờ',
  running: 'đang tính',
  done: 'xong',
  failed: 'thất bại',
};

/** The run as it stands, one line in both languages: its status and the schools scored so far of all (fix37c). */
export function qualityRunLine(run: QualityRun): string {
  const { scored, total } = run.schools;
  const of = total === null ? '' : `/${total}`;
  const schools =
    total === null && scored === 0
      ? { vi: '', en: '' }
      : {
          vi: `; đã chấm ${scored}${of} trường`,
          en: `; ${scored}${of} school${(total ?? scored) === 1 ? '' : 's'} scored`,
        };
  const error = run.error ? { vi: ` (${run.error.code})`, en: ` (${run.error.code})` } : { vi: '', en: '' };
  // who asked, by name as it was when they asked, the client id beside it (fix37a, as truc sync show)
  const who = actorText(run.requestedBy, run.requestedById);
  return both(
    `lần tính thẻ điểm ${run.id}: ${STATUS_VI[run.status]}${error.vi}${schools.vi}; yêu cầu bởi ${who}`,
    `quality run ${run.id}: ${run.status}${error.en}${schools.en}; requested by ${who}`,
  );
}

const TIMED_OUT: Words = { vi: 'hết thời gian chờ', en: 'timed out' };

/**
 * Polls quality run `id` until it is done or failed (or `o.timeout` seconds pass), a line on stderr at each change of
 * status or of the schools scored (fix37c: it moves while the run runs); prints the run as it ended on stdout (GET /v1/quality/runs/{id}'s view). Exit 0 done, 1 failed, timed out
 * or unknown. The workers of a running truc (`truc all`, `truc worker`) compute it.
 */
export async function followQualityRun(
  db: Db,
  id: number,
  o: { intervalMs: number; timeout: number },
  out: CliOutput,
): Promise<number> {
  const { createQualityRunsRepo } = await import('../../store/quality-runs.js');
  const { qualityRunOut } = await import('../../api/routes/quality/runs.js');
  const repo = createQualityRunsRepo(db);
  const deadline = Date.now() + o.timeout * 1000;
  let seen = '';
  let run: QualityRun | undefined;
  for (;;) {
    run = await repo.get(id);
    const line = run && qualityRunLine(run);
    if (line && line !== seen) {
      seen = line;
      out.stderr(`${line}\n`);
    }
    if (!run || run.status === 'done' || run.status === 'failed' || Date.now() >= deadline) break;
    await sleep(o.intervalMs);
  }
  if (!run) {
    out.stderr(`truc: ${both(`không có lần tính thẻ điểm ${id}`, `no quality run ${id}`)}\n`);
    return 1;
  }
  out.stdout(`${JSON.stringify(qualityRunOut(run))}\n`);
  if (run.status === 'done') return 0;
  if (run.status !== 'failed')
    out.stderr(
      `truc: ${both(`lần tính thẻ điểm ${id}: ${TIMED_OUT.vi}`, `quality run ${id}: ${TIMED_OUT.en}`)}\n`,
    );
  return 1;
}

/** What `quality run --follow` prints, in the English of its option's text. */
const qualityFollowShowsEn = 'its status and the schools scored so far';

const runCommand = () =>
  runs<{ json?: boolean; follow?: boolean; intervalMs?: number; timeout?: number; as?: string }>(
    withFollow(
      defineCommand('run', 'compute the quality scorecards now (a quality run the workers carry out)').option(
        '--json',
        'print {"qualityRunId":…}',
      ),
      qualityFollowShowsEn,
    )
      .addOption(asOption())
      .addHelpText(
        'after',
        `\n${both(
          'Lượt chất lượng được xếp hàng; một truc đang chạy (`truc all` hoặc `truc worker`) tính nó. Bị từ chối\n' +
            '(mã thoát 1) khi còn một lượt chất lượng chưa xong. Với --follow, trạng thái và số trường đã chấm điểm\n' +
            'ra stderr mỗi khi thay đổi đến khi kết thúc, và lượt chạy ra stdout: mã thoát 0 khi xong, 1 khi thất bại\n' +
            '(hoặc hết thời gian chờ).',
          '\nThe run is queued; a running truc (`truc all`, or `truc worker`) computes it. Refused (exit 1) while a\n' +
            'quality run is unfinished. With --follow, its status and the schools scored so far on stderr at each\n' +
            'change until it ends, and the run on stdout:\n' +
            'exit 0 when done, 1 when failed (or timed out).',
        )}`,
      ),
    async (o, _args, out) => {
      const actor = operatorActor(o.as);
      const config = loadConfig();
      const { withDb } = await import('../../ops.js');
      const { requestQualityRun } = await import('../../jobs/contracts.js');
      return withDb(config, async (db) => {
        const { runId } = await requestQualityRun(db, actor);
        out.stdout(
          o.json
            ? `${JSON.stringify({ qualityRunId: runId })}\n`
            : `${both(
                `đã yêu cầu lần tính thẻ điểm ${runId} (GET /v1/quality/runs/${runId})`,
                `quality run ${runId} requested (GET /v1/quality/runs/${runId})`,
              )}\n`,
        );
        if (!o.follow) return 0;
        return followQualityRun(db, runId, followSettings(o), out);
      });
    },
  );

export const qualityCommand = () =>
  defineCommand('quality', 'quality scorecards: run (and --follow)').addCommand(runCommand());
