/** The audit trail: the filtered list and a check of the hash chain. */
import { detailLines } from './audit-details.js';
import { actionWords } from './audit-words.js';
import { stampText } from './clock.js';
import { dateRange } from './date-field.js';
import { currentLang, t } from './i18n.js';
import { api } from './api.js';
import { card, filtered, h, num, pager, searchForm, table } from './kit.js';
import { actionText } from './words.js';

interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  actorName: string | null;
  action: string;
  subject: string | null;
  details: unknown;
}

/** Entries a page shows (the API's default, 100; it takes up to 500). */
const PAGE = 100;

export async function auditPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const filter = new URLSearchParams();
  for (const k of ['actor', 'action', 'subject', 'from', 'to'])
    if (params.get(k)) filter.set(k, params.get(k)!);
  const offset = Math.max(0, Number(params.get('offset') ?? 0) || 0);
  const go = (o: number): void => {
    const p = new URLSearchParams(filter);
    if (o > 0) p.set('offset', String(o));
    location.hash = `#/audit?${p.toString()}`;
  };
  // fix32b: the actions the API's search takes (those truc writes and older ones the log holds), asked of it
  const actions = await api<{ items: string[] }>('/v1/audit/actions').then(
    (r) => r.items,
    () => [],
  );
  await filtered(main, [h('h1', {}, t('audit'))], filterForm(params, actions), async () => {
    // review33c F4: the newest 100 were all the page showed, no way to older entries. The API counts no total: one
    // entry more than a page is asked for, whether there is a next page.
    const query = new URLSearchParams([...filter, ['limit', String(PAGE + 1)], ['offset', String(offset)]]);
    const rows = await api<{ items: AuditRow[] }>(`/v1/audit?${query.toString()}`);
    const more = rows.items.length > PAGE;
    rows.items.splice(PAGE);
    return [
      verifyChain(),
      card(
        t('audit'),
        table(
          rows.items,
          [
            { head: '#', cell: (r) => r.seq, num: true },
            {
              head: 'createdAt',
              cell: (r) => h('span', { title: r.at, 'data-at': r.at }, stampText(r.at, currentLang())),
            },
            {
              head: 'actor',
              // by name as it was when recorded (fix36b), the id in its tooltip; the id when no name was kept
              cell: (r) =>
                r.actorName
                  ? h('span', { title: r.actor, 'data-testid': 'actor-name' }, r.actorName)
                  : r.actor,
            },
            { head: 'action', cell: (r) => actionText(r.action) },
            { head: 'subject', cell: (r) => r.subject ?? '' },
            {
              head: 'details',
              cell: (r) =>
                h(
                  'div',
                  { class: 'details', 'data-testid': 'audit-details' },
                  detailLines(r.details).map((l) => h('div', {}, l)),
                ),
            },
          ],
          { testid: 'audit-rows' },
        ),
        offset > 0 || more ? pager(offset, PAGE, offset + rows.items.length + (more ? 1 : 0), go) : null,
      ),
    ];
  });
}

function filterForm(params: URLSearchParams, searchable: readonly string[]): HTMLFormElement {
  const field = (name: string): HTMLInputElement => h('input', { name, value: params.get(name) ?? '' });
  // fix31b: the actions the search takes offered as the action is typed (a mistyped one is refused by the API, said
  // beside the form); fix32b: the API's set, older names the log holds among them.
  const action = field('action');
  action.setAttribute('list', 'audit-actions');
  const actions = h(
    'datalist',
    { id: 'audit-actions' },
    searchable.map((a) => h('option', { value: a }, actionWords(a, currentLang()) ?? a)),
  );
  const inputs = { actor: field('actor'), action, subject: field('subject') };
  // from and to on Vietnam's clock, as the rows' times are shown (ui29), day first whatever the browser (dash14)
  const dates = dateRange(params);
  return searchForm(
    'audit',
    [
      ...Object.entries(inputs).map(([k, el]) =>
        h('label', {}, t(k as 'actor'), el, k === 'action' ? actions : null),
      ),
      ...dates.labels,
    ],
    () => {
      const p = new URLSearchParams();
      for (const [k, el] of Object.entries(inputs)) if (el.value) p.set(k, el.value);
      return dates.addTo(p) ? p : null;
    },
  );
}

/** The "verify the chain" button and its verdict. */
function verifyChain(): HTMLElement {
  const verdict = h('span', { 'data-testid': 'audit-verify-result' });
  return h(
    'p',
    {},
    h(
      'button',
      {
        class: 'secondary',
        'data-testid': 'audit-verify',
        onclick: () =>
          void api<{ ok: boolean; rows: number; brokenAt: number | null; reason: string | null }>(
            '/v1/audit/verify',
          ).then(
            (r) => {
              verdict.className = `badge ${r.ok ? 'ok' : 'bad'}`;
              verdict.textContent = r.ok
                ? `${t('chainOk')} (${num(r.rows)} ${t('rows', { n: r.rows })})`
                : `${t('chainBroken')} ${r.brokenAt} (${r.reason})`;
            },
            // review33c F3: a failed check said nothing outside the browser's console
            (err: unknown) => {
              verdict.className = 'error';
              verdict.setAttribute('role', 'alert');
              verdict.textContent = err instanceof Error ? err.message : String(err);
            },
          ),
      },
      t('verifyChain'),
    ),
    ' ',
    verdict,
  );
}
