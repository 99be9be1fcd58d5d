/** DOM building and formatting of the dashboard (no framework, no dependencies); the session and API client: api.ts. */
import type { Ratio } from './api-types.js';
import { ApiError, type FieldProblem } from './api.js';
import { stampText } from './clock.js';
import { percentText, ratioText, type Cut } from './figures.js';
import { currentLang, t, type Key } from './i18n.js';

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined | null>;

/** Creates an element: h('td', { class: 'num' }, 12). Event handlers are attributes named on…. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Child | Child[]>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'object' ? c : String(c));
  }
  return el;
}

export interface Column<R> {
  /** A dictionary key, or literal text ('#'). */
  head: string;
  cell: (r: R) => Child | Child[];
  num?: boolean;
}

/**
 * A table of rows; `href` makes each row lead to a page: its first cell a link there (reached by Tab, followed by
 * Enter: review33c F2, a row that only took a click could not be opened from the keyboard), the whole row clickable.
 * `stack`: on a phone (app.css, under 640 px) each row a block, a cell a line under its column's name (dash14: a list
 * read on duty at night, the runs' or the dead letters', was a table scrolled sideways inside its card, its status or
 * replay button out of sight). Empty: one muted line.
 */
export function table<R>(
  rows: readonly R[],
  cols: ReadonlyArray<Column<R>>,
  opts: { href?: (r: R) => string; testid?: string; stack?: boolean } = {},
): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted', 'data-testid': opts.testid }, t('nothing'));
  return h(
    'table',
    { 'data-testid': opts.testid, class: opts.stack ? 'stack' : undefined },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        cols.map((c) => h('th', { class: c.num ? 'num' : undefined }, label(c.head))),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          {
            class: opts.href ? 'clickable' : undefined,
            onclick: opts.href ? () => (location.hash = opts.href!(r)) : undefined,
          },
          cols.map((c, i) =>
            h(
              'td',
              { class: c.num ? 'num' : undefined, 'data-label': opts.stack ? label(c.head) : undefined },
              i === 0 && opts.href ? h('a', { href: opts.href(r) }, c.cell(r)) : c.cell(r),
            ),
          ),
        ),
      ),
    ),
  );
}

function label(k: string): string {
  try {
    return t(k as Key);
  } catch {
    return k;
  }
}

/**
 * An inline filter form: its labelled fields, then its button (`button`: search); on submit, the page `#/<route>`
 * with the query `query` reads from the fields, or, when it reads none (a field refused what was typed, said beside
 * it: date-field.ts), the field refused focused and the page left as it is. Its choices apply on submit only, never on
 * change (review33c N7: a keyboard user's arrow keys through a choice reloaded the page at every option).
 */
export function searchForm(
  route: string,
  labels: readonly HTMLElement[],
  query: () => URLSearchParams | null,
  button: Key = 'search',
): HTMLFormElement {
  return h(
    'form',
    {
      class: 'inline',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const q = query();
        if (q) location.hash = `#/${route}?${q.toString()}`;
        else
          (e.currentTarget as HTMLFormElement).querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      },
      // Enter on a choice applies the form, as on a text field (a choice's own change applies nothing)
      onkeydown: (e: Event) => {
        if ((e as KeyboardEvent).key !== 'Enter' || !(e.target instanceof HTMLSelectElement)) return;
        e.preventDefault();
        (e.currentTarget as HTMLFormElement).requestSubmit();
      },
    },
    ...labels,
    h('button', { type: 'submit', 'data-testid': `${route}-apply` }, t(button)),
  );
}

/**
 * A filtered list page: its head and filter form drawn at once, then what `load` reads into the rest. When the API
 * refuses the filter (400: a value typed in the form, or in the address), the form stays with the user's values and
 * the refusal is said beside it, each field it names marked (review26a F6: the page was replaced by the bare title).
 */
export async function filtered(
  main: HTMLElement,
  head: readonly Child[],
  form: HTMLFormElement,
  load: () => Promise<Child[]>,
): Promise<void> {
  const refusal = h('div', { class: 'error', role: 'alert', 'data-testid': 'filter-error' });
  const body = h('div', {}, h('p', { class: 'muted' }, '…'));
  main.replaceChildren(h('div', {}, ...head), form, refusal, body);
  try {
    body.replaceChildren(h('div', {}, ...(await load())));
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 400) throw err;
    body.replaceChildren();
    refusal.replaceChildren(h('p', {}, err.message), ...err.fields.map((f) => fieldLine(form, f)));
  }
}

/** A field the API refused, by its label in the form (marked invalid) or, not in the form, by its name. */
function fieldLine(form: HTMLFormElement, f: FieldProblem): HTMLElement {
  const name = f.pointer.split('/').pop() ?? '';
  const control = [...form.elements].find((e) => (e as HTMLInputElement).name === name) as
    HTMLInputElement | undefined;
  control?.setAttribute('aria-invalid', 'true');
  const labelText = control?.closest('label')?.firstChild?.textContent ?? name;
  return h('p', { 'data-field': name }, h('strong', {}, labelText), `: ${f.message}`);
}

/**
 * Previous / next buttons and the range shown, for a list paged by offset; `exact`: `total` is the list's whole
 * length (not just one past the page), said after the range ("1–50 trong 9.990", dash10).
 */
export function pager(
  offset: number,
  limit: number,
  total: number,
  go: (offset: number) => void,
  exact = false,
): HTMLElement {
  const range = `${num(offset + 1)}–${num(Math.min(offset + limit, total))}`;
  return h(
    'div',
    { class: 'pager' },
    h(
      'button',
      { class: 'secondary', disabled: offset === 0, onclick: () => go(Math.max(0, offset - limit)) },
      t('previous'),
    ),
    h('span', { class: 'muted' }, exact ? t('rangeOf', { range, total: num(total) }) : range),
    h(
      'button',
      {
        class: 'secondary',
        disabled: offset + limit >= total,
        onclick: () => go(offset + limit),
      },
      t('next'),
    ),
  );
}

export function card(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children);
}

/**
 * A card as wide as the page's grid: its table's columns would be clipped in a part of it (the overview's thirds at
 * 1366–1400 px; walk10 W10-5: a school's batches and sync runs in half of 1280 px).
 */
export function wide(el: HTMLElement): HTMLElement {
  el.classList.add('wide');
  return el;
}

export function stat(labelText: string, value: Child, testid?: string): HTMLElement {
  return h(
    'div',
    { class: 'stat', 'data-testid': testid },
    h('div', { class: 'value' }, value),
    h('div', { class: 'label' }, labelText),
  );
}

/** A moment (ISO) on Vietnam's clock to the minute, as the audit page's (clock.ts stampText): 16:21 05/12/2026. */
export function when(iso: string | null | undefined): string {
  if (!iso || Number.isNaN(Date.parse(iso))) return iso || '—';
  return stampText(iso, currentLang(), 'minute');
}

/**
 * A calendar date ('2026-12-04', e.g. a scorecard's asOf: Vietnam's day it was computed) in the page's language:
 * 04/12/2026 in both vi-VN and en-GB, read as the date it is, not as a moment (its midnight UTC is 07:00 in Vietnam).
 */
export function day(date: string | null | undefined): string {
  if (!date) return '—';
  return new Intl.DateTimeFormat(currentLang() === 'vi' ? 'vi-VN' : 'en-GB', {
    timeZone: 'UTC',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
  }).format(new Date(`${date.slice(0, 10)}T00:00:00Z`));
}

export function num(n: number | null | undefined): string {
  return n === null || n === undefined
    ? '—'
    : new Intl.NumberFormat(currentLang() === 'vi' ? 'vi-VN' : 'en-GB').format(n);
}

/**
 * A ratio (0–1) as a percentage with one decimal in the page's language, cut toward the side its rule judges from
 * (figures.ts): `floor` for a ratio judged "at least", `ceil` for one judged "more than".
 */
export function percent(ratio: number | null | undefined, cut: Cut): string {
  return ratio === null || ratio === undefined ? '—' : ratioText(ratio, currentLang(), cut);
}

/**
 * A pass ratio in the band the server judged it (the scorecards' one rule under the city's configured bands,
 * quality.colourBands: the schools and the scorecards alike), with the figure it judged: its percent, rounded to two
 * decimals, compared with bands the city may set to a hundredth. A figure cut shorter could cross a band's edge this
 * page does not know (ui28: 89.96 % was shown "90.0 %" in amber); bands of the page's own disagreed with the
 * city's (ui29: the schools page's 90/70 beside the scorecards' 90/75). '—' when there is no ratio.
 */
export function ratioBand(r: Ratio | null | undefined): HTMLElement {
  if (!r) return h('span', { class: 'band none' }, '—');
  const cls = r.band === 'yellow' ? 'amber' : r.band;
  return h(
    'span',
    { class: `band ${cls}`, title: `${num(r.passed)} / ${num(r.total)}` },
    percentText(r.percent, currentLang(), 2),
  );
}
