/** The scrape hooks of the metrics registry: stored-state gauges refreshed once per scrape, bounded in time. */
import { Counter, type Registry } from 'prom-client';

/** Refreshes gauges that mirror stored state (queue depths, dead letters …) just before a scrape. */
export type ScrapeHook = () => Promise<void>;

/** A scrape hook that takes longer than this is abandoned: the scrape answers with the last values (default). */
export const SCRAPE_HOOK_TIMEOUT_MS = 3000;

/**
 * The longest a person's page waits for the stored-state gauges (the operations overview, GET /v1/ops/overview):
 * longer than a scrape's bound, so a busy database shows its queues' counts a little late rather than no queues at
 * all. The refresh gives a queue's start-up as long (src/jobs/state-metrics.ts; flaky37: under load, the first
 * refresh's queues each took 4–5 s to start on PostgreSQL, past the queue pool's 5 s bound, and the overview listed
 * only the queues that made it).
 */
export const STORED_STATE_WAIT_MS = 20_000;

/** Waits for `run` at most `ms`. */
async function within(run: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([run, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** Scrape hooks, each run once per scrape and bounded in time (`timeoutMs`); a failed one is counted. */
export function scrapeHooks(registry: Registry, timeoutMs: number) {
  const scrapeErrors = new Counter({
    name: 'truc_metrics_refresh_errors_total',
    help: 'Scrape-time refreshes of stored-state gauges that failed or timed out (the last values were served).',
    registers: [registry],
  });

  const hooks: ScrapeHook[] = [];
  let inFlight: Array<Promise<void>> | undefined;
  /**
   * One run of every hook, shared by whoever refreshes while it lasts. A hook that fails, or is not
   * done within a scrape's bound, is counted once.
   */
  function runHooks(): Array<Promise<void>> {
    if (inFlight) return inFlight;
    const runs = hooks.map((hook) => {
      let counted = false;
      const count = () => {
        if (!counted) scrapeErrors.inc();
        counted = true;
      };
      const late = setTimeout(count, timeoutMs).unref();
      return hook()
        .catch(count)
        .finally(() => clearTimeout(late));
    });
    inFlight = runs;
    void Promise.all(runs).finally(() => {
      if (inFlight === runs) inFlight = undefined;
    });
    return runs;
  }
  /**
   * Refreshes the stored-state gauges: runs every scrape hook once (concurrent callers share one run)
   * and waits for each at most `waitMs` (a scrape's bound by default); past it the gauges keep their
   * last values.
   */
  async function refresh(waitMs = timeoutMs): Promise<void> {
    await Promise.all(runHooks().map((run) => within(run, waitMs)));
  }
  return {
    /** Adds a hook run before each scrape (see {@link ScrapeHook}). */
    onScrape: (hook: ScrapeHook): void => {
      hooks.push(hook);
    },
    refresh,
  };
}
