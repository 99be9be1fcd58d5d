/**
 * The mass-change guard's rollover relief pinned off, for tests on the real clock. In the rollover window
 * (kết chuyển: `guard.rollover`, 15 August to 30 September by default) the changed-records threshold is
 * `guard.rollover.changeRatio` (1: grade and class changes never held), so a test that expects a batch held for its changes,
 * and that must run on the real clock (the database's `now()` compared with its batches' arrivals), would fail
 * in those weeks only. Here the window's threshold is the year's (`guard.changeRatio`): the same test, the
 * same assertions, any day of the year. The window's own rule is tested on a fixed clock (run-guard.test.ts,
 * reconcile.test.ts).
 */
import type { Config } from '../../src/config.js';

export function noRolloverRelief<C extends Pick<Config, 'guard'>>(config: C): C {
  const { guard } = config;
  return {
    ...config,
    guard: { ...guard, rollover: { ...guard.rollover, changeRatio: guard.changeRatio } },
  };
}
