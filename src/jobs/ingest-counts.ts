/** What an ingest judged of a batch's records, and its metric (`truc_records_ingested_total`). */
import type { EntityName } from '../config.js';
import type { Metrics } from '../observability/metrics.js';

export interface Counts {
  accepted: number;
  rejected: number;
  unchanged: number;
  /** Records a snapshot batch deleted (snapshot mode only). */
  deleted?: number;
}

export function countIngested(
  deps: { metrics: Pick<Metrics, 'recordsIngested'> },
  entity: EntityName,
  counts: Counts,
): void {
  deps.metrics.recordsIngested.inc({ entity, outcome: 'accepted' }, counts.accepted);
  deps.metrics.recordsIngested.inc({ entity, outcome: 'rejected' }, counts.rejected);
  deps.metrics.recordsIngested.inc({ entity, outcome: 'unchanged' }, counts.unchanged);
  deps.metrics.recordsIngested.inc({ entity, outcome: 'deleted' }, counts.deleted ?? 0);
}
