/**
 * Held mass changes (the guard, issue 7): the list (counts only), and the words a hold is told in there and on its own
 * page (./guard-hold.ts: one hold inspected, approved or rejected). Needs the `guard` scope.
 */
import { HOLD_STATUSES, type Hold, type HoldSummary } from './api-types.js';
import { t } from './i18n.js';
import { api } from './api.js';
import { card, filtered, h, num, pager, percent, searchForm, table, when, type Column } from './kit.js';
import { entityText, statusBadge, statusText } from './words.js';

/** What a hold held (as `truc holds` says it): a vendor's batch, or a sync run's page or reconciliation (review26a F3). */
export const origin = (r: { kind: string; syncRunId: number | null; batchId: string | null }): string =>
  r.kind === 'batch'
    ? `${t('heldBatch')} ${r.batchId ?? ''}`
    : `${t('syncRun')} #${r.syncRunId ?? ''} (${t(r.kind === 'reconcile' ? 'heldReconcile' : 'heldRunPage')})`;

/** Holds a page of the list shows (GET /v1/guard/holds takes up to 200; 50 is its default). */
const PAGE = 50;

export async function guardPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const status = params.get('status') ?? 'held';
  const offset = Number(params.get('offset') ?? 0) || 0;
  const query = new URLSearchParams(status === 'all' ? {} : { status });
  const go = (o: number): void => {
    location.hash = `#/guard?${new URLSearchParams({ status, offset: String(o) }).toString()}`;
  };
  // applied on its button or Enter, not on change (review33c N7: each arrow key through the choice reloaded the list)
  const pick = h(
    'select',
    { name: 'status', 'data-testid': 'guard-status' },
    [...HOLD_STATUSES, 'all' as const].map((s) =>
      h('option', { value: s, selected: s === status }, s === 'all' ? t('all') : statusText(s)),
    ),
  );
  const head = [h('h1', {}, t('heldChanges')), h('p', { class: 'muted' }, t('guardHint'))];
  const form = searchForm(
    'guard',
    [h('label', {}, t('status'), pick)],
    () => new URLSearchParams({ status: pick.value }),
    'apply',
  );
  await filtered(main, head, form, async () => {
    const list = await api<{ total: number; items: HoldSummary[] }>(
      `/v1/guard/holds?${new URLSearchParams([...query, ['limit', String(PAGE)], ['offset', String(offset)]]).toString()}`,
    );
    return [
      card(
        `${t('total')}: ${num(list.total)}`,
        h(
          'div',
          { class: 'holds' },
          table(list.items, holdColumns, {
            testid: 'guard-holds',
            href: (r) => `#/guard/${r.id}`,
            stack: true,
          }),
        ),
        list.total > PAGE ? pager(offset, PAGE, list.total, go) : null,
      ),
    ];
  });
}

/** The thresholds crossed a hold's row lists, the most notable first as the API orders them; the rest counted. */
const LISTED = 3;

/** The list's columns: counts only, the thresholds crossed, and the decision with its reason. */
const holdColumns: ReadonlyArray<Column<HoldSummary>> = [
  { head: '#', cell: (r) => r.id, num: true },
  { head: 'createdAt', cell: (r) => when(r.createdAt) },
  { head: 'origin', cell: (r) => h('span', { class: 'origin' }, origin(r)) },
  { head: 'entity', cell: (r) => entityText(r.entity) },
  { head: 'schoolsCount', cell: (r) => num(r.schools), num: true },
  { head: 'live', cell: (r) => num(r.totals.live), num: true },
  { head: 'kindDeleted', cell: (r) => num(r.totals.deleted + r.totals.moved), num: true },
  { head: 'changedCount', cell: (r) => num(r.totals.changed), num: true },
  // Restores count with the changes (restoreguard); on their own here, as the hold's page and the CLI show them.
  { head: 'restoredCount', cell: (r) => num(r.totals.restored ?? 0), num: true },
  // one threshold a line (walk11 W11-1: all of them on one line made the table 3,427 px wide at 1280, the status,
  // decider and reason out of sight)
  {
    head: 'reasons',
    cell: (r) =>
      h(
        'span',
        { class: 'lines', 'data-testid': 'hold-reasons' },
        r.reasons
          .slice(0, LISTED)
          .map((x) => h('span', {}, `${atSchool(x)}: ${kindText(x)} ${percent(x.ratio, 'ceil')}`)),
        r.reasonsTotal > LISTED ? h('span', { class: 'muted' }, `+${num(r.reasonsTotal - LISTED)}`) : null,
      ),
  },
  { head: 'status', cell: (r) => statusBadge(r.status) },
  { head: 'decidedBy', cell: (r) => decider(r) },
  { head: 'decisionReason', cell: (r) => reasonText(r.decisionReason) },
];

/**
 * Who decided, by name as the API names them (`decidedBy`, fix35a: the client's display name or the CLI operator's,
 * as a PCGD report's approver), the actor id in its tooltip; '—' while held.
 */
export const decider = (r: Pick<HoldSummary, 'decidedBy' | 'decidedById'>): HTMLElement =>
  r.decidedBy
    ? h('span', { title: r.decidedById ?? '', 'data-testid': 'decided-by' }, r.decidedBy)
    : h('span', { class: 'muted' }, '—');

/** A decision's reason, cut to a cell's width (all of it in the tooltip); '—' when none was given. */
const reasonText = (reason: string | null): HTMLElement =>
  reason
    ? h('span', { class: 'reason', title: reason, 'data-testid': 'decision-reason' }, reason)
    : h('span', { class: 'muted' }, '—');

/** A school, with the school year a classes run weighs it in (left20 item 1): `79000001 (2025-2026)`. */
const atSchool = (r: {
  school: string;
  schoolYear?: string | undefined;
  grade?: string | undefined;
}): string =>
  r.schoolYear
    ? `${r.school} (${r.schoolYear})`
    : r.grade
      ? `${r.school} (${t('grade')} ${r.grade})`
      : r.school;

/**
 * A reason's kind in words: deleted counts deletions and moves away; a changed reason held for restores alone says
 * restored, and one with some says how many (restoreguard: a restore is a change, weighed with them).
 */
export function kindText(r: Pick<Hold['reasons'][number], 'kind' | 'count' | 'restored'>): string {
  if (r.kind === 'deleted') return t('kindDeleted');
  const restored = r.restored ?? 0;
  if (restored > 0 && restored === r.count) return t('restoredCount');
  const some = restored > 0 ? ` (${num(restored)} ${t('restoredCount').toLowerCase()})` : '';
  return `${t('kindChanged')}${some}`;
}
