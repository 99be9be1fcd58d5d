/**
 * One held mass change (the guard, issue 7), inspected: per school, live records, what would be deleted, moved or
 * changed, with the record codes — never personal data; and a city admin's approval (a sync run's hold maybe except
 * some schools, ticked: not applied by the run, asked again by the next) or rejection, neither while the run's next
 * pages are weighed (`weighingUntil`). The list of holds and the words both show: ./guard.ts.
 */
import type { Hold } from './api-types.js';
import { appliedText, keptCard } from './guard-kept.js';
import { schoolsCard, yearColumn } from './guard-schools.js';
import { decider, kindText, origin } from './guard.js';
import { t } from './i18n.js';
import { ApiError, api, openable } from './api.js';
import { card, h, num, percent, stat, table, when } from './kit.js';
import { entityText, statusBadge, statusText } from './words.js';

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
    // walk11 W11-6: always, 0 too, as the holds list's column (it was shown only when some were restored)
    stat(t('restoredCount'), num(totals.restored ?? 0), 'guard-hold-restored'),
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
    // walk11 W11-7: wide enough for its placeholder (160 px cut it: "Optional; kept with the d…")
    class: 'reason',
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

/** A sync run's hold: a link to the run's page (walk11 W11-8), for a session that may open it. */
function runLine(hold: Hold): HTMLElement[] {
  const href = hold.syncRunId === null ? undefined : openable(`#/sync/${hold.syncRunId}`);
  return href
    ? [h('p', {}, h('a', { href, 'data-testid': 'guard-run' }, `${t('runOf', { id: hold.syncRunId! })} →`))]
    : [];
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
    ...runLine(hold),
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
