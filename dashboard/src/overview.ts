/** The overview page: open dead letters, the outbox, every system's health, schedules, queues and PCGD deadlines. */
import type { Overview, Schedule } from './api-types.js';
import { deadlineText } from './clock.js';
import { cutPercent, durationText } from './figures.js';
import { currentLang, t } from './i18n.js';
import { api, linkOr, session } from './api.js';
import { card, h, num, percent, stat, table, when, wide } from './kit.js';
import { errorCode, statusBadge, statusText } from './words.js';
import { schedulesCard } from './overview-schedules.js';

/** Why a system's calls are paused, in words (review32 F6: the API's key was shown); an unknown key as sent. */
function pauseReasonText(reason: string | null | undefined): string {
  if (reason === 'circuit-open') return t('pauseCircuitOpen');
  if (reason === 'probe') return t('pauseProbe');
  if (reason === 'retry-after') return t('pauseRetryAfter');
  return reason ?? '';
}

/**
 * What holds an endpoint's writes now (gates2, walk2 F1: its own pause was shown after it had passed): its own pause,
 * the system's (said so), or nothing (its next write is its probe: no pause shown).
 */
function endpointHeld(c: Overview['systems'][number]['endpointCircuits'][number]): string {
  if (c.until === null) return '';
  const why =
    c.heldBy === 'system' ? `${t('system')}: ${pauseReasonText(c.reason)}` : pauseReasonText(c.reason);
  return ` — ${t('pausedUntil')} ${when(c.until)}${why ? ` (${why})` : ''}`;
}

function circuitBadge(s: Overview['systems'][number]): HTMLElement {
  const cls =
    s.circuit === 'closed' ? (s.pausedUntil ? 'warn' : 'ok') : s.circuit === 'open' ? 'bad' : 'warn';
  const why = pauseReasonText(s.pauseReason);
  const paused = s.pausedUntil
    ? ` — ${t('pausedUntil')} ${when(s.pausedUntil)}${why ? ` (${why})` : ''}`
    : '';
  // Who opened the system's circuit (its callers whose last call failed: an endpoint, or writes/reads).
  const by = s.circuit !== 'closed' && s.openedBy.length > 0 ? ` ${t('by')} ${s.openedBy.join(', ')}` : '';
  const badge = h(
    'span',
    { class: `badge ${cls}`, 'data-circuit': s.circuit, 'data-opened-by': s.openedBy.join(' ') },
    `${statusText(s.circuit)}${by}${paused}`,
  );
  // fix36c: the endpoints' own circuits (their writes alone wait), and what holds the pulls when it is not the writes'.
  // the pulls held as the writes are (the system's circuit open): the badge already says it, once
  const readsOwn = s.reads && (s.reads.until !== s.pausedUntil || s.reads.reason !== s.pauseReason);
  const reads =
    s.reads && readsOwn
      ? [
          h(
            'small',
            { 'data-testid': 'reads-held' },
            `${t('readsHeld')} ${when(s.reads.until)} (${pauseReasonText(s.reads.reason)})`,
          ),
        ]
      : [];
  const endpoints = s.endpointCircuits.map((c) =>
    h(
      'small',
      { class: 'badge warn', 'data-endpoint-circuit': c.endpoint, 'data-held-by': c.heldBy ?? '' },
      `${c.endpoint}: ${statusText(c.circuit)}${endpointHeld(c)}`,
    ),
  );
  // fix37b: the endpoints a Retry-After holds alone (their writes, or a read endpoint's reads, wait; the system's other
  // calls go on).
  const waits = s.endpointRetryAfter.map((w) =>
    h(
      'small',
      { class: 'badge warn', 'data-endpoint-wait': w.endpoint },
      `${w.endpoint}: ${t('pausedUntil')} ${when(w.until)} (${pauseReasonText('retry-after')})`,
    ),
  );
  // gates3 item 3: while the system's circuit is probing, what a failed probe will do (truc retries, or a city admin
  // must fix truc's credentials).
  const probe = s.ifProbeFails
    ? [
        h(
          'small',
          { 'data-testid': 'probe-if-fails', 'data-outcome': s.ifProbeFails.outcome },
          s.ifProbeFails.message[currentLang()],
        ),
      ]
    : [];
  // gates5: who probes it (recorded by the gate when the probe was taken: its caller and truc process).
  const prober = s.probeBy
    ? [
        h(
          'small',
          { 'data-testid': 'probe-by', 'data-probe-by': s.probeBy.caller },
          `${t('probeBy')} ${s.probeBy.caller} (${t('probeProcess')} ${s.probeBy.process})`,
        ),
      ]
    : [];
  const lines = [...prober, ...probe, ...reads, ...endpoints, ...waits];
  if (lines.length === 0) return badge;
  return h('span', {}, badge, ...lines.flatMap((e) => [h('br', {}), e]));
}

/**
 * A system's error rate in 24 h, judged on the figure shown (ceiled: the rate is judged "more than"): red over
 * 20 %, amber over 0 %. 0.04 % is "0,1 %" in amber, never "0,0 %" in amber (figures.ts).
 */
function errorRateBadge(rate: number): HTMLElement {
  const shown = cutPercent(rate * 100, 1, 'ceil');
  const cls = shown > 20 ? 'bad' : shown > 0 ? 'warn' : 'ok';
  return h('span', { class: `badge ${cls}` }, percent(rate, 'ceil'));
}

/** A system's push deliveries finished in 24 h (delivered or dead-lettered), the dead-lettered in brackets. */
function pushesText(s: Overview['systems'][number]): string {
  return `${num(s.pushDelivered24h + s.pushFailed24h)} (${num(s.pushFailed24h)})`;
}

/**
 * A system, a link to its sync runs (dash12: its failures and error rate led nowhere; the runs page was filtered by
 * hand), for a session that may see them.
 */
const systemCell = (s: Overview['systems'][number]): HTMLElement | string =>
  linkOr(`#/sync?system=${encodeURIComponent(s.system)}`, s.system, { 'data-testid': 'system-runs' });

function systemsCard(systems: Overview['systems']): HTMLElement {
  return wide(
    card(
      t('systems'),
      table(
        systems,
        [
          { head: 'system', cell: systemCell },
          { head: 'lastSuccess', cell: (s) => when(s.lastSuccessAt) },
          { head: 'lastFailure', cell: (s) => when(s.lastFailureAt) },
          { head: 'errorCode', cell: (s) => errorCode(s.lastErrorCode) },
          { head: 'runs24h', cell: (s) => num(s.runs24h), num: true },
          // ops29: the deliveries the error rate counts beside the runs, those dead-lettered in brackets.
          { head: 'pushes24h', cell: (s) => pushesText(s), num: true },
          {
            head: 'errorRate',
            cell: (s) => errorRateBadge(s.errorRate24h),
            num: true,
          },
          { head: 'running', cell: (s) => num(s.running), num: true },
          { head: 'circuit', cell: (s) => circuitBadge(s) },
        ],
        { testid: 'systems', stack: true },
      ),
    ),
  );
}

function queuesCard(queues: Overview['queues']): HTMLElement {
  return card(
    t('queues'),
    table(
      queues,
      [
        { head: 'queue', cell: (q) => q.queue },
        {
          head: 'waiting',
          cell: (q) => num((q.counts.waiting ?? 0) + (q.counts.prioritized ?? 0)),
          num: true,
        },
        { head: 'active', cell: (q) => num(q.counts.active), num: true },
        { head: 'delayed', cell: (q) => num(q.counts.delayed), num: true },
        { head: 'failed', cell: (q) => num(q.counts.failed), num: true },
        { head: 'completed', cell: (q) => num(q.counts.completed), num: true },
      ],
      { testid: 'queues' },
    ),
  );
}

function deadLettersByCodeCard(letters: Overview['deadLetters']): HTMLElement {
  return card(
    t('deadLettersByCode'),
    table(
      letters,
      [
        { head: 'queue', cell: (d) => d.queue },
        { head: 'errorCode', cell: (d) => errorCode(d.errorCode) },
        { head: 'open', cell: (d) => num(d.open), num: true },
      ],
      {
        testid: 'dead-letters-by-code',
        stack: true,
        href: (d) =>
          `#/dead-letters?queue=${encodeURIComponent(d.queue)}&errorCode=${encodeURIComponent(d.errorCode)}`,
      },
    ),
  );
}

/**
 * How soon a unit needs someone: a province report built on replaced commune figures first (the Ministry has or will
 * get figures no commune stands behind; one row at most: fix36a), late, at risk or its delivery failing, on track,
 * then submitted.
 */
const URGENCY: Record<string, number> = { late: 0, 'at-risk': 1, 'on-track': 3, submitted: 4 };
const urgency = (u: Overview['pcgd']['units'][number]): number =>
  u.outdated ? -1 : u.deliveryError && u.state !== 'late' ? 2 : (URGENCY[u.state] ?? 3);

/**
 * The PCGD card's counts by GET /v1/pcgd/deadlines' rule (walk2 F7, the lead's): a unit submitted after its deadline
 * counts as submitted, and is said late among them ('Đã nộp: 1 (trễ hạn: 1)'); late alone is not submitted, past it.
 */
function pcgdCounts(units: Overview['pcgd']['units']): string {
  const count = (state: string) => units.filter((u) => u.state === state).length;
  const submittedLate = units.filter((u) => u.state === 'submitted' && u.submittedLate).length;
  const lateOf = (s: string) =>
    s === 'submitted' && submittedLate > 0
      ? ` (${statusText('late').toLocaleLowerCase(currentLang())}: ${num(submittedLate)})`
      : '';
  return ['late', 'at-risk', 'on-track', 'submitted']
    .map((s) => `${statusText(s)}: ${num(count(s))}${lateOf(s)}`)
    .join(' · ');
}

/** The units the overview's PCGD card lists; the others are counted (the officer's GET /v1/pcgd/deadlines has all). */
const PCGD_SHOWN = 20;

/**
 * The units of the city (its 168 communes and the province, those without a report too: review33c F1) counted by where
 * they stand, and the {@link PCGD_SHOWN} that need someone first listed (late, at risk, the Ministry not holding a
 * submitted report; an outdated province report before all), then by days left, a report under way first, and code: 169 rows made the overview five screens
 * long.
 */
function pcgdDeadlinesCard(pcgd: Overview['pcgd']): HTMLElement {
  // Among units as urgent, those whose report waits on a step (pending, failed, to check, to approve) come before
  // those without one, which the counts above say (in December every commune without a report is late).
  const started = (u: Overview['pcgd']['units'][number]): number => (u.version === null ? 1 : 0);
  const units = [...pcgd.units].sort(
    (a, b) =>
      urgency(a) - urgency(b) ||
      a.daysLeft - b.daysLeft ||
      started(a) - started(b) ||
      a.unitCode.localeCompare(b.unitCode),
  );
  const counts = pcgdCounts(units);
  // walk10: as wide as the page (it sat alone in half of it, its last column cut at 1280 px in English)
  return wide(
    card(
      `${t('pcgdDeadlines')} ${pcgd.year}`,
      h('p', { 'data-testid': 'pcgd-counts' }, counts),
      units.length > PCGD_SHOWN
        ? h('p', { class: 'muted' }, t('pcgdShown', { n: PCGD_SHOWN, total: units.length }))
        : null,
      table(
        units.slice(0, PCGD_SHOWN),
        [
          // walk2 F6: the name, as GET /v1/pcgd/deadlines gives it, not the code alone.
          // A long name wraps in its cell rather than push the table past the card (ui27 item 3 at 1280 px).
          { head: 'unit', cell: (u) => h('span', { class: 'wraps' }, `${u.unitName} (${u.unitCode})`) },
          { head: 'level', cell: (u) => (u.level === 'province' ? t('province') : t('commune')) },
          {
            head: 'status',
            // fix36a: a province report built on a commune version replaced since says so, and what to do.
            cell: (u) => [
              statusBadge(u.status),
              u.version === null ? '' : ` v${u.version}`,
              ...(u.outdated
                ? [' ', h('span', { class: 'badge warn', 'data-testid': 'pcgd-outdated' }, t('pcgdOutdated'))]
                : []),
            ],
          },
          // walk9 W9-5: the last day allowed ('hết ngày 02/10/2026'), not the midnight after it ('00:00 03/10/2026').
          // Its words wrap in their cell, as the unit's name does: at 1280 px the card's table would pass its edge.
          {
            head: 'deadline',
            cell: (u) => h('span', { class: 'wraps' }, deadlineText(u.deadline, currentLang())),
          },
          { head: 'daysLeft', cell: (u) => num(u.daysLeft), num: true },
          {
            head: 'standing',
            // review27a F4: a missed deadline says so, not on track or at risk; submitted after it: submitted late (F7).
            cell: (u) => statusBadge(u.state === 'submitted' && u.submittedLate ? 'submitted-late' : u.state),
          },
          {
            head: 'ministryDelivery',
            // review31 F3: a submitted report the Ministry does not hold (failed for good, or waiting for its next try
            // after a 429) says so, with the error met and when the next try is.
            cell: (u) =>
              u.deliveryError
                ? [
                    h('span', { class: 'badge warn' }, t('ministryNotHolding')),
                    ' ',
                    errorCode(u.deliveryError),
                    ...(u.deliveryNotBefore ? [` — ${t('nextTry')} `, when(u.deliveryNotBefore)] : []),
                  ]
                : '',
          },
        ],
        { testid: 'pcgd-units' },
      ),
    ),
  );
}

/**
 * Push targets removed from the configuration that left records undelivered or dead letters open, with what to
 * do (`truc targets forget <system>`); nothing when none did. The card the page's width, what to do wrapped in it
 * (dash13: in half the page at 1280 px it was cut at the card's edge, the command out of sight).
 */
function removedTargetsCard(targets: Overview['removedTargets']): HTMLElement | undefined {
  if (targets.length === 0) return undefined;
  return wide(
    card(
      t('removedTargets'),
      table(
        targets,
        [
          { head: 'system', cell: (x) => h('span', { class: 'badge warn' }, x.system) },
          { head: 'undelivered', cell: (x) => num(x.records), num: true },
          { head: 'open', cell: (x) => num(x.deadLetters), num: true },
          {
            head: 'whatToDo',
            cell: (x) =>
              h('span', { class: 'wraps', 'data-testid': 'removed-target-hint' }, x.hint[currentLang()]),
          },
        ],
        { testid: 'removed-targets' },
      ),
    ),
  );
}

/**
 * The mass changes held for a city admin's decision (walk6 W6-2: the morning after a held night the first page said
 * nothing of it), since when the oldest waits; a link to them for a session that may decide (the `guard` scope).
 */
function heldStat(g: Overview['guardHolds']): HTMLElement {
  const count = h('span', { class: g.waiting > 0 ? 'badge warn' : '' }, num(g.waiting));
  const value = linkOr('#/guard', count, { 'data-testid': 'held-changes-link' });
  const since = g.oldestAt ? ` — ${t('oldestHeld', { at: when(g.oldestAt) })}` : '';
  return stat(`${t('heldChanges')}${since}`, value, 'stat-held-changes');
}

export async function overviewPage(main: HTMLElement): Promise<void> {
  const [o, schedules] = await Promise.all([
    api<Overview>('/v1/ops/overview'),
    api<{ items: Schedule[] }>('/v1/schedules').catch((err: unknown) => ({
      items: err instanceof Error ? err.message : String(err),
    })),
  ]);
  const openLetters = o.deadLetters.reduce((n, d) => n + d.open, 0);
  const atRisk = o.pcgd.units.filter((u) => u.atRisk).length;
  main.replaceChildren(
    h('h1', {}, t('overview')),
    h(
      'div',
      { class: 'stats' },
      // dash12: a link to them, as the held changes' (it led nowhere)
      stat(t('deadLetters'), linkOr('#/dead-letters', num(openLetters)), 'stat-dead-letters'),
      heldStat(o.guardHolds),
      stat(`${t('outbox')} — ${t('pending')}`, num(o.outbox.pending), 'stat-outbox-pending'),
      stat(
        `${t('outbox')} — ${t('lag')}`,
        durationText(o.outbox.lagSeconds, currentLang()),
        'stat-outbox-lag',
      ),
      stat(`PCGD — ${t('atRisk')}`, num(atRisk), 'stat-pcgd-at-risk'),
      stat(
        `PCGD — ${statusText('late')}`,
        num(o.pcgd.units.filter((u) => u.state === 'late').length),
        'stat-pcgd-late',
      ),
    ),
    h(
      'div',
      { class: 'grid' },
      systemsCard(o.systems),
      ...[removedTargetsCard(o.removedTargets)].filter((c) => c !== undefined),
      // W3-4: its actions only for a token that may take them (POST /v1/schedules/{id}/…: the admin scope)
      wide(schedulesCard(schedules.items, session()?.scopes.includes('admin') ?? false)),
      queuesCard(o.queues),
      deadLettersByCodeCard(o.deadLetters),
      pcgdDeadlinesCard(o.pcgd),
    ),
    h('p', { class: 'muted' }, `${t('generatedAt')} ${when(o.generatedAt)}`),
  );
}
