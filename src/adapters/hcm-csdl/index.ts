/**
 * The hcm-csdl adapter (city central education database, modelled interface — see README.md):
 * a {@link SourceAdapter} of schools, classes, students and staff change feeds, and a
 * {@link TargetAdapter} of their upserts. The only export other code should use.
 */
import type {
  ChangeFeed,
  HealthResult,
  ListChangesOptions,
  SourceTargetAdapter,
  WriteOptions,
  WriteReceipt,
} from '../types.js';
import { createHcmCsdlClient, HCM_CSDL_SYSTEM, type HcmCsdlConfig, type HcmCsdlDeps } from './client.js';
import type { HcmCsdlDeletable, HcmCsdlEntity, HcmCsdlWire, HcmCsdlWireIn } from './schema.js';

export type { HcmCsdlConfig, HcmCsdlDeps } from './client.js';
export * from './schema.js';

/**
 * The hcm-csdl adapter. Its generic methods give the exact wire type per entity; it also satisfies the
 * plain {@link SourceTargetAdapter} contract over the union of entities.
 */
export interface HcmCsdlAdapter extends SourceTargetAdapter<
  HcmCsdlEntity,
  HcmCsdlWire[HcmCsdlEntity],
  HcmCsdlWireIn[HcmCsdlEntity]
> {
  listChanges<E extends HcmCsdlEntity>(
    entity: E,
    opts: ListChangesOptions,
  ): AsyncIterable<ChangeFeed<HcmCsdlWire[E]>>;
  write<E extends HcmCsdlEntity>(
    entity: E,
    records: HcmCsdlWireIn[E][],
    opts: WriteOptions,
  ): Promise<WriteReceipt>;
  /** Deletes students or staff by key (`maDinhDanh`); idempotent by key and by `opts.idempotencyKey`. */
  remove(entity: HcmCsdlDeletable, keys: readonly string[], opts: WriteOptions): Promise<WriteReceipt>;
  health(): Promise<HealthResult>;
}

/** Creates the hcm-csdl adapter from its settings and the process dependencies (logger, metrics). */
export function createHcmCsdlAdapter(config: HcmCsdlConfig, deps: HcmCsdlDeps = {}): HcmCsdlAdapter {
  const client = createHcmCsdlClient(config, deps);
  return {
    system: HCM_CSDL_SYSTEM,
    listChanges: (entity, opts) => client.listChanges(entity, opts),
    write: (entity, records, opts) => client.write(entity, records, opts),
    remove: (entity, keys, opts) => client.remove(entity, keys, opts),
    health: () => client.health(),
  };
}
