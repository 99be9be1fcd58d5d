/**
 * review25 N6: `truc sim <system>` served a population of 2025-2026 whatever the day (createPopulation's default),
 * so in 2026-2027 every record pulled from it got SONG_NOT_CURRENT_YEAR; the demo's was right (the year of
 * today). Both now take the school year under way by one rule (simulators/index.ts `populationYear`,
 * canonical `schoolYearAt`). Each standalone simulator is started on a loopback port with a given clock.
 */
import { describe, expect, it } from 'vitest';
import { schoolYearAt } from '../../../src/canonical/school-year.js';
import {
  DEMO_POPULATION,
  populationYear,
  STANDALONE_DEFAULTS,
  STANDALONE_SYSTEMS,
  startStandalone,
} from '../../../src/simulators/index.js';

const SMALL = { ...STANDALONE_DEFAULTS, port: 0, schools: 2, studentsPerSchool: 3, staffPerSchool: 2 };

describe('the school year of a standalone simulator’s population', () => {
  it('schoolYearAt: the school year under way at an instant, by its date in Vietnam', () => {
    expect(schoolYearAt(new Date('2026-12-05T00:00:00Z'))).toBe('2026-2027');
    // 31 August 17:00Z is 1 September in Vietnam: the new school year.
    expect(schoolYearAt(new Date('2026-08-31T16:59:59Z'))).toBe('2025-2026');
    expect(schoolYearAt(new Date('2026-08-31T17:00:00Z'))).toBe('2026-2027');
  });

  for (const system of STANDALONE_SYSTEMS)
    it(`${system}: the school year under way by the clock it is started with`, async () => {
      for (const [clock, year] of [
        ['2026-12-05T00:00:00Z', '2026-2027'],
        ['2027-03-01T00:00:00Z', '2026-2027'],
        ['2027-09-02T00:00:00Z', '2027-2028'],
      ] as const) {
        const sim = await startStandalone(system, SMALL, new Date(clock));
        try {
          // Was 2025-2026 for every clock.
          expect(sim!.population.schoolYear, clock).toBe(year);
          expect(sim!.population.schoolYear).toBe(schoolYearAt(new Date(clock)));
        } finally {
          await sim!.close();
        }
      }
    });

  it('the demo’s population follows the same rule', () => {
    expect(DEMO_POPULATION.schoolYear).toBe(populationYear(new Date()));
  });

  it('an unknown system starts nothing', async () => {
    expect(await startStandalone('smass', SMALL)).toBeUndefined();
    expect(await startStandalone('constructor', SMALL)).toBeUndefined();
  });
});
