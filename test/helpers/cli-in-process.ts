/**
 * `truc <argv>` run in process (`runCli`) by integration tests, as an operator's shell runs it beside a running
 * truc: the shell's environment points at the test's own database, and the API in process answers on the same
 * database, so a command's output can be checked against the API's view.
 */
import type { FastifyInstance } from 'fastify';
import { vi } from 'vitest';
import { buildApp } from '../../src/app.js';
import { runCli } from '../../src/cli/program.js';
import { addClient } from '../../src/ops.js';
import { tokenFor } from './api.js';
import { makeDeps, type TestEnv } from './env.js';
import { MEMORY_DB_TIMEOUT_MS } from './memory-db.js';
import { TRUC_VARIABLES } from './proc.js';
import { useForSuite } from './suite.js';

/** `truc <argv>` in process: its exit code and what it wrote. */
export async function truc(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/**
 * An operator's shell (`vi.stubEnv`, undone by `vi.unstubAllEnvs()`), as a spawned truc's environment is
 * (test/helpers/proc.ts trucEnv): the runner's variables that would point truc elsewhere unset (the runner's own
 * kept), the test profile, then `vars`.
 */
export function stubShell(vars: Record<string, string>): void {
  for (const k of Object.keys(process.env))
    if (TRUC_VARIABLES.test(k) && !/^(VITEST|NODE_ENV)/.test(k)) vi.stubEnv(k, undefined);
  for (const [k, v] of Object.entries({ TRUC_PROFILE: 'test', ...vars })) vi.stubEnv(k, v);
}

/**
 * The operator's shell beside the runner's (`vi.stubEnv`, undone by `vi.unstubAllEnvs()`): the test profile, `env`'s
 * database and data folder, operator `admin.q1`.
 */
export function stubOperatorShell(env: TestEnv): void {
  for (const [k, v] of Object.entries({
    TRUC_PROFILE: 'test',
    DATABASE_URL: env.databaseUrl!,
    DATA_DIR: env.dataDir,
    TRUC_OPERATOR: 'admin.q1',
  }))
    vi.stubEnv(k, v);
}

export interface CliBesideApi {
  env: TestEnv;
  app: FastifyInstance;
  /** A city admin's bearer token for `app`. */
  token: string;
}

/**
 * For the enclosing suite (or file): deps on PostgreSQL (queues in it), the API in process on them with a city
 * admin's token, and the operator's shell pointed at the same database; closed (and the shell's environment
 * restored) after the suite.
 */
export function useCliBesideApi(): CliBesideApi {
  return useForSuite(
    async () => {
      const env = await makeDeps({ name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' });
      const app = await buildApp({ ...env.deps, config: env.config });
      await app.ready();
      const token = await tokenFor(app, await addClient(env.deps.db, { name: 'City', role: 'city-admin' }));
      stubOperatorShell(env);
      return { env, app, token };
    },
    async ({ env, app }) => {
      vi.unstubAllEnvs();
      await app.close();
      await env.cleanup();
    },
    MEMORY_DB_TIMEOUT_MS,
  );
}
