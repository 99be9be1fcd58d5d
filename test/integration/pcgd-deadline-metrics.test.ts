/**
 * ops28 item 2 (review27a F4's other half): the PCGD-XMC gauges and the operations overview stand every unit by one
 * rule, the deadlines module's (src/reporting/pcgd/deadlines.ts, as GET /v1/pcgd/deadlines). The metrics kept their
 * own (a deadline at 23:59:59 of 3 October, "at risk" from 7 days before it and for ever after, whatever
 * pcgd.calendar said): two days after the communes' deadline they counted its unsubmitted communes "at risk" where
 * the overview says late, knew nothing of a report submitted late, and counted the province at risk five days before
 * its deadline where the overview (atRiskDays 3) says on track.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { composeOverview } from '../../src/api/routes/ops/overview.js';
import { registerStateMetrics } from '../../src/jobs/state-metrics.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { usePostgresEnv } from '../helpers/env.js';

/** Two days after the communes' deadline (before 3 October), five before the province's (before 10 October). */
const AT = new Date('2031-10-05T10:00:00+07:00');
const YEAR = 2031;

describe('PCGD-XMC gauges and the overview on postgres', () => {
  const env = usePostgresEnv();

  const report = async (unit: string, level: string, status: string, submittedAt: string | null) =>
    env().deps.db.query(
      `INSERT INTO truc.pcgd_reports (unit_code, unit_level, year, version, status, rule_set, mapping_versions,
              figures, findings, persons, lineage_digest, computed_by, submitted_by, submitted_at, receipted_at)
       VALUES ($1, $2, $3, 1, $4, '{}', '{}', '{}', '[]', 10, 'd', 'operator:cli:o', 'operator:cli:o', $5, $5)`,
      [unit, level, YEAR, status, submittedAt],
    );

  beforeAll(async () => {
    await report('27676', 'commune', 'computed', null); // not submitted, past its deadline: late
    await report('27664', 'commune', 'approved', null); // likewise
    await report('27112', 'commune', 'receipted', '2031-10-04T09:00:00+07:00'); // submitted a day late
    await report('26995', 'commune', 'receipted', '2031-10-01T09:00:00+07:00'); // on time
    await report('79', 'province', 'computed', null); // five days left: on track (atRiskDays 3)
  }, 180_000);

  it('a gauge counts what the overview says of the same units at the same time', async () => {
    const metrics = createMetrics();
    const refresh = registerStateMetrics({
      ...env().deps,
      metrics,
      logger: pino({ level: 'silent' }),
      now: () => AT,
    });
    await refresh();
    const gauge = async (g: typeof metrics.pcgdUnitsAtRisk | typeof metrics.pcgdUnitsLate, labels: object) =>
      (await g.get()).values.find((v) =>
        Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x),
      )?.value;

    const { pcgd } = await composeOverview(
      { db: env().deps.db, metrics: env().deps.metrics, config: env().config },
      AT,
    );
    expect(pcgd.year).toBe(YEAR);
    for (const level of ['commune', 'province'] as const) {
      const units = pcgd.units.filter((u) => u.level === level);
      expect(await gauge(metrics.pcgdUnitsAtRisk, { level }), level).toBe(
        units.filter((u) => u.atRisk).length,
      );
      expect(await gauge(metrics.pcgdUnitsLate, { level, submitted: 'false' }), level).toBe(
        units.filter((u) => u.state === 'late').length,
      );
      expect(await gauge(metrics.pcgdUnitsLate, { level, submitted: 'true' }), level).toBe(
        units.filter((u) => u.submittedLate).length,
      );
    }
    // What that is here: every commune not submitted is late (two with a report, the 164 others without one: review33c
    // F1), one submitted late, none at risk; the province on track.
    expect(await gauge(metrics.pcgdUnitsLate, { level: 'commune', submitted: 'false' })).toBe(166);
    expect(await gauge(metrics.pcgdUnitsLate, { level: 'commune', submitted: 'true' })).toBe(1);
    expect(await gauge(metrics.pcgdUnitsAtRisk, { level: 'commune' })).toBe(0);
    expect(await gauge(metrics.pcgdUnitsAtRisk, { level: 'province' })).toBe(0);
  });

  it('from January to August the overview and the gauges stand last year, the working year GET /v1/pcgd/deadlines shows', async () => {
    // pcgd12: the overview and the gauges took the calendar year (2032: no survey open, every unit "on track") where
    // the deadlines page's default, the Ministry's working year open on 1 March 2032, is 2031 with its late communes.
    const march = new Date('2032-03-01T10:00:00+07:00');
    const metrics = createMetrics();
    await registerStateMetrics({
      ...env().deps,
      metrics,
      logger: pino({ level: 'silent' }),
      now: () => march,
    })();
    const { pcgd } = await composeOverview(
      { db: env().deps.db, metrics: env().deps.metrics, config: env().config },
      march,
    );
    expect(pcgd.year).toBe(YEAR);
    expect(pcgd.units.filter((u) => u.level === 'commune' && u.state === 'late')).toHaveLength(166);
    const late = (await metrics.pcgdUnitsLate.get()).values.find(
      (v) => v.labels.level === 'commune' && v.labels.submitted === 'false',
    );
    expect(late?.value).toBe(166);
  });
});
