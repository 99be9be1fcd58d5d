/**
 * Once per `vitest` run, before any test file: truc compiled to JavaScript for the processes the tests start
 * (test/helpers/built-truc.ts); its folder removed after the run. Listed by the projects whose files start `truc`
 * (integration, e2e: vitest.config.ts), so a run of unit files alone compiles nothing. Vitest calls it for each of them
 * with files to run, all in its main process, before any file, and the teardowns after the last file: the first call
 * builds, the others find the variable set.
 */
import { rmSync } from 'node:fs';
import { buildTruc } from './helpers/built-truc.js';
import { BUILT_TRUC_VARIABLE } from './helpers/proc.js';

export default async function setup(): Promise<(() => void) | undefined> {
  if (process.env[BUILT_TRUC_VARIABLE]) return undefined;
  const { dir, main } = await buildTruc();
  process.env[BUILT_TRUC_VARIABLE] = main;
  return () => {
    rmSync(dir, { recursive: true, force: true });
    delete process.env[BUILT_TRUC_VARIABLE];
  };
}
