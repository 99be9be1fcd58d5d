/**
 * One sync run's page, `#/sync/<id>` (walk11 W11-8: the runs list's run led nowhere; its details were the API's and the
 * CLI's only): what GET /v1/syncs/{id} says of it — its system, entity, status and what it waits on, its outcomes, its
 * duration and mapping version, its error summary, its deliveries to each target, and its batches that rejected
 * records, 20 a page (`?rejectedOffset=`, as the API pages them).
 */
import type { ShownRun } from './api-types.js';
import { t } from './i18n.js';
import { api, linkOr, openable } from './api.js';
import { card, h, num, pager, stat, table, when, wide } from './kit.js';
import { waitingText } from './sync.js';
import { entityText, errorCode, statusBadge, statusText } from './words.js';

/** A run's batches with rejections a page shows: as many as GET /v1/syncs/{id} names at a time. */
const REJECTED_PAGE = 20;

export async function syncRunPage(main: HTMLElement, id: string, params: URLSearchParams): Promise<void> {
  const offset = Math.max(0, Number(params.get('rejectedOffset') ?? 0) || 0);
  const r = await api<ShownRun>(`/v1/syncs/${encodeURIComponent(id)}?rejectedOffset=${offset}`);
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/sync' }, `← ${t('back')}`)),
    h('h1', { 'data-testid': 'run-title' }, `${t('runOf', { id: r.syncRunId })} — ${r.system}`),
    // after its status word, as the runs list says it (review32 F6: "Đang chờ — vnedu: cầu dao mở từ …")
    ...(r.waiting
      ? [
          h(
            'p',
            { class: 'notice', 'data-testid': 'run-page-waiting' },
            `${statusText(r.status)} ${waitingText(r.waiting)}`,
          ),
        ]
      : []),
    runStats(r),
    h(
      'div',
      { class: 'grid' },
      card(t('runDetails'), detailsTable(r)),
      card(t('deliveries'), deliveriesTable(r)),
      wide(rejectedCard(r, offset)),
    ),
  );
}

/** The run's status, entity, scope and what it counted (its deletions only when it made some). */
function runStats(r: ShownRun): HTMLElement {
  return h(
    'div',
    { class: 'stats' },
    stat(t('status'), statusBadge(r.status), 'run-page-status'),
    stat(t('entity'), entityText(r.entity)),
    stat(t('scope'), r.scope || t('cityWide')),
    stat(t('accepted'), num(r.counts.accepted), 'run-page-accepted'),
    stat(t('rejected'), num(r.counts.rejected), 'run-page-rejected'),
    stat(t('unchanged'), num(r.counts.unchanged), 'run-page-unchanged'),
    r.tombstones > 0 ? stat(t('runTombstones'), num(r.tombstones)) : null,
    r.reconciled > 0 ? stat(t('runReconciled'), num(r.reconciled)) : null,
    stat(t('duration'), `${num(r.durationSeconds)} s`, 'run-page-duration'),
  );
}

/** Incremental from a watermark, or full and why. */
const kindText = (r: ShownRun): string =>
  r.incremental
    ? t('runIncremental')
    : r.fullBecause === 'no_watermark'
      ? t('runFullNoWatermark')
      : t('runFull');

/** Its open dead letters, a link to them on the dead letters page (filtered by the run). */
const lettersLink = (r: ShownRun): HTMLElement | string =>
  linkOr(
    r.errors.deadLetters > 0 ? `#/dead-letters?syncRunId=${r.syncRunId}` : null,
    num(r.errors.deadLetters),
    {
      'data-testid': 'run-page-letters',
    },
  );

/** What the run is, who asked for it and when, and its error summary: one `label  value` a row. */
function detailsTable(r: ShownRun): HTMLElement {
  const rows: Array<[string, Node | string]> = [
    [t('system'), r.system],
    [t('runKind'), kindText(r)],
    [t('mapping'), r.mappingVersion ?? '—'],
    [t('requestedBy'), h('span', { title: r.requestedById }, r.requestedBy)],
    [t('createdAt'), when(r.createdAt)],
    [t('finishedAt'), when(r.finishedAt)],
    [t('pages'), num(r.pages)],
    [t('records'), num(r.records)],
    [t('errorCode'), errorCode(r.errors.errorCode)],
    [
      t('runBatches'),
      t('runBatchesFailed', { batches: num(r.errors.batches), failed: num(r.errors.failedBatches) }),
    ],
    [t('deadLetters'), lettersLink(r)],
    ...(r.reconcile
      ? [
          [t('reconcile'), [statusText(r.reconcile), r.reconcileNote].filter(Boolean).join(' — ')] as [
            string,
            string,
          ],
        ]
      : []),
    ...(r.unstableSchools.length > 0
      ? [[t('unstableSchools'), r.unstableSchools.join(', ')] as [string, string]]
      : []),
  ];
  return h(
    'table',
    { class: 'kv', 'data-testid': 'run-page-details' },
    h(
      'tbody',
      {},
      rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v))),
    ),
  );
}

/** Where the run's changes stand at each target: sent, pending, failed (the newest dead letter's code), refused. */
function deliveriesTable(r: ShownRun): HTMLElement {
  return table(
    r.deliveries,
    [
      { head: 'target', cell: (d) => d.system },
      {
        head: 'deliveryState',
        cell: (d) =>
          t('deliveryCounts', {
            delivered: num(d.delivered),
            pending: num(d.pending),
            failed: num(d.failed),
          }),
      },
      { head: 'refusedByTarget', cell: (d) => num(d.rejected), num: true },
      { head: 'errorCode', cell: (d) => errorCode(d.errorCode) },
    ],
    { testid: 'run-page-deliveries' },
  );
}

/** The run's batches that rejected records, the most first, each a link to its errors; paged as the API pages them. */
function rejectedCard(r: ShownRun, offset: number): HTMLElement {
  const go = (o: number): void => {
    location.hash = `#/sync/${r.syncRunId}${o > 0 ? `?rejectedOffset=${o}` : ''}`;
  };
  const href = (b: ShownRun['rejectedBatches'][number]) =>
    `#/batches/${encodeURIComponent(b.batchId)}?severity=error`;
  const linked = openable('#/batches/x') !== undefined;
  return card(
    t('runRejectedBatches'),
    h('p', { class: 'muted' }, t('runRejectedBatchesMore')),
    table(
      r.rejectedBatches,
      [
        { head: 'batch', cell: (b) => b.batchId },
        { head: 'rejected', cell: (b) => num(b.rejected), num: true },
      ],
      { testid: 'run-rejected-batches', ...(linked ? { href } : {}) },
    ),
    r.rejectedBatchesTotal > REJECTED_PAGE || offset > 0
      ? pager(offset, REJECTED_PAGE, r.rejectedBatchesTotal, go, true)
      : null,
  );
}
