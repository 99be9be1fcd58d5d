/** Sync runs: the filtered list (the columns are shared with a school's page). */
import { RUN_STATUSES, SYSTEMS, type SyncRun } from './api-types.js';
import { t } from './i18n.js';
import { api, card, filtered, h, num, searchForm, table, when } from './kit.js';
import { entityText, errorCode, statusBadge, statusText } from './words.js';

/** What a queued or running run waits on (its system's paused gate), in the page's language. */
function waitingText(w: NonNullable<SyncRun['waiting']>): string {
  const vars = { system: w.system, since: w.since ? when(w.since) : '—', until: when(w.until) };
  if (w.reason === 'circuit-open') return t('runWaitsCircuit', vars);
  if (w.reason === 'probe') return t('runWaitsProbe', vars);
  return t('runWaitsRetryAfter', vars);
}

export const syncRunColumns = [
  { head: '#', cell: (r: SyncRun) => r.id, num: true },
  { head: 'system', cell: (r: SyncRun) => r.system },
  { head: 'entity', cell: (r: SyncRun) => entityText(r.entity) },
  { head: 'scope', cell: (r: SyncRun) => r.scope || t('all') },
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
  { head: 'requestedBy', cell: (r: SyncRun) => r.requestedBy },
  { head: 'createdAt', cell: (r: SyncRun) => when(r.createdAt) },
];

export async function syncPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const filter = new URLSearchParams();
  for (const k of ['system', 'status']) if (params.get(k)) filter.set(k, params.get(k)!);
  // review26a F6: a choice of the systems GET /v1/ops/sync-runs takes (a typed one could only be refused)
  const system = h(
    'select',
    { name: 'system' },
    ['', ...SYSTEMS].map((s) =>
      h('option', { value: s, selected: (params.get('system') ?? '') === s }, s || t('all')),
    ),
  );
  const status = h(
    'select',
    { name: 'status' },
    ['', ...RUN_STATUSES].map((s) =>
      h('option', { value: s, selected: (params.get('status') ?? '') === s }, s ? statusText(s) : t('all')),
    ),
  );
  const form = searchForm(
    'sync',
    [h('label', {}, t('system'), system), h('label', {}, t('status'), status)],
    () => {
      const p = new URLSearchParams();
      if (system.value) p.set('system', system.value);
      if (status.value) p.set('status', status.value);
      return p;
    },
  );
  await filtered(main, [h('h1', {}, t('syncRuns'))], form, async () => {
    const runs = await api<{ items: SyncRun[] }>(`/v1/ops/sync-runs?${filter.toString()}`);
    return [
      card(t('syncRuns'), table(runs.items, syncRunColumns, { testid: 'sync-runs' })),
      h('p', {}, h('a', { href: '#/guard' }, `${t('heldChanges')} →`)),
    ];
  });
}
