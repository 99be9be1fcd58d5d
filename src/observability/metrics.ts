import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { gateStateMetrics } from './gate-metrics.js';
import { SCRAPE_HOOK_TIMEOUT_MS, scrapeHooks } from './scrape-hooks.js';
export type { ScrapeHook } from './scrape-hooks.js';

/** What `truc_build_info` says about the running build. */
export interface BuildInfo {
  version: string;
  commit: string;
}

/** A registry with the default Node.js process metrics (their standard names, no prefix). */
function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client exports these three totals as gauges named `_total`, which `promtool check metrics`
  // refuses; their per-type gauges (nodejs_active_handles{type} …) stay: sum() them instead.
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ])
    registry.removeSingleMetric(name);
  return registry;
}

/** The city's scorecard colour bands (quality.colourBands), in percent: ≥ green is green, ≥ yellow yellow, below red. */
export interface QualityBands {
  green: number;
  yellow: number;
}

/**
 * The colour bands as pass ratios, set once from the configuration (fix31b: TrucQualityCritical fired under 70 %
 * whatever the city's bands, while its scorecards turned red under 75 %): the quality alerts compare
 * truc_quality_pass_ratio with them, so an alert fires where the dashboard turns amber or red. No series without bands.
 */
function qualityBandsOf(registry: Registry, bands: QualityBands | undefined) {
  const gauge = new Gauge({
    name: 'truc_quality_band_min_ratio',
    help: "The lowest pass ratio (0..1) of each scorecard colour band the city configured (quality.colourBands): at or above green's a ratio is green, at or above yellow's yellow, below it red. TrucQualityBelowBand and TrucQualityCritical compare truc_quality_pass_ratio with them.",
    labelNames: ['band'] as const,
    registers: [registry],
  });
  if (bands) for (const band of ['green', 'yellow'] as const) gauge.set({ band }, bands[band] / 100);
  return gauge;
}

/** `truc_build_info`: always 1, its labels say which build runs. */
function buildInfoOf(registry: Registry, build: BuildInfo | undefined) {
  const buildInfo = new Gauge({
    name: 'truc_build_info',
    help: 'Always 1; the labels say which build runs (version, commit, Node.js version).',
    labelNames: ['version', 'commit', 'node_version'] as const,
    registers: [registry],
  });
  buildInfo.set(
    {
      version: build?.version ?? 'unknown',
      commit: build?.commit ?? 'unknown',
      node_version: process.version,
    },
    1,
  );
  return buildInfo;
}

/** Work flowing through truc: HTTP requests, jobs, the outbox and dead letters. */
function flowMetrics(registry: Registry) {
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
  const dbClockSkew = new Gauge({
    name: 'truc_db_clock_skew_seconds',
    help: "PostgreSQL's clock (now()) minus this process's, at the last scrape (fix36f: schedules, Retry-After, leases and PCGD deadlines assume both are right; run chrony or systemd-timesyncd).",
    registers: [registry],
  });
  const outboxRelayFailures = new Counter({
    name: 'truc_outbox_relay_failures_total',
    help: 'Outbox relay passes that failed (the database or the queue unreachable); each is tried again at the next poll.',
    registers: [registry],
  });
  const deadLettersOpen = new Gauge({
    name: 'truc_dead_letters_open',
    help: 'Jobs that failed for good and were not replayed yet, by queue (alert on > 0).',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  return {
    httpRequestDuration,
    jobsProcessed,
    jobDuration,
    outboxPending,
    outboxLag,
    dbClockSkew,
    outboxRelayFailures,
    deadLettersOpen,
  };
}

/** The edges: external calls, ingested records, delivery gates (issue 7), authentication, purged batch bodies. */
function edgeMetrics(registry: Registry) {
  const externalRequestDuration = new Histogram({
    name: 'truc_external_request_duration_seconds',
    help: 'Calls to external systems, by system, method and status class (or error kind).',
    labelNames: ['system', 'method', 'status_class'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const recordsIngested = new Counter({
    name: 'truc_records_ingested_total',
    help: 'Records processed by ingest and reconciliation, by entity and outcome (accepted, rejected, unchanged, deleted).',
    labelNames: ['entity', 'outcome'] as const,
    registers: [registry],
  });
  const circuitOpen = new Gauge({
    name: 'truc_circuit_open',
    help: 'Whether the circuit breaker of an external system is open (1) or closed (0), by system.',
    labelNames: ['system'] as const,
    registers: [registry],
  });
  const endpointCircuitOpen = new Gauge({
    name: 'truc_endpoint_circuit_open',
    help: "Whether an endpoint's own circuit breaker is open (1) or closed (0), by system and endpoint (entity:operation): its writes wait while the system's other calls go on (sync.delivery.endpointCircuits).",
    labelNames: ['system', 'endpoint'] as const,
    registers: [registry],
  });
  const jobsDeferred = new Counter({
    name: 'truc_jobs_deferred_total',
    help: 'Jobs handed back to their queue unrun, without spending an attempt, by queue and reason (retry-after, circuit-open, probe, database, database-refusing, key-in-flight, school-busy).',
    labelNames: ['queue', 'reason'] as const,
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'truc_auth_failures_total',
    help: 'Rejected authentication attempts, by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const batchBodiesPurged = new Counter({
    name: 'truc_batch_bodies_purged_total',
    help: 'Bodies (records as sent) of finished batches removed after api.batchRetentionDays by the nightly purge.',
    registers: [registry],
  });
  return {
    externalRequestDuration,
    recordsIngested,
    circuitOpen,
    endpointCircuitOpen,
    jobsDeferred,
    authFailures,
    batchBodiesPurged,
  };
}

/**
 * Each schedule's last and next fire (src/jobs/state-metrics.ts; the alert TrucScheduleDidNotRun reads the next), the
 * pair it pulls, since when, and its pull's last success (TrucSyncStale reads those three).
 */
function scheduleMetrics(registry: Registry) {
  const scheduleLastRun = new Gauge({
    name: 'truc_schedule_last_run_timestamp_seconds',
    help: 'When each schedule last fired (Unix time).',
    labelNames: ['schedule'] as const,
    registers: [registry],
  });
  const scheduleNextRun = new Gauge({
    name: 'truc_schedule_next_run_timestamp_seconds',
    help: 'When each schedule that is not paused fires next, as its job scheduler holds it (Unix time); in the past when it did not fire.',
    labelNames: ['schedule'] as const,
    registers: [registry],
  });
  const schedulePulls = new Gauge({
    name: 'truc_schedule_pulls',
    help: 'Each schedule that is not paused, with the system and entity it pulls (always 1): the alert TrucSyncStale watches only the schedules that are not paused.',
    labelNames: ['schedule', 'system', 'entity'] as const,
    registers: [registry],
  });
  const schedulePullsSince = new Gauge({
    name: 'truc_schedule_pulls_since_timestamp_seconds',
    help: "Each schedule that is not paused: when it was set up as configured now or last resumed (Unix time). TrucSyncStale counts 26 h from it when later than the schedule's last success, or when its pull never succeeded.",
    labelNames: ['schedule', 'system', 'entity'] as const,
    registers: [registry],
  });
  const scheduleLastSuccess = new Gauge({
    name: 'truc_schedule_last_success_timestamp_seconds',
    help: 'When a sync run of the system, entity and scope a schedule pulls last finished successfully (Unix time; whoever asked for it; a run of another scope never counts): TrucSyncStale reads it.',
    labelNames: ['schedule', 'system', 'entity'] as const,
    registers: [registry],
  });
  return { scheduleLastRun, scheduleNextRun, schedulePulls, schedulePullsSince, scheduleLastSuccess };
}

/**
 * Issue 11 (operations): gauges that mirror stored state, refreshed by a scrape hook
 * (src/jobs/state-metrics.ts). Every role exports them: aggregate with max() across instances.
 */
function stateMetrics(registry: Registry) {
  const queueJobs = new Gauge({
    name: 'truc_queue_jobs',
    help: 'Jobs in each queue by state (waiting, waiting-children, active, delayed, prioritized, failed, completed).',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
  });
  const syncLastSuccess = new Gauge({
    name: 'truc_sync_last_success_timestamp_seconds',
    help: "When the last sync run of each system and entity finished successfully, of any scope (Unix time; a schedule's own: truc_schedule_last_success_timestamp_seconds).",
    labelNames: ['system', 'entity'] as const,
    registers: [registry],
  });
  const guardHoldsWaiting = new Gauge({
    name: 'truc_guard_holds_waiting',
    help: 'Mass changes held by the guard, waiting for a city admin to approve or reject them, by kind (batch: a vendor batch or snapshot; run, reconcile: a sync run).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const syncRunsHeld = new Gauge({
    name: 'truc_sync_runs_held',
    help: 'Sync runs held by the mass-change guard, waiting for an approval.',
    registers: [registry],
  });
  const qualityPassRatio = new Gauge({
    name: 'truc_quality_pass_ratio',
    help: 'Share of records passing each quality criterion (0..1), per province or commune (latest run).',
    labelNames: ['criterion', 'level', 'unit'] as const,
    registers: [registry],
  });
  const qualityFindingsOpen = new Gauge({
    name: 'truc_quality_findings_open',
    help: 'Quality findings on current records, by criterion and severity.',
    labelNames: ['criterion', 'severity'] as const,
    registers: [registry],
  });
  return {
    queueJobs,
    syncLastSuccess,
    syncRunsHeld,
    guardHoldsWaiting,
    ...scheduleMetrics(registry),
    qualityPassRatio,
    qualityFindingsOpen,
    ...pcgdMetrics(registry),
  };
}

/**
 * PCGD-XMC units of the report year by status, and where they stand by the deadlines module's one rule
 * (src/reporting/pcgd/deadlines.ts, as the operations overview and GET /v1/pcgd/deadlines).
 */
function pcgdMetrics(registry: Registry) {
  const pcgdUnits = new Gauge({
    name: 'truc_pcgd_units',
    help: 'PCGD-XMC reporting units of the current report year, by level and report status.',
    labelNames: ['level', 'status'] as const,
    registers: [registry],
  });
  const pcgdUnitsAtRisk = new Gauge({
    name: 'truc_pcgd_units_at_risk',
    help: 'PCGD-XMC units not yet submitted whose deadline is at most pcgd.calendar.atRiskDays days away (not past), by level.',
    labelNames: ['level'] as const,
    registers: [registry],
  });
  const pcgdUnitsLate = new Gauge({
    name: 'truc_pcgd_units_late',
    help: 'PCGD-XMC units that missed their deadline, by level: submitted="false" not submitted and past it, "true" submitted on or after it.',
    labelNames: ['level', 'submitted'] as const,
    registers: [registry],
  });
  return { pcgdUnits, pcgdUnitsAtRisk, pcgdUnitsLate };
}

/**
 * Sets the open dead letters of every queue: `known` queues get a series even at zero, and a
 * queue seen before keeps its series at zero once its letters are replayed.
 */
function openDeadLettersSetter(deadLettersOpen: Gauge<'queue'>) {
  const deadLetterQueuesSeen = new Set<string>();
  return function setOpenDeadLetters(
    rows: ReadonlyArray<{ queue: string; open: number }>,
    known: readonly string[] = [],
  ): void {
    for (const q of known) deadLetterQueuesSeen.add(q);
    for (const r of rows) deadLetterQueuesSeen.add(r.queue);
    const open = new Map(rows.map((r) => [r.queue, r.open]));
    for (const queue of deadLetterQueuesSeen) deadLettersOpen.set({ queue }, open.get(queue) ?? 0);
  };
}

/**
 * Every Prometheus metric truc exposes, defined once. Names are prefixed `truc_` and carry their
 * unit. Labels are bounded (system, queue, outcome, route pattern, status class, criterion,
 * province/commune code): never record ids, school codes or personal data. The default Node.js
 * process metrics keep their standard names (no prefix), so stock Node.js dashboards work.
 */
export function createMetrics(
  opts: { build?: BuildInfo; scrapeHookTimeoutMs?: number; qualityBands?: QualityBands } = {},
) {
  const registry = processRegistry();
  const buildInfo = buildInfoOf(registry, opts.build);
  const qualityBandMinRatio = qualityBandsOf(registry, opts.qualityBands);
  const flow = flowMetrics(registry);
  const edges = edgeMetrics(registry);
  const state = { ...stateMetrics(registry), ...gateStateMetrics(registry) };
  const { onScrape, refresh } = scrapeHooks(registry, opts.scrapeHookTimeoutMs ?? SCRAPE_HOOK_TIMEOUT_MS);
  return {
    registry,
    onScrape,
    refresh,
    /** The exposition text, stored-state gauges refreshed first. */
    async scrape(): Promise<string> {
      await refresh();
      return registry.metrics();
    },
    setOpenDeadLetters: openDeadLettersSetter(flow.deadLettersOpen),
    buildInfo,
    qualityBandMinRatio,
    ...state,
    ...flow,
    ...edges,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
