/**
 * The two quality jobs (issue 8) through the registry, on a real in-memory database. website-probe
 * probes every school's website (sites on loopback), keeps each result and puts SONG_WEBSITE_DOWN /
 * SONG_WEBSITE_NO_RSS on the school's verdict; quality-scorecards computes a run of scorecards from the
 * verdicts, keeps it, closes its outbox row and sets the pass-ratio gauges of communes and provinces,
 * never of a school.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config.js';
import { enqueue, qualityScorecards, websiteProbe } from '../../../src/jobs/contracts.js';
import { createQualityRepo, type VerdictFinding } from '../../../src/store/quality.js';
import { createRecordsRepo, fingerprint } from '../../../src/store/records.js';
import { createScorecardsRepo } from '../../../src/store/scorecards.js';
import { createWebsiteProbesRepo } from '../../../src/store/website-probes.js';
import { school } from '../../factories/records.js';
import { startWebsites, type WebsiteServer } from '../../helpers/websites.js';
import { byQueue, nextRow, openWork, runRow, useTestContext, type TestContext } from './fixtures.js';

const COMMUNE = '26734';
const ctx = useTestContext();
let sites: WebsiteServer;

/** Schools in one commune of province 79, with these websites (none when undefined). */
async function putSchools(websites: Record<string, string | undefined>): Promise<void> {
  const records = Object.entries(websites).map(([code, website]) =>
    school(code, { communeCode: COMMUNE, provinceCode: '79', ...(website ? { website } : {}) }),
  );
  await createRecordsRepo(ctx.db).upsert(
    'schools',
    records.map((s) => ({ key: s.schoolCode, scope: s.schoolCode, data: s, fingerprint: fingerprint(s) })),
    { system: 'hcm-csdl', mappingVersion: 'test' },
  );
}

async function verdictRules(code: string): Promise<string[]> {
  const rows = await ctx.db.rows<{ findings: { rule: string }[] }>(
    'truc.quality_records',
    `entity = 'schools' AND record_key = '${code}'`,
  );
  return (rows[0]?.findings ?? []).map((f) => f.rule).sort();
}

beforeAll(async () => {
  sites = await startWebsites();
  await putSchools({
    QJ0001: `${sites.base}/up/`,
    QJ0002: `${sites.base}/plain/`,
    QJ0003: sites.downUrl,
    QJ0004: undefined,
  });
});
afterAll(async () => {
  await sites?.close();
});

describe('website-probe job', () => {
  /**
   * The worker's context with the probe allowed on loopback. Its timeout is generous: the site that is
   * down refuses at once, and the ones that are up answer in this process, whose event loop a busy
   * machine and the in-memory database (WebAssembly) can hold for over half a second.
   */
  const probing = (): TestContext => {
    const config = structuredClone<Config>(ctx.config);
    Object.assign(config.quality.websiteProbe, { timeoutMs: 10_000, allowPrivateNetworks: true });
    return { ...ctx, config };
  };

  it('probes every school with a website and puts the findings on its verdict', async () => {
    const outboxId = await ctx.db.tx((q) => enqueue(q, websiteProbe, { requestedBy: 'schedule' }));
    const row = (await nextRow(ctx.db, (r) => r.id === outboxId))!;
    expect(await runRow(probing(), row)).toEqual({ schools: 3, down: 1, withoutRss: 1 });
    const probes = await createWebsiteProbesRepo(ctx.db).probesOf(['QJ0001', 'QJ0002', 'QJ0003', 'QJ0004']);
    expect([...probes.keys()].sort()).toEqual(['QJ0001', 'QJ0002', 'QJ0003']);
    expect(probes.get('QJ0001')).toMatchObject({ answered: true, rss: true, httpStatus: 200 });
    expect(probes.get('QJ0003')).toMatchObject({ answered: false, problem: 'unreachable' });
    expect(await verdictRules('QJ0001')).toEqual([]);
    expect(await verdictRules('QJ0002')).toEqual(['SONG_WEBSITE_NO_RSS']);
    expect(await verdictRules('QJ0003')).toEqual(['SONG_WEBSITE_DOWN']);
  });

  it('refuses a payload without who asked, permanently', async () => {
    const row = { id: 0, queue: 'website-probe', job_name: 'website-probe', payload: {} };
    await expect(runRow(probing(), row)).rejects.toMatchObject({ code: 'ERR_JOB_PAYLOAD_INVALID' });
  });
});

describe('quality-scorecards job', () => {
  it('keeps a run of scorecards, closes its row and sets the gauges of communes and provinces only', async () => {
    // Three schools judged: one passes, two fail sống (the verdicts the probe leaves, set here).
    const song: VerdictFinding = {
      rule: 'SONG_WEBSITE_DOWN',
      criterion: 'song',
      severity: 'warning',
      pointer: '/website',
    };
    await createQualityRepo(ctx.db).saveVerdicts(
      'schools',
      randomUUID(),
      new Date(),
      ['QJ0001', 'QJ0002', 'QJ0003'].map((code, i) => ({
        recordKey: code,
        schoolCode: code,
        accepted: true,
        findings: i === 0 ? [] : [song],
      })),
    );
    await ctx.db.tx((q) => enqueue(q, qualityScorecards, { requestedBy: 'city-admin-1' }));
    const row = (await nextRow(ctx.db, byQueue('quality')))!;
    const out = await runRow<{ runId: number; scorecards: number }>(ctx, row);
    // The three schools with a verdict, their commune and their province.
    expect(out.scorecards).toBe(5);
    expect((await openWork(ctx.db)).map((r) => r.id)).not.toContain(row.id);

    const repo = createScorecardsRepo(ctx.db);
    const [commune] = await repo.latest('commune', { code: COMMUNE });
    expect(commune).toMatchObject({ runId: out.runId, code: COMMUNE, parentCode: '79', records: 3 });
    const schools = await repo.latest('school', { parent: COMMUNE });
    expect(schools.map((s) => s.code).sort()).toEqual(['QJ0001', 'QJ0002', 'QJ0003']);

    const series = (await ctx.metrics.qualityPassRatio.get()).values;
    const units = new Set(series.map((v) => `${v.labels.level}:${v.labels.unit}`));
    expect(units).toEqual(new Set([`commune:${COMMUNE}`, 'province:79']));
    const ratio = (criterion: string) =>
      series.find((v) => v.labels.level === 'commune' && v.labels.criterion === criterion)?.value;
    expect(ratio('song')).toBeCloseTo(1 / 3);
    expect(ratio('dung')).toBe(1);
  });
});
