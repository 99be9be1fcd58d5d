/**
 * The metrics module: standard Node.js process metrics (no product prefix), build info, open dead
 * letters with series at zero, and scrape hooks that refresh stored-state gauges (a failing hook
 * serves the last values and is counted, never fails the scrape; a slow one is waited for longer by a
 * reader that asks to, e.g. the operations overview).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMetrics } from '../../../src/observability/metrics.js';

describe('createMetrics', () => {
  it('exports the default Node.js metrics under their standard names, not truc_-prefixed', async () => {
    const text = await createMetrics().scrape();
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    expect(text).not.toMatch(/^truc_process_|^truc_nodejs_/m);
    // promtool refuses gauges named _total: only the per-type gauges stay
    expect(text).toMatch(/^nodejs_active_handles\{/m);
    expect(text).not.toContain('nodejs_active_handles_total');
  });

  it('exports build info with version, commit and Node.js version', async () => {
    const text = await createMetrics({ build: { version: '1.2.3', commit: 'abc123' } }).scrape();
    expect(text).toContain(
      `truc_build_info{version="1.2.3",commit="abc123",node_version="${process.version}"} 1`,
    );
  });

  it('keeps a zero series for known queues and for queues whose letters were replayed', async () => {
    const m = createMetrics();
    m.setOpenDeadLetters([{ queue: 'push.hcm-csdl', open: 2 }], ['ingest', 'pull']);
    let text = await m.scrape();
    expect(text).toContain('truc_dead_letters_open{queue="ingest"} 0');
    expect(text).toContain('truc_dead_letters_open{queue="pull"} 0');
    expect(text).toContain('truc_dead_letters_open{queue="push.hcm-csdl"} 2');
    m.setOpenDeadLetters([]);
    text = await m.scrape();
    expect(text).toContain('truc_dead_letters_open{queue="push.hcm-csdl"} 0');
    expect(text).toContain('truc_dead_letters_open{queue="ingest"} 0');
  });

  it('runs scrape hooks before each scrape; concurrent scrapes share one run; a failing hook is counted', async () => {
    const m = createMetrics();
    let runs = 0;
    m.onScrape(async () => {
      runs += 1;
      m.outboxPending.set(runs);
    });
    m.onScrape(async () => {
      throw new Error('database away');
    });
    const [a, b] = await Promise.all([m.scrape(), m.scrape()]);
    expect(runs).toBe(1);
    expect(a).toContain('truc_outbox_pending 1');
    expect(b).toContain('truc_outbox_pending 1');
    expect(a).toContain('truc_metrics_refresh_errors_total 1');
    const c = await m.scrape();
    expect(runs).toBe(2);
    expect(c).toContain('truc_outbox_pending 2');
    expect(c).toContain('truc_metrics_refresh_errors_total 2');
  });

  describe('a hook slower than a scrape', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('a scrape serves the last values after its bound; a longer wait sees the same run finish', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const m = createMetrics();
      let finish = () => {};
      m.onScrape(
        () =>
          new Promise<void>((resolve) => {
            finish = () => {
              m.outboxPending.set(7);
              resolve();
            };
          }),
      );
      let scraped: string | undefined;
      let refreshed = false;
      void m.scrape().then((text) => (scraped = text));
      void m.refresh(20_000).then(() => (refreshed = true));
      await vi.advanceTimersByTimeAsync(3000);
      expect(scraped).toContain('truc_outbox_pending 0');
      expect(scraped).toContain('truc_metrics_refresh_errors_total 1');
      expect(refreshed).toBe(false);
      finish();
      await vi.advanceTimersByTimeAsync(0);
      expect(refreshed).toBe(true);
      const text = await m.registry.metrics(); // the gauges as they are now, no hook run
      expect(text).toContain('truc_outbox_pending 7');
      expect(text).toContain('truc_metrics_refresh_errors_total 1');
    });
  });
});
