/** `truc dead-letters list | replay`: jobs that failed for good. */
import type { deadLetterView as deadLetterViewOf } from '../../api/routes/dead-letters.js';
import type { replayDeadLetters } from '../../jobs/dead-letters.js';
import { countEn, loadConfig } from '../../config.js';
import { ERROR_CODES } from '../../errors.js';
import { QUEUE_NAMES } from '../../jobs/contract-table.js';
import { DEAD_LETTERS_PAGE_MAX } from '../../store/dead-letters.js';
import { actorText } from './words.js';
import {
  asOption,
  badValue,
  both,
  choice,
  defineCommand,
  errorWords,
  int,
  list,
  masked,
  notFound,
  operatorActor,
  positiveId,
  runs,
  UsageError,
  vnTime,
  type CliOutput,
} from '../kit.js';

interface FilterOptions {
  queue?: string;
  code?: string;
  ids?: number[];
  /** `list --sync-run <id>`: only a sync run's letters (`GET /v1/dead-letters?syncRunId=`). */
  syncRun?: number;
}

/** `--ids 1,2`: positive integers in digits, comma-separated, each by the CLI's one id rule (`0x10`, `1e1`, 20 digits refused: review26a F5). */
function ids(value: string): number[] {
  try {
    return list(value).map(positiveId);
  } catch {
    throw badValue('các số nguyên dương, cách nhau bởi dấu phẩy', 'positive integers, comma-separated');
  }
}

const filterOf = (o: FilterOptions) => ({
  queue: o.queue,
  errorCode: o.code,
  ...(o.ids?.length ? { ids: o.ids } : {}),
  ...(o.syncRun !== undefined ? { syncRunId: o.syncRun } : {}),
});

/** Where every error code is listed, for a `--code` refusal that names only the closest (review35b F6). */
const CODES_LISTED = { vi: 'docs/errors.md', en: 'docs/errors.md' };

/** What a replay mapped with, vi and en (the choice's name, an identifier, is kept in both). */
const MAPPING_WORDS = {
  current: ['current, phiên bản hiện tại', 'current'],
  pinned: ['pinned, phiên bản lần chạy đầu', 'pinned'],
} as const;

/** A listed letter as the API shows it (src/api/routes/dead-letters.ts `deadLetterView`). */
type Listed = ReturnType<typeof deadLetterViewOf>;

/** Where a letter stands: open (a replay takes it), or when it was replayed, resolved or closed. */
function stateOf(l: Listed): { vi: string; en: string } {
  if (l.replayedAt) {
    // who replayed it, by name as it was then, the client id beside it (fix37a; none kept before)
    const by = l.replayedBy === null ? '' : actorText(l.replayedBy, l.replayedById);
    const who = by === '' ? { vi: '', en: '' } : { vi: ` bởi ${by}`, en: ` by ${by}` };
    return {
      vi: `đã chạy lại ${vnTime(l.replayedAt)}${who.vi}`,
      en: `replayed ${vnTime(l.replayedAt)}${who.en}`,
    };
  }
  if (l.resolvedAt)
    return {
      vi: `đã được một lần gửi sau giải quyết ${vnTime(l.resolvedAt)}`,
      en: `resolved by a later delivery ${vnTime(l.resolvedAt)}`,
    };
  if (l.abandonedAt) {
    // fix33c: why, as the dashboard says it (the API's abandonedReason)
    const [vi, en] =
      l.abandonedReason === 'closed-by-replay'
        ? [
            'việc theo lịch, một lần chạy lại đã đóng, chạy lại ở lần kích hoạt sau',
            'a scheduled job closed by its replay, it runs again at its next fire',
          ]
        : l.abandonedReason === 'report-superseded'
          ? [
              'phiên bản báo cáo của nó đã được mở lại, gửi phiên bản mới',
              'its report version was reopened, submit the new version',
            ]
          : ['hệ thống đích đã gỡ và bị quên', 'its target removed and forgotten'];
    return {
      vi: `đã đóng không chạy lại ${vnTime(l.abandonedAt)}: ${vi}`,
      en: `closed unreplayed ${vnTime(l.abandonedAt)}: ${en}`,
    };
  }
  return { vi: 'còn mở', en: 'open' };
}

/**
 * One line per letter, as `truc sync list` lists runs: its id, queue and job, error code, attempts, when it failed,
 * where it stands, the mapping version and the job's references (ids only). The Vietnamese half gives the error
 * table's words for the code, the English half the letter's own message (as the API's errorMessage).
 */
export function deadLetterLine(l: Listed): string {
  const s = stateOf(l);
  const refs = Object.entries(l.refs)
    .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(' ') : v}`)
    .join(', ');
  const tail = refs ? `; ${refs}` : '';
  const words = errorWords(l.errorCode).vi;
  // the message as the job said it, without the code the line gives already (walk: 'ERR_X (ERR_X: …)')
  const said = l.errorMessage.startsWith(`${l.errorCode}: `)
    ? l.errorMessage.slice(l.errorCode.length + 2)
    : l.errorMessage;
  // Another system's words may be in it: control characters shown as `?` (review11: an ESC reached the terminal).
  const message = masked(said.length > 200 ? `${said.slice(0, 200)}…` : said);
  return both(
    `việc lỗi ${l.id} ${l.queue}/${l.job}: ${l.errorCode} (${words}), ${l.attempts} lần thử, lỗi ${vnTime(l.failedAt)}, ${s.vi}; ` +
      `ánh xạ ${l.mappingVersion ?? 'không có'}${tail}`,
    `dead letter ${l.id} ${l.queue}/${l.job}: ${l.errorCode} (${message}), ${countEn(l.attempts, 'attempt')}, failed ${vnTime(l.failedAt)}, ${s.en}; ` +
      `mapping ${l.mappingVersion ?? 'none'}${tail}`,
  );
}

const listCommand = () =>
  runs<FilterOptions & { limit?: number; offset?: number; includeReplayed?: boolean; json?: boolean }>(
    defineCommand('list', 'dead letters not yet replayed, newest first (as GET /v1/dead-letters)')
      .option('--queue <queue>', 'only this queue', choice(QUEUE_NAMES))
      .option('--code <code>', 'only this error code (docs/errors.md)', choice(ERROR_CODES, CODES_LISTED))
      .option('--ids <ids>', 'only these ids, comma-separated', ids)
      .option(
        '--sync-run <id>',
        "only a sync run's: its job carried the run, or its push set did (as ?syncRunId=)",
        positiveId,
      )
      .option('--include-replayed', 'those already replayed too (replayedAt set)')
      .option(
        '--limit <n>',
        `at most this many (default 100, at most ${DEAD_LETTERS_PAGE_MAX}, as the API)`,
        int(1, DEAD_LETTERS_PAGE_MAX),
      )
      .option('--offset <n>', 'skip this many (default 0)', int(0, 1_000_000))
      .option('--json', 'one JSON object a line, as the API lists them'),
    async (o, _args, out) => {
      const config = loadConfig();
      const { withDb } = await import('../../ops.js');
      const { createDeadLettersRepo } = await import('../../store/dead-letters.js');
      const { deadLetterView } = await import('../../api/routes/dead-letters.js');
      const filter = { ...filterOf(o), includeReplayed: o.includeReplayed ?? false };
      const limit = o.limit ?? 100;
      const offset = o.offset ?? 0;
      const page = await withDb(config, async (db) => {
        const repo = createDeadLettersRepo(db);
        return { rows: await repo.list(filter, limit, offset), ...(await repo.count(filter)) };
      });
      const items = page.rows.map(deadLetterView);
      if (o.json) for (const l of items) out.stdout(`${JSON.stringify(l)}\n`);
      else printList(out, { ...page, items, offset }, o.includeReplayed ?? false);
      return 0;
    },
  );

/** `dead-letters list`'s lines: how many match and are open, one line a letter, where the next page starts. */
function printList(
  out: CliOutput,
  page: { items: Listed[]; total: number; open: number; offset: number },
  includeReplayed: boolean,
): void {
  const { items, total, open, offset } = page;
  if (items.length === 0) {
    out.stderr(
      `${
        includeReplayed
          ? both('không có việc lỗi nào', 'no dead letters')
          : both(
              'không có việc lỗi nào chưa chạy lại (--include-replayed: cả việc đã chạy lại)',
              'no dead letters not yet replayed (--include-replayed lists the replayed ones too)',
            )
      }\n`,
    );
    return;
  }
  out.stdout(
    `${both(
      `${items.length} trên ${total} việc lỗi, mới nhất trước (${open} còn mở: truc dead-letters replay)`,
      `${items.length} of ${countEn(total, 'dead letter')}, newest first (${open} open: truc dead-letters replay)`,
    )}\n`,
  );
  for (const l of items) out.stdout(`  ${deadLetterLine(l)}\n`);
  if (offset + items.length < total)
    out.stdout(
      `${both(`còn nữa: --offset ${offset + items.length}`, `more: --offset ${offset + items.length}`)}\n`,
    );
}

/**
 * A replayed letter's line: what its work maps with now, and why (fix30b: a delivery's letter said `no mapping` under
 * `replayed 1 (mapping: current)`, as if the replay had skipped the mapping asked for). A work that maps nothing in
 * (a delivery of canonical records, a PCGD-XMC submission, a webhook) says so, and, only when a pin was asked, that
 * the choice does not apply (walk5 W5-4: the default left, the warning read like an error on a replay that worked);
 * one asked pinned whose letter kept no version runs with the current mapping, and says that.
 */
export function replayedLine(
  i: { id: number; mappingVersion: string | null; pinned: boolean },
  asked: 'current' | 'pinned',
): string {
  const what = !i.mappingVersion
    ? asked === 'pinned'
      ? {
          vi: 'việc này không ánh xạ dữ liệu nhận vào (một lần gửi đi gửi bản ghi đã ánh xạ khi nhận): lựa chọn ánh xạ không áp dụng',
          en: 'its work maps no incoming data (a delivery sends records mapped when they came in): the mapping choice does not apply',
        }
      : {
          vi: 'việc này không ánh xạ dữ liệu nhận vào (một lần gửi đi gửi bản ghi đã ánh xạ khi nhận)',
          en: 'its work maps no incoming data (a delivery sends records mapped when they came in)',
        }
    : i.pinned
      ? {
          vi: `ánh xạ ${i.mappingVersion}, phiên bản ghim (phiên bản lần chạy đầu)`,
          en: `mapping ${i.mappingVersion}, pinned (the version it first ran with)`,
        }
      : asked === 'pinned'
        ? {
            vi: `ánh xạ ${i.mappingVersion}, phiên bản hiện tại (việc lỗi không lưu phiên bản nào để ghim)`,
            en: `mapping ${i.mappingVersion}, the current one (the letter kept no version to pin)`,
          }
        : {
            vi: `ánh xạ ${i.mappingVersion}, phiên bản hiện tại`,
            en: `mapping ${i.mappingVersion}, the current one`,
          };
  return both(`việc lỗi ${i.id}: ${what.vi}`, `dead letter ${i.id}: ${what.en}`);
}

/** Why an asked letter was not replayed: where it stands, as the API shows it, or that it did not match the filters. */
function notReplayedLine(l: Listed): string {
  const s = stateOf(l);
  const why =
    l.replayedAt || l.resolvedAt || l.abandonedAt
      ? { vi: `không còn mở (${s.vi})`, en: `no longer open (${s.en})` }
      : { vi: 'còn mở nhưng không khớp --queue/--code', en: 'open, but not matching --queue/--code' };
  return both(
    `việc lỗi ${l.id} không được chạy lại: ${why.vi}`,
    `dead letter ${l.id} not replayed: ${why.en}`,
  );
}

type ReplayOptions = FilterOptions & { all?: boolean; mapping?: 'current' | 'pinned'; as?: string };
type Replayed = Awaited<ReturnType<typeof replayDeadLetters>>;

/**
 * Replays the letters the options name; with `--ids`, also reads those of them neither replayed nor closed by this
 * replay (as the API, which answers them with nothing: `replayed` and `closed` leave them out), to say why.
 */
async function replayAsked(o: ReplayOptions): Promise<Replayed & { notReplayed: Listed[] }> {
  const actor = operatorActor(o.as);
  const config = loadConfig();
  const { operatorClock, withDb } = await import('../../ops.js');
  const { replayDeadLetters } = await import('../../jobs/dead-letters.js');
  const { createDeadLettersRepo } = await import('../../store/dead-letters.js');
  const { deadLetterView } = await import('../../api/routes/dead-letters.js');
  const by = { actor, at: operatorClock() };
  return withDb(config, async (db) => {
    // An id no letter has is the CLI's unknown id (ERR_NOT_FOUND, exit 1), nothing replayed; one replayed already
    // is known, and the replay says it matched nothing open.
    const repo = createDeadLettersRepo(db);
    const unknown = await repo.unknown(o.ids ?? []);
    if (unknown.length > 0) throw notFound({ vi: 'việc lỗi', en: 'dead letter' }, unknown.join(', '));
    const r = await replayDeadLetters(db, filterOf(o), by, { mapping: o.mapping ?? 'current' });
    // the replay's own account of the ids it skipped (runs item 3), each line with where the letter stands
    const missed = r.skipped.map((k) => k.id);
    const rows = missed.length
      ? await repo.list({ ids: missed, includeReplayed: true }, missed.length, 0)
      : [];
    return { ...r, notReplayed: rows.map(deadLetterView).sort((a, b) => a.id - b.id) };
  });
}

/** A replay's lines: how many were replayed, those closed without a replay, those asked for and not replayed (why). */
function printReplay(out: CliOutput, r: Replayed & { notReplayed: Listed[] }): void {
  const mapping = MAPPING_WORDS[r.mapping];
  // The mapping asked for, unless no letter replayed maps anything (its line says the choice does not apply).
  const mapsNothing = r.items.length > 0 && r.items.every((i) => !i.mappingVersion);
  out.stdout(
    `${
      mapsNothing
        ? both(`đã chạy lại ${r.replayed.length}`, `replayed ${r.replayed.length}`)
        : both(
            `đã chạy lại ${r.replayed.length} (ánh xạ: ${mapping[0]})`,
            `replayed ${r.replayed.length} (mapping: ${mapping[1]})`,
          )
    }\n`,
  );
  if (r.closed.length > 0)
    out.stdout(
      `${both(
        `đã đóng ${r.closed.length} không chạy lại (${r.closed.join(', ')}): việc do bộ lập lịch xếp, không có gì để chạy lại, sẽ chạy lại ở lần kích hoạt sau`,
        `closed ${r.closed.length} without a replay (${r.closed.join(', ')}): jobs the scheduler queued have nothing to replay from and run again at their next fire`,
      )}\n`,
    );
  if (r.replayed.length === 0 && r.closed.length === 0)
    out.stderr(
      `${both(
        'không có việc lỗi nào chưa chạy lại khớp bộ lọc (việc đã chạy lại không được chạy lại lần nữa; xem: dead-letters list --include-replayed)',
        'no dead letter not yet replayed matches (a replayed one is not replayed again; see dead-letters list --include-replayed)',
      )}\n`,
    );
  for (const l of r.notReplayed) out.stderr(`  ${notReplayedLine(l)}\n`);
  for (const i of r.items) out.stdout(`  ${replayedLine(i, r.mapping)}\n`);
}

/** `--all` beside a filter: refused before anything is read or replayed, in the API's words for all=true (fix8). */
async function refuseAllWithFilters(o: ReplayOptions): Promise<void> {
  if (!o.all) return;
  const given = [
    ...(o.ids?.length ? ['--ids'] : []),
    ...(o.queue ? ['--queue'] : []),
    ...(o.code ? ['--code'] : []),
    ...(o.syncRun !== undefined ? ['--sync-run'] : []),
  ];
  if (given.length === 0) return;
  const { allWithFilters } = await import('../../jobs/dead-letters.js');
  throw new UsageError(allWithFilters('--all', given));
}

const replayCommand = () =>
  runs<ReplayOptions>(
    defineCommand('replay', 'queue dead letters again: by --ids, --queue, --code or --sync-run, or --all')
      .option('--queue <queue>', 'every dead letter of this queue', choice(QUEUE_NAMES))
      .option('--sync-run <id>', "a sync run's letters (as list --sync-run lists them)", positiveId)
      .option(
        '--code <code>',
        'every dead letter with this error code (docs/errors.md)',
        choice(ERROR_CODES, CODES_LISTED),
      )
      .option('--ids <ids>', 'these ids, comma-separated (exit 1 when none of them is replayed)', ids)
      .option('--all', 'every dead letter')
      .option(
        '--mapping <choice>',
        'current (default): map with the current mapping; pinned: with the version the work first ran with',
        (v: string) => {
          if (v !== 'current' && v !== 'pinned') throw badValue('current hoặc pinned', 'current or pinned');
          return v;
        },
      )
      .addOption(asOption()),
    async (o, _args, out) => {
      if (!o.all && !o.queue && !o.code && !o.ids?.length && o.syncRun === undefined)
        throw new UsageError(
          both(
            'dead-letters replay cần --ids, --queue, --code hoặc --sync-run, hoặc --all',
            'dead-letters replay needs --ids, --queue, --code or --sync-run, or --all',
          ),
        );
      await refuseAllWithFilters(o);
      const r = await replayAsked(o);
      printReplay(out, r);
      // Letters asked for by id and none of them replayed (nor closed by this replay): nothing was done, a failure.
      return o.ids?.length && r.replayed.length === 0 && r.closed.length === 0 ? 1 : 0;
    },
  );

export const deadLettersCommand = () =>
  defineCommand('dead-letters', 'jobs that failed for good: list, replay')
    .addCommand(listCommand())
    .addCommand(replayCommand());
