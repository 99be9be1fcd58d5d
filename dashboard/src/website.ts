/**
 * A school's website as the sống probe last found it (issue 8): does it answer, does it offer an RSS
 * or Atom feed, which rules it breaks. From `GET /v1/schools/{code}/website`, asked only when the school's page says
 * it was probed (its 404 before any probe was a console error on every school page: words5).
 */
import type { WebsiteProbe } from './api-types.js';
import { currentLang, t } from './i18n.js';
import { ApiError, api } from './api.js';
import { card, h, when } from './kit.js';

/** The probe's `problem` when robots.txt kept it from looking: the feed is unknown, not missing. */
const ROBOTS_DISALLOWED = 'robots-disallowed';

/** Why the probe found the site down or could not look (src/adapters/website/probe.ts), in words. */
const PROBLEMS: Record<string, readonly [vi: string, en: string]> = {
  [ROBOTS_DISALLOWED]: [
    'robots.txt của trang không cho phép kiểm tra',
    'the site’s robots.txt does not allow the probe',
  ],
  unreachable: ['không kết nối được tới trang', 'the site could not be reached'],
  timeout: ['trang phản hồi quá chậm', 'the site did not answer in time'],
  'no-dns': ['tên miền không phân giải được', 'the domain name does not resolve'],
  'bad-url': ['địa chỉ website không hợp lệ', 'the website address is not valid'],
  'too-many-redirects': ['trang chuyển hướng quá nhiều lần', 'the site redirects too many times'],
  'private-address': ['địa chỉ trỏ vào mạng nội bộ', 'the address points into a private network'],
  localhost: ['địa chỉ trỏ vào mạng nội bộ', 'the address points into a private network'],
};

/** A probe's problem in the page's language (`http-404`: the site answered HTTP 404); an unknown one as it came. */
function problemText(problem: string): string {
  const vi = currentLang() === 'vi';
  const http = /^(robots-)?http-(\d+)$/.exec(problem);
  if (http) {
    const what = http[1] ? 'robots.txt' : vi ? 'trang' : 'the site';
    return vi ? `${what} trả về HTTP ${http[2]}` : `${what} answered HTTP ${http[2]}`;
  }
  const words = Object.hasOwn(PROBLEMS, problem) ? PROBLEMS[problem] : undefined;
  return words ? words[vi ? 0 : 1] : problem;
}

/** The school's last probe, asked for only when its page says there is one (`probed`: its websiteProbedAt). */
async function lastProbe(code: string, probed: boolean): Promise<WebsiteProbe | undefined> {
  if (!probed) return undefined;
  try {
    return await api<WebsiteProbe>(`/v1/schools/${encodeURIComponent(code)}/website`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined; // its probe gone since the page was read
    throw e;
  }
}

function feedBadge(p: WebsiteProbe): HTMLElement {
  if (p.rss) return h('span', { class: 'badge ok' }, t('websiteRss'));
  if (p.problem === ROBOTS_DISALLOWED || !p.answered)
    return h('span', { class: 'badge warn' }, t('websiteFeedUnknown'));
  return h('span', { class: 'badge bad' }, t('websiteNoRss'));
}

/** The card of the school's website liveness: its last probe, or that there has been none. */
export async function websiteCard(code: string, probed: boolean): Promise<HTMLElement> {
  const p = await lastProbe(code, probed);
  if (p === undefined) {
    return card(
      t('website'),
      h('p', { class: 'muted', 'data-testid': 'school-website' }, t('websiteNotProbed')),
    );
  }
  const row = (label: string, ...value: Array<Node | string>) => [h('dt', {}, label), h('dd', {}, ...value)];
  return card(
    t('website'),
    h(
      'dl',
      { 'data-testid': 'school-website', 'data-answered': String(p.answered), 'data-rss': String(p.rss) },
      row(t('websiteAddress'), p.website),
      row(t('websiteProbedAt'), when(p.probedAt)),
      row(
        t('websiteAnswers'),
        h(
          'span',
          { class: `badge ${p.answered ? 'ok' : 'bad'}` },
          p.answered ? t('websiteUp') : t('websiteDown'),
        ),
        p.httpStatus === undefined ? '' : ` (HTTP ${p.httpStatus})`,
      ),
      row(t('websiteFeed'), feedBadge(p)),
      p.problem === undefined ? [] : row(t('websiteProblem'), problemText(p.problem), ` (${p.problem})`),
      p.rules.length === 0 ? [] : row(t('rule'), p.rules.map((r) => `${r.rule} — ${r.title}`).join('; ')),
    ),
  );
}
