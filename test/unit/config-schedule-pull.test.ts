/**
 * review18 BUG R3 (fixed in b61b401; these cases are plain `it`): a schedule that names a pull its system
 * cannot make was taken at start and failed at every fire. `sync.schedules.*` checked each field alone (a
 * known system, a known entity, a scope's characters), never the pair against what the system is pulled for
 * (src/canonical/systems.ts `SYSTEMS[system].pull`, `pullScope`): hcm-csdl has no persons, and moet-pcgd
 * is pulled per commune (scope: a 5-digit commune code). Each fire's `requestSync` then threw
 * ERR_ENTITY_UNSUPPORTED or ERR_VALIDATION inside the schedule-fire job: no run, a dead letter every night.
 * Now such a schedule is refused at start with the other configuration problems (exit 2), as a time zone the
 * runtime does not know is.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { useConfigDirs } from '../helpers/config-dir.js';

const configDir = useConfigDirs();

/** What loading a profile whose YAML is `lines` throws (undefined when it loads). */
function loadError(lines: string[]): ConfigError | undefined {
  const dir = configDir('sched', lines.join('\n'));
  try {
    loadConfig({ env: { TRUC_PROFILE: 'sched' }, configDir: dir });
    return undefined;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
}

describe('a schedule its system cannot pull (review18 BUG R3)', () => {
  it('is a configuration problem with its path, at start', () => {
    const err = loadError([
      'sync:',
      '  schedules:',
      "    city-persons: { cron: '0 3 * * *', system: hcm-csdl, entity: persons }",
      "    pcgd-everything: { cron: '0 3 * * *', system: moet-pcgd, entity: persons }",
      "    pcgd-commune: { cron: '0 3 * * *', system: moet-pcgd, entity: persons, scope: '26734' }",
      '',
    ]);
    const at = (id: string) => err?.problems.filter((p) => p.startsWith(`sync.schedules.${id}`)).length;
    // One problem each for the two it cannot pull; the commune schedule is fine.
    expect([at('city-persons'), at('pcgd-everything'), at('pcgd-commune')]).toEqual([1, 1, 0]);
    expect(err?.problems).toHaveLength(2);
  });
});
