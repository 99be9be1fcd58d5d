/** The overview's schedules card (split from ./overview.ts): each schedule's pattern, last and next fire, and status. */
import type { Schedule } from './api-types.js';
import { currentLang, t } from './i18n.js';
import { card, h, table, when } from './kit.js';
import { entityText, statusBadge, statusText } from './words.js';

/** A schedule's last fire: when, its outcome, and why a refused one requested nothing (its code and message). */
function lastRunText(r: NonNullable<Schedule['lastRun']>): string {
  const why = r.error ? `: ${r.error.code} — ${r.error.message[currentLang()]}` : '';
  const quality = r.qualityRunId !== null ? `, ${t('qualityRun')} ${r.qualityRunId}` : '';
  return `${when(r.fireAt)} (${statusText(r.outcome)}${why}${quality})`;
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

/** The schedules, or why they could not be read (review33c N3: a failed read was shown as "None"). */
export function schedulesCard(items: readonly Schedule[] | string): HTMLElement {
  if (typeof items === 'string')
    return card(t('schedules'), h('p', { class: 'error', role: 'alert', 'data-testid': 'schedules' }, items));
  return card(
    t('schedules'),
    table(
      items,
      [
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
        {
          head: 'lastRun',
          cell: (x) => (x.lastRun ? lastRunText(x.lastRun) : '—'),
        },
        { head: 'nextRun', cell: (x) => (x.paused ? '—' : when(x.nextRunAt)) },
        { head: 'status', cell: scheduleStatus },
      ],
      { testid: 'schedules' },
    ),
  );
}
