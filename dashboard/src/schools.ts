/** The schools: the searchable list with each criterion's band, and one school's page. */
import type { School, SchoolDetail } from './api-types.js';
import { currentLang, t } from './i18n.js';
import { api, linkOr, may, openable } from './api.js';
import {
  card,
  type Column,
  filtered,
  h,
  num,
  pager,
  ratioBand,
  searchForm,
  stat,
  table,
  when,
  wide,
} from './kit.js';
import { syncRunColumns } from './sync.js';
import { websiteCard } from './website.js';
import { letterLinks } from './delivery-letters.js';
import { criterionText, entityText, errorCode, ruleText, statusBadge } from './words.js';

const CRITERIA = ['dung', 'du', 'sach', 'song'] as const;

/**
 * The schools list, searched (`q`) and, from a commune's scorecard, of that commune alone (`commune`: its code exactly,
 * where a search for it also finds a school whose code or name holds those digits: polish6).
 */
export async function schoolsPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const q = params.get('q') ?? '';
  const commune = params.get('commune') ?? '';
  const offset = Number(params.get('offset') ?? 0) || 0;
  const limit = 50;
  const input = h('input', {
    name: 'q',
    value: q,
    placeholder: t('searchSchools'),
    'data-testid': 'school-search',
  });
  const queryAt = (o: number, query = input.value) =>
    new URLSearchParams({ q: query, ...(commune ? { commune } : {}), offset: String(o) });
  const go = (o: number, query = input.value): void => {
    location.hash = `#/schools?${queryAt(o, query).toString()}`;
  };
  const form = searchForm('schools', [h('label', {}, t('search'), input)], () => queryAt(0));
  const head = [h('h1', {}, t('schools')), ...(commune ? [communeFilter(commune)] : [])];
  await filtered(main, head, form, async () => {
    const query = { q, commune, limit: String(limit), offset: String(offset) };
    const page = await api<{ total: number; items: School[] }>(
      `/v1/ops/schools?${new URLSearchParams(query).toString()}`,
    );
    return [schoolsCard(page, offset, limit, (o) => go(o, q), commune)];
  });
}

/** The list is of one commune: said, with a way back to every school. */
const communeFilter = (code: string): HTMLElement =>
  h(
    'p',
    { 'data-testid': 'commune-filter' },
    t('communeFilter', { code }),
    ' ',
    h('a', { href: '#/schools' }, `${t('allSchools')} →`),
  );

/** The page of schools found, with each criterion's band, and the pager. */
function schoolsCard(
  page: { total: number; items: School[] },
  offset: number,
  limit: number,
  go: (offset: number) => void,
  commune: string,
): HTMLElement {
  return card(
    `${t('total')}: ${num(page.total)}`,
    table(
      page.items,
      [
        { head: 'code', cell: (s) => s.schoolCode },
        { head: 'name', cell: (s) => s.name },
        { head: 'commune', cell: (s) => s.communeCode ?? '—' },
        { head: 'vendorSystem', cell: (s) => s.schoolSystem ?? '—' },
        { head: 'lastSync', cell: (s) => when(s.lastBatchAt ?? s.lastSeenAt) },
        { head: 'students', cell: (s) => num(s.students), num: true },
        { head: 'staff', cell: (s) => num(s.staff), num: true },
        ...CRITERIA.map((c) => ({ head: c, cell: (s: School) => ratioBand(s.criteria[c]) })),
      ],
      {
        testid: 'schools',
        href: (s) => `#/schools/${encodeURIComponent(s.schoolCode)}`,
      },
    ),
    criteriaHint(commune),
    pager(offset, limit, page.total, go),
  );
}

/**
 * What the criteria columns are (walk5 W5-9): records received in 30 days, not the scorecard; a link to it: the
 * commune's own (the Quality page's unit view) when the school or the list has one (polish6), else the Quality page.
 */
const criteriaHint = (commune?: string | null): HTMLElement =>
  h(
    'p',
    { class: 'muted', 'data-testid': 'criteria-hint' },
    t('criteriaHint'),
    openable('#/quality')
      ? [
          ' ',
          commune
            ? h(
                'a',
                { href: `#/quality?${new URLSearchParams({ level: 'commune', code: commune }).toString()}` },
                `${t('communeScorecard', { code: commune })} →`,
              )
            : h('a', { href: '#/quality' }, `${t('quality')} →`),
        ]
      : [],
  );

export async function schoolPage(main: HTMLElement, code: string): Promise<void> {
  const d = await api<SchoolDetail>(`/v1/ops/schools/${encodeURIComponent(code)}`);
  // its website's probe is asked for only when there is one (a 404 before it was a console error: words5)
  // and only by a session that may read it (quality:read; dash6: a custom admin client without it met a 403)
  const website = may('quality:read') ? await websiteCard(code, d.websiteProbedAt !== null) : [];
  const s = d.school;
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/schools' }, `← ${t('back')}`)),
    ...(s ? schoolHead(s) : notListedHead(code)),
    h(
      'div',
      { class: 'grid' },
      // walk10 W10-5: the tables as wide as the page: in half of 1280 px a batch's last columns (held, error code, dead
      // letters), a run's requester and time and a rule's counts were cut off
      wide(card(t('batches'), table(d.batches, batchColumns(), { testid: 'school-batches' }))),
      wide(card(t('findingsByRule'), table(d.findingsByRule, ruleColumns, { testid: 'school-findings' }))),
      wide(
        card(t('syncRuns'), table(d.syncRuns, syncRunColumns, { testid: 'school-sync-runs', stack: true })),
      ),
      website,
    ),
  );
}

type ListedSchool = NonNullable<SchoolDetail['school']>;

/** A listed school's title, figures and what the criteria columns are. */
const schoolHead = (s: ListedSchool): HTMLElement[] => [
  h('h1', { 'data-testid': 'school-title' }, `${s.schoolCode} — ${s.name}`),
  h(
    'div',
    { class: 'stats' },
    stat(t('commune'), s.communeCode ?? '—'),
    stat(t('vendorSystem'), schoolSystemText(s)),
    stat(t('recordSource'), s.sourceSystem),
    stat(t('students'), num(s.students)),
    stat(t('staff'), num(s.staff)),
    stat(t('classes'), num(s.classes)),
    ...CRITERIA.map((c) => stat(t(c), ratioBand(s.criteria[c]))),
  ),
  criteriaHint(s.communeCode),
];

/**
 * A code truc's school list lacks but holds batches or records of (walk9 W9-1: the page was a 404, hiding the
 * batches): its code and a banner saying so; its batches, findings and sync runs follow as for any school.
 */
const notListedHead = (code: string): HTMLElement[] => [
  h('h1', { 'data-testid': 'school-title' }, code),
  h('p', { class: 'notice', 'data-testid': 'school-not-listed' }, t('schoolNotListed')),
];

type SchoolBatch = SchoolDetail['batches'][number];

/** A batch: a link to its page (dash9 item 3: counts, deliveries, findings), its counts, what it changed, its letters. */
const batchColumns = (): Column<SchoolBatch>[] => [
  { head: 'createdAt', cell: batchLink },
  { head: 'entity', cell: (b) => entityText(b.entity) },
  { head: 'status', cell: (b) => statusBadge(b.status) },
  { head: 'received', cell: (b) => num(b.received), num: true },
  { head: 'accepted', cell: (b) => num(b.accepted), num: true },
  { head: 'rejected', cell: (b) => num(b.rejected), num: true },
  { head: 'unchanged', cell: (b) => num(b.unchanged), num: true },
  ...batchChangeColumns,
  { head: 'errorCode', cell: (b) => errorCode(b.errorCode) },
  { head: 'deadLetters', cell: batchLetters },
];

/** A rule of the school's findings: code and title, criterion, severity, findings and records. */
const ruleColumns: Column<SchoolDetail['findingsByRule'][number]>[] = [
  { head: 'rule', cell: ruleText },
  { head: 'criterion', cell: (f) => criterionText(f.criterion) },
  { head: 'severity', cell: (f) => statusBadge(f.severity) },
  { head: 'findings', cell: (f) => num(f.findings), num: true },
  { head: 'records', cell: (f) => num(f.records), num: true },
];

/**
 * What each batch did beyond its counts (walk5 W5-7): a snapshot and how many records it deleted, and whether the
 * mass-change guard held it and what a city admin decided, linking to the hold's page.
 */
const batchChangeColumns: Column<SchoolBatch>[] = [
  {
    head: 'batchMode',
    cell: (b) => h('span', { 'data-mode': b.mode }, t(b.mode === 'snapshot' ? 'modeSnapshot' : 'modeDelta')),
  },
  { head: 'batchDeleted', cell: (b) => num(b.deleted), num: true },
  {
    head: 'batchGuard',
    cell: (b) =>
      b.guard
        ? linkOr(
            `#/guard/${b.guard.holdId}`,
            [
              statusBadge(b.guard.status),
              ` #${b.guard.holdId}${b.guard.decidedAt ? ` ${when(b.guard.decidedAt)}` : ''}`,
            ],
            { 'data-testid': 'school-batch-hold' },
            'span',
          )
        : '—',
  },
];

/** A batch by when it was received, a link to its page when the session may read it (./batch.ts). */
const batchLink = (b: SchoolBatch): HTMLElement | string =>
  linkOr(`#/batches/${encodeURIComponent(b.id)}`, when(b.createdAt), { 'data-testid': 'school-batch-link' });

/** A batch's dead letters, where its delivery to a target failed for good: each a link to replay it (vendor6). */
function batchLetters(b: SchoolBatch): HTMLElement | string {
  const links = letterLinks(b.deliveries, currentLang());
  if (links.length === 0) return '—';
  return h(
    'span',
    {},
    ...links.map((l) =>
      h('a', { href: l.href, title: l.title, 'data-testid': 'school-batch-letter' }, l.text),
    ),
  );
}

/**
 * The system serving a school and, when a city admin set it, who, by name as it was when they set it (fix37a), the
 * id in its tooltip.
 */
function schoolSystemText(s: ListedSchool): HTMLElement | string {
  if (!s.schoolSystem) return '—';
  if (!s.schoolSystemSetBy) return s.schoolSystem;
  return h(
    'span',
    {},
    s.schoolSystem,
    h(
      'div',
      { class: 'by', title: s.schoolSystemSetById ?? undefined, 'data-testid': 'school-system-set-by' },
      `${t('setBy')} ${s.schoolSystemSetBy}`,
    ),
  );
}
