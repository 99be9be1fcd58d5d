/**
 * Issue 7 (inline): the API ingests a new vendor batch itself, right after the commit that stored it and its outbox
 * row and after its 202, with the records it has (the bytes it stored, parsed once here): no read-back of the body,
 * no job hop. The row is written handed over (../store/outbox.ts `flushHandedOver`) and closed in the ingest's own
 * transaction (./ingest.ts `ingestAccepted`, the job's steps); so the ingest job stays the safety net:
 *  - a batch of more than `jobs.ingestAtOnce.maxRecords` records, more than `jobs.ingestAtOnce.inFlight` ingests at
 *    once in this process, its school's lock taken (an ingest of the school in progress: tried, never waited for) or
 *    any error (rolled back, nothing written) → its job is added to its queue at once, as without this (`queue`);
 *  - the process dies before the ingest commits → the row stays open and its job missing; the relay's reconciler
 *    queues it once open `sync.reconcile.afterSeconds` (./outbox-relay.ts `requeueLost`), as for a lost hand-over;
 *  - a job added meanwhile (the reconciler) finds the batch done: a no-op.
 * Imported by the API's wiring (../app.ts) through the layer rule's one allowed entry ('api-enqueues-through-contracts'
 * lists this module); the route sees only the `AcceptedBatch` it hands over.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics } from '../observability/metrics.js';
import type { Db } from '../store/db.js';
import type { OutboxRow } from '../store/outbox.js';
import { buildAdapters } from './adapters.js';
import type { AcceptedBatch } from './contracts.js';
import { ingestAccepted, SchoolBusyAtOnce } from './ingest.js';
import { buildTargets, routingFor } from './targets.js';

export interface IngestAtOnce {
  /** After the commit that stored `batch` and its handed-over outbox `row`: ingests it here, or queues its job. */
  take(row: OutboxRow, batch: AcceptedBatch): void;
  /** Waits for the ingests in flight (the caller closes the queues after). */
  close(): Promise<void>;
}

/** What the process gives it: the ingest's context, and what to do instead or after. */
export interface IngestAtOnceDeps {
  config: Config;
  db: Db;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
  /** Adds the row's job to its queue (../jobs/hand-over.ts): the way of a batch not ingested here. */
  queue: (row: OutboxRow) => void;
  /** After an ingest here committed (the API wakes its audit chainer). */
  done?: () => void;
  /** Tests only: called before each ingest here; a throw is an error of the ingest (its job ingests the batch). */
  fault?: (batchId: string) => void;
}

export function createIngestAtOnce(deps: IngestAtOnceDeps): IngestAtOnce {
  const { maxRecords, inFlight: most } = deps.config.jobs.ingestAtOnce;
  // The push targets and routes are the worker's (no call is made here: a push set is an outbox row).
  const adapters = buildAdapters(deps.config, { logger: deps.logger, metrics: deps.metrics });
  const targets = buildTargets(adapters, { now: deps.now });
  const { db, metrics, now, config } = deps;
  const context = { db, metrics, now, config, targets, routes: routingFor(targets) };
  const running = new Set<Promise<void>>();

  async function ingestHere(row: OutboxRow, batch: AcceptedBatch): Promise<void> {
    try {
      deps.fault?.(batch.batchId);
      const records = JSON.parse(batch.recordsJson.toString('utf8')) as unknown[];
      const { batchId: id, schoolCode } = batch;
      await ingestAccepted(context, { id, outboxId: row.id, schoolCode, records });
      deps.done?.();
    } catch (err) {
      // Ids only in the log (no record, no personal data): the job ingests the batch.
      if (!(err instanceof SchoolBusyAtOnce))
        deps.logger.warn({ err, batchId: batch.batchId }, 'ingest at once failed; its job ingests the batch');
      deps.queue(row);
    }
  }

  return {
    take(row, batch) {
      if (maxRecords === 0 || batch.received > maxRecords || running.size >= most) return deps.queue(row);
      // After the 202 is sent (the handler answers once this returns): parsing the records waits for it.
      const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => ingestHere(row, batch))
        .finally(() => running.delete(p));
      running.add(p);
    },
    async close() {
      await Promise.allSettled([...running]);
    },
  };
}
