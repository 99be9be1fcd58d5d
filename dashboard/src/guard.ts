/**
 * Held mass changes (the guard, issue 7): the list (counts only), one hold inspected (per school: live
 * records, what would be deleted, moved or changed, with the record codes — never personal data), and a
 * city admin's approval (a sync run's hold maybe except some schools, ticked: not applied by the run, asked again by the next) or rejection,
 * neither while the run's next pages are weighed (`weighingUntil`). Needs the `guard` scope.
 */
import { HOLD_STATUSES, type Hold, type HoldSummary } from './api-types.js';
import { appliedText, keptCard } from './guard-kept.js';
import { schoolsCard, yearColumn } from './guard-schools.js';
import { t } from './i18n.js';
import { ApiError, api } from './api.js';
import { card, filtered, h, num, pager, percent, searchForm, stat, table, when, type Column } from './kit.js';
import { entityText, statusBadge, statusText } from './words.js';

/** What a hold held (as `truc holds` says it): a vendor's batch, or a sync run's page or reconciliation (review26a F3). */
const origin = (r: { kind: string; syncRunId: number | null; batchId: string | null }): string =>
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
        table(list.items, holdColumns, {
          testid: 'guard-holds',
          href: (r) => `#/guard/${r.id}`,
        }),
        list.total > PAGE ? pager(offset, PAGE, list.total, go) : null,
      ),
    ];
  });
}

/** The list's columns: counts only, the thresholds crossed, and the decision with its reason. */
const holdColumns: ReadonlyArray<Column<HoldSummary>> = [
  { head: '#', cell: (r) => r.id, num: true },
  { head: 'createdAt', cell: (r) => when(r.createdAt) },
  { head: 'origin', cell: (r) => origin(r) },
  { head: 'entity', cell: (r) => entityText(r.entity) },
  { head: 'schoolsCount', cell: (r) => num(r.schools), num: true },
  { head: 'live', cell: (r) => num(r.totals.live), num: true },
  { head: 'kindDeleted', cell: (r) => num(r.totals.deleted + r.totals.moved), num: true },
  { head: 'changedCount', cell: (r) => num(r.totals.changed), num: true },
  // Restores count with the changes (restoreguard); on their own here, as the hold's page and the CLI show them.
  { head: 'restoredCount', cell: (r) => num(r.totals.restored ?? 0), num: true },
  {
    head: 'reasons',
    cell: (r) =>
      r.reasons.map((x) => `${atSchool(x)}: ${kindText(x)} ${percent(x.ratio, 'ceil')}`).join('; ') +
      (r.reasonsTotal > r.reasons.length ? ` (+${num(r.reasonsTotal - r.reasons.length)})` : ''),
  },
  { head: 'status', cell: (r) => statusBadge(r.status) },
  { head: 'decidedBy', cell: (r) => decider(r) },
  { head: 'decisionReason', cell: (r) => reasonText(r.decisionReason) },
];

/**
 * Who decided, by name as the API names them (`decidedBy`, fix35a: the client's display name or the CLI operator's,
 * as a PCGD report's approver), the actor id in its tooltip; '—' while held.
 */
const decider = (r: Pick<HoldSummary, 'decidedBy' | 'decidedById'>): HTMLElement =>
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
function kindText(r: Pick<Hold['reasons'][number], 'kind' | 'count' | 'restored'>): string {
  if (r.kind === 'deleted') return t('kindDeleted');
  const restored = r.restored ?? 0;
  if (restored > 0 && restored === r.count) return t('restoredCount');
  const some = restored > 0 ? ` (${num(restored)} ${t('restoredCount').toLowerCase()})` : '';
  return `${t('kindChanged')}${some}`;
}

/** The hold's status, what it counts over every school, and when it was applied. */
function holdStats(hold: Hold): HTMLElement {
  // totals over all the hold's schools, as the API counts them (the page shows a page of schools: fix34a)
  const totals = hold.totals;
  return h(
    'div',
    { class: 'stats' },
    stat(t('status'), statusBadge(hold.status), 'guard-hold-status'),
    stat(t('entity'), entityText(hold.entity)),
    stat(t('schoolsCount'), num(hold.schools), 'guard-hold-schools'),
    stat(t('live'), num(totals.live)),
    stat(t('kindDeleted'), num(totals.deleted + totals.moved), 'guard-hold-deleted'),
    stat(t('changedCount'), num(totals.changed)),
    totals.restored ? stat(t('restoredCount'), num(totals.restored), 'guard-hold-restored') : null,
    hold.appliedAt ? stat(t('applied'), appliedText(hold), 'guard-hold-applied') : null,
  );
}

/** Until when a held run's next pages are weighed (the hold cannot be decided before: 409 ERR_GUARD_WEIGHING), or null. */
const weighingUntil = (hold: Hold): Date | null =>
  hold.status === 'held' && hold.weighingUntil && new Date(hold.weighingUntil) > new Date()
    ? new Date(hold.weighingUntil)
    : null;

/** How far a held run's weighing of its next pages got (fix34e: whole, partial and why, interrupted), or nothing. */
function weighingNote(hold: Hold): HTMLElement | null {
  const w = hold.weighing;
  if (!w) return null;
  const vars = { pages: w.pages, span: `${w.heldPage + 1}–${w.throughPage + 1}` };
  const why =
    w.stoppedBy === 'time-cap'
      ? t('weighedTimeCap')
      : w.stoppedBy === 'decided'
        ? t('weighedDecided')
        : w.stoppedBy
          ? t('weighedError', { code: w.stoppedBy })
          : '';
  const key = {
    whole: 'weighedWhole',
    partial: 'weighedPartial',
    interrupted: 'weighedInterrupted',
    weighing: 'weighedUnderWay',
  } as const;
  const cls = w.state === 'whole' ? 'muted' : 'notice';
  return h('p', { class: cls, 'data-testid': 'guard-weighed' }, t(key[w.state], { ...vars, why }));
}

/** Whether the hold covers its full run's end deletions, and how many per school (fix36e), or nothing. */
function deletionsNote(hold: Hold): HTMLElement | null {
  const w = hold.weighing;
  if (!w || w.deletionsWeighed === null) return null;
  const d = w.deletionsWeighed ? w.deletions : null;
  if (!d) return h('p', { class: 'notice', 'data-testid': 'guard-deletions' }, t('deletionsNotWeighed'));
  const per = d.bySchool.map(
    (s) => `${s.school}${s.schoolYear ? `/${s.schoolYear}` : ''}: ${num(s.records)}`,
  );
  const vars = { records: num(d.records), schools: num(d.schools), per: per.join(', ') };
  return h('p', { class: 'muted', 'data-testid': 'guard-deletions' }, t('deletionsWeighed', vars));
}

/**
 * While the change is held: an optional reason (kept with the decision and in its audit entry; a batch's vendor reads
 * it, which the form says) and approve and
 * reject, both disabled with the reason while the run's next pages are weighed (`weighingUntil`); once decided, who
 * decided, when, and why.
 */
function holdDecision(
  hold: Hold,
  decide: (decision: 'approve' | 'reject', reason: string) => Promise<void>,
): HTMLElement {
  if (hold.status !== 'held') return decidedLine(hold);
  const weighing = weighingUntil(hold);
  const reason = h('input', {
    name: 'reason',
    maxlength: 500,
    placeholder: t('decisionReasonHint'),
    'data-testid': 'guard-reason',
  });
  const why = weighing ? t('weighing', { until: when(weighing.toISOString()) }) : undefined;
  return h(
    'div',
    {},
    weighing ? h('p', { class: 'notice', 'data-testid': 'guard-weighing' }, why) : null,
    h(
      'form',
      { class: 'inline', onsubmit: (e: Event) => e.preventDefault() },
      h('label', {}, t('decisionReason'), reason),
      h(
        'button',
        {
          type: 'button',
          'data-testid': 'guard-approve',
          disabled: weighing !== null,
          title: why,
          onclick: () => void decide('approve', reason.value),
        },
        t('approve'),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          'data-testid': 'guard-reject',
          disabled: weighing !== null,
          title: why,
          onclick: () => void decide('reject', reason.value),
        },
        t('reject'),
      ),
    ),
    // holdwhy: a vendor reads the reason with its batch's status (GET /v1/batches/{id}, batch.finished).
    hold.kind === 'batch'
      ? h('p', { class: 'muted', 'data-testid': 'guard-reason-vendor' }, t('reasonToVendor'))
      : null,
  );
}

/** A decided hold: who decided, when, and why. */
function decidedLine(hold: Hold): HTMLElement {
  return h(
    'p',
    { class: 'muted', 'data-testid': 'guard-decision' },
    `${statusText(hold.status)}: `,
    decider(hold),
    ` ${when(hold.decidedAt)}`,
    hold.decisionReason
      ? [` — ${t('decisionReason')}: `, h('q', { 'data-testid': 'decision-reason' }, hold.decisionReason)]
      : null,
  );
}

/** The schools an approval left out, with what the run did not apply of each. */
function exceptDetails(hold: Hold): HTMLElement[] {
  if (hold.exceptSchools.length === 0) return [];
  const rows = hold.exceptSchools.map(
    (school) => hold.notApplied.find((n) => n.school === school) ?? { school, records: 0, deletions: 0 },
  );
  return [
    card(
      t('exceptSchools'),
      table(
        rows,
        [
          { head: 'school', cell: (r) => r.school },
          { head: 'notAppliedRecords', cell: (r) => num(r.records), num: true },
          { head: 'notAppliedDeletions', cell: (r) => num(r.deletions), num: true },
        ],
        { testid: 'guard-except' },
      ),
    ),
  ];
}

/** Why the guard held the change, and what it would do school by school (record codes only). */
function holdDetails(hold: Hold, except: Set<string>): HTMLElement[] {
  // A city-wide run's hold may go over 2,000 schools' thresholds: the API sends the 50 highest ratios first and
  // counts them all (fix35a; fix34a cut them here, after all were sent)
  const reasons = hold.reasons;
  const left = hold.reasonsTotal - reasons.length;
  return [
    card(
      t('reasons'),
      left > 0
        ? h(
            'p',
            { class: 'muted', 'data-testid': 'guard-reasons-more' },
            t('reasonsMore', { n: left, count: num(left) }),
          )
        : null,
      table(
        reasons,
        [
          { head: 'school', cell: (r) => r.school },
          ...yearColumn(hold.reasons),
          ...(hold.reasons.some((r) => r.grade)
            ? [{ head: 'grade', cell: (r: Hold['reasons'][number]) => r.grade ?? '—' }]
            : []),
          { head: 'kind', cell: (r) => kindText(r) },
          { head: 'count', cell: (r) => num(r.count), num: true },
          // what the ratio is of, not the school's live records: a restore reason's counts those restored too
          { head: 'outOf', cell: (r) => num(r.live), num: true },
          // held when the ratio is over the threshold: the ratio ceiled, the threshold floored, so the figures
          // shown never say 30,0 % over a 30,0 % threshold (figures.ts)
          { head: 'ratio', cell: (r) => percent(r.ratio, 'ceil'), num: true },
          { head: 'threshold', cell: (r) => percent(r.threshold, 'floor'), num: true },
        ],
        { testid: 'guard-reasons' },
      ),
    ),
    schoolsCard(hold, except),
  ];
}

export async function guardHoldPage(main: HTMLElement, id: string): Promise<void> {
  const hold = await api<Hold>(`/v1/guard/holds/${encodeURIComponent(id)}`);
  const notice = h('p', { class: 'notice', 'data-testid': 'guard-result' });
  const last = sessionStorage.getItem('truc.notice');
  if (last) {
    notice.textContent = last;
    sessionStorage.removeItem('truc.notice');
  }
  const except = new Set<string>();
  const decide = async (decision: 'approve' | 'reject', reason: string): Promise<void> => {
    const left = decision === 'approve' ? [...except].sort() : [];
    const ask =
      left.length > 0
        ? t('confirmApproveExcept', { id: hold.id, schools: left.join(', ') })
        : t(decision === 'approve' ? 'confirmApprove' : 'confirmReject', { id: hold.id });
    if (!confirm(ask)) return;
    const why = reason.trim();
    const body = { ...(why ? { reason: why } : {}), ...(left.length > 0 ? { exceptSchools: left } : {}) };
    try {
      const r = await api<Hold>(`/v1/guard/holds/${hold.id}/${decision}`, {
        method: 'POST',
        ...(Object.keys(body).length > 0 ? { body } : {}),
      });
      sessionStorage.setItem('truc.notice', `#${r.id}: ${statusText(r.status)}`);
    } catch (err) {
      // refused (a reason the API does not take, decided meanwhile …): said here, the page and the reason kept
      if (!(err instanceof ApiError)) throw err;
      notice.className = 'error';
      notice.textContent = [err.message, ...err.fields.map((f) => f.message)].join(' — ');
      return;
    }
    await guardHoldPage(main, id);
  };
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/guard' }, `← ${t('back')}`)),
    h('h1', { 'data-testid': 'guard-title' }, `${t('heldChange')} #${hold.id} — ${origin(hold)}`),
    notice,
    holdStats(hold),
    ...(hold.weighing ? [weighingNote(hold)!] : []),
    ...(hold.weighing?.deletionsWeighed === null || !hold.weighing ? [] : [deletionsNote(hold)!]),
    holdDecision(hold, decide),
    ...keptCard(hold),
    ...exceptDetails(hold),
    ...holdDetails(hold, except),
  );
  // Still weighed: shown again once the weighing's bound has passed (while this hold's page is the one shown).
  const weighing = weighingUntil(hold);
  if (weighing) {
    const shown = location.hash;
    setTimeout(
      () => {
        if (location.hash === shown) void guardHoldPage(main, id);
      },
      Math.max(1_000, weighing.getTime() - Date.now() + 500),
    );
  }
}
