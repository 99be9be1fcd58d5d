/**
 * walk10 W10-1: docs/integration-guide.md says its examples run against `npm run demo`, but its code pushed to and
 * read from 79000001, a school no demo client holds (403 ERR_FORBIDDEN_SCHOOL at the first call). Its school codes are
 * the demo's SMAS vendor's (src/demo/actors.ts: the population's even-indexed schools), but the error example's,
 * which shows a refusal.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEMO_POPULATION } from '../../../src/simulators/index.js';
import { createPopulation } from '../../../src/simulators/population/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const guide = readFileSync(resolve(ROOT, 'docs/integration-guide.md'), 'utf8');

/** The quoted 8-digit school codes of a text. */
const schoolCodes = (text: string): string[] => [...text.matchAll(/'(\d{8})'/g)].map((m) => m[1]!);

describe('the integration guide against the demo', () => {
  const pop = createPopulation(DEMO_POPULATION);
  const smas = [0, 2, 4].map((i) => pop.school(i).schoolCode);

  it('pushes and reads schools the demo’s SMAS vendor holds, and names them', () => {
    const code = guide.slice(guide.indexOf('```ts'), guide.indexOf('// 7. errors'));
    const used = schoolCodes(code);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((c) => !smas.includes(c))).toEqual([]);
    const intro = guide.slice(0, guide.indexOf('## Tiếng Việt'));
    for (const c of smas) expect(intro).toContain(c);
  });

  it('shows the refusal with a school no demo client holds', () => {
    const errors = guide.slice(guide.indexOf('// 7. errors'));
    const others = Array.from({ length: 6 }, (_, i) => pop.school(i).schoolCode);
    const refused = schoolCodes(errors.slice(0, errors.indexOf('```')));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.filter((c) => others.includes(c))).toEqual([]);
  });
});
