/**
 * Pull sources: each wraps a system's SourceAdapter (built once in ./adapters.ts) so the pull job can
 * ask for exactly one page at a cursor. What each system can be pulled for is in src/canonical/systems.ts.
 */
import type { ListChangesOptions, SourceAdapter } from '../adapters/types.js';
import { SYSTEMS } from '../canonical/systems.js';
import type { EntityName, SystemName } from '../config.js';
import type { SystemAdapters } from './adapters.js';

export interface PulledPage {
  items: unknown[];
  /**
   * Per item, its bytes as the system sent them, where its adapter tells them (./source-fp.ts fingerprints
   * a record by them: issue 7, not serialised again).
   */
  itemBytes?: readonly Uint8Array[] | undefined;
  /** Natural keys the system reports as deleted (tombstones). */
  deletedKeys: string[];
  /**
   * Per tombstone of `deletedKeys`, when the system deleted the record by its own clock (an ISO time), where it
   * tells (hcm-csdl's `updatedAt`): kept with the record (../store/record-deletions.ts `sourceAt`).
   */
  deletedAt?: readonly (string | undefined)[] | undefined;
  nextCursor: string | undefined;
  watermark: string | undefined;
  /** Schools the listing gave up on at this page (their set kept changing): a full run deletes nothing of them. */
  unstableScopes?: readonly string[] | undefined;
  /**
   * Per school an approval left out of the run, how many of the page's records and tombstones were taken off it
   * (./run-except.ts): counted with the page; absent when none.
   */
  notApplied?: ReadonlyMap<string, number> | undefined;
  /** The working year of the page's records, where the system tells it (moet-pcgd persons): kept on the run. */
  workingYear?: number | undefined;
}

export interface PullSource {
  readonly system: SystemName;
  readonly entities: readonly EntityName[];
  page(entity: EntityName, opts: ListChangesOptions): Promise<PulledPage>;
}

export type PullSources = Partial<Record<SystemName, PullSource>>;

/** A tombstone of a page: the natural key it deletes, and when the system deleted it (an ISO time, where told). */
interface Tombstone {
  key: string;
  at: string | undefined;
}

function fromAdapter(
  system: SystemName,
  adapter: SourceAdapter<string, unknown>,
  tombstoneOf: (item: unknown) => Tombstone | undefined = () => undefined,
): PullSource {
  return {
    system,
    entities: SYSTEMS[system].pull,
    async page(entity, opts) {
      const iterator = adapter.listChanges(entity, opts)[Symbol.asyncIterator]();
      try {
        const next = await iterator.next();
        if (next.done) return { items: [], deletedKeys: [], nextCursor: undefined, watermark: undefined };
        const items: unknown[] = [];
        const deletedKeys: string[] = [];
        const deletedAt: (string | undefined)[] = [];
        const { itemBytes: told } = next.value;
        const bytes = told?.length === next.value.items.length ? told : undefined;
        const itemBytes: Uint8Array[] | undefined = bytes ? [] : undefined;
        next.value.items.forEach((item, i) => {
          const tombstone = tombstoneOf(item);
          if (tombstone !== undefined) {
            deletedKeys.push(tombstone.key);
            deletedAt.push(tombstone.at);
          } else {
            items.push(item);
            itemBytes?.push(bytes![i]!);
          }
        });
        const { watermark, unstableScopes, workingYear } = next.value;
        // An empty next cursor is the last page, as in wire.ts paginate (./pull-ahead.ts checks a repeated one).
        const nextCursor = next.value.nextCursor === '' ? undefined : next.value.nextCursor;
        const unstable = unstableScopes?.length ? { unstableScopes } : {};
        return {
          items,
          ...(itemBytes ? { itemBytes } : {}),
          deletedKeys,
          ...(deletedAt.some((at) => at !== undefined) ? { deletedAt } : {}),
          nextCursor,
          watermark,
          ...unstable,
          ...(workingYear !== undefined ? { workingYear } : {}),
        };
      } finally {
        await iterator.return?.();
      }
    },
  };
}

/**
 * hcm-csdl marks deleted records in its change feed, with the time it deleted each (`updatedAt`, kept when it
 * is a time); the others report none.
 */
function hcmCsdlTombstone(item: unknown): Tombstone | undefined {
  const r = item as { deleted?: boolean; maDinhDanh?: string; updatedAt?: unknown };
  if (r.deleted !== true) return undefined;
  const t = typeof r.updatedAt === 'string' ? Date.parse(r.updatedAt) : Number.NaN;
  return { key: r.maDinhDanh ?? '', at: Number.isNaN(t) ? undefined : new Date(t).toISOString() };
}

/** Pull sources over the shared adapters. */
export function buildSources(adapters: SystemAdapters): PullSources {
  const sources: PullSources = {};
  const { 'hcm-csdl': hcm, 'moet-pcgd': moet, smas, vnedu } = adapters;
  if (hcm) sources['hcm-csdl'] = fromAdapter('hcm-csdl', hcm, hcmCsdlTombstone);
  if (moet) sources['moet-pcgd'] = fromAdapter('moet-pcgd', moet);
  if (smas) sources.smas = fromAdapter('smas', smas);
  if (vnedu) sources.vnedu = fromAdapter('vnedu', vnedu);
  return sources;
}
