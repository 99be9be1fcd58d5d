/**
 * A batch's page (dash9 item 3: "Từ chối N" on the sync runs page led nowhere): its counts and status, its deliveries
 * to each target, and its findings, paged, each by its record's key, field and rule (code and title) — no value, no
 * personal data. `#/batches/<id>` (GET /v1/batches/{id} and /findings); `#/batches?syncRunId=<run>`: a sync run's
 * batch that rejected records when there is one, else the run's page listing them (./sync-run.ts).
 */
import type { BatchView, FindingsPage, ShownRun } from './api-types.js';
import { currentLang, t } from './i18n.js';
import { api, linkOr, openable } from './api.js';
import { card, filtered, h, num, pager, searchForm, stat, table, when } from './kit.js';
import { letterLinks } from './delivery-letters.js';
import { entityText, errorCode, ruleText, statusBadge, statusText } from './words.js';

/** Findings a page shows (the page's counts say how many there are in all). */
const PAGE = 50;
const SEVERITIES = ['error', 'warning', 'info'] as const;

export async function batchPage(
  main: HTMLElement,
  arg: string | undefined,
  params: URLSearchParams,
): Promise<void> {
  if (arg) return oneBatch(main, arg, params);
  const run = Number(params.get('syncRunId'));
  if (Number.isInteger(run) && run > 0) return runBatches(main, run, params);
  main.replaceChildren(h('p', {}, '404'));
}

/** A pulled batch's sync run's page (dash12: GET /v1/batches/{id} `syncRunId`); null: a vendor's batch. */
const runHref = (b: BatchView): string | null => (b.syncRunId === null ? null : `#/sync/${b.syncRunId}`);

/** Where the page leads back to: the batch's school, or (a pulled page of every school) its run, else the sync runs. */
const backTo = (b: BatchView): string =>
  b.schoolCode !== '*' ? `#/schools/${encodeURIComponent(b.schoolCode)}` : (runHref(b) ?? '#/sync');

/** Its sync run, `#N` a link to the run's page; null: a vendor's batch. */
function runStat(b: BatchView): HTMLElement | null {
  const href = runHref(b);
  if (href === null) return null;
  return stat(t('batchRun'), linkOr(href, `#${b.syncRunId}`), 'batch-run');
}

async function oneBatch(main: HTMLElement, id: string, params: URLSearchParams): Promise<void> {
  const b = await api<BatchView>(`/v1/batches/${encodeURIComponent(id)}`);
  const offset = Math.max(0, Number(params.get('offset') ?? 0) || 0);
  const severity = SEVERITIES.find((s) => s === params.get('severity'));
  const choice = h(
    'select',
    { name: 'severity', 'data-testid': 'batch-severity' },
    ['', ...SEVERITIES].map((s) =>
      h('option', { value: s, selected: (severity ?? '') === s }, s ? statusText(s) : t('allSeverities')),
    ),
  );
  const at = (o: number, sev = severity ?? ''): URLSearchParams => {
    const p = new URLSearchParams();
    if (sev) p.set('severity', sev);
    if (o > 0) p.set('offset', String(o));
    return p;
  };
  const form = searchForm(
    `batches/${encodeURIComponent(id)}`,
    [h('label', {}, t('severity'), choice)],
    () => at(0, choice.value),
    'apply',
  );
  const head = [
    h('p', {}, h('a', { href: backTo(b) }, `← ${t('back')}`)),
    h('h1', { 'data-testid': 'batch-title' }, t('batchOf', { id: b.batchId })),
    batchStats(b),
    card(t('deliveries'), deliveriesTable(b)),
    h('h2', {}, t('findingsOfBatch')),
    h('p', { class: 'muted' }, t('findingsHint')),
  ];
  await filtered(main, head, form, async () => {
    const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    if (severity) query.set('severity', severity);
    const page = await api<FindingsPage>(
      `/v1/batches/${encodeURIComponent(id)}/findings?${query.toString()}`,
    );
    const items = page.items.slice(0, PAGE);
    // the list's whole length: the batch's findings, or those of the severity chosen
    const total = severity ? page.counts[severity] : page.counts.total;
    const go = (o: number): void => {
      location.hash = `#/batches/${encodeURIComponent(id)}?${at(o).toString()}`;
    };
    return [
      findingCounts(page.counts, (s) => `#/batches/${encodeURIComponent(id)}?${at(0, s).toString()}`),
      items.length === 0 && offset === 0
        ? h('p', { class: 'muted', 'data-testid': 'batch-findings' }, t('noFindings'))
        : // walk10 W10-4: in a card, which scrolls it in place (alone, it widened a 390 px page to 974)
          h('div', { class: 'card' }, findingsTable(items)),
      pager(offset, PAGE, total, go, true),
    ];
  });
}

/** The batch's findings in all and by severity, each severity a link to its findings alone (dash10). */
function findingCounts(counts: FindingsPage['counts'], href: (severity: string) => string): HTMLElement {
  return h(
    'div',
    { class: 'stats', 'data-testid': 'batch-finding-counts' },
    stat(t('findingsTotal'), h('a', { href: href('') }, num(counts.total)), 'batch-findings-total'),
    ...SEVERITIES.map((s) =>
      stat(statusText(s), h('a', { href: href(s) }, num(counts[s])), `batch-findings-${s}`),
    ),
  );
}

/** Its school (a link), entity, format, mode, status, times and counts by outcome. */
function batchStats(b: BatchView): HTMLElement {
  const school =
    b.schoolCode === '*'
      ? t('everySchool')
      : h('a', { href: `#/schools/${encodeURIComponent(b.schoolCode)}` }, b.schoolCode);
  return h(
    'div',
    { class: 'stats', 'data-testid': 'batch-stats' },
    stat(t('school'), school),
    runStat(b),
    stat(t('entity'), entityText(b.entity)),
    stat(t('format'), b.format),
    stat(t('batchMode'), t(b.mode === 'snapshot' ? 'modeSnapshot' : 'modeDelta')),
    stat(t('status'), h('span', {}, statusBadge(b.status), ...codeAfter(b.errorCode)), 'batch-status'),
    stat(t('createdAt'), when(b.createdAt)),
    stat(t('finishedAt'), when(b.finishedAt)),
    stat(t('received'), num(b.counts.received)),
    stat(t('accepted'), num(b.counts.accepted)),
    stat(t('rejected'), num(b.counts.rejected), 'batch-rejected'),
    stat(t('unchanged'), num(b.counts.unchanged)),
    stat(t('deleted'), num(b.counts.deleted)),
  );
}

/** A status's error code after it, or nothing (walk10 W10-7: no code drew 'Hoàn tất —'). */
const codeAfter = (code: string | null): Array<string | HTMLElement> => (code ? [' ', errorCode(code)] : []);

type Delivery = BatchView['deliveries'][number];

/** Where its changes stand at each target: state, records written and deleted, refused, dead letters to replay. */
function deliveriesTable(b: BatchView): HTMLElement {
  const counts = (c: Delivery['upserts']) =>
    t('deliveryCounts', { delivered: num(c.delivered), pending: num(c.pending), failed: num(c.failed) });
  return table(
    b.deliveries,
    [
      { head: 'target', cell: (d) => d.system },
      {
        head: 'deliveryState',
        cell: (d) => h('span', {}, statusBadge(d.state), ...codeAfter(d.errorCode)),
      },
      { head: 'upserts', cell: (d) => counts(d.upserts) },
      { head: 'deletes', cell: (d) => counts(d.deletes) },
      { head: 'refusedByTarget', cell: (d) => num(d.rejected), num: true },
      { head: 'deadLetters', cell: letters },
      { head: 'deliveredAt', cell: (d) => when(d.deliveredAt) },
    ],
    { testid: 'batch-deliveries' },
  );
}

/** A delivery's dead letters, each a link to replay it (as a school page's batch: ./delivery-letters.ts). */
function letters(d: Delivery): HTMLElement | string {
  const links = letterLinks([d], currentLang());
  if (links.length === 0) return '—';
  return h('span', {}, ...links.map((l) => h('a', { href: openable(l.href), title: l.title }, l.text)));
}

/** The findings: the record's number and key, the field, the rule by code and title, the severity. */
function findingsTable(items: FindingsPage['items']): HTMLElement {
  return table(
    items,
    [
      // dash10: a finding of the whole batch (recordIndex -1, DUNG_SCHOOL_UNLISTED) showed as record "0"
      {
        head: 'recordNo',
        cell: (f) => (f.recordIndex < 0 ? t('wholeBatch') : num(f.recordIndex + 1)),
        num: true,
      },
      { head: 'recordKey', cell: (f) => f.recordKey ?? '—' },
      { head: 'field', cell: fieldOf },
      { head: 'rule', cell: ruleText },
      { head: 'severity', cell: (f) => statusBadge(f.severity) },
    ],
    { testid: 'batch-findings' },
  );
}

/** A finding's field as sent: a pointer, the whole record, or nothing (a finding of the whole batch). */
const fieldOf = (f: FindingsPage['items'][number]): HTMLElement | string =>
  f.pointer ? h('code', {}, f.pointer) : f.recordIndex < 0 ? '—' : t('wholeRecord');

/**
 * A run's "Từ chối N" (the sync runs page): its one batch with rejections, straight to its errors; several, the run's
 * page, which lists them 20 a page (./sync-run.ts; walk11 W11-8 folded this page's own list of them into it).
 */
async function runBatches(main: HTMLElement, run: number, params: URLSearchParams): Promise<void> {
  const offset = Math.max(0, Number(params.get('offset') ?? 0) || 0);
  const r = await api<ShownRun>(`/v1/syncs/${run}?rejectedOffset=${offset}`);
  const only = r.rejectedBatchesTotal === 1 ? r.rejectedBatches[0] : undefined;
  location.replace(
    only
      ? `#/batches/${encodeURIComponent(only.batchId)}?severity=error`
      : `#/sync/${run}${offset > 0 ? `?rejectedOffset=${offset}` : ''}`,
  );
  main.replaceChildren(h('p', { class: 'muted' }, '…'));
}
