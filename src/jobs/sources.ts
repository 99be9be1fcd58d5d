/**
 * Pull sources built from configuration: each wraps a system's SourceAdapter so the pull job can ask
 * for exactly one page at a cursor. A system without a base URL or credentials is not a source.
 */
import type { Logger } from 'pino';
import { createHcmCsdlAdapter } from '../adapters/hcm-csdl/index.js';
import { createMoetPcgdAdapter } from '../adapters/moet-pcgd/index.js';
import { createSmasAdapter } from '../adapters/smas/index.js';
import { createVneduAdapter } from '../adapters/vnedu/index.js';
import type { ListChangesOptions, SourceAdapter } from '../adapters/types.js';
import type { Config, SystemName } from '../config.js';
import type { Metrics } from '../observability/metrics.js';
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

export function buildSources(config: Config, deps: { logger: Logger; metrics: Metrics }) {
  const sources: Partial<Record<SystemName, PullSource>> = {};
  const hcm = config.systems['hcm-csdl'];
  if (hcm.baseUrl && hcm.clientId && hcm.clientSecret) {
    const adapter = createHcmCsdlAdapter(
      {
        baseURL: hcm.baseUrl,
        clientId: hcm.clientId,
        clientSecret: hcm.clientSecret,
        timeoutMs: hcm.timeoutMs,
      },
      deps,
    );
    sources['hcm-csdl'] = fromAdapter(
      'hcm-csdl',
      adapter,
      ['schools', 'classes', 'students', 'staff'],
      false,
      (item) => {
        const r = item as { deleted?: boolean; maDinhDanh?: string };
        return r.deleted === true ? (r.maDinhDanh ?? '') : undefined;
      },
    );
  }
  const moet = config.systems['moet-pcgd'];
  if (moet.baseUrl && moet.clientId && moet.clientSecret) {
    const adapter = createMoetPcgdAdapter(
      {
        baseURL: moet.baseUrl,
        clientId: moet.clientId,
        clientSecret: moet.clientSecret,
        timeoutMs: moet.timeoutMs,
      },
      deps,
    );
    sources['moet-pcgd'] = fromAdapter('moet-pcgd', adapter, ['persons'], true, () => undefined);
  }
  const smas = config.systems.smas;
  if (smas.baseUrl && smas.apiKey) {
    const adapter = createSmasAdapter({
      baseURL: smas.baseUrl,
      apiKey: smas.apiKey,
      timeoutMs: smas.timeoutMs,
      ...deps,
    });
    sources.smas = fromAdapter('smas', adapter, ['classes', 'students', 'staff'], false, () => undefined);
  }
  const vnedu = config.systems.vnedu;
  if (vnedu.baseUrl && vnedu.token) {
    const adapter = createVneduAdapter({
      baseURL: vnedu.baseUrl,
      token: vnedu.token,
      timeoutMs: vnedu.timeoutMs,
      ...deps,
    });
    sources.vnedu = fromAdapter('vnedu', adapter, ['classes', 'students', 'staff'], false, () => undefined);
  }
  return sources;
}
