/**
 * review33c F1: the overview and the deadline gauges stand every PCGD-XMC unit of the city, as GET /v1/pcgd/deadlines
 * does. They stood only the units with a report of the year: two days before the communes' deadline, with one commune
 * submitted and the 167 others not yet computed, the dashboard's overview said "PCGD — at risk: 0" and listed one
 * unit, the gauge truc_pcgd_units_at_risk{level="commune"} was 0 (TrucPcgdUnitAtRisk silent), while the deadlines
 * said 167 communes at risk.
 */
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { composeOverview } from '../../src/api/routes/ops/overview.js';
import { hcmcCommunes } from '../../src/canonical/codes/admin-units.js';
import { registerStateMetrics } from '../../src/jobs/state-metrics.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { deadlineView } from '../../src/reporting/pcgd/deadlines.js';
import { usePostgresEnv } from '../helpers/env.js';

/** Two days before the communes' deadline (before 3 October; atRiskDays 3), nine before the province's. */
const AT = new Date('2031-10-01T10:00:00+07:00');
const YEAR = 2031;

describe('review33c F1: every unit of the city stands by its deadline, with a report or without', () => {
  const env = usePostgresEnv();
  const submitted = hcmcCommunes()[0]!.code;

  beforeAll(async () => {
    await env().deps.db.query(
      `INSERT INTO truc.pcgd_reports (unit_code, unit_level, year, version, status, rule_set, mapping_versions,
              figures, findings, persons, lineage_digest, computed_by, submitted_by, submitted_at, receipted_at)
       VALUES ($1, 'commune', $2, 1, 'receipted', '{}', '{}', '{}', '[]', 10, 'd', 'operator:cli:o',
               'operator:cli:o', '2031-09-30T09:00:00+07:00', '2031-09-30T09:00:00+07:00')`,
      [submitted, YEAR],
    );
  }, 180_000);

  it('the overview, the gauges and the deadlines count the same 167 communes at risk', async () => {
    const communes = hcmcCommunes().length;
    expect(communes).toBe(168);
    const view = await deadlineView(env().deps.db, env().config.pcgd, {
      year: YEAR,
      provinceCode: '79',
      actor: { clientId: 'c', role: 'city-admin', units: [] },
      now: AT,
    });
    expect(view.counts).toEqual({
      submitted: 1,
      'on-track': 1,
      'at-risk': communes - 1,
      late: 0,
      submittedLate: 0,
    });

    const { pcgd } = await composeOverview(
      { db: env().deps.db, metrics: env().deps.metrics, config: env().config },
      AT,
    );
    expect(pcgd.units).toHaveLength(communes + 1);
    expect(pcgd.units.filter((u) => u.atRisk)).toHaveLength(communes - 1);
    const none = pcgd.units.find((u) => u.unitCode !== submitted && u.level === 'commune')!;
    expect(none).toMatchObject({ status: 'none', version: null, state: 'at-risk', daysLeft: 2 });
    expect(pcgd.units.find((u) => u.unitCode === submitted)).toMatchObject({
      status: 'receipted',
      version: 1,
    });
    expect(pcgd.units.find((u) => u.level === 'province')).toMatchObject({
      status: 'none',
      state: 'on-track',
    });

    const metrics = createMetrics();
    await registerStateMetrics({
      ...env().deps,
      metrics,
      logger: pino({ level: 'silent' }),
      now: () => AT,
    })();
    const value = async (g: typeof metrics.pcgdUnitsAtRisk | typeof metrics.pcgdUnits, labels: object) =>
      (await g.get()).values.find((v) =>
        Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x),
      )?.value;
    expect(await value(metrics.pcgdUnitsAtRisk, { level: 'commune' })).toBe(communes - 1);
    expect(await value(metrics.pcgdUnitsAtRisk, { level: 'province' })).toBe(0);
    expect(await value(metrics.pcgdUnits, { level: 'commune', status: 'none' })).toBe(communes - 1);
    expect(await value(metrics.pcgdUnits, { level: 'commune', status: 'receipted' })).toBe(1);
  });
});
