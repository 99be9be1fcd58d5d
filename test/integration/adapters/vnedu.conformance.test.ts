import { expect, it } from 'vitest';
import { createVneduAdapter, createVneduClient } from '../../../src/adapters/vnedu/index.js';
import type { VneduRecordOf } from '../../../src/adapters/vnedu/schema.js';
import { startVneduSimulator, type VneduSimulator } from '../../../src/simulators/vnedu/simulator.js';
import { vneduMappings } from '../../../src/mappings/vnedu/index.js';
import {
  errorOf,
  runSchoolConformance,
  SCHOOL_SIM,
  schoolSetup,
} from '../../helpers/school-system-conformance.js';
import { describeSchoolSystemRules } from '../../helpers/school-system-rules.js';

const TOKEN = 'vnedu-sim-token';

const setup = schoolSetup<'vnedu', VneduRecordOf>({
  system: 'vnedu',
  start: () => startVneduSimulator({ ...SCHOOL_SIM, token: TOKEN }),
  adapterFor: (sim: VneduSimulator, { invalid, timeoutMs }) =>
    createVneduAdapter({ baseURL: sim.url, token: invalid ? 'wrong-token' : TOKEN, timeoutMs }),
  mappings: vneduMappings,
});

runSchoolConformance(setup);

describeSchoolSystemRules(setup, (running) => {
  const client = () => createVneduClient({ baseURL: running.sim.url, token: TOKEN });

  it('cursor: follows `next` to the end; the last page has next = null and is never empty', async () => {
    const school = running.sim.schoolCodes[0]!;
    const total = running.sim.count('students', { schoolCode: school });
    const pages = [];
    for await (const page of client().pages('students', school, { limit: 7 })) pages.push(page);
    expect(pages).toHaveLength(Math.ceil(total / 7));
    expect(pages.slice(0, -1).every((p) => p.items.length === 7 && typeof p.next === 'string')).toBe(true);
    expect(pages.at(-1)!.next).toBeUndefined();
    expect(pages.at(-1)!.items.length).toBe(total % 7 || 7);
    const ids = pages.flatMap((p) => p.items.map((s) => s.student_id));
    expect(new Set(ids).size).toBe(total);
  });

  it('a cursor is bound to its filter: reusing it with another updated_after is refused with its vnEdu code', async () => {
    const school = running.sim.schoolCodes[0]!;
    const first = await client().fetchPage('students', school, { limit: 5 });
    const err = await errorOf(
      client().fetchPage('students', school, {
        limit: 5,
        after: first.next!,
        updatedAfter: '2025-09-01T00:00:00Z',
      }),
    );
    expect(err).toMatchObject({ code: 'ERR_ADAPTER_REJECTED', errors: [{ rule: 'VNEDU_invalid_param' }] });
  });
});
