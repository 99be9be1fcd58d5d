/**
 * `--follow`: how `truc sync run`, `truc schedules run` and `truc quality run` follow a run until it ends (its status,
 * records and rate, what holds it at its system, a hold of the mass-change guard) and the exit code it ends with.
 */
import { type Command, Option } from 'commander';
import { countEn, entityNounEn, loadConfig } from '../../config.js';
import type { WaitSettings } from '../../api/routes/sync-run-view.js';
import type { Db } from '../../store/db.js';
import type { GuardHoldSummary } from '../../store/guard-holds.js';
import { syncRunSummary, type SyncRun } from '../../store/sync-run-reads.js';
import { both, int, startProgress, vnTime, type CliOutput, type Words } from '../kit.js';
import { DECISIONS, HOLD_KIND_VI, reasonLine, restoredText } from './hold-words.js';
import { ENTITY_VI, RECONCILE_VI, RUN_STATUS_VI, viOf } from './words.js';
import { waitingWords } from './sync-runs.js';
import { sleep } from '../../observability/deadline.js';

/** `--follow`'s two settings as given (`--interval-ms`, `--timeout`). */
interface FollowOptions {
  intervalMs?: number;
  timeout?: number;
}

/** `sync run --follow`'s exit code for a run the mass-change guard holds (0 done, 1 failed or timed out, 2 bad usage). */
export const EXIT_HELD = 3;

/** How `--follow` saw the run end (the progress's closing line), in both languages. */
const OUTCOME = {
  done: { vi: 'xong', en: 'done' },
  held: { vi: 'bị bộ chặn thay đổi hàng loạt giữ lại', en: 'held by the mass-change guard' },
  timedOut: { vi: 'hết thời gian chờ', en: 'timed out' },
  failed: (code: string | null) => ({
    vi: `thất bại: ${code ?? 'không có mã'}`,
    en: `failed: ${code ?? 'no code'}`,
  }),
} as const satisfies Record<string, Words | ((code: string | null) => Words)>;

/**
 * What an operator needs about a held run (a page held, or its reconciliation: `reconciliation`): the hold's
 * counts, what went over, and where to decide; each line in Vietnamese and English.
 */
function heldMessage(runId: number, hold: GuardHoldSummary | undefined, reconciliation: boolean): string {
  const what = reconciliation
    ? { vi: `bước đối soát của lượt đồng bộ ${runId}`, en: `sync run ${runId}'s reconciliation` }
    : { vi: `lượt đồng bộ ${runId}`, en: `sync run ${runId}` };
  const isHeldVi = `${what.vi} bị bộ chặn thay đổi hàng loạt giữ lại`;
  const isHeldEn = `${what.en} is held by the mass-change guard`;
  const holds = 'GET /v1/guard/holds?status=held';
  if (!hold)
    return `truc: ${both(`${isHeldVi}; xem: ${holds}`, `${isHeldEn}; its hold: ${holds}`)}
`;
  const t = hold.totals;
  // the highest ratios, as the hold's summary carries them (fix35a), and how many more
  const over = hold.reasons.map((r) => `  ${reasonLine(r)}\n`);
  const left = hold.reasonsTotal - hold.reasons.length;
  if (left > 0)
    over.push(
      `  ${both(
        `… và ${left} lý do nữa: truc holds show ${hold.id} --all`,
        `… ${countEn(left, 'more reason', 'more reasons')}: truc holds show ${hold.id} --all`,
      )}\n`,
    );
  const schools =
    hold.entity === 'schools'
      ? { vi: '', en: '' }
      : { vi: `${hold.schools} trường, `, en: `${countEn(hold.schools, 'school')}, ` };
  const [approve, reject] = DECISIONS[reconciliation ? 'reconcile' : 'run'];
  const id = hold.id;
  const url = (decision: string) => `POST /v1/guard/holds/${id}/${decision}`;
  return (
    `truc: ${both(
      `${isHeldVi} (lệnh giữ ${id}, ${HOLD_KIND_VI[hold.kind]}): ${schools.vi}${t.live} ${viOf(ENTITY_VI, hold.entity)} còn hiệu lực, ` +
        `${t.deleted} xoá, ${t.moved} chuyển đi, ${t.changed} thay đổi${restoredText(t.restored).vi}`,
      `${isHeldEn} (hold ${id}, ${hold.kind}): ${schools.en}${t.live} live ${entityNounEn(t.live, hold.entity)}, ` +
        `${t.deleted} deleted, ${t.moved} moved, ${t.changed} changed${restoredText(t.restored).en}`,
    )}\n` +
    over.join('') +
    `  ${both(
      `quản trị Sở quyết định (quyền guard): ${url('approve')} (${approve[0]})`,
      `a city admin decides (scope guard): ${url('approve')} (${approve[1]})`,
    )}\n` +
    `  ${both(
      `hoặc ${url('reject')} (${reject[0]}); trên bảng điều khiển: /dashboard#/guard/${id}`,
      `or ${url('reject')} (${reject[1]}); the dashboard: /dashboard#/guard/${id}`,
    )}\n`
  );
}

/** What `--follow` prints a line for when it changes: the run's status and its reconciliation's. */
const stateOf = (run: SyncRun) => `${run.status}/${run.reconcile ?? ''}`;

/**
 * The run as it stands, one line in both languages: status (and a full run's reconciliation), pages,
 * records, tombstones. `--follow` prints it on stderr each time the status changes.
 */
export function statusLine(run: SyncRun): string {
  const rec = run.reconcile
    ? { vi: `, đối soát ${viOf(RECONCILE_VI, run.reconcile)}`, en: `, reconciliation ${run.reconcile}` }
    : { vi: '', en: '' };
  return both(
    `lượt đồng bộ ${run.id}: ${viOf(RUN_STATUS_VI, run.status)}${rec.vi}; ${run.pages} trang, ${run.records} bản ghi, ${run.tombstones} bản ghi xoá`,
    `sync run ${run.id}: ${run.status}${rec.en}; ${countEn(run.pages, 'page')}, ${countEn(run.records, 'record')}, ${countEn(run.tombstones, 'tombstone')}`,
  );
}

/**
 * What `--follow` prints when the run starts or stops waiting on its system (a paused delivery gate: an open
 * circuit, a probe, a Retry-After), or waits on it till another time: the words of `truc sync list|show`
 * ({@link waitingWords}); `line` undefined when it would read as the last one printed (`before`, its `key`).
 */
export function waitingLine(
  id: number,
  system: string,
  w: Parameters<typeof waitingWords>[0],
  before: string,
): { key: string; line: string | undefined } {
  // The key is the line itself (W6-10): a probe time moved by seconds reads the same to the minute, and printing it
  // again told the reader nothing new.
  const words = w ? waitingWords(w) : undefined;
  const key = words ? both(`lượt đồng bộ ${id}: ${words.vi}`, `sync run ${id}: ${words.en}`) : '';
  if (key === before) return { key, line: undefined };
  if (!words)
    return {
      key,
      line: both(`lượt đồng bộ ${id}: hết chờ ${system}`, `sync run ${id}: no longer waiting on ${system}`),
    };
  return { key, line: key };
}

/** The progress line's tail while the run waits (walk2 F4: it said `0 records 0/s` for 15 minutes). */
const waitNote = (w: NonNullable<Parameters<typeof waitingWords>[0]>): Words => ({
  vi: `chờ ${w.system} đến ${vnTime(w.until)}`,
  en: `waiting on ${w.system} until ${vnTime(w.until)}`,
});

/** Printed once when a followed run starts waiting on its system (walk7 W7-9: an outage was followed for ever). */
export const FOLLOW_ONLY = both(
  'Ctrl+C chỉ dừng việc theo dõi; lượt đồng bộ vẫn chạy trong các worker của truc',
  "Ctrl+C stops following only; the run goes on in truc's workers",
);

/** A run the guard holds: one of its pages (status held), or, the run done, its reconciliation. */
const isHeld = (run: SyncRun) => run.status === 'held' || run.reconcile === 'held';

/**
 * How `--follow` follows a run: its look interval and timeout, and the gate settings that say what holds it (those of
 * the configuration loaded here when not given).
 */
type FollowSettings = Required<FollowOptions> & {
  delivery?: WaitSettings;
  /** Off a TTY, a progress line at most this often (default 5,000 ms; tests). */
  everyMs?: number;
};

/**
 * Polls the run until it is done (a full run: its reconciliation too), failed or held by the mass-change
 * guard (a page, or the reconciliation) (or `timeoutS` passes), showing its records and rate
 * (`startProgress`). The workers of a running truc (`truc all` or `truc worker`) do the pulling.
 */
async function follow(db: Db, id: number, o: FollowSettings, out: CliOutput) {
  const { createSyncRunReads } = await import('../../store/sync-run-reads.js');
  const { waitingOf } = await import('../../api/routes/sync-run-view.js');
  const repo = createSyncRunReads(db);
  const delivery = o.delivery ?? loadConfig().sync.delivery;
  const first = await repo.get(id);
  const what = first
    ? { vi: ` ${first.system} ${viOf(ENTITY_VI, first.entity)}`, en: ` ${first.system} ${first.entity}` }
    : { vi: '', en: '' };
  const label = { vi: `lượt đồng bộ ${id}${what.vi}`, en: `sync ${id}${what.en}` };
  const unit = { vi: 'bản ghi', en: 'records', enOne: 'record' };
  const progress = startProgress(out, label, {
    unit,
    ...(o.everyMs === undefined ? {} : { everyMs: o.everyMs }),
  });
  const deadline = Date.now() + o.timeout * 1000;
  let run = first;
  let outcome: Words = OUTCOME.timedOut;
  let seen = '';
  let waited = '';
  let toldFollowOnly = false;
  try {
    for (let i = 0; Date.now() < deadline && i < 10_000_000; i++) {
      run = await repo.get(id);
      if (!run) break;
      const w = waitingOf(run, await repo.waiting(id), delivery);
      progress.note(w ? waitNote(w) : undefined);
      progress.update(run.records);
      const state = stateOf(run);
      if (state !== seen) {
        seen = state;
        out.stderr(`${statusLine(run)}\n`);
      }
      // What it waits on, as GET /v1/syncs/{id} says it (fixes26a: --follow showed a queued run, not why).
      const waiting = waitingLine(id, run.system, w, waited);
      waited = waiting.key;
      if (waiting.line) out.stderr(`${waiting.line}\n`);
      if (w && !toldFollowOnly) out.stderr(`${FOLLOW_ONLY}\n`);
      toldFollowOnly ||= Boolean(w);
      if (isHeld(run)) {
        outcome = OUTCOME.held;
        break;
      }
      if (run.status === 'failed') {
        outcome = OUTCOME.failed(run.errorCode);
        break;
      }
      if (run.status === 'done' && !(await repo.awaitsReconcile(id))) {
        // Its reconciliation may have ended between the two reads: show the run as it ended (its last line was
        // missing once in the full suite, stop 48).
        run = (await repo.get(id)) ?? run;
        if (stateOf(run) !== seen) out.stderr(`${statusLine(run)}\n`);
        outcome = OUTCOME.done;
        break;
      }
      await sleep(o.intervalMs);
    }
  } finally {
    progress.stop(outcome);
  }
  return { run, ok: outcome === OUTCOME.done };
}

/**
 * `--follow`: follows run `id` ({@link follow}), prints it as it ended on stdout and, when the guard
 * holds it, the hold on stderr; resolves with the exit code.
 */
export async function followRun(db: Db, id: number, o: FollowSettings, out: CliOutput): Promise<number> {
  const { run, ok } = await follow(db, id, o, out);
  if (run) out.stdout(`${JSON.stringify(syncRunSummary(run))}\n`);
  if (!run || !isHeld(run)) return ok ? 0 : 1;
  const { createGuardHoldsRepo } = await import('../../store/guard-holds.js');
  const holds = createGuardHoldsRepo(db);
  let hold = await holds.heldOfRun(id);
  // A held run's next pages being weighed (review32 F3, jobs/run-weigh.ts): its hold is printed once whole.
  while (hold?.weighingUntil && hold.weighingUntil.getTime() > Date.now()) {
    await sleep(o.intervalMs);
    hold = await holds.heldOfRun(id);
  }
  out.stderr(heldMessage(id, hold, run.status === 'done'));
  return EXIT_HELD;
}

const syncFollowShowsEn = 'its status, records pulled and the rate';

/**
 * `cmd` with `--follow` and its two settings, as `sync run`, `schedules run` and `quality run` take them; `showsEn` is
 * what following prints, in the English of the option's text (a quality run has no records pulled; the Vietnamese:
 * ../option-texts.ts).
 */
export const withFollow = (cmd: Command, showsEn = syncFollowShowsEn): Command =>
  cmd
    .addOption(new Option('--follow', `wait for the run to finish, showing ${showsEn}`))
    .addOption(
      new Option('--interval-ms <ms>', 'with --follow: poll this often (default 1000)').argParser(
        int(50, 60_000),
      ),
    )
    .addOption(
      new Option('--timeout <seconds>', 'with --follow: give up after this long (default 21600)').argParser(
        int(1, 7 * 86_400),
      ),
    );

/** `--follow`'s settings from the options given (their defaults). */
export const followSettings = (o: FollowOptions) => ({
  intervalMs: o.intervalMs ?? 1000,
  timeout: o.timeout ?? 21_600,
});
