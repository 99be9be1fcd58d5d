/**
 * What the demo runs: the simulators of all four systems, and truc (API + workers) on a fresh
 * embedded database with queues in the same database, configured by the `demo` profile.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../config.js';
import { createDeps, type Deps } from '../deps.js';
import { startApi, startSchedulerRole, startWorkerRole } from '../roles.js';
import { startDemoSimulators, type DemoSimulators } from '../simulators/index.js';

export interface DemoStack {
  /** truc's API, e.g. http://127.0.0.1:8080 */
  base: string;
  dataDir: string;
  deps: Deps;
  sims: DemoSimulators;
  stop(): Promise<void>;
}

/** Always a `demo` folder of its own (under DATA_DIR when set): each demo starts from a clean slate. */
function freshDataDir(): string {
  const root = process.env.DATA_DIR ? resolve(process.env.DATA_DIR) : join(PROJECT_ROOT, 'data');
  const dataDir = join(root, 'demo');
  rmSync(dataDir, { recursive: true, force: true });
  return dataDir;
}

/** The API on `port`, or on any free port when that one is taken. */
async function startApiOn(deps: Deps, port: number): ReturnType<typeof startApi> {
  try {
    return await startApi(deps, { port });
  } catch (err) {
    if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
    return startApi(deps, { port: 0 });
  }
}

export async function startDemoStack(opts: { port?: number }): Promise<DemoStack> {
  const dataDir = freshDataDir();
  const sims = await startDemoSimulators();
  const config = loadConfig({
    env: {
      ...process.env,
      TRUC_PROFILE: 'demo',
      DATA_DIR: dataDir,
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      ...sims.env,
    },
  });
  const deps = await createDeps(config);
  const workerRole = startWorkerRole(deps);
  // The city's schedules (config/demo.yaml), as `truc all` keeps them: listed with their next run.
  const schedulerRole = startSchedulerRole(deps);
  const api = await startApiOn(deps, opts.port ?? config.server.port);
  return {
    base: api.url,
    dataDir,
    deps,
    sims,
    async stop() {
      await api.stop().catch(() => undefined);
      await schedulerRole.stop().catch(() => undefined);
      await workerRole.stop().catch(() => undefined);
      await deps.close().catch(() => undefined);
      await sims.close().catch(() => undefined);
    },
  };
}
