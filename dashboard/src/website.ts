/**
 * A school's website as the sống probe last found it (issue 8): does it answer, does it offer an RSS
 * or Atom feed, which rules it breaks. From `GET /v1/schools/{code}/website` (404 before any probe).
 */
import type { WebsiteProbe } from './api-types.js';
import { t } from './i18n.js';
import { ApiError, api, card, h, when } from './kit.js';

/** The probe's `problem` when robots.txt kept it from looking: the feed is unknown, not missing. */
const ROBOTS_DISALLOWED = 'robots-disallowed';

async function lastProbe(code: string): Promise<WebsiteProbe | undefined> {
  try {
    return await api<WebsiteProbe>(`/v1/schools/${encodeURIComponent(code)}/website`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
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
export async function websiteCard(code: string): Promise<HTMLElement> {
  const p = await lastProbe(code);
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
      p.problem === undefined ? [] : row(t('websiteProblem'), p.problem),
      p.rules.length === 0 ? [] : row(t('rule'), p.rules.map((r) => `${r.rule} — ${r.title}`).join('; ')),
    ),
  );
}
