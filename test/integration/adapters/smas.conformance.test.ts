import nock from 'nock';
import { afterAll, expect, it } from 'vitest';
import { createSmasAdapter, createSmasClient } from '../../../src/adapters/smas/index.js';
import type { SmasRecordOf } from '../../../src/adapters/smas/schema.js';
import { startSmasSimulator, type SmasSimulator } from '../../../src/simulators/smas/simulator.js';
import { smasMappings } from '../../../src/mappings/smas/index.js';
import {
  drain,
  errorOf,
  runSchoolConformance,
  SCHOOL_SIM,
  schoolSetup,
} from '../../helpers/school-system-conformance.js';
import { describeSchoolSystemRules } from '../../helpers/school-system-rules.js';

const API_KEY = 'smas-sim-key';

const setup = schoolSetup<'smas', SmasRecordOf>({
  system: 'smas',
  start: () => startSmasSimulator({ ...SCHOOL_SIM, apiKey: API_KEY }),
  adapterFor: (sim: SmasSimulator, { invalid, timeoutMs }) =>
    createSmasAdapter({ baseURL: sim.url, apiKey: invalid ? 'wrong-key' : API_KEY, timeoutMs }),
  mappings: smasMappings,
});

runSchoolConformance(setup);

describeSchoolSystemRules(setup, (running) => {
  afterAll(() => nock.cleanAll());

  it('page/offset: walks pages 1..n of each school until Page × PageSize ≥ TotalRecord', async () => {
    const { sim } = running;
    const client = createSmasClient({ baseURL: sim.url, apiKey: API_KEY });
    const school = sim.schoolCodes[0]!;
    const total = sim.count('students', { schoolCode: school });
    const pages = [];
    for await (const page of client.pages('students', school, { pageSize: 7 })) pages.push(page);
    expect(pages.map((p) => p.page)).toEqual(Array.from({ length: Math.ceil(total / 7) }, (_, i) => i + 1));
    expect(pages.every((p) => p.totalRecord === total)).toBe(true);
    expect(pages.at(-1)!.items.length).toBe(total % 7 || 7);
    expect(pages.at(-1)!.last).toBe(true);
    const past = await client.fetchPage('students', school, { page: 999, pageSize: 7 });
    expect(past).toMatchObject({ items: [], last: true, totalRecord: total });
  });

  it('a cursor keeps its page size: resuming with another pageSize leaves no gap and no duplicate', async () => {
    const keys: string[] = [];
    let cursor: string | undefined;
    for await (const page of running.adapter.listChanges('students', { pageSize: 5 })) {
      keys.push(...page.items.map((s) => s.MaHocSinh));
      cursor = page.nextCursor;
      if (keys.length >= 10) break;
    }
    const rest = await drain(running.adapter, 'students', { cursor: cursor!, pageSize: 50 });
    const all = [...keys, ...rest.items.map((s) => s.MaHocSinh)];
    expect(all.length).toBe(running.sim.count('students'));
    expect(new Set(all).size).toBe(all.length);
  });

  it('a failure reported inside HTTP 200 (Success: false) is classified by its ErrorCode', async () => {
    nock('http://smas.test')
      .get('/health')
      .reply(200, { Success: false, Message: 'Bảo trì', ErrorCode: 'MAINTENANCE' });
    const client = createSmasClient({ baseURL: 'http://smas.test', apiKey: API_KEY });
    const err = await errorOf(client.health());
    expect(err).toMatchObject({ code: 'ERR_ADAPTER_UNAVAILABLE', errors: [{ rule: 'SMAS_MAINTENANCE' }] });
  });
});
