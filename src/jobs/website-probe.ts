/**
 * The schools' website probe (issue 8, sống): fired by the scheduler role on
 * `quality.websiteProbe.cron`, it probes the website of every school the hub holds (src/adapters/website:
 * timeouts, redirects checked, at most `concurrency` sites at once), keeps each school's last result,
 * and puts the findings of SONG_WEBSITE_DOWN / SONG_WEBSITE_NO_RSS on the school record's verdict, so
 * the next scorecards count them. Logs counts only; a website is public and no personal data is involved.
 */
import { probeWebsites } from '../adapters/website/probe.js';
import {
  WEBSITE_DOWN,
  WEBSITE_NO_RSS,
  effectiveSeverity,
  websiteRulesOf,
  type BatchContext,
} from '../quality/index.js';
import { schoolYearOf, vietnamDateOf } from '../canonical/school-year.js';
import type { VerdictFinding } from '../store/quality.js';
import { createWebsiteProbesRepo, type WebsiteProbeRow } from '../store/website-probes.js';
import { websiteProbe } from './contracts.js';
import type { WorkerContext } from './context.js';
import { defineJob } from './define.js';

type ProbeContext = Pick<WorkerContext, 'db' | 'config' | 'logger' | 'now'>;

export interface ProbeRunResult {
  readonly schools: number;
  readonly down: number;
  readonly withoutRss: number;
}

/** The verdict findings of one probe result under the city's policy (the rules as the engine reports them). */
function findingsOf(row: WebsiteProbeRow, ctx: BatchContext): VerdictFinding[] {
  const out: VerdictFinding[] = [];
  for (const rule of websiteRulesOf(row.website, row)) {
    const severity = effectiveSeverity(rule, ctx);
    if (severity === 'off') continue;
    out.push({
      rule: rule.code,
      criterion: rule.criterion,
      severity,
      pointer: '/website',
      value: row.website,
    });
  }
  return out;
}

/** Probes every school's website and records the results and their findings. */
export async function runWebsiteProbe(ctx: ProbeContext): Promise<ProbeRunResult> {
  const settings = ctx.config.quality.websiteProbe;
  const sites = await createWebsiteProbesRepo(ctx.db).schoolWebsites();
  const results = await probeWebsites(
    sites.map((s) => ({ key: s.schoolCode, website: s.website })),
    settings,
  );
  const probedAt = ctx.now();
  const rows: WebsiteProbeRow[] = results.map((r) => ({
    schoolCode: r.key,
    website: r.website,
    probedAt,
    answered: r.result.answered,
    httpStatus: r.result.status,
    rss: r.result.rss,
    problem: r.result.problem,
  }));
  const today = vietnamDateOf(probedAt);
  const bctx: BatchContext = {
    entity: 'schools',
    today,
    schoolYear: schoolYearOf(today),
    config: ctx.config.quality,
  };
  await ctx.db.tx(async (q) => {
    const repo = createWebsiteProbesRepo(q);
    await repo.save(rows);
    await repo.setWebsiteFindings(
      [WEBSITE_DOWN.code, WEBSITE_NO_RSS.code],
      probedAt,
      new Map(rows.map((r) => [r.schoolCode, findingsOf(r, bctx)])),
    );
  });
  const out = {
    schools: rows.length,
    down: rows.filter((r) => !r.answered).length,
    withoutRss: rows.filter((r) => r.answered && !r.rss).length,
  };
  ctx.logger.info(out, 'school websites probed');
  return out;
}

/** The probe job: its own queue, one run at a time. */
export const websiteProbeJob = defineJob({
  ...websiteProbe,
  concurrency: 1,
  process: (ctx: ProbeContext) => runWebsiteProbe(ctx),
});
