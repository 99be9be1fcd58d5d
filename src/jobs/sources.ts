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
  /** Natural keys the system reports as deleted (tombstones). */
  deletedKeys: string[];
  nextCursor: string | undefined;
  watermark: string | undefined;
}

export interface PullSource {
  readonly system: SystemName;
  readonly entities: readonly EntityName[];
  page(entity: EntityName, opts: ListChangesOptions): Promise<PulledPage>;
}

export type PullSources = Partial<Record<SystemName, PullSource>>;

function fromAdapter(
  system: SystemName,
  adapter: SourceAdapter<string, unknown>,
  tombstoneKey: (item: unknown) => string | undefined = () => undefined,
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
        for (const item of next.value.items) {
          const key = tombstoneKey(item);
          if (key === undefined) items.push(item);
          else deletedKeys.push(key);
        }
        return { items, deletedKeys, nextCursor: next.value.nextCursor, watermark: next.value.watermark };
      } finally {
        await iterator.return?.();
      }
    },
  };
}

/** hcm-csdl marks deleted records in its change feed; the others report none. */
function hcmCsdlTombstone(item: unknown): string | undefined {
  const r = item as { deleted?: boolean; maDinhDanh?: string };
  return r.deleted === true ? (r.maDinhDanh ?? '') : undefined;
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
