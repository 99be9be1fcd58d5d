/**
 * `expect.poll` without a bound of its own waits the suite's POLL_WAIT_MS (vitest.config.ts), not vitest's 1 s: a
 * dashboard test's poll for a click's answer (e2e schedui-dashboard, ui28) had the second, which a loaded machine
 * (load 20-30) can pass between a click and its page drawn (flake10).
 */
import { expect, it } from 'vitest';
import config, { POLL_WAIT_MS } from '../../vitest.config.js';

it('a poll naming no bound waits past vitest’s 1 s default for its condition', async () => {
  let ready = false;
  const timer = setTimeout(() => (ready = true), 1_500);
  try {
    await expect.poll(() => ready, { interval: 20 }).toBe(true);
  } finally {
    clearTimeout(timer);
  }
});

it('every project takes the suite’s poll bound (30 s), none of its own', () => {
  expect(POLL_WAIT_MS).toBe(30_000);
  expect(config.test?.expect?.poll?.timeout).toBe(POLL_WAIT_MS);
  for (const p of config.test?.projects ?? []) {
    expect(typeof p === 'object' && 'extends' in p && p.extends === true).toBe(true);
    expect(typeof p === 'object' && 'test' in p && p.test?.expect).toBeUndefined();
  }
});
