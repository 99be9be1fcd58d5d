/**
 * Gauges that mirror stored state — queue depths, outbox lag, open dead letters, the circuits open (delivery
 * gates), the last successful sync per system and entity, sync runs held by the mass-change guard, PCGD-XMC units by status — refreshed just before each scrape, on every
 * role (the API, the worker and the scheduler each serve /metrics). Every role reads the same
 * database, so dashboards and alerts aggregate these with max() across instances.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics } from '../observability/metrics.js';
import { STORED_STATE_WAIT_MS } from '../observability/scrape-hooks.js';
import { clockSkewSeconds, type Db } from '../store/db.js';
import { createDeadLettersRepo } from '../store/dead-letters.js';
import { createDeliveryGatesRepo } from '../store/delivery-gates.js';
import { retryAfterWaits } from './gate-view.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createOverviewRepo, type OverviewRepo } from '../store/overview.js';
import { REPORT_STATUSES } from '../store/pcgd.js';
import { cityUnits, standingCounts } from '../reporting/pcgd/deadlines.js';
import { workingYearAt } from '../reporting/pcgd/persons-year.js';
import { createGuardHoldsRepo, HOLD_KINDS } from '../store/guard-holds.js';
import { createRunGuardRepo } from '../store/run-guard.js';
import { createScheduleKeepingRepo } from '../store/schedules.js';
import { queuePool, type QueueFactory } from './queues.js';
import { QUEUE_NAMES } from './contracts.js';
import { listSchedules, scheduleQueueOf, type ScheduleView } from './schedule-control.js';
import { refreshQualityGauges } from './scorecards.js';

/** The BullMQ job states exported by truc_queue_jobs. */
export const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'failed',
  'completed',
] as const;

/** A unit's report status in the PCGD gauges: its latest version's, or `none`. */
const PCGD_STATUSES = ['none', ...REPORT_STATUSES] as const;

/** Every queue a worker may serve (the job table's {@link QUEUE_NAMES}). */
export function knownQueues(): string[] {
  return [...QUEUE_NAMES];
}

/** A schedule's pull as ../store/schedules.ts `lastSuccessOf` keys it (scope '' = everything). */
const pullOf = (s: PullView) => ({ system: s.system, entity: s.entity, scope: s.scope ?? '' });
/** A schedule that pulls: a quality schedule (fix35d) pulls nothing, so has no pull series. */
type PullView = ScheduleView & { system: string; entity: string };
const pulling = (s: ScheduleView): s is PullView => s.system !== null && s.entity !== null;
const pullKey = (p: ReturnType<typeof pullOf>) => `${p.system} ${p.entity} ${p.scope}`;

/**
 * One schedule's series: its last fire, its next (none while paused), the pair it pulls, since when and its pull's
 * last success (none while paused; `since`: ../store/schedules.ts `pullingSince`; `success`: none before one).
 */
function scheduleSeries(
  metrics: Metrics,
  s: ScheduleView,
  since: Date | undefined,
  success: Date | undefined,
): void {
  if (s.lastRun) metrics.scheduleLastRun.set({ schedule: s.id }, Date.parse(s.lastRun.fireAt) / 1000);
  if (s.nextRunAt) metrics.scheduleNextRun.set({ schedule: s.id }, Date.parse(s.nextRunAt) / 1000);
  else metrics.scheduleNextRun.remove({ schedule: s.id });
  if (!pulling(s)) return;
  const pulls = { schedule: s.id, system: s.system, entity: s.entity };
  if (s.paused) {
    metrics.schedulePulls.remove(pulls);
    metrics.schedulePullsSince.remove(pulls);
    metrics.scheduleLastSuccess.remove(pulls);
  } else {
    metrics.schedulePulls.set(pulls, 1);
    if (since) metrics.schedulePullsSince.set(pulls, since.getTime() / 1000);
    if (success) metrics.scheduleLastSuccess.set(pulls, success.getTime() / 1000);
    else metrics.scheduleLastSuccess.remove(pulls);
  }
}

export interface StateMetricsDeps {
  config: Config;
  db: Db;
  queues: QueueFactory;
  metrics: Metrics;
  logger: Logger;
  now: () => Date;
}

/**
 * PCGD-XMC units of the report year by status, and where they stand by the deadlines module's one rule (as the
 * overview and GET /v1/pcgd/deadlines: at risk, late, submitted late), so a gauge and the overview never disagree.
 */
async function pcgdGauges(
  deps: Pick<StateMetricsDeps, 'config' | 'metrics' | 'now'>,
  overview: OverviewRepo,
): Promise<void> {
  const { metrics } = deps;
  const now = deps.now();
  const year = workingYearAt(now, deps.config.pcgd.calendar.opensOn);
  const units = cityUnits(await overview.pcgdUnits(year));
  const standing = standingCounts(deps.config.pcgd.calendar, year, units, now);
  for (const level of ['commune', 'province'] as const) {
    for (const status of PCGD_STATUSES) {
      const n = units.filter((u) => u.level === level && (u.report?.status ?? 'none') === status).length;
      metrics.pcgdUnits.set({ level, status }, n);
    }
    metrics.pcgdUnitsAtRisk.set({ level }, standing[level].atRisk);
    metrics.pcgdUnitsLate.set({ level, submitted: 'false' }, standing[level].late);
    metrics.pcgdUnitsLate.set({ level, submitted: 'true' }, standing[level].submittedLate);
  }
}

/**
 * Each system whose stored circuit is not closed (open, or half-open while a probe is out), since when it opened and
 * its last failure's code: a series that stays through every probe of an outage, for the alert
 * TrucExternalSystemUnavailable (review32 F2); a system whose circuit closed has none.
 */
async function circuitsOpen(deps: Pick<StateMetricsDeps, 'db' | 'metrics'>): Promise<void> {
  const gates = await createDeliveryGatesRepo(deps.db).list();
  deps.metrics.circuitOpenSince.reset();
  deps.metrics.endpointCircuitOpenSince.reset();
  deps.metrics.retryAfterUntil.reset();
  for (const g of gates) {
    // A Retry-After still running, where it applies (fix37b): the system's, or one endpoint's alone.
    for (const w of retryAfterWaits(g, new Date()))
      deps.metrics.retryAfterUntil.set(
        w.endpoint === null ? { system: g.system } : { system: g.system, endpoint: w.endpoint },
        w.until.getTime() / 1000,
      );
    // An endpoint's own circuit (fix36c item 3): its series stays while it is open or probing.
    for (const [endpoint, c] of Object.entries(g.endpointCircuits ?? {}))
      deps.metrics.endpointCircuitOpenSince.set(
        { system: g.system, endpoint },
        Date.parse(c.openedAt) / 1000,
      );
    if (g.circuit === 'closed' || !g.openedAt) continue;
    const labels = { system: g.system, last_error_code: g.lastErrorCode ?? '' };
    deps.metrics.circuitOpenSince.set(labels, g.openedAt.getTime() / 1000);
  }
}

/** Registers the scrape hook on `deps.metrics`; returns the refresh it runs (for tests). */
export function registerStateMetrics(deps: StateMetricsDeps): () => Promise<void> {
  const { metrics } = deps;
  const names = knownQueues();
  // A queue's start-up is given as long as the overview waits for this refresh (flaky37).
  const queues = queuePool(deps.queues, undefined, STORED_STATE_WAIT_MS);
  const overview = createOverviewRepo(deps.db);

  async function queueDepths(): Promise<void> {
    await Promise.all(
      names.map(async (name) => {
        const counts = await queues.on(name, (q) => q.getJobCounts(...QUEUE_STATES));
        for (const state of QUEUE_STATES) metrics.queueJobs.set({ queue: name, state }, counts[state] ?? 0);
      }),
    );
  }

  async function stored(): Promise<void> {
    metrics.dbClockSkew.set(await clockSkewSeconds(deps.db, () => deps.now().getTime()));
    const lag = await createOutboxRepo(deps.db).lag();
    metrics.outboxPending.set(lag.pending);
    metrics.outboxLag.set(lag.oldestSeconds);
    metrics.setOpenDeadLetters(await createDeadLettersRepo(deps.db).openByQueue(), names);
    metrics.syncRunsHeld.set(await createRunGuardRepo(deps.db).heldRuns());
    const waiting = await createGuardHoldsRepo(deps.db).waitingByKind();
    for (const kind of HOLD_KINDS)
      metrics.guardHoldsWaiting.set({ kind }, waiting.find((w) => w.kind === kind)?.waiting ?? 0);
    await circuitsOpen(deps);
    for (const r of await overview.lastSyncSuccess()) {
      metrics.syncLastSuccess.set({ system: r.system, entity: r.entity }, r.finishedAt.getTime() / 1000);
    }
    await pcgdGauges(deps, overview);
    // Quality pass ratios of provinces and communes from the latest scorecard run (issue 8).
    await refreshQualityGauges(deps.db, metrics);
  }

  /**
   * Each configured schedule's last fire (from the database) and next fire (from its BullMQ job scheduler, as
   * GET /v1/schedules shows them). A paused schedule, or one whose scheduler is not known (a flushed Redis, before
   * the scheduler role's next tick), has no next-run series: the alert TrucScheduleDidNotRun reads a next run
   * left in the past (the scheduler role did not fire it), whatever the schedule's period. Each schedule not paused
   * is also a `truc_schedule_pulls` series naming the system and entity it pulls (review28 F3: TrucSyncStale watches
   * only those, so a pull no schedule makes, e.g. moet-pcgd persons once a season, never goes stale), and a
   * `truc_schedule_pulls_since_timestamp_seconds` series of when it was set up as configured now or last resumed:
   * TrucSyncStale's baseline where later than the schedule's last success, or where it never succeeded (review30
   * F2: a nightly pull failing every night since it was set up had no last-success series, and never went stale).
   * That last success, `truc_schedule_last_success_timestamp_seconds`, is of a run of the schedule's own system,
   * entity and scope (fix31c: one school's pull succeeding kept the city's failing schedule quiet, the pair's
   * success being of any scope).
   */
  async function schedules(): Promise<void> {
    const ids = Object.keys(deps.config.sync.schedules);
    if (ids.length === 0) return;
    const views = await listSchedules(deps.db, deps.config, scheduleQueueOf(queues));
    const keeping = createScheduleKeepingRepo(deps.db);
    const since = await keeping.pullingSince(ids);
    const success = await keeping.lastSuccessOf(views.filter(pulling).map(pullOf));
    for (const s of views)
      scheduleSeries(metrics, s, since.get(s.id), pulling(s) ? success.get(pullKey(pullOf(s))) : undefined);
  }

  async function refresh(): Promise<void> {
    const results = await Promise.allSettled([queueDepths(), stored(), schedules()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      deps.logger.warn({ err: failed.reason as Error }, 'metrics: refreshing stored-state gauges failed');
      throw failed.reason;
    }
  }

  metrics.onScrape(refresh);
  return refresh;
}
