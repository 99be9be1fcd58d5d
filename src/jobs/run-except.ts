/**
 * A run's pages without the schools an approval left out (fix33b, issue 7 item 3; ./guard-except.ts says what may be
 * left out): a record the page brings to such a school, or takes from it (its live copy is there: changed, moved
 * away), and a tombstone of a live record of it, are taken off the page in the page's own transaction
 * (./pull-store.ts `storeLocked`, so a held run's weighing and its pages alike), each counted against that school
 * (`notApplied`, kept with the page). Nothing of such a school is written, and the run's reconciliation deletes
 * nothing of it (./reconcile.ts); the run keeps no watermark past it (./pull-store.ts `advanceRun`: its changes
 * are asked again by the next run). A run no approval left a school out of reads nothing more. A record that does
 * not map is left on the page (it is refused when judged: nothing of it is written either).
 *
 * fix34c (item 3): the records' schools are read under locks held to the page's commit: the left-out schools'
 * vendor locks (../store/school-lock.ts: no vendor batch of such a school writes meanwhile, a record it brings
 * there included) and the page's stored rows `FOR SHARE` (no other writer moves one of them meanwhile). Read as the
 * page was fetched (before), a record moved into a left-out school between that read and the page's write was
 * written over. The page's mapping is the one its ingest uses (item 4: mapped once, its results handed on as the
 * page's work ahead).
 */
import type { Queryable } from '../store/db.js';
import { createRecordsRepo } from '../store/records.js';
import { lockSchools } from '../store/school-lock.js';
import type { SyncRun } from '../store/sync-run-reads.js';
import type { WorkerContext } from './context.js';
import { inboundMapping, mappedKeys } from './inbound.js';
import type { PageAhead } from './ingest.js';
import type { PulledPage } from './sources.js';

/** A page as its transaction stores it: without the left-out schools' records, and its work ahead to match. */
export interface PageLeftOut {
  page: PulledPage;
  ahead: PageAhead | undefined;
}

/**
 * The page without what touches a school the run's approvals left out, in `q`'s transaction (the locks above
 * taken); `ahead`: the page's work ahead, kept as it is when nothing was taken off (else its records' mappings,
 * those of the page as stored, without the page judged ahead: judged again in the transaction).
 */
export async function withoutRejected(
  q: Queryable,
  ctx: Pick<WorkerContext, 'now'>,
  run: Pick<SyncRun, 'system' | 'entity' | 'rejectedSchools'>,
  page: PulledPage,
  ahead: PageAhead | undefined,
): Promise<PageLeftOut> {
  if (run.rejectedSchools.length === 0) return { page, ahead };
  const rejected = new Set(run.rejectedSchools);
  const mapping = inboundMapping(run.system, run.entity);
  const usable = ahead?.version === mapping.version ? ahead : undefined;
  const results = page.items.map((raw, i) => usable?.results?.[i] ?? mapping.map(raw, { now: ctx.now }));
  const mapped = results.map((r) => (r.ok ? r.value : undefined));
  const keys = [...mappedKeys(mapped), ...page.deletedKeys];
  await lockSchools(q, [...rejected]);
  const liveAt = await createRecordsRepo(q).liveAt(run.entity, keys, { lock: true });
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
  const kept = <T>(all: readonly T[]): T[] => all.filter((_, i) => keepItem[i]);
  // Mapped here, not again by the ingest (item 4): the mappings go on as the page's work ahead.
  const fps = usable ? kept(usable.fps) : results.map(() => undefined);
  const worked: PageAhead = { version: mapping.version, fps, results: kept(results) };
  if (notApplied.size === 0) return { page, ahead: usable?.results ? ahead : worked };
  const { itemBytes, deletedAt } = page;
  return {
    page: {
      ...page,
      items: kept(page.items),
      ...(itemBytes ? { itemBytes: kept(itemBytes) } : {}),
      deletedKeys: page.deletedKeys.filter((_, i) => keepTombstone[i]),
      ...(deletedAt ? { deletedAt: deletedAt.filter((_, i) => keepTombstone[i]) } : {}),
      notApplied,
    },
    ahead: worked,
  };
}
