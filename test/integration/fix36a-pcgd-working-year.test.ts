/**
 * fix36a (fix35e item 6): a pull of a commune's survey persons keeps the working year it read from the Ministry
 * (`GET /v1/working-year` at its start, read again at its end), and the persons-year check compares that year with
 * a report's, not the year truc's calendar gives the pull's finish time. On PostgreSQL + Redis with the worker role
 * and the moet-pcgd simulator as a Ministry that opens its working year late (1 October, not 1 September).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestPersonsPull } from '../../src/jobs/persons-pull.js';
import { personsYearChecks, workingYearAt } from '../../src/reporting/pcgd/persons-year.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { DEFAULT_CALENDAR } from '../../src/simulators/moet-pcgd/calendar.js';
import type { MoetPcgdSimulator } from '../../src/simulators/moet-pcgd/simulator.js';
import { A, B } from '../fixtures/pcgd/communes.js';
import { makeDeps, type TestEnv } from '../helpers/env.js';
import { startPcgdSimulator } from '../helpers/pcgd.js';
import { settleOutbox } from '../helpers/settled-sync.js';

/** The report year truc's own calendar (1 September) gives today: what the finish-time fallback counts a pull in. */
const Y = workingYearAt(new Date(), '09-01');
/** A Ministry that opens its working year on 1 October. */
const LATE = { ...DEFAULT_CALENDAR, opensOn: { month: 10, day: 1 } };

describe('fix36a: the PCGD-XMC working year of a persons pull is the one the Ministry said', () => {
  let env: TestEnv;
  let sim: MoetPcgdSimulator;
  let worker: Running;

  beforeAll(async () => {
    sim = await startPcgdSimulator(() => new Date(`${Y}-09-15T03:00:00Z`), {
      personsPerCommune: 5,
      communes: [A, B],
      calendar: LATE,
    });
    env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      { env: { MOET_PCGD_BASE_URL: sim.url } },
    );
    worker = startWorkerRole(env.deps);
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await env?.cleanup();
    await sim?.close();
  });

  /** Pulls the commune's persons through the worker; the run's status and the working year it kept. */
  async function pull(communeCode: string) {
    const { syncRunId } = await env.deps.db.tx((q) =>
      requestPersonsPull(env.config, q, { communeCode, full: true, requestedBy: 'test', at: new Date() }),
    );
    await settleOutbox(env.deps.db, `the persons pull of ${communeCode}`);
    const res = await env.deps.db.query<{ status: string; working_year: number | null }>(
      'SELECT status, working_year FROM truc.sync_runs WHERE id = $1',
      [syncRunId],
    );
    return res.rows[0];
  }
  const checks = (year: number, communes: string[]) =>
    personsYearChecks(env.deps.db, env.config.pcgd, year, communes);

  it('a Ministry that has not opened the year yet (15 September, it opens 1 October): the persons are of last year, and a report of this year says so', async () => {
    expect(await pull(A)).toEqual({ status: 'done', working_year: Y - 1 });
    const found = await checks(Y, [A]);
    // Red before fix36a: the pull finished today, in working year Y by truc's 1 September, so nothing was found.
    expect(found).toEqual([
      expect.objectContaining({ rule: 'PCGD_PERSONS_EARLIER_YEAR', severity: 'error', communeCode: A }),
    ]);
    expect(found[0]!.en).toContain(`in the working year ${Y - 1} as the Ministry’s system said`);
    expect(found[0]!.vi).toContain(`năm làm việc ${Y - 1} theo hệ thống PCGD-XMC`);
    expect(found[0]!.en).toContain(`once the PCGD-XMC system has opened working year ${Y}, then`);
    expect(await checks(Y - 1, [A])).toEqual([]);
  });

  it('a pull across the rollover (the Ministry opens year Y between its start and its end) keeps the year it began in', async () => {
    let reads = 0;
    // Every working-year read after the pull's first is past the Ministry's midnight of 1 October (Vietnam).
    sim.setToday(() => new Date(reads++ === 0 ? `${Y}-09-30T16:59:00Z` : `${Y}-09-30T17:01:00Z`));
    expect(await pull(B)).toEqual({ status: 'done', working_year: Y - 1 });
    expect(reads).toBeGreaterThanOrEqual(2); // read at the start, and again at the end
    expect(await checks(Y, [B])).toEqual([
      expect.objectContaining({ rule: 'PCGD_PERSONS_EARLIER_YEAR', communeCode: B }),
    ]);
  });

  it('pulled again once the Ministry has opened year Y: no finding for Y, a warning for a past year', async () => {
    sim.setToday(() => new Date(`${Y}-10-15T03:00:00Z`));
    expect(await pull(A)).toEqual({ status: 'done', working_year: Y });
    expect(await checks(Y, [A, B])).toEqual([
      expect.objectContaining({ rule: 'PCGD_PERSONS_EARLIER_YEAR', communeCode: B }),
    ]);
    expect(await checks(Y - 1, [A])).toEqual([
      expect.objectContaining({ rule: 'PCGD_PERSONS_LATER_YEAR', severity: 'warning', communeCode: A }),
    ]);
  });
});
