/**
 * guard25 (issue 7): the demo's night is a healthy one. `npm run demo` keeps the city's schedules, among them the
 * 02:00 pulls of students from SMAS and vnEdu. The demo's vendors push two schools in truc's canonical format;
 * those records must say what the schools' own systems hold, or the nightly pull finds them changed and the
 * mass-change guard holds the run (it did: the canonical pushes left out `disability`, which both systems state
 * as 'none', so 39 of a school's 40 students changed, over `guard.changeRatio`). Each canonical record the demo
 * pushes maps to exactly what the school's system serves for that student.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmasAdapter } from '../../../src/adapters/smas/index.js';
import { createVneduAdapter } from '../../../src/adapters/vnedu/index.js';
import { canonicalStudentsOf } from '../../../src/demo/vendor-pushes.js';
import { inboundMapping } from '../../../src/jobs/inbound.js';
import { DEMO_POPULATION, demoCredentials } from '../../../src/simulators/index.js';
import { createPopulation } from '../../../src/simulators/population/index.js';
import { startSmasSimulator } from '../../../src/simulators/smas/simulator.js';
import { startVneduSimulator } from '../../../src/simulators/vnedu/simulator.js';

type Sim = { url: string; close(): Promise<void> };

describe("the demo's canonical pushes hold what the schools' systems serve (their nightly pulls change nothing)", () => {
  const pop = createPopulation(DEMO_POPULATION);
  const creds = demoCredentials();
  let smas: Sim;
  let vnedu: Sim;
  beforeAll(async () => {
    smas = await startSmasSimulator({ ...DEMO_POPULATION, ...creds.smas });
    vnedu = await startVneduSimulator({ ...DEMO_POPULATION, ...creds.vnedu });
  });
  afterAll(async () => {
    await Promise.allSettled([smas.close(), vnedu.close()]);
  });

  /** What the school's system serves for school `i`, mapped as its nightly pull maps it, by student code. */
  async function served(system: 'smas' | 'vnedu', i: number): Promise<Map<string, unknown>> {
    const adapter =
      system === 'smas'
        ? createSmasAdapter({ baseURL: smas.url, apiKey: creds.smas.apiKey })
        : createVneduAdapter({ baseURL: vnedu.url, token: creds.vnedu.token });
    const mapping = inboundMapping(system, 'students');
    const out = new Map<string, unknown>();
    for await (const page of adapter.listChanges('students', { schoolCode: pop.school(i).schoolCode })) {
      for (const raw of page.items) {
        const r = mapping.map(raw, { now: () => new Date() });
        expect(r.ok, JSON.stringify(r.findings)).toBe(true);
        if (r.ok) out.set(r.value.key, r.value.data);
      }
    }
    return out;
  }

  // The demo pushes school 0 as SMAS's vendor and school 1 as vnEdu's, both in the canonical format.
  it.each([
    ['smas', 0],
    ['vnedu', 1],
  ] as const)('%s, school %i: every pushed student equals the one its system serves', async (system, i) => {
    const pushed = canonicalStudentsOf(pop, i) as Array<{ studentCode: string }>;
    const atSystem = await served(system, i);
    expect(pushed.length).toBeGreaterThan(0);
    expect(new Set(pushed.map((s) => s.studentCode))).toEqual(new Set(atSystem.keys()));
    for (const s of pushed) expect(s, s.studentCode).toEqual(atSystem.get(s.studentCode));
  });
});
