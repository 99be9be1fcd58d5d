/** `truc dead-letters list | replay`: jobs that failed for good. */
import { loadConfig } from '../../config.js';
import { ERROR_CODES } from '../../errors.js';
import { QUEUE_NAMES } from '../../jobs/contract-table.js';
import {
  asOption,
  badValue,
  both,
  choice,
  defineCommand,
  int,
  list,
  operatorActor,
  positiveId,
  runs,
  UsageError,
} from '../kit.js';

interface FilterOptions {
  queue?: string;
  code?: string;
  ids?: number[];
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
});

/** What a replay mapped with, vi and en (the choice's name, an identifier, is kept in both). */
const MAPPING_WORDS = {
  current: ['current, phiên bản hiện tại', 'current'],
  pinned: ['pinned, phiên bản lần chạy đầu', 'pinned'],
} as const;

const listCommand = () =>
  runs<FilterOptions & { limit?: number; includeReplayed?: boolean }>(
    defineCommand('list', 'dead letters not yet replayed, newest first, one JSON object a line')
      .option('--queue <queue>', 'only this queue', choice(QUEUE_NAMES))
      .option('--code <code>', 'only this error code (docs/errors.md)', choice(ERROR_CODES))
      .option('--ids <ids>', 'only these ids, comma-separated', ids)
      .option('--include-replayed', 'those already replayed too (replayedAt set)')
      .option('--limit <n>', 'at most this many (default 100)', int(1, 10_000)),
    async (o, _args, out) => {
      const config = loadConfig();
      const { withDb } = await import('../../ops.js');
      const { createDeadLettersRepo } = await import('../../store/dead-letters.js');
      const rows = await withDb(config, (db) =>
        createDeadLettersRepo(db).list(
          { ...filterOf(o), includeReplayed: o.includeReplayed ?? false },
          o.limit ?? 100,
          0,
        ),
      );
      for (const r of rows) out.stdout(`${JSON.stringify({ ...r, failedAt: r.failedAt.toISOString() })}\n`);
      if (rows.length === 0)
        out.stderr(
          `${
            o.includeReplayed
              ? both('không có việc lỗi nào', 'no dead letters')
              : both(
                  'không có việc lỗi nào chưa chạy lại (--include-replayed: cả việc đã chạy lại)',
                  'no dead letters not yet replayed (--include-replayed lists the replayed ones too)',
                )
          }\n`,
        );
      return 0;
    },
  );

const replayCommand = () =>
  runs<FilterOptions & { all?: boolean; mapping?: 'current' | 'pinned'; as?: string }>(
    defineCommand('replay', 'queue dead letters again: by --ids, --queue or --code, or --all')
      .option('--queue <queue>', 'every dead letter of this queue', choice(QUEUE_NAMES))
      .option('--code <code>', 'every dead letter with this error code (docs/errors.md)', choice(ERROR_CODES))
      .option('--ids <ids>', 'these ids, comma-separated', ids)
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
      if (!o.all && !o.queue && !o.code && !o.ids?.length)
        throw new UsageError(
          both(
            'dead-letters replay cần --ids, --queue hoặc --code, hoặc --all',
            'dead-letters replay needs --ids, --queue or --code, or --all',
          ),
        );
      const actor = operatorActor(o.as);
      const config = loadConfig();
      const { operatorClock, withDb } = await import('../../ops.js');
      const { replayDeadLetters } = await import('../../jobs/dead-letters.js');
      const by = { actor, at: operatorClock() };
      const r = await withDb(config, (db) =>
        replayDeadLetters(db, filterOf(o), by, { mapping: o.mapping ?? 'current' }),
      );
      const mapping = MAPPING_WORDS[r.mapping];
      out.stdout(
        `${both(
          `đã chạy lại ${r.replayed.length} (ánh xạ: ${mapping[0]})`,
          `replayed ${r.replayed.length} (mapping: ${mapping[1]})`,
        )}\n`,
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
      for (const i of r.items) {
        const version = i.mappingVersion ?? both('không có ánh xạ', 'no mapping');
        out.stdout(`  ${i.id}: ${version}${i.pinned ? ` (${both('phiên bản ghim', 'pinned')})` : ''}\n`);
      }
      return 0;
    },
  );

export const deadLettersCommand = () =>
  defineCommand('dead-letters', 'jobs that failed for good: list, replay')
    .addCommand(listCommand())
    .addCommand(replayCommand());
