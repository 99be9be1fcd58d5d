/**
 * Issue 11: a `truc worker` process (no API) can be scraped: it serves /metrics, /healthz and
 * /readyz on TRUC_WORKER_METRICS_PORT, with its job, queue and process series, and stops cleanly on
 * SIGTERM.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, waitFor, type TempDir } from '../helpers/env.js';
import { seedPgliteDir } from '../helpers/pglite-template.js';
import { freePort, ROOT, spawnProcess, trucArgs, trucEnv, type Spawned } from '../helpers/proc.js';
import { trucClient } from '../helpers/truc-client.js';

describe('truc worker serves its metrics on a port of its own', () => {
  let dir: TempDir;
  let worker: Spawned | undefined;

  beforeAll(async () => {
    dir = await makeTempDir('truc-e2e-worker-');
    // A copy of the migrated cluster: the worker starts without initdb and the migrations (a fresh
    // directory's start: cli-operator.test.ts and demo.test.ts).
    await seedPgliteDir(join(dir.path, 'pgdata'), 'migrated');
  }, 180_000);
  afterAll(async () => {
    worker?.kill();
    await dir?.remove();
  });

  it('answers /healthz, /readyz and /metrics on TRUC_WORKER_METRICS_PORT, then stops on SIGTERM', async () => {
    const port = await freePort();
    // node itself (not npx, which does not relay signals).
    worker = spawnProcess(process.execPath, trucArgs(['worker']), {
      cwd: ROOT,
      env: trucEnv({
        DATA_DIR: dir.path,
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        TRUC_WORKER_METRICS_PORT: String(port),
      }),
    });
    const line = await worker.waitForLine((l) => l.includes('metrics on'), 90_000);
    expect(line).toContain(`http://127.0.0.1:${port}/metrics`);
    // the worker serves the API's operations paths (/healthz, /readyz, /metrics), so the typed client reaches them
    const { api } = trucClient(`http://127.0.0.1:${port}`);
    expect((await api.GET('/healthz')).response.status).toBe(200);
    // Ready once the database and the queue backend answer (each check is bounded at 2 s).
    await waitFor(async () => (await api.GET('/readyz')).response.status === 200, {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: '/readyz 200',
    });
    const { data: text = '' } = await api.GET('/metrics', { parseAs: 'text' });
    expect(text).toContain('truc_build_info{');
    expect(text).toContain('truc_queue_jobs{queue="ingest",state="waiting"} 0');
    expect(text).toContain('truc_dead_letters_open{queue="ingest"} 0');
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    worker.child.kill('SIGTERM');
    const exit = await Promise.race([
      worker.exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no exit within 30 s of SIGTERM')), 30_000),
      ),
    ]);
    expect(exit.code, exit.stderr).toBe(0);
  });
});
