/** `truc dead-letters list | replay`: jobs that failed for good. */
import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../../config.js';
import { defineCommand, int, list, runs, UsageError } from '../kit.js';

interface FilterOptions {
  queue?: string;
  code?: string;
  ids?: number[];
}

/** `--ids 1,2`: positive integers, comma-separated. */
function ids(value: string): number[] {
  const out = list(value).map(Number);
  if (out.some((n) => !Number.isInteger(n) || n <= 0))
    throw new InvalidArgumentError('positive integers, comma-separated');
  return out;
}

const filterOf = (o: FilterOptions) => ({
  queue: o.queue,
  errorCode: o.code,
  ...(o.ids?.length ? { ids: o.ids } : {}),
});

const listCommand = () =>
  runs<FilterOptions & { limit?: number }>(
    defineCommand('list', 'dead letters, newest first, one JSON object a line')
      .option('--queue <queue>', 'only this queue')
      .option('--code <code>', 'only this error code')
      .option('--ids <ids>', 'only these ids, comma-separated', ids)
      .option('--limit <n>', 'at most this many (default 100)', int(1, 10_000)),
    async (o, _args, out) => {
      const config = loadConfig();
      const { withDb } = await import('../../ops.js');
      const { createDeadLettersRepo } = await import('../../store/dead-letters.js');
      const rows = await withDb(config, (db) =>
        createDeadLettersRepo(db).list(filterOf(o), o.limit ?? 100, 0),
      );
      for (const r of rows) out.stdout(`${JSON.stringify({ ...r, failedAt: r.failedAt.toISOString() })}\n`);
      if (rows.length === 0) out.stderr('no dead letters\n');
      return 0;
    },
  );

const replayCommand = () =>
  runs<FilterOptions & { all?: boolean; mapping?: 'current' | 'pinned' }>(
    defineCommand('replay', 'queue dead letters again: by --ids, --queue or --code, or --all')
      .option('--queue <queue>', 'every dead letter of this queue')
      .option('--code <code>', 'every dead letter with this error code')
      .option('--ids <ids>', 'these ids, comma-separated', ids)
      .option('--all', 'every dead letter')
      .option(
        '--mapping <choice>',
        'current (default): map with the current mapping; pinned: with the version the work first ran with',
        (v: string) => {
          if (v !== 'current' && v !== 'pinned') throw new InvalidArgumentError('current or pinned');
          return v;
        },
      ),
    async (o, _args, out) => {
      if (!o.all && !o.queue && !o.code && !o.ids?.length)
        throw new UsageError('dead-letters replay needs --ids, --queue or --code, or --all');
      const config = loadConfig();
      const { operatorClock, withDb } = await import('../../ops.js');
      const { replayDeadLetters } = await import('../../jobs/dead-letters.js');
      const by = { actor: 'operator:cli', at: operatorClock() };
      const r = await withDb(config, (db) =>
        replayDeadLetters(db, filterOf(o), by, { mapping: o.mapping ?? 'current' }),
      );
      out.stdout(`replayed ${r.replayed.length} (mapping: ${r.mapping})\n`);
      for (const i of r.items) {
        out.stdout(`  ${i.id}: ${i.mappingVersion ?? 'no mapping'}${i.pinned ? ' (pinned)' : ''}\n`);
      }
      return 0;
    },
  );

export const deadLettersCommand = () =>
  defineCommand('dead-letters', 'jobs that failed for good: list, replay')
    .addCommand(listCommand())
    .addCommand(replayCommand());
