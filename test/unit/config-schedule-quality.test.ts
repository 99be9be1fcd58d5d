/**
 * fix35d: a schedule may compute the quality scorecards (`kind: quality`): the default profile does so nightly at
 * 03:00 Vietnam time, after the nightly pulls. A quality schedule names no pull (no system, entity, scope, full),
 * fires on a cron pattern or every `everyMs` (exactly one), and a `kind` truc does not know is refused at start
 * with its path, as any configuration problem is; a schedule without `kind` is a pull, as before.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { useConfigDirs } from '../helpers/config-dir.js';

const configDir = useConfigDirs();

/** The profile whose YAML is `lines`, loaded, or the problems loading it throws. */
function load(lines: string[]): { config?: ReturnType<typeof loadConfig>; problems: string[] } {
  const dir = configDir('quality-sched', [...lines, ''].join('\n'));
  try {
    return { config: loadConfig({ env: { TRUC_PROFILE: 'quality-sched' }, configDir: dir }), problems: [] };
  } catch (err) {
    if (err instanceof ConfigError) return { problems: [...err.problems] };
    throw err;
  }
}

describe('a quality schedule (fix35d)', () => {
  it('the default profile computes the scorecards nightly at 03:00 Asia/Ho_Chi_Minh, after the nightly pulls', () => {
    const city = loadConfig({ env: { TRUC_PROFILE: 'default' } });
    expect(city.sync.schedules['quality-nightly']).toEqual({
      kind: 'quality',
      cron: '0 3 * * *',
      tz: 'Asia/Ho_Chi_Minh',
    });
    // The nightly pulls fire before it (01:00–02:00).
    const pullHours = Object.values(city.sync.schedules).flatMap((s) =>
      s.kind === 'quality' || s.full ? [] : [Number(s.cron!.split(' ')[1])],
    );
    expect(Math.max(...pullHours)).toBeLessThan(3);
  });

  it('is kind: quality with a cron pattern or everyMs; a schedule without kind is a pull as before', () => {
    const { config, problems } = load([
      'sync:',
      '  schedules:',
      "    scorecards: { kind: quality, cron: '30 4 * * *' }",
      '    scorecards-often: { kind: quality, everyMs: 3600000, tz: Asia/Bangkok }',
      "    pull: { cron: '0 1 * * *', system: hcm-csdl, entity: schools }",
    ]);
    expect(problems).toEqual([]);
    expect(config!.sync.schedules).toEqual({
      scorecards: { kind: 'quality', cron: '30 4 * * *', tz: 'Asia/Ho_Chi_Minh' },
      'scorecards-often': { kind: 'quality', everyMs: 3_600_000, tz: 'Asia/Bangkok' },
      pull: { cron: '0 1 * * *', tz: 'Asia/Ho_Chi_Minh', system: 'hcm-csdl', entity: 'schools', full: false },
    });
  });

  it('refuses at start, with its path: a pull field on it, neither or both of cron and everyMs, an unknown kind', () => {
    const { problems } = load([
      'sync:',
      '  schedules:',
      "    with-system: { kind: quality, cron: '0 3 * * *', system: hcm-csdl }",
      '    no-time: { kind: quality }',
      "    both-times: { kind: quality, cron: '0 3 * * *', everyMs: 60000 }",
      "    other-kind: { kind: report, cron: '0 3 * * *' }",
      "    bad-zone: { kind: quality, cron: '0 3 * * *', tz: Mars/Olympus }",
    ]);
    const at = (id: string) => problems.filter((p) => p.startsWith(`sync.schedules.${id}`));
    expect(at('with-system').join()).toMatch(/system/);
    expect(at('no-time').join()).toMatch(/exactly one of cron or everyMs/);
    expect(at('both-times').join()).toMatch(/exactly one of cron or everyMs/);
    expect(at('other-kind').join()).toMatch(/kind: pull \(the default\) or quality/);
    expect(at('bad-zone')).toHaveLength(1);
    expect(problems).toHaveLength(5);
  });
});
