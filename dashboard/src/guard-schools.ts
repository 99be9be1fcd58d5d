/**
 * A held change's schools on its page (fix34a, review33c N1): a held city-wide run is 2,500 schools, each with up to
 * `guard.weighedKeys` codes a kind, and the page loaded and drew all of them at once (megabytes, the page froze). Now
 * the hold's first page of schools (most affected first, `GET /v1/guard/holds/{id}`), more on demand, and a search by
 * school code or among the schools over a threshold (`GET /v1/guard/holds/{id}/schools`). A school whose codes the
 * hold did not all keep (`keysTruncated`) says how many are not listed.
 */
import type { Hold } from './api-types.js';
import { t } from './i18n.js';
import { ApiError, api } from './api.js';
import { card, h, num, table, type Column } from './kit.js';

type SchoolDiff = Hold['diff'][number];

/** Schools a page of the by-school table reads (the API's own default). */
const PAGE = 50;

/** The school-year column, when some row carries one (a classes run's hold); none otherwise. */
export function yearColumn<R extends { schoolYear?: string | undefined }>(rows: readonly R[]) {
  return rows.some((r) => r.schoolYear) ? [{ head: 'schoolYear', cell: (r: R) => r.schoolYear ?? '—' }] : [];
}

/** At most this many codes per list are shown; the rest is counted. */
const SHOWN = 200;

/**
 * A list of codes (at most {@link SHOWN}, the rest counted); `count`, when the hold kept only some of the school's codes
 * (`keysTruncated`): the codes it did not keep are counted too, in words (as `truc holds show` says them).
 */
function codes(list: readonly string[], count?: number): HTMLElement {
  const notListed = count === undefined ? 0 : count - list.length;
  const note =
    notListed > 0
      ? h(
          'span',
          { class: 'muted', 'data-testid': 'codes-not-listed', title: t('codesNotListedHint') },
          ` ${t('codesNotListed', { n: notListed, count: num(notListed) })}`,
        )
      : null;
  if (list.length === 0) return note ?? h('span', { class: 'muted' }, '—');
  const more = list.length > SHOWN ? ` … (+${num(list.length - SHOWN)})` : '';
  return h('span', {}, h('code', { class: 'codes' }, list.slice(0, SHOWN).join(' ') + more), note);
}

/**
 * A sync run's hold, held: a box per school (not `*`, a schools run's city as one) to reject it while the others are
 * approved (the approval's `exceptSchools`); the ticked schools are kept in `except`, across pages and searches.
 */
function exceptColumn(hold: Hold, except: Set<string>): Array<Column<SchoolDiff>> {
  if (hold.status !== 'held' || hold.kind === 'batch') return [];
  const tick = (school: string) => (e: Event) => {
    if ((e.target as HTMLInputElement).checked) except.add(school);
    else except.delete(school);
  };
  return [
    {
      head: 'exceptSchool',
      cell: (d) =>
        d.school === '*'
          ? '—'
          : h('input', {
              type: 'checkbox',
              'data-testid': `guard-except-${d.school}`,
              title: t('exceptHint'),
              checked: except.has(d.school),
              onchange: tick(d.school),
            }),
    },
  ];
}

/**
 * How many of a school's held deletions the application left alone (an approved snapshot's kept records: they stay
 * listed with the held ones, which a reader took for deleted); nothing when none.
 */
function keptNote(list: readonly string[], kept: ReadonlySet<string>): HTMLElement | null {
  const n = kept.size === 0 ? 0 : list.filter((c) => kept.has(c)).length;
  if (n === 0) return null;
  return h('span', { class: 'muted', 'data-testid': 'codes-kept' }, ` ${t('codesKept', { count: num(n) })}`);
}

/** The by-school table's columns: counts, then the codes (those the hold did not keep counted). */
function diffColumns(
  hold: Hold,
  rows: readonly SchoolDiff[],
  except: Set<string>,
): Array<Column<SchoolDiff>> {
  const cut = (d: SchoolDiff, n: number) => (d.keysTruncated ? n : undefined);
  const kept = new Set((hold.kept ?? []).map((k) => k.key));
  const restores = rows.some((d) => (d.restored ?? 0) > 0);
  return [
    ...exceptColumn(hold, except),
    { head: 'school', cell: (d) => d.school },
    ...yearColumn(rows),
    { head: 'live', cell: (d) => num(d.live), num: true },
    { head: 'deletedCount', cell: (d) => num(d.deleted), num: true },
    // a held reconciliation: its own deletions among them (fix33b)
    ...(rows.some((d) => d.reconciled !== undefined)
      ? [{ head: 'reconciledCount', num: true, cell: (d: SchoolDiff) => num(d.reconciled ?? 0) }]
      : []),
    { head: 'movedCount', cell: (d) => num(d.moved), num: true },
    { head: 'changedCount', cell: (d) => num(d.changed), num: true },
    // deleted records brought back (restoreguard: a restore is a change)
    ...(restores
      ? [{ head: 'restoredCount', num: true, cell: (d: SchoolDiff) => num(d.restored ?? 0) }]
      : []),
    {
      head: 'codesDeleted',
      cell: (d) => {
        const list = [...d.keys.deleted, ...d.keys.moved];
        return h('span', {}, codes(list, cut(d, d.deleted + d.moved)), keptNote(list, kept));
      },
    },
    { head: 'codesChanged', cell: (d) => codes(d.keys.changed, cut(d, d.changed)) },
    ...(restores
      ? [
          {
            head: 'codesRestored',
            cell: (d: SchoolDiff) => codes(d.keys.restored ?? [], cut(d, d.restored ?? 0)),
          },
        ]
      : []),
  ];
}

/** What the table shows: the schools read so far, of how many matching the search. */
interface Shown {
  rows: SchoolDiff[];
  total: number;
  school: string;
  over: boolean;
}

/** The search of a hold's schools: a school code (or its start), only the schools over a threshold. */
function searchForm(search: (school: string, over: boolean) => void): HTMLFormElement {
  const school = h('input', { name: 'school', 'data-testid': 'guard-school-search', maxlength: 32 });
  const over = h('input', { type: 'checkbox', name: 'over', 'data-testid': 'guard-over' });
  return h(
    'form',
    {
      class: 'inline',
      onsubmit: (e: Event) => {
        e.preventDefault();
        search(school.value.trim(), over.checked);
      },
    },
    h('label', {}, t('schoolSearch'), school),
    // walk11 W11-7: the box beside its words, not above them
    h('label', { class: 'check' }, over, t('onlyOver')),
    h('button', { type: 'submit', 'data-testid': 'guard-diff-search' }, t('search')),
  );
}

/**
 * A page of the hold's schools from `offset`, as searched; undefined when the API refuses the search (not a school
 * code), said in `refusal` (the table kept).
 */
async function readSchools(
  holdId: number,
  shown: Shown,
  offset: number,
  refusal: HTMLElement,
): Promise<{ total: number; items: SchoolDiff[] } | undefined> {
  const q = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (shown.school) q.set('school', shown.school);
  if (shown.over) q.set('over', 'true');
  try {
    refusal.replaceChildren();
    return await api(`/v1/guard/holds/${holdId}/schools?${q.toString()}`);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 400) throw err;
    refusal.replaceChildren(h('p', {}, [err.message, ...err.fields.map((f) => f.message)].join(' — ')));
    return undefined;
  }
}

/** The hold's schools a page at a time: its first page, then more, or a search (a school code, over a threshold). */
export function schoolsCard(hold: Hold, except: Set<string>): HTMLElement {
  const shown: Shown = { rows: [...hold.diff], total: hold.schools, school: '', over: false };
  const body = h('div', {});
  const refusal = h('div', { class: 'error', role: 'alert', 'data-testid': 'guard-diff-error' });
  /** The next page added to those shown, or (`from` 0: a new search) the first page instead of them. */
  const load = async (from: number): Promise<void> => {
    const page = await readSchools(hold.id, shown, from, refusal);
    if (!page) return;
    shown.rows = [...shown.rows.slice(0, from), ...page.items];
    shown.total = page.total;
    draw();
  };
  const draw = (): void => {
    const left = shown.total - shown.rows.length;
    const more = h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        'data-testid': 'guard-diff-more',
        onclick: () => void load(shown.rows.length),
      },
      `${t('showMore')} (${num(Math.min(PAGE, left))})`,
    );
    body.replaceChildren(
      h(
        'p',
        { class: 'muted', 'data-testid': 'guard-diff-shown' },
        t('schoolsShown', { shown: num(shown.rows.length), count: num(shown.total), n: shown.total }),
      ),
      table(shown.rows, diffColumns(hold, shown.rows, except), { testid: 'guard-diff' }),
      ...(left > 0 ? [more] : []),
    );
  };
  const form = searchForm((school, overOnly) => {
    Object.assign(shown, { school, over: overOnly });
    void load(0);
  });
  draw();
  return card(
    t('bySchool'),
    exceptColumn(hold, except).length > 0 ? h('p', { class: 'muted' }, t('exceptHint')) : null,
    form,
    refusal,
    body,
  );
}
