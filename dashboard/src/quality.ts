/** The quality page: scorecards (issue 8) by commune or province, and one unit with its trend. */
import type { QualityRun, Scorecard } from './api-types.js';
import { t } from './i18n.js';
import { lineChart } from './chart.js';
import { api } from './api.js';
import { day, filtered, h, num, pager, ratioBand, searchForm, stat, table, when } from './kit.js';
import { criterionText, errorCode, ruleText, statusBadge } from './words.js';

/**
 * The latest quality run's state (fix37c): running (or queued) with its schools scored so far, done with when and who
 * asked, failed with its error's code and words; nothing before the first run.
 */
async function latestRun(): Promise<HTMLElement | null> {
  const [run] = (await api<{ items: QualityRun[] }>('/v1/quality/runs?limit=1')).items;
  if (!run) return null;
  const by = run.requestedBy.startsWith('schedule:')
    ? `${t('bySchedule')} ${run.requestedBy.slice('schedule:'.length)}`
    : `${t('byRequest')} ${run.requestedBy}`;
  const scored = `${num(run.schools.scored)}${run.schools.total === null ? '' : `/${num(run.schools.total)}`} ${t('schoolsScored')}`;
  const detail =
    run.status === 'done'
      ? [`${t('computedAt')} ${when(run.finishedAt)} (${by})`, ` · ${scored}`]
      : run.status === 'failed' && run.error
        ? [
            `${t('failedAt')} ${when(run.error.failedAt)}, ${t('afterAttempts', { n: run.error.attempts })}: `,
            errorCode(run.error.code),
            ` · ${scored}`,
          ]
        : [scored, ` (${by})`];
  return h(
    'p',
    { class: 'muted run-state', 'data-testid': 'quality-latest-run', 'data-status': run.status },
    `${t('latestRun')} (${t('qualityRun')} ${run.id}): `,
    statusBadge(run.status),
    ' ',
    ...detail,
  );
}

/**
 * When a scorecard's run computed it, which run, and who asked: "Computed at 03:00 06/12/2026 (quality run 41, schedule
 * quality-nightly)", or "(quality run 42, requested by <name>)", by name as it was when they asked (fix37a).
 */
function computedText(it: Pick<Scorecard, 'computedAt' | 'runId' | 'requestedBy' | 'requestedById'>): string {
  const by = it.requestedById.startsWith('schedule:')
    ? `${t('bySchedule')} ${it.requestedById.slice('schedule:'.length)}`
    : `${t('byRequest')} ${it.requestedBy}`;
  return `${t('computedAt')} ${when(it.computedAt)} (${t('qualityRun')} ${it.runId}, ${by})`;
}

const CRITERIA = ['dung', 'du', 'sach', 'song'] as const;
/** Scorecards a page of the list shows (fix34b, review33c N2: the city's 168 communes were drawn at once). */
const PAGE = 24;
const BANDS = ['green', 'yellow', 'red'] as const;

/**
 * Quality scorecards (issue 8) by commune or province, each in its colour bands; one unit (`code`) with
 * its trend over the last runs as a chart.
 */
export async function qualityPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const level = params.get('level') === 'province' ? 'province' : 'commune';
  const code = params.get('code');
  if (code) return unitPage(main, level, code);
  await unitsPage(main, level, params);
}

/** One unit's scorecard with its trend and top rules. */
async function unitPage(main: HTMLElement, level: string, code: string): Promise<void> {
  const query = new URLSearchParams({ level, code });
  const sc = await api<{ items: Scorecard[] }>(`/v1/quality/scorecards?${query.toString()}`);
  main.replaceChildren(
    h('p', {}, h('a', { href: `#/quality?level=${level}` }, `← ${t('back')}`)),
    h('h1', {}, t('scorecards')),
    scorecardHint(level, code),
    sc.items.length === 0
      ? h('p', { class: 'muted', 'data-testid': 'quality-empty' }, t('noneYet'))
      : h('div', { 'data-testid': 'scorecards' }, ...sc.items.map((it) => scorecard(it, level, true))),
  );
}

/**
 * What the scorecards' Đúng/Đủ/Sạch/Sống are (walk5 W5-9): the quality run's, not the schools pages' figures of 30
 * days' batches (schools.ts criteriaHint says the converse); a link to those: a commune's schools on its page (the
 * schools list of that commune exactly: a search for its code also found schools whose code or name hold it, polish6),
 * else every school.
 */
function scorecardHint(level: string, code?: string): HTMLElement {
  const commune = level === 'commune' && code !== undefined;
  return h(
    'p',
    { class: 'muted', 'data-testid': 'scorecard-hint' },
    t('scorecardHint'),
    ' ',
    h(
      'a',
      { href: commune ? `#/schools?${new URLSearchParams({ commune: code }).toString()}` : '#/schools' },
      `${commune ? t('communeSchools', { code }) : t('schools')} →`,
    ),
  );
}

/** A choice named `name` of `values` ('' first when `all`), the address's value (or `def`) selected. */
function choice(
  name: string,
  values: ReadonlyArray<readonly [string, string]>,
  params: URLSearchParams,
  def: string,
): HTMLSelectElement {
  const now = params.get(name) ?? def;
  return h(
    'select',
    { name, 'data-testid': `quality-${name}` },
    values.map(([v, words]) => h('option', { value: v, selected: v === now }, words)),
  );
}

/** The list's filter form (applied on its button or Enter) and the filter the address asks for. */
function unitsForm(level: string, params: URLSearchParams) {
  const levels = [
    ['commune', t('commune')],
    ['province', t('province')],
  ] as const;
  const sorts = [
    ['worst', t('worstFirst')],
    ['code', t('byCode')],
  ] as const;
  const inputs = {
    level: choice('level', levels, params, 'commune'),
    q: h('input', {
      name: 'q',
      value: params.get('q') ?? '',
      inputmode: 'numeric',
      placeholder: t('unitCodeHint'),
      'data-testid': 'quality-search',
    }),
    band: choice('band', [['', t('all')], ...BANDS.map((b) => [b, t(`band_${b}`)] as const)], params, ''),
    sort: choice('sort', sorts, params, 'worst'),
  };
  const filter = new URLSearchParams({ level, sort: inputs.sort.value });
  for (const k of ['q', 'band'] as const) if (params.get(k)) filter.set(k, params.get(k)!);
  const labels = [
    h('label', {}, t('level'), inputs.level),
    h('label', {}, t('unitCode'), inputs.q),
    h('label', {}, t('band'), inputs.band),
    h('label', {}, t('sortBy'), inputs.sort),
  ];
  const query = (): URLSearchParams => {
    const p = new URLSearchParams();
    for (const [k, el] of Object.entries(inputs)) if (el.value.trim()) p.set(k, el.value.trim());
    return p;
  };
  return { form: searchForm('quality', labels, query, 'apply'), filter };
}

/**
 * The units of a level, the worst first (or by code), searched by code and filtered by band, a page of 24 with a
 * pager and the total (review33c N2: 168 communes' cards drawn at once, by code). The filter applies on its button or
 * Enter, not on each choice (review33c N7: a keyboard user's arrow keys reloaded the page at every option).
 */
async function unitsPage(main: HTMLElement, level: string, params: URLSearchParams): Promise<void> {
  const offset = Math.max(0, Number(params.get('offset') ?? 0) || 0);
  const { form, filter } = unitsForm(level, params);
  const at = (o: number): string => {
    const p = new URLSearchParams(filter);
    if (o > 0) p.set('offset', String(o));
    return `#/quality?${p.toString()}`;
  };
  const head = [h('h1', {}, t('scorecards')), await latestRun(), scorecardHint(level)].filter(
    (e) => e !== null,
  );
  await filtered(main, head, form, async () => {
    const query = new URLSearchParams([...filter, ['limit', String(PAGE)], ['offset', String(offset)]]);
    const sc = await api<{ total: number; items: Scorecard[] }>(`/v1/quality/scorecards?${query.toString()}`);
    if (sc.total === 0) return [h('p', { class: 'muted', 'data-testid': 'quality-empty' }, t('noneYet'))];
    return [
      h('p', { class: 'muted', 'data-testid': 'quality-total' }, `${t('total')}: ${num(sc.total)}`),
      h(
        'div',
        { class: 'grid', 'data-testid': 'scorecards' },
        ...sc.items.map((it) => scorecard(it, level, false)),
      ),
      pager(offset, PAGE, sc.total, (o) => (location.hash = at(o))),
    ];
  });
}

/** A unit by name and code, as the overview's deadlines card names it (walk8 W8-4: the code alone); a school by code. */
const unitLabel = (it: Pick<Scorecard, 'name' | 'code'>): string =>
  it.name ? `${it.name} (${it.code})` : it.code;

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
      single ? unitLabel(it) : h('a', { href: `#/quality?level=${level}&code=${it.code}` }, unitLabel(it)),
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
    // fix35d: when its run computed it and who asked (a quality schedule's nightly run, or the city).
    h(
      'p',
      { class: 'muted', 'data-testid': 'scorecard-computed-at', title: it.requestedById },
      computedText(it),
    ),
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
            { head: 'rule', cell: ruleText },
            { head: 'criterion', cell: (r) => criterionText(r.criterion) },
            { head: 'records', cell: (r) => num(r.records), num: true },
          ],
          { testid: 'quality-top-rules', stack: true },
        )
      : null,
  );
}
