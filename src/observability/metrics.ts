import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus metric truc exposes, defined once. Names are prefixed `truc_` and carry their
 * unit. Labels are bounded (system, queue, outcome, route pattern, status class, criterion): never
 * record ids, school codes or personal data.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'truc_' });

  const httpRequestDuration = new Histogram({
    name: 'truc_http_request_duration_seconds',
    help: 'HTTP requests served, by method, route pattern and status class.',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const jobsProcessed = new Counter({
    name: 'truc_jobs_processed_total',
    help: 'Jobs finished by workers, by queue and outcome (completed, retried, dead).',
    labelNames: ['queue', 'outcome'] as const,
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: 'truc_job_duration_seconds',
    help: 'Time a worker spent on one job attempt, by queue.',
    labelNames: ['queue'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const outboxPending = new Gauge({
    name: 'truc_outbox_pending',
    help: 'Outbox rows not yet handed to the queue.',
    registers: [registry],
  });
  const outboxLag = new Gauge({
    name: 'truc_outbox_lag_seconds',
    help: 'Age of the oldest outbox row not yet handed to the queue.',
    registers: [registry],
  });
  const deadLettersOpen = new Gauge({
    name: 'truc_dead_letters_open',
    help: 'Jobs that failed for good and were not replayed yet, by queue (alert on > 0).',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  const externalRequestDuration = new Histogram({
    name: 'truc_external_request_duration_seconds',
    help: 'Calls to external systems, by system, method and status class (or error kind).',
    labelNames: ['system', 'method', 'status_class'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const recordsIngested = new Counter({
    name: 'truc_records_ingested_total',
    help: 'Records processed by ingest, by entity and outcome (accepted, rejected, unchanged).',
    labelNames: ['entity', 'outcome'] as const,
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'truc_auth_failures_total',
    help: 'Rejected authentication attempts, by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });

  return {
    registry,
    httpRequestDuration,
    jobsProcessed,
    jobDuration,
    outboxPending,
    outboxLag,
    deadLettersOpen,
    externalRequestDuration,
    recordsIngested,
    authFailures,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
