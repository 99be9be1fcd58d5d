/**
 * The overview's schedules card (split from ./overview.ts): each schedule's pattern, last and next run, whether it is
 * paused (and by whom), and (W3-4) for a token with the `admin` scope its actions: pause, resume, run now
 * (POST /v1/schedules/{id}/…, audited), confirmed first, their outcome or refusal said in the card, the list read
 * again after.
 */
import type { Schedule } from './api-types.js';
import { currentLang, t } from './i18n.js';
import { ApiError, api, linkOr, openable } from './api.js';
import { card, h, table, when, type Column } from './kit.js';
import { entityText, statusBadge, statusText } from './words.js';

/** A schedule's last fire: when, its outcome, and why a refused one requested nothing (its code and message). */
function lastRunText(r: NonNullable<Schedule['lastRun']>): string {
  const why = r.error ? `: ${r.error.code} — ${r.error.message[currentLang()]}` : '';
  // W3-4: a busy fire says which unfinished run it met and that it requested none
  const busyRun = r.outcome === 'busy' ? (r.syncRunId ?? r.qualityRunId) : null;
  if (busyRun !== null)
    return `${when(r.fireAt)} (${statusText('busy')}: ${t('busyExplained', { run: busyRun })})`;
  const quality = r.qualityRunId !== null ? `, ${t('qualityRun')} ${r.qualityRunId}` : '';
  return `${when(r.fireAt)} (${statusText(r.outcome)}${why}${quality})`;
}

/** A schedule's last fire, and (walk6 W6-2) that its run is held for a decision, a link to the held changes. */
function lastRunCell(r: NonNullable<Schedule['lastRun']>): HTMLElement | string {
  if (r.runStatus !== 'held') return lastRunText(r);
  const held = linkOr(
    '#/guard',
    t('runHeldWaiting'),
    { class: 'badge warn', 'data-testid': 'schedule-run-held' },
    'span',
  );
  return h('span', {}, lastRunText(r), ' ', held);
}

/** A schedule's pattern, its time zone under it (walk: '0 1 * * *' alone did not say whose 01:00); or its period. */
function cronCell(x: Schedule): HTMLElement | string {
  if (x.cron)
    return h(
      'span',
      {},
      x.cron,
      h('br', {}),
      h('small', { class: 'muted', 'data-testid': 'schedule-tz' }, x.tz),
    );
  return x.everyMs ? `${Math.round(x.everyMs / 1000)} s` : '—';
}

/** On, or paused with who paused it, by name as it was then, the actor id in its tooltip (walk: "paused" alone). */
function scheduleStatus(x: Schedule): HTMLElement {
  if (!x.paused) return h('span', { class: 'badge ok' }, t('scheduleOn'));
  const by = x.pausedBy
    ? [' ', h('small', { title: x.pausedById ?? '', 'data-testid': 'paused-by' }, `${t('by')} ${x.pausedBy}`)]
    : [];
  return h('span', {}, statusBadge('paused'), ...by);
}

type Action = 'pause' | 'resume' | 'run';

/** What POST /v1/schedules/{id}/run answers (202). */
export interface RunRequested {
  kind: 'pull' | 'quality';
  syncRunId: number | null;
  qualityRunId?: number;
  statusUrl: string;
}

/** Where a schedule's runs are listed: the sync runs page filtered to its pull, or the quality page. */
export function runsHref(x: Schedule): string {
  if (x.system === null || x.entity === null) return '#/quality';
  return `#/sync?${new URLSearchParams({ system: x.system, entity: x.entity }).toString()}`;
}

/** An action's outcome in words: paused, resumed, or the run it requested (a sync run, or a quality run). */
export function actionText(action: Action, x: Schedule, r?: RunRequested): string {
  if (action === 'pause') return t('schedulePaused', { id: x.id });
  if (action === 'resume') return t('scheduleResumed', { id: x.id });
  if (r?.kind === 'quality') return t('qualityRunRequested', { id: x.id, run: r.qualityRunId ?? '' });
  return t('runRequested', { id: x.id, run: r?.syncRunId ?? '' });
}

const CONFIRM = { pause: 'confirmPause', resume: 'confirmResume', run: 'confirmRunNow' } as const;

/** The card's columns; the actions' only for a token that may act (`canAct`: its `admin` scope). */
export function scheduleColumns(
  canAct: boolean,
  act: (x: Schedule, action: Action) => Promise<void>,
): ReadonlyArray<Column<Schedule>> {
  const button = (x: Schedule, action: Action, key: 'pause' | 'resume' | 'runNow') =>
    h(
      'button',
      { class: 'secondary', 'data-testid': `${action}-${x.id}`, onclick: () => void act(x, action) },
      t(key),
    );
  return [
    { head: 'schedule', cell: (x) => x.id },
    {
      head: 'system',
      // A quality schedule (fix35d) pulls nothing: it computes the scorecards.
      cell: (x) =>
        x.system === null || x.entity === null
          ? t('qualitySchedule')
          : `${x.system} / ${entityText(x.entity)}${x.full ? ` (${t('fullPull')})` : ''}`,
    },
    { head: 'cron', cell: cronCell },
    { head: 'lastRun', cell: (x) => (x.lastRun ? lastRunCell(x.lastRun) : '—') },
    { head: 'nextRun', cell: (x) => (x.paused ? '—' : when(x.nextRunAt)) },
    { head: 'status', cell: scheduleStatus },
    ...(canAct
      ? [
          {
            head: 'actions',
            cell: (x: Schedule) => [
              x.paused ? button(x, 'resume', 'resume') : button(x, 'pause', 'pause'),
              ' ',
              button(x, 'run', 'runNow'),
            ],
          },
        ]
      : []),
  ];
}

/** The outcome shown in the card: its words, and a link to the run requested (or to the unfinished one met). */
function say(notice: HTMLElement, text: string, href?: string, error = false): void {
  notice.className = error ? 'error' : 'notice';
  notice.hidden = false;
  if (error) notice.setAttribute('role', 'alert');
  else notice.removeAttribute('role');
  notice.replaceChildren(
    text,
    ...(href ? [' ', h('a', { href, 'data-testid': 'schedule-run-link' }, t('seeIt'))] : []),
  );
}

/**
 * The schedules, or why they could not be read (review33c N3: a failed read was shown as "None"). `canAct`: whether
 * the session's token may pause, resume and run them (the `admin` scope); without it no action is shown.
 */
export function schedulesCard(items: readonly Schedule[] | string, canAct = false): HTMLElement {
  if (typeof items === 'string')
    return card(t('schedules'), h('p', { class: 'error', role: 'alert', 'data-testid': 'schedules' }, items));
  const notice = h('p', { class: 'notice', hidden: true, 'data-testid': 'schedule-result' });
  let shown = table(items, scheduleColumns(canAct, act), { testid: 'schedules', stack: true });
  async function act(x: Schedule, action: Action): Promise<void> {
    if (!confirm(t(CONFIRM[action], { id: x.id }))) return;
    try {
      // pause and resume answer 204 (nothing to read), run 202 with the run it requested
      const r = await api<RunRequested>(`/v1/schedules/${encodeURIComponent(x.id)}/${action}`, {
        method: 'POST',
      });
      say(notice, actionText(action, x, r), action === 'run' ? openable(runsHref(x)) : undefined);
    } catch (err) {
      // refused (a run of its pull unfinished: 409, the API's words name it; gone from the configuration: 404)
      if (!(err instanceof ApiError)) throw err;
      say(notice, err.message, err.status === 409 ? openable(runsHref(x)) : undefined, true);
    }
    const next = await api<{ items: Schedule[] }>('/v1/schedules').catch(() => undefined);
    if (!next) return;
    const fresh = table(next.items, scheduleColumns(canAct, act), { testid: 'schedules', stack: true });
    shown.replaceWith(fresh);
    shown = fresh;
  }
  return card(t('schedules'), notice, shown);
}
