/** Sync runs: the filtered list (the columns are shared with a school's page). */
import { ENTITIES, RUN_STATUSES, SYSTEMS, type ListedRun, type SyncRun } from './api-types.js';
import { dateRange } from './date-field.js';
import { t } from './i18n.js';
import { api, linkOr, openable } from './api.js';
import { card, filtered, h, num, pager, searchForm, table, when } from './kit.js';
import { entityText, errorCode, statusBadge, statusText } from './words.js';

/** What a queued or running run waits on (its system's paused gate), in the page's language. */
export function waitingText(w: NonNullable<SyncRun['waiting']>): string {
  const vars = { system: w.system, since: w.since ? when(w.since) : '—', until: when(w.until) };
  if (w.reason === 'circuit-open') return t('runWaitsCircuit', vars);
  if (w.reason === 'probe') return t('runWaitsProbe', vars);
  return t('runWaitsRetryAfter', vars);
}

/** A run's id, a link to its page (#/sync/<id>) for a session that may open it. */
export const runLink = (id: number): HTMLElement | string =>
  linkOr(`#/sync/${id}`, String(id), { 'data-testid': 'run-link' });

export const syncRunColumns = [
  // walk11 W11-8: a run's id leads to its page (./sync-run.ts), on the runs list and a school's page alike
  { head: '#', cell: (r: SyncRun) => runLink(r.id), num: true },
  { head: 'system', cell: (r: SyncRun) => r.system },
  { head: 'entity', cell: (r: SyncRun) => entityText(r.entity) },
  {
    head: 'scope',
    // no scope: everything its system serves (dash9 item 2: a school's page lists the city-wide runs that covered it)
    cell: (r: SyncRun) =>
      r.scope || h('span', { class: 'badge', 'data-testid': 'run-city-wide' }, t('cityWide')),
  },
  {
    head: 'status',
    cell: (r: SyncRun) =>
      h(
        'span',
        {},
        statusBadge(r.status),
        ...(r.waiting ? [' ', h('small', { 'data-testid': 'run-waiting' }, waitingText(r.waiting))] : []),
      ),
  },
  { head: 'records', cell: (r: SyncRun) => num(r.records), num: true },
  { head: 'pages', cell: (r: SyncRun) => num(r.pages), num: true },
  { head: 'errorCode', cell: (r: SyncRun) => errorCode(r.errorCode) },
  {
    head: 'requestedBy',
    // by name as it was when they asked (fix36b, as a hold's decider), the actor id in its tooltip
    cell: (r: SyncRun) => h('span', { title: r.requestedById, 'data-testid': 'requested-by' }, r.requestedBy),
  },
  { head: 'createdAt', cell: (r: SyncRun) => when(r.createdAt) },
];

/** A listed run as the columns read it: the shared columns' fields, and the run as GET /v1/syncs lists it. */
type ListedRow = SyncRun & { listed: ListedRun };

/** Lines of one cell, one under the other (the page stays within its width at 1280 px). */
const lines = (testid: string, ...texts: Array<string | HTMLElement>) =>
  h('span', { 'data-testid': testid }, ...texts.flatMap((x, i) => (i ? [h('br', {}), x] : [x])));

/**
 * A run's rejected records, a link to its batches that rejected them when there are some (dash9 item 3: "Từ chối N" led
 * nowhere): the batch's page, or the run's batches with rejections (./batch.ts).
 */
function rejectedLine(r: ListedRow): HTMLElement | string {
  const text = `${t('rejected')} ${num(r.listed.counts.rejected)}`;
  const href = r.listed.counts.rejected > 0 ? `#/batches?syncRunId=${r.id}` : null;
  return linkOr(href, text, { 'data-testid': 'run-rejected' });
}

/**
 * Where a run's changes stand at one target (runs item 1: the city's changes reaching a school's own system, smas or
 * vnedu), under the run's outcomes; the dead letter's code beneath when some failed.
 */
const deliveryLine = (d: ListedRun['deliveries'][number]) =>
  h(
    'small',
    { class: 'muted', 'data-testid': 'run-delivery' },
    t('runDelivery', {
      system: d.system,
      delivered: num(d.delivered),
      pending: num(d.pending),
      failed: num(d.failed),
    }),
    ...(d.errorCode ? [h('br', {}), d.errorCode] : []),
  );

/**
 * The deletions a run made, under its outcomes when it made some (walk6 W6-1: a night's page of tombstones only read
 * "Chấp nhận 0 · Từ chối 0 · Không đổi 0"): its pages' tombstones, a full run's reconciliation's.
 */
const deletions = (r: ListedRun): string[] => [
  ...(r.tombstones > 0 ? [`${t('runTombstones')} ${num(r.tombstones)}`] : []),
  ...(r.reconciled > 0 ? [`${t('runReconciled')} ${num(r.reconciled)}`] : []),
];

/** A run's open dead letters, a link to them (walk6 W6-5: the dead letters page filtered by the run). */
const runLetters = (r: ListedRow) =>
  h(
    'a',
    { href: `#/dead-letters?syncRunId=${r.id}`, 'data-testid': 'run-letters' },
    `${t('deadLetters')}: ${num(r.listed.errors.deadLetters)}`,
  );

/**
 * What GET /v1/syncs adds to a run (issue 7 item 6: counts per outcome, duration, the mapping version used, an error
 * summary), shown on the sync runs page in the shared columns' places or beside them (walk: the page dropped them
 * all; a school's page reads GET /v1/ops/sync-runs, which has none of them).
 */
const listedColumns: Record<string, { head: string; cell: (r: ListedRow) => Node | string; num?: boolean }> =
  {
    pages: {
      head: 'outcomes',
      cell: (r) =>
        h(
          'span',
          {},
          lines(
            'run-outcomes',
            `${t('accepted')} ${num(r.listed.counts.accepted)}`,
            rejectedLine(r),
            `${t('unchanged')} ${num(r.listed.counts.unchanged)}`,
            ...deletions(r.listed),
          ),
          ...r.listed.deliveries.flatMap((d) => [h('br', {}), deliveryLine(d)]),
        ),
    },
    entity: {
      head: 'entity',
      // the mapping version the run used under its entity (a column of its own pushed the page past 1280 px)
      cell: (r) =>
        r.listed.mappingVersion
          ? h(
              'span',
              {},
              entityText(r.entity),
              h('br', {}),
              h(
                'small',
                { class: 'muted', 'data-testid': 'run-mapping' },
                `${t('mapping')} ${r.listed.mappingVersion}`,
              ),
            )
          : entityText(r.entity),
    },
    errorCode: {
      head: 'errorCode',
      cell: (r) => {
        const code = errorCode(r.errorCode);
        return r.listed.errors.deadLetters ? h('span', {}, code, h('br', {}), runLetters(r)) : code;
      },
    },
    createdAt: {
      head: 'createdAt',
      cell: (r) => lines('run-when', when(r.createdAt), `${num(r.listed.durationSeconds)} s`),
    },
  };

/**
 * The sync runs page's columns: the shared ones, the outcomes (and deliveries) after the pages; the mapping version,
 * the error summary and the duration in the entity's, the error code's and the creation time's cells.
 */
const listedRunColumns = syncRunColumns.flatMap((c) =>
  c.head === 'pages'
    ? [c, listedColumns.pages!]
    : c.head === 'entity' || c.head === 'errorCode' || c.head === 'createdAt'
      ? [listedColumns[c.head]!]
      : [c],
);

/** GET /v1/syncs's run as the columns read it (those of GET /v1/ops/sync-runs, shared with a school's page). */
function asRow(r: ListedRun): ListedRow {
  return {
    listed: r,
    id: r.syncRunId,
    system: r.system,
    entity: r.entity,
    scope: r.scope,
    status: r.status,
    pages: r.pages,
    records: r.records,
    tombstones: r.tombstones,
    errorCode: r.errorCode,
    requestedBy: r.requestedBy,
    requestedById: r.requestedById,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
    waiting: r.waiting,
    deliveries: r.deliveries,
  };
}

const FILTERS = ['system', 'entity', 'status', 'from', 'to'] as const;
const LIMIT = 50;

/** A choice of `values` named `name`, the address's value selected; '' is every one. */
function choice(
  name: string,
  values: readonly string[],
  params: URLSearchParams,
  words: (v: string) => string,
) {
  return h(
    'select',
    { name },
    ['', ...values].map((v) =>
      h('option', { value: v, selected: (params.get(name) ?? '') === v }, v ? words(v) : t('all')),
    ),
  );
}

/**
 * The sync runs, newest first, filtered by system, entity, status and creation time (Vietnam's clock) and paged
 * (review32 F8, issue 7 item 6: the newest 50 by system and status only were shown): GET /v1/syncs.
 */
export async function syncPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const offset = Math.max(0, Number(params.get('offset') ?? 0) || 0);
  // review26a F6: a choice of the values the API takes (a typed one could only be refused)
  const choices = {
    system: choice('system', SYSTEMS, params, (s) => s),
    entity: choice('entity', ENTITIES, params, entityText),
    status: choice('status', RUN_STATUSES, params, statusText),
  };
  // from / to day first on Vietnam's clock, whatever the browser's language (dash14)
  const dates = dateRange(params);
  const filter = new URLSearchParams();
  for (const k of FILTERS) if (params.get(k)) filter.set(k, params.get(k)!);
  const at = (o: number): URLSearchParams => {
    const p = new URLSearchParams(filter);
    if (o > 0) p.set('offset', String(o));
    return p;
  };
  const form = searchForm(
    'sync',
    [...Object.entries(choices).map(([k, el]) => h('label', {}, t(k as 'system'), el)), ...dates.labels],
    () => {
      const p = new URLSearchParams();
      for (const [k, el] of Object.entries(choices)) if (el.value) p.set(k, el.value);
      return dates.addTo(p) ? p : null;
    },
  );
  await filtered(main, [h('h1', {}, t('syncRuns'))], form, async () => {
    const query = new URLSearchParams({
      ...Object.fromEntries(filter),
      limit: String(LIMIT),
      offset: String(offset),
    });
    const runs = await api<{ total: number; items: ListedRun[] }>(`/v1/syncs?${query.toString()}`);
    return [
      card(
        t('syncRuns'),
        h('p', { class: 'muted', 'data-testid': 'sync-runs-total' }, `${t('total')}: ${num(runs.total)}`),
        table(runs.items.map(asRow), listedRunColumns, { testid: 'sync-runs', stack: true }),
        pager(offset, LIMIT, runs.total, (o) => (location.hash = `#/sync?${at(o).toString()}`)),
      ),
      openable('#/guard') ? h('p', {}, h('a', { href: '#/guard' }, `${t('heldChanges')} →`)) : null,
    ];
  });
}
