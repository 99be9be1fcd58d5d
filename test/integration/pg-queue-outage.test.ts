/**
 * A PostgreSQL outage as a process with queues in the database (REDIS_URL unset) hears it (fix30e): while
 * the database refused connections (restarting, too many clients, ALLOW_CONNECTIONS false) every idle
 * worker tried its wait again every 100 ms and logged each refusal at error level (`worker error on
 * <queue>`, ~8 lines a second a worker, for the whole outage). Now a refusal is reported to one log per
 * process (src/jobs/queues.ts `postgresQueueOutageLog`): one warn when the first worker is refused, one info
 * when every refused worker fetches again. The database refuses connections (`ALLOW_CONNECTIONS false`,
 * its sessions ended) for 3 s.
 */
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { WorkerContext } from '../../src/jobs/context.js';
import { postgresQueueFactory } from '../../src/jobs/queues.js';
import { startWorkers } from '../../src/jobs/worker.js';
import { createMetrics } from '../../src/observability/metrics.js';
import type { Db } from '../../src/store/db.js';
import { createTestDatabase, PG_ADMIN_URL, waitFor } from '../helpers/env.js';
import { captureLog } from '../helpers/log-lines.js';

async function asAdmin(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

describe('queues in the database: a PostgreSQL outage', () => {
  it('is logged once by the process’s workers (warn), and its end once (info), not at each refusal', async () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const db = await createTestDatabase();
    const { logger, lines } = captureLog();
    const config = loadConfig({ env: { TRUC_PROFILE: 'test' } });
    const queues = postgresQueueFactory(
      { connectionString: db.url, schema: 'bullmq' },
      { attempts: 1, backoffMs: 10, keepCompleted: 10, keepFailed: 10 },
      () => Promise.resolve(),
      0.5,
    );
    // Two idle workers (no job is ever added): only their waits for a job matter.
    const jobs = ['outage-a', 'outage-b'].map((queue) => ({
      queue,
      name: 'note',
      concurrency: 1,
      run: async () => undefined,
    }));
    const workers = startWorkers(
      { db: {} as Db, logger, metrics: createMetrics(), queues, now: () => new Date() },
      { config } as unknown as WorkerContext,
      jobs,
    );
    let refusing = false;
    try {
      await Promise.all(workers.workers.map((w) => (w as unknown as { started: Promise<void> }).started));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(lines.filter((l) => l.level !== 'info')).toEqual([]);

      await asAdmin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS false`);
      refusing = true;
      await asAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}'`);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      // Without the outage log: ~20 `worker error on <queue>` lines a worker in these 3 s (43 seen).
      expect(lines.filter((l) => l.level === 'error')).toEqual([]);
      const warned = lines.filter((l) => l.level === 'warn');
      expect(warned).toHaveLength(1);
      expect(warned[0]!.msg).toMatch(/^PostgreSQL refuses the queue workers/);
      expect(warned[0]!.err).toMatchObject({ code: expect.stringMatching(/^(55000|57P01)$/) });

      await asAdmin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
      refusing = false;
      await waitFor(() => lines.some((l) => l.level === 'info'), {
        timeoutMs: 30_000,
        what: 'the end of the outage logged',
      });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(lines.filter((l) => l.level === 'info')).toEqual([
        expect.objectContaining({
          msg: expect.stringMatching(/^PostgreSQL takes the queue workers/),
          downSeconds: expect.any(Number),
          failures: expect.any(Number),
        }),
      ]);
      expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
      expect(lines.filter((l) => l.level === 'error')).toEqual([]);
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      stderr.mockRestore();
      if (refusing) await asAdmin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
      await workers.close();
      await queues.close();
      await db.drop();
    }
  });
});
