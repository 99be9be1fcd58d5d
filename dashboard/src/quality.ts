/** The quality page: scorecards (issue 8) by commune or province, and one unit with its trend. */
import type { Scorecard } from './api-types.js';
import { t } from './i18n.js';
import { lineChart } from './chart.js';
import { api, day, h, num, ratioBand, stat, table } from './kit.js';
import { criterionText } from './words.js';

const CRITERIA = ['dung', 'du', 'sach', 'song'] as const;

/**
 * Quality scorecards (issue 8) by commune or province, each in its colour bands; one unit (`code`) with
 * its trend over the last runs as a chart.
 */
export async function qualityPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const level = params.get('level') === 'province' ? 'province' : 'commune';
  const code = params.get('code');
  const pick = h(
    'select',
    {
      'data-testid': 'quality-level',
      onchange: (e: Event) => (location.hash = `#/quality?level=${(e.target as HTMLSelectElement).value}`),
    },
    h('option', { value: 'commune', selected: level === 'commune' }, t('commune')),
    h('option', { value: 'province', selected: level === 'province' }, t('province')),
  );
  const query = new URLSearchParams({ level, ...(code ? { code } : {}) });
  const sc = await api<{ items: Scorecard[] }>(`/v1/quality/scorecards?${query.toString()}`);
  const body =
    sc.items.length === 0
      ? h('p', { class: 'muted', 'data-testid': 'quality-empty' }, t('noneYet'))
      : h(
          'div',
          { class: code ? '' : 'grid', 'data-testid': 'scorecards' },
          ...sc.items.map((it) => scorecard(it, level, Boolean(code))),
        );
  main.replaceChildren(
    h('p', {}, code ? h('a', { href: `#/quality?level=${level}` }, `← ${t('back')}`) : ''),
    h('h1', {}, t('scorecards')),
    h('form', { class: 'inline' }, h('label', {}, t('level'), pick)),
    body,
  );
}

function scorecard(it: Scorecard, level: string, single: boolean): HTMLElement {
  const trend = [...it.history].reverse();
  return h(
    'section',
    {
      class: `card${single ? '' : ' clickable'}`,
      'data-testid': `scorecard-${it.code}`,
      onclick: single ? undefined : () => (location.hash = `#/quality?level=${level}&code=${it.code}`),
    },
    // the unit's code a link to its page (review33c F2: the card took only a click, not the keyboard)
    h(
      'h2',
      {},
      single ? it.code : h('a', { href: `#/quality?level=${level}&code=${it.code}` }, it.code),
      ` — ${t('overall')} `,
      ratioBand(it.overall),
    ),
    h(
      'div',
      { class: 'stats' },
      ...CRITERIA.map((c) => stat(t(c), ratioBand(it.criteria[c]))),
      stat(t('records'), num(it.records)),
      stat(t('schoolsCount'), num(it.schools)),
    ),
    h('p', { class: 'muted', 'data-testid': 'scorecard-as-of' }, `${t('asOf')} ${day(it.asOf)}`),
    single && trend.length > 0
      ? h(
          'div',
          { 'data-testid': 'quality-trend' },
          h('h3', {}, t('trend')),
          lineChart(
            trend.map((p) => day(p.asOf)),
            [{ name: t('overall'), values: trend.map((p) => p.overall / 100) }],
          ),
        )
      : null,
    single && it.topRules.length > 0
      ? table(
          it.topRules,
          [
            { head: 'rule', cell: (r) => `${r.rule} — ${r.title}` },
            { head: 'criterion', cell: (r) => criterionText(r.criterion) },
            { head: 'records', cell: (r) => num(r.records), num: true },
          ],
          { testid: 'quality-top-rules' },
        )
      : null,
  );
}
