/** Dead letters: the filtered list, replay one, the selected ones or all that match the filter. */
import { QUEUES, type DeadLetter } from './api-types.js';
import { t } from './i18n.js';
import { api, linkOr } from './api.js';
import { card, filtered, h, num, pager, searchForm, table, when, type Column } from './kit.js';
import { replayedLines, type ReplayOutcome } from './replay-words.js';
import { errorCode, letterMessage } from './words.js';

/** Letters a page shows. */
const PAGE = 100;
/** The most letters one replay by filter takes (POST /v1/dead-letters/replay). */
const REPLAY_MAX = 1000;

/** Replays what `body` names (ids, or a filter) after the user confirms `count` letters. */
type Replay = (body: Record<string, unknown>, count: number) => Promise<void>;

export async function deadLettersPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const filter = new URLSearchParams();
  // syncRunId (walk6 W6-5): a run's letters, as a run's count on the sync runs page links them; the API refuses a bad one
  // id (fold6): one letter, as a school page links it
  for (const k of ['id', 'queue', 'errorCode', 'syncRunId', 'includeReplayed'])
    if (params.get(k)) filter.set(k, params.get(k)!);
  const offset = Number(params.get('offset') ?? 0) || 0;
  const go = (o: number): void => {
    const p = new URLSearchParams(filter);
    p.set('offset', String(o));
    location.hash = `#/dead-letters?${p.toString()}`;
  };
  const selected = new Set<number>();
  const mapping = mappingChoice();
  // a replay refused or failed, said here (review33c F3: only the browser's console knew)
  const failure = h('p', { class: 'error', role: 'alert', 'data-testid': 'replay-error' });
  const replay: Replay = async (body, count) => {
    if (!confirm(t('confirmReplay', { n: count }))) return;
    failure.textContent = '';
    let r: ReplayOutcome;
    try {
      r = await api<ReplayOutcome>('/v1/dead-letters/replay', {
        method: 'POST',
        body: { ...body, mapping: mapping.value },
      });
    } catch (err) {
      failure.textContent = err instanceof Error ? err.message : String(err);
      return;
    }
    sessionStorage.setItem('truc.notice', JSON.stringify(replayedLines(r, t)));
    await deadLettersPage(main, params);
  };
  const bulk = h(
    'button',
    {
      disabled: true,
      'data-testid': 'replay-selected',
      onclick: () => void replay({ ids: [...selected] }, selected.size),
    },
    t('replaySelected'),
  );
  await filtered(main, [h('h1', {}, t('deadLetters'))], filterForm(params), async () => {
    const list = await api<{ total: number; open: number; items: DeadLetter[] }>(
      `/v1/dead-letters?${new URLSearchParams([...filter, ['limit', String(PAGE)], ['offset', String(offset)]]).toString()}`,
    );
    return [
      lastNotice(),
      failure,
      card(
        `${t('deadLetters')}: ${num(list.total)}`,
        // the filter's open letters, all pages: what a replay by filter acts on (the API's at most a call)
        h(
          'div',
          { class: 'pager' },
          h('label', {}, t('replayWith'), mapping),
          bulk,
          replayFilterButton(params, Math.min(list.open, REPLAY_MAX), replay),
        ),
        table(list.items, columns(selected, bulk, replay), { testid: 'dead-letters', stack: true }),
        list.total > PAGE ? pager(offset, PAGE, list.total, go) : null,
      ),
    ];
  });
}

/**
 * The mapping a replay maps with (review32 F7, issue 7 item 6): the current one (the API's default) or the version
 * each letter's work first ran with (pinned).
 */
function mappingChoice(): HTMLSelectElement {
  return h(
    'select',
    { name: 'mapping', 'data-testid': 'replay-mapping' },
    h('option', { value: 'current', selected: true }, t('mappingCurrent')),
    h('option', { value: 'pinned' }, t('mappingPinned')),
  );
}

/** The notice the last replay left before the page was drawn again (shown once), a line each. */
function lastNotice(): HTMLElement {
  const notice = h('div', { class: 'notice', 'data-testid': 'replay-result' });
  const last = sessionStorage.getItem('truc.notice');
  if (last) {
    sessionStorage.removeItem('truc.notice');
    let lines: unknown;
    try {
      lines = JSON.parse(last);
    } catch {
      lines = [last];
    }
    notice.replaceChildren(...(Array.isArray(lines) ? lines : [last]).map((l) => h('p', {}, String(l))));
  }
  return notice;
}

function filterForm(params: URLSearchParams): HTMLFormElement {
  // a choice of the queues the API takes (review26a F6: a typed one could only be refused)
  const queue = h(
    'select',
    { name: 'queue' },
    ['', ...QUEUES].map((q) =>
      h('option', { value: q, selected: (params.get('queue') ?? '') === q }, q || t('all')),
    ),
  );
  const code = h('input', { name: 'errorCode', value: params.get('errorCode') ?? '', placeholder: 'ERR_…' });
  const run = h('input', {
    name: 'syncRunId',
    value: params.get('syncRunId') ?? '',
    inputmode: 'numeric',
    size: 8,
  });
  // fold6: one letter by its id (a school page links to it); one the API refuses is said by the form
  const id = h('input', { name: 'id', value: params.get('id') ?? '', inputmode: 'numeric', size: 8 });
  const replayed = h('input', {
    type: 'checkbox',
    name: 'includeReplayed',
    checked: params.get('includeReplayed') === 'true',
  });
  return searchForm(
    'dead-letters',
    [
      h('label', {}, t('letterId'), id),
      h('label', {}, t('queue'), queue),
      h('label', {}, t('errorCode'), code),
      h('label', {}, t('syncRun'), run),
      h('label', {}, t('includeReplayed'), replayed),
    ],
    () => {
      const p = new URLSearchParams();
      if (id.value.trim()) p.set('id', id.value.trim());
      if (queue.value) p.set('queue', queue.value);
      if (code.value) p.set('errorCode', code.value);
      if (run.value.trim()) p.set('syncRunId', run.value.trim());
      if (replayed.checked) p.set('includeReplayed', 'true');
      return p;
    },
  );
}

/**
 * "Replay all that match": only when the page is filtered by queue, error code or sync run (fix7: the replay takes the
 * run as the list does) and some are open; never filtered by a letter's id (a replay by filter does not take it: it
 * would replay the queue's every letter), which is replayed by selection.
 */
function replayFilterButton(params: URLSearchParams, open: number, replay: Replay): HTMLElement | null {
  const filtered = params.get('queue') || params.get('errorCode') || params.get('syncRunId');
  if (!filtered || params.get('id') || open === 0) return null;
  return h(
    'button',
    {
      class: 'secondary',
      'data-testid': 'replay-filter',
      onclick: () =>
        void replay(
          {
            ...(params.get('queue') ? { queue: params.get('queue') } : {}),
            ...(params.get('errorCode') ? { errorCode: params.get('errorCode') } : {}),
            ...(params.get('syncRunId') ? { syncRunId: Number(params.get('syncRunId')) } : {}),
          },
          open,
        ),
    },
    t('replayFilter'),
  );
}

/**
 * Why a letter was closed without a replay (the API's abandonedReason): its target forgotten, or (fix33c) a
 * scheduler's letter closed by its replay, which was shown as "target removed" though none was.
 */
const closedWords = (d: DeadLetter) =>
  d.abandonedReason === 'closed-by-replay'
    ? 'closedByReplay'
    : d.abandonedReason === 'report-superseded'
      ? 'closedBySupersede'
      : 'abandoned';

/**
 * A letter's references, one `key=value` a line as an audit entry's details (walk10 W10-6: one line of them ran past
 * the card's edge at 1280 px, and the replay button with it); its batch a link to the batch's page, its school to the
 * school's, its sync run to the run's (walk11 W11-8), for a session that may open them.
 */
function refsCell(d: DeadLetter): HTMLElement {
  return h(
    'div',
    { class: 'details refs', 'data-testid': `refs-${d.id}` },
    Object.entries(d.refs).map(([k, v]) => {
      // refs2: schoolCodes is a list of codes
      const text = Array.isArray(v) ? v.join(',') : String(v);
      const to =
        k === 'batchId' ? 'batches' : k === 'schoolCode' ? 'schools' : k === 'syncRunId' ? 'sync' : undefined;
      return h('div', {}, `${k}=`, linkOr(to ? `#/${to}/${encodeURIComponent(text)}` : null, text));
    }),
  );
}

function columns(
  selected: Set<number>,
  bulk: HTMLButtonElement,
  replay: Replay,
): ReadonlyArray<Column<DeadLetter>> {
  return [
    {
      head: '',
      cell: (d) =>
        d.replayedAt || d.resolvedAt || d.abandonedAt
          ? ''
          : h('input', {
              type: 'checkbox',
              // review33c F5: a box without a name was read "checkbox, not checked" by a screen reader
              'aria-label': t('selectLetter', { id: d.id }),
              'data-testid': `select-${d.id}`,
              onchange: (e: Event) => {
                if ((e.target as HTMLInputElement).checked) selected.add(d.id);
                else selected.delete(d.id);
                bulk.disabled = selected.size === 0;
              },
            }),
    },
    { head: '#', cell: (d) => d.id, num: true },
    { head: 'queue', cell: (d) => d.queue },
    { head: 'job', cell: (d) => d.job },
    { head: 'errorCode', cell: (d) => errorCode(d.errorCode) },
    // review32 F7: the mapping version the letter's work ran with (what a pinned replay maps with)
    { head: 'mapping', cell: (d) => (d.mappingVersion ? h('code', {}, d.mappingVersion) : '—') },
    { head: 'message', cell: (d) => letterMessage(d.errorCode, d.errorMessage) },
    { head: 'refs', cell: refsCell },
    { head: 'attempts', cell: (d) => num(d.attempts), num: true },
    { head: 'failedAt', cell: (d) => when(d.failedAt) },
    {
      head: 'replay',
      cell: (d) =>
        d.replayedAt
          ? h(
              'span',
              { class: 'muted', title: d.replayedById ?? undefined, 'data-testid': `replayed-${d.id}` },
              // who replayed it, by name as it was then (fix37a), the id in its tooltip
              `${t('replayed')} ${when(d.replayedAt)}${d.replayedBy ? ` ${t('by')} ${d.replayedBy}` : ''}`,
            )
          : d.resolvedAt
            ? h('span', { class: 'muted' }, `${t('resolved')} ${when(d.resolvedAt)}`)
            : d.abandonedAt
              ? h('span', { class: 'muted' }, `${t(closedWords(d))} ${when(d.abandonedAt)}`)
              : h(
                  'button',
                  { 'data-testid': `replay-${d.id}`, onclick: () => void replay({ ids: [d.id] }, 1) },
                  t('replay'),
                ),
    },
  ];
}
