/**
 * walk5 W5-13: a failed sync of the schedules is one line an operator reads, not a stack trace (a queue answering late
 * at start-up made one the demo's first line): the warn line says what failed and that it is retried, in both
 * languages; the error with its stack goes to debug. Real PostgreSQL and Redis; the failure is a cron the queue refuses.
 */
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import type { Queue } from 'bullmq';
import { websiteProbe } from '../../src/jobs/contract-table.js';
import type { QueueFactory } from '../../src/jobs/queues.js';
import { startScheduler } from '../../src/jobs/schedules.js';
import { captureLog } from '../helpers/log-lines.js';
import { makeDeps, waitFor } from '../helpers/env.js';

describe('the scheduler’s log of a failed sync', () => {
  it('warns in one bilingual line with the reason, the stack at debug', async () => {
    const env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    const c = structuredClone(env.config) as Config & { quality: { websiteProbe: { cron: string } } };
    c.quality.websiteProbe.cron = '0 25 * * *';
    const log = captureLog('debug');
    const scheduler = startScheduler({ ...env.deps, config: c, logger: log.logger }, { resyncMs: 3_600_000 });
    try {
      const warned = () =>
        log.lines.find((l) => l['level'] === 'warn' && String(l['msg']).includes('schedules'));
      await waitFor(async () => warned() !== undefined, { timeoutMs: 30_000, what: 'the warn line' });
      const warn = warned()!;
      expect(warn['msg']).toBe(
        'chưa ghi được lịch vào hàng đợi, sẽ thử lại / could not keep the schedules in the queue yet; will retry',
      );
      expect(String(warn['reason'])).toMatch(
        /^chưa ghi được lịch website-probe \(hàng đợi từ chối: .+\) \/ schedules not kept: website-probe \(refused by the queue: /,
      );
      expect(JSON.stringify(warn)).not.toMatch(/stack|\n\s+at /);
      const debug = log.lines.find((l) => l['level'] === 'debug' && l['msg'] === 'schedules sync failure');
      expect(JSON.stringify(debug?.['err'])).toMatch(/schedules not kept: website-probe \(/);
      expect(JSON.stringify(debug?.['err'])).toMatch(/stack/);
    } finally {
      await scheduler.stop();
      await env.cleanup();
    }
  });

  // walk8 W8-7: the demo's first line under load was "schedules not kept: website-probe: website-probe: no answer from
  // the queue within 5000 ms": the queue named twice, the reason in English only.
  it('a queue that does not answer: each schedule named once, the reason in both languages', async () => {
    const env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    const real = env.deps.queues;
    // A queue whose every call but close never settles (one that lost its start-up).
    const never = new Proxy({} as Queue, {
      get: (_t, k) => (k === 'close' ? async () => undefined : () => new Promise(() => undefined)),
    });
    const queues: QueueFactory = Object.assign(Object.create(real) as QueueFactory, {
      queue: (name: string) => (name === websiteProbe.queue ? never : real.queue(name)),
    });
    const log = captureLog('debug');
    const scheduler = startScheduler({ ...env.deps, queues, logger: log.logger }, { resyncMs: 3_600_000 });
    try {
      const warned = () =>
        log.lines.find((l) => l['level'] === 'warn' && String(l['msg']).includes('schedules'));
      await waitFor(async () => warned() !== undefined, { timeoutMs: 30_000, what: 'the warn line' });
      expect(warned()!['reason']).toBe(
        `chưa ghi được lịch ${websiteProbe.queue} (hàng đợi không trả lời trong 5000 ms) / ` +
          `schedules not kept: ${websiteProbe.queue} (no answer from the queue within 5000 ms)`,
      );
    } finally {
      await scheduler.stop();
      await env.cleanup();
    }
  });
});
