/**
 * The fault proofs' stack (test/helpers/fault-stack.ts) when a scenario's start fails: everything it had started is
 * stopped before the error is thrown. Its api process exits at once here (a profile that does not exist), so the start
 * fails in seconds, not after the readiness wait; before, the private redis-server (and the database, the simulator
 * and the worker process) outlived the failed scenario, one more on the machine after each failure under CI's load.
 */
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { onStack } from '../helpers/fault-stack.js';

/** This process's child processes, `pid name` each. */
const children = (): string[] => {
  try {
    return execFileSync('pgrep', ['-l', '-P', String(process.pid)], { encoding: 'utf8' })
      .trim()
      .split('\n');
  } catch {
    return []; // pgrep finds none: exit code 1
  }
};

it('a start that fails stops what it started: no redis-server or truc process left', async () => {
  // The worker's own helpers (vitest's esbuild) may be children too: only what the start adds counts.
  const before = children();
  let ran = false;
  await expect(
    onStack(
      async () => {
        ran = true;
      },
      { TRUC_PROFILE: 'no-such-profile' },
    ),
  ).rejects.toThrow('the api process exited before it was ready');
  expect(ran).toBe(false);
  expect(children().filter((c) => !before.includes(c) && /redis-server|node/.test(c))).toEqual([]);
});
