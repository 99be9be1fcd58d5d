/**
 * Pull sources: each wraps a system's SourceAdapter (built once in ./adapters.ts) so the pull job can
 * ask for exactly one page at a cursor.
 */
import type { ListChangesOptions, SourceAdapter } from '../adapters/types.js';
import type { SystemAdapters } from './adapters.js';
import type { SystemName } from '../config.js';
import type { RecordEntity } from '../store/records.js';

export interface PulledPage {
  items: unknown[];
  /** Natural keys the system reports as deleted (tombstones). */
  deletedKeys: string[];
  nextCursor: string | undefined;
  watermark: string | undefined;
}

export interface PullSource {
  readonly system: SystemName;
  readonly entities: readonly RecordEntity[];
  /** Whether the scope (school or commune) is required for this system. */
  readonly scopeRequired: boolean;
  page(entity: RecordEntity, opts: ListChangesOptions): Promise<PulledPage>;
}

function fromAdapter(
  system: SystemName,
  adapter: SourceAdapter<string, unknown>,
  entities: readonly RecordEntity[],
  scopeRequired: boolean,
  tombstoneKey: (item: unknown) => string | undefined,
): PullSource {
  return {
    system,
    entities,
    scopeRequired,
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

const SCHOOL_SYSTEM_ENTITIES: readonly RecordEntity[] = ['classes', 'students', 'staff'];
const noTombstones = (): undefined => undefined;

/** Pull sources over the shared adapters. */
export function buildSources(adapters: SystemAdapters): Partial<Record<SystemName, PullSource>> {
  const sources: Partial<Record<SystemName, PullSource>> = {};
  const { 'hcm-csdl': hcm, 'moet-pcgd': moet, smas, vnedu } = adapters;
  if (hcm) {
    sources['hcm-csdl'] = fromAdapter(
      'hcm-csdl',
      hcm,
      ['schools', 'classes', 'students', 'staff'],
      false,
      (item) => {
        const r = item as { deleted?: boolean; maDinhDanh?: string };
        return r.deleted === true ? (r.maDinhDanh ?? '') : undefined;
      },
    );
  }
  if (moet) sources['moet-pcgd'] = fromAdapter('moet-pcgd', moet, ['persons'], true, noTombstones);
  if (smas) sources.smas = fromAdapter('smas', smas, SCHOOL_SYSTEM_ENTITIES, false, noTombstones);
  if (vnedu) sources.vnedu = fromAdapter('vnedu', vnedu, SCHOOL_SYSTEM_ENTITIES, false, noTombstones);
  return sources;
}
