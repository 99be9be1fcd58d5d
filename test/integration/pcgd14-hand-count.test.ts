/**
 * pcgd14: the demo's PCGD-XMC commune (26995, the demo's seed and sizes) counted by hand and by truc. The hand
 * count (test/helpers/pcgd-hand-count.ts) reads the simulated Ministry's survey records over its HTTP API and
 * applies ../shared/docs/PCGD-RULES.md literally; truc pulls the same records through its sync (mapping, ingest)
 * and computes its report. Every indicator's numerator and denominator and every level must agree, and every
 * denominator is filled (the demo's commune had no 5-, 11- or 14-year-old: 0/0 figures). On PostgreSQL + Redis
 * with the worker role and the moet-pcgd simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestPersonsPull } from '../../src/jobs/persons-pull.js';
import { workingYearAt } from '../../src/reporting/pcgd/persons-year.js';
import { computeReport, type StoredFigures } from '../../src/reporting/pcgd/service.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { DEMO_PERSONS_PER_COMMUNE, DEMO_POPULATION, DEMO_SEED } from '../../src/simulators/index.js';
import type { MoetPcgdSimulator } from '../../src/simulators/moet-pcgd/simulator.js';
import { makeDeps, makeTempDir, type TempDir, type TestEnv } from '../helpers/env.js';
import { PCGD_SIM_CLIENT, startPcgdSimulator } from '../helpers/pcgd.js';
import { countByHand, levelsByHand, surveyRowsOf } from '../helpers/pcgd-hand-count.js';
import { settleOutbox } from '../helpers/settled-sync.js';

/** The year the demo reports today (src/demo/pcgd.ts), its population of the school year beginning then. */
const Y = workingYearAt(new Date(), '09-01');
/** The demo's communes (src/demo/actors.ts: its six schools'), 26995 the one its PCGD-XMC step reports. */
const COMMUNES = ['26995', '27112', '27286', '27448', '27553', '27658'];

describe('pcgd14: the demo commune’s figures, counted by hand from the survey and by truc', () => {
  let env: TestEnv;
  let sim: MoetPcgdSimulator;
  let worker: Running;
  let keys: TempDir;

  beforeAll(async () => {
    const { seed: _seed, ...sizes } = DEMO_POPULATION;
    sim = await startPcgdSimulator(() => new Date(`${Y}-09-20T03:00:00Z`), {
      seed: DEMO_SEED,
      population: { ...sizes, schoolYear: `${Y}-${Y + 1}` },
      personsPerCommune: DEMO_PERSONS_PER_COMMUNE,
      communes: COMMUNES,
    });
    env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      { env: { MOET_PCGD_BASE_URL: sim.url } },
    );
    keys = await makeTempDir('truc-pcgd-keys-');
    worker = startWorkerRole(env.deps);
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await env?.cleanup();
    await sim?.close();
    await keys?.remove();
  });

  it.each(COMMUNES)(
    '%s: every indicator and level of truc’s report is the hand count’s, every denominator filled',
    async (commune) => {
      await env.deps.db.tx((q) =>
        requestPersonsPull(env.config, q, {
          communeCode: commune,
          full: true,
          requestedBy: 'test',
          at: new Date(),
        }),
      );
      await settleOutbox(env.deps.db, `the persons pull of ${commune}`);
      const deps = { db: env.deps.db, pcgd: env.config.pcgd, dataDir: keys.path, now: () => new Date() };
      const report = await computeReport(deps, { unitCode: commune, year: Y, actor: 'test' });
      const figures = report.figures as StoredFigures;

      const rows = await surveyRowsOf(sim.url, PCGD_SIM_CLIENT, commune, Y);
      expect(rows.length).toBe([...sim.population.personsOfCommune(commune)].length); // the whole commune
      const hand = countByHand(rows, commune, Y);
      const truc = Object.fromEntries(
        figures.indicators.map((x) => [x.code, { numerator: x.numerator, denominator: x.denominator }]),
      );
      expect(truc).toEqual(hand);
      for (const [code, x] of Object.entries(hand)) expect(x.denominator, code).toBeGreaterThan(0);
      const levels = Object.fromEntries(figures.levels.map((l) => [l.level, l.met]));
      expect(levels).toEqual(levelsByHand(hand));
      expect(report.status, JSON.stringify(report.findings)).toBe('checked');
    },
  );
});
