/**
 * Sống (live), the school's website: the city requires every school to keep a live website offering
 * an RSS feed. A scheduled probe (src/jobs/website-probe.ts) checks each school's website; these
 * rules turn its last result into findings on the school record — at ingest (a store lookup) and right
 * after each probe run (on the school's verdict). A probe of another address than the record's says
 * nothing about it; nor does a feed the site's robots.txt forbids the probe to read.
 */
import type { RuleInfo } from '../types.js';
import { rule, strField, type Check, type WebsiteProbe } from './define.js';

export const WEBSITE_DOWN = rule({
  code: 'SONG_WEBSITE_DOWN',
  criterion: 'song',
  entities: ['schools'],
  severity: 'warning',
  version: 1,
  scope: 'store',
  title: { vi: 'Website không hoạt động', en: 'Website down' },
  message: {
    vi: 'Website của trường không phản hồi ở lần kiểm tra tự động gần nhất.',
    en: 'The school’s website did not answer at the last automatic check.',
  },
  hint: {
    vi: 'Kiểm tra tên miền và máy chủ của website, hoặc cập nhật đúng địa chỉ website của trường.',
    en: 'Check the website’s domain and server, or correct the school’s website address.',
  },
  showsValue: true,
});

export const WEBSITE_NO_RSS = rule({
  code: 'SONG_WEBSITE_NO_RSS',
  criterion: 'song',
  entities: ['schools'],
  severity: 'warning',
  version: 1,
  scope: 'store',
  title: { vi: 'Website không có RSS', en: 'Website without RSS' },
  message: {
    vi: 'Website của trường hoạt động nhưng không có nguồn tin RSS.',
    en: 'The school’s website answers but offers no RSS feed.',
  },
  hint: {
    vi: 'Bật nguồn tin RSS và khai báo bằng thẻ <link rel="alternate" type="application/rss+xml"> trên trang chủ.',
    en: 'Turn on an RSS feed and declare it with <link rel="alternate" type="application/rss+xml"> on the home page.',
  },
  showsValue: true,
});

/** The probe's `problem` when robots.txt kept it from the home page or every feed address. */
export const ROBOTS_DISALLOWED = 'robots-disallowed';

/** The website rules a probe result breaks for a school whose website is `website` (none when the probe was of another address). */
export function websiteRulesOf(website: string, probe: WebsiteProbe | undefined): RuleInfo[] {
  if (probe === undefined || probe.website !== website) return [];
  if (!probe.answered) return [WEBSITE_DOWN];
  // A feed the site's robots.txt keeps the probe from reading is unknown, not missing.
  return probe.rss || probe.problem === ROBOTS_DISALLOWED ? [] : [WEBSITE_NO_RSS];
}

export const websiteCheck: Check = {
  scope: 'store',
  rules: [WEBSITE_DOWN, WEBSITE_NO_RSS],
  entities: ['schools'],
  needs: ['websiteProbes'],
  check(recs, _keys, _ctx, facts, out) {
    if (!facts.websiteProbes) return;
    recs.forEach((rec, i) => {
      const website = strField(rec['website']);
      const code = strField(rec['schoolCode']);
      if (website === undefined || code === undefined) return;
      for (const r of websiteRulesOf(website, facts.websiteProbes!.get(code))) {
        out.add(i, r, '/website', { value: website });
      }
    });
  },
};
