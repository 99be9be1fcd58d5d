/**
 * A run's pages without the schools an approval left out (fix33b, issue 7 item 3; ./guard-except.ts says what may be
 * left out): a record the page brings to such a school, or takes from it (its live copy is there: changed, moved
 * away), and a tombstone of a live record of it, are taken off the page as it is read (./pull-ahead.ts `fetchPage`,
 * so a held run's weighing and its pages alike), each counted against that school (`notApplied`, kept with the page:
 * ./pull-store.ts). Nothing of such a school is written, and the run's reconciliation deletes nothing of it
 * (./reconcile.ts). A run no approval left a school out of reads nothing more. A record that does not map is left on
 * the page (it is refused when judged: nothing of it is written either).
 */
import { createRecordsRepo } from '../store/records.js';
import type { SyncRun } from '../store/sync-run-reads.js';
import type { WorkerContext } from './context.js';
import { inboundMapping } from './inbound.js';
import type { PulledPage } from './sources.js';

export async function withoutRejected(
  ctx: Pick<WorkerContext, 'db' | 'now'>,
  run: Pick<SyncRun, 'system' | 'entity' | 'rejectedSchools'>,
  page: PulledPage,
): Promise<PulledPage> {
  if (run.rejectedSchools.length === 0) return page;
  const rejected = new Set(run.rejectedSchools);
  const mapping = inboundMapping(run.system, run.entity);
  const mapped = page.items.map((raw) => {
    const r = mapping.map(raw, { now: ctx.now });
    return r.ok ? r.value : undefined;
  });
  const keys = [...mapped.flatMap((r) => (r ? [r.key] : [])), ...page.deletedKeys];
  const liveAt = await createRecordsRepo(ctx.db).liveAt(run.entity, keys);
  const notApplied = new Map<string, number>();
  /** The school left out that a record touches (its live copy's, else where it goes), or undefined. */
  const leftOut = (key: string, to?: string): string | undefined => {
    const from = liveAt.get(key);
    const school =
      from !== undefined && rejected.has(from) ? from : to !== undefined && rejected.has(to) ? to : undefined;
    if (school !== undefined) notApplied.set(school, (notApplied.get(school) ?? 0) + 1);
    return school;
  };
  const keepItem = mapped.map((r) => r === undefined || leftOut(r.key, r.scope) === undefined);
  const keepTombstone = page.deletedKeys.map((key) => leftOut(key) === undefined);
  if (notApplied.size === 0) return page;
  const { itemBytes, deletedAt } = page;
  return {
    ...page,
    items: page.items.filter((_, i) => keepItem[i]),
    ...(itemBytes ? { itemBytes: itemBytes.filter((_, i) => keepItem[i]) } : {}),
    deletedKeys: page.deletedKeys.filter((_, i) => keepTombstone[i]),
    ...(deletedAt ? { deletedAt: deletedAt.filter((_, i) => keepTombstone[i]) } : {}),
    notApplied,
  };
}
