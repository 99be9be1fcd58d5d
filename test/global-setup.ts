/**
 * Once per `vitest` run, before any test file: truc compiled to JavaScript for the processes the tests start
 * (test/helpers/built-truc.ts); its folder removed after the run. Vitest calls this for the root project and for each
 * project with files to run, all in its main process, before any file and the teardowns after the last: the first call
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
