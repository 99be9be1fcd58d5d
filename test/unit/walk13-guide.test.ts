/**
 * walk13: the integration guide's statements against the code. Its example record was fixed to school year 2026-2027
 * (wrong from 1 September 2027 on): it works the year out, by the rule truc judges with (schoolYearOf on Vietnam's
 * day). It did not explain a snapshot dry run's answer: it names `snapshot.wouldDelete`, `skipped` and
 * `guardWouldHold` (and `guard.whole`), the fields the OpenAPI document's DryRunResult has.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { schoolYearOf } from '../../src/canonical/school-year.js';
import { vietnamDay } from '../helpers/vietnam-day.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const guide = readFileSync(resolve(ROOT, 'docs/integration-guide.md'), 'utf8');

/** The guide's lines working out the school year, run as if the clock said `at`. */
function guideYearAt(at: number): string {
  const from = guide.indexOf('const vietnamToday');
  const code = guide.slice(from, guide.indexOf('const records = [', from));
  expect(code).toContain('const SCHOOL_YEAR');
  const clock = { now: () => at };
  const FakeDate = Object.assign(
    function FakeDate(ms: number) {
      return new Date(ms);
    },
    { now: clock.now },
  );
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the guide's own lines, read from the repository
  return new Function('Date', `${code}\nreturn SCHOOL_YEAR;`)(FakeDate) as string;
}

describe('walk13: the integration guide says what truc does', () => {
  it('its example record is in the school year truc takes as today’s, not a fixed one', () => {
    const code = guide.slice(guide.indexOf('const records = ['), guide.indexOf('const check ='));
    expect(code).toContain('schoolYear: SCHOOL_YEAR');
    expect(code).not.toMatch(/schoolYear: '\d{4}-\d{4}'/);
    const instants = [
      Date.UTC(2027, 7, 31, 16, 59), // 31 August 23:59 in Vietnam
      Date.UTC(2027, 7, 31, 17, 0), // 1 September 00:00 in Vietnam
      Date.UTC(2027, 0, 1, 0, 0),
      Date.UTC(2026, 11, 31, 17, 30), // 1 January in Vietnam, 31 December in UTC
      Date.now(),
    ];
    for (const at of instants)
      expect(guideYearAt(at), new Date(at).toISOString()).toBe(schoolYearOf(vietnamDay(at)));
  });

  it('explains a snapshot dry run’s answer by the fields the API has', () => {
    const spec = JSON.parse(readFileSync(resolve(ROOT, 'openapi/truc.v1.json'), 'utf8')) as {
      components: {
        schemas: Record<string, { properties: Record<string, { properties?: object; anyOf?: object[] }> }>;
      };
    };
    const dry = spec.components.schemas['DryRunResult']!.properties;
    const snapshot = Object.keys(dry['snapshot']!.properties ?? {});
    expect(snapshot.sort()).toEqual(['guardWouldHold', 'skipped', 'wouldDelete']);
    expect(JSON.stringify(dry['guard'])).toContain('"whole"');
    expect(JSON.stringify(dry['snapshot'])).toContain('unkeyed-records');
    const [vi, en] = [guide.indexOf('## Tiếng Việt'), guide.indexOf('## English')];
    for (const part of [guide.slice(vi, en), guide.slice(en)]) {
      for (const field of snapshot) expect(part).toContain(`snapshot.${field}`);
      expect(part).toContain('"unkeyed-records"');
      expect(part).toContain('guard.whole');
    }
  });
});
