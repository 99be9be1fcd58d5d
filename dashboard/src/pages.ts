/** The dashboard's pages. Each renders into `main` from the JSON API; nothing here holds personal data. */
import type { DeadLetter, Overview, Schedule, School, SchoolDetail, SyncRun } from './api-types.js';
import { t } from './i18n.js';
import { api, band, card, h, num, percent, seconds, stat, table, when } from './kit.js';
import { websiteCard } from './website.js';

const CRITERIA = ['dung', 'du', 'sach', 'song'] as const;

const CIRCUIT_KEY = { closed: 'circuitClosed', open: 'circuitOpen', 'half-open': 'circuitHalfOpen' } as const;

function circuitBadge(s: Overview['systems'][number]): HTMLElement {
  const cls =
    s.circuit === 'closed' ? (s.pausedUntil ? 'warn' : 'ok') : s.circuit === 'open' ? 'bad' : 'warn';
  const paused = s.pausedUntil
    ? ` — ${t('pausedUntil')} ${when(s.pausedUntil)} (${s.pauseReason ?? ''})`
    : '';
  return h(
    'span',
    { class: `badge ${cls}`, 'data-circuit': s.circuit },
    `${t(CIRCUIT_KEY[s.circuit])}${paused}`,
  );
}

function schedulesCard(items: readonly Schedule[]): HTMLElement {
  return card(
    t('schedules'),
    table(
      items,
      [
        { head: 'schedule', cell: (x) => x.id },
        { head: 'system', cell: (x) => `${x.system} / ${x.entity}${x.full ? ' (full)' : ''}` },
        { head: 'cron', cell: (x) => x.cron ?? (x.everyMs ? `${Math.round(x.everyMs / 1000)} s` : '—') },
        {
          head: 'lastRun',
          cell: (x) => (x.lastRun ? `${when(x.lastRun.fireAt)} (${x.lastRun.outcome})` : '—'),
        },
        { head: 'nextRun', cell: (x) => (x.paused ? '—' : when(x.nextRunAt)) },
        {
          head: 'status',
          cell: (x) =>
            h(
              'span',
              { class: `badge ${x.paused ? 'warn' : 'ok'}` },
              x.paused ? t('paused') : t('scheduleOn'),
            ),
        },
      ],
      { testid: 'schedules' },
    ),
  );
}

export async function overviewPage(main: HTMLElement): Promise<void> {
  const [o, schedules] = await Promise.all([
    api<Overview>('/v1/ops/overview'),
    api<{ items: Schedule[] }>('/v1/schedules').catch(() => ({ items: [] as Schedule[] })),
  ]);
  const openLetters = o.deadLetters.reduce((n, d) => n + d.open, 0);
  const atRisk = o.pcgd.units.filter((u) => u.atRisk).length;
  main.replaceChildren(
    h('h1', {}, t('overview')),
    h(
      'div',
      { class: 'stats' },
      stat(t('deadLetters'), num(openLetters), 'stat-dead-letters'),
      stat(`${t('outbox')} — ${t('pending')}`, num(o.outbox.pending), 'stat-outbox-pending'),
      stat(`${t('outbox')} — ${t('lag')}`, seconds(o.outbox.lagSeconds), 'stat-outbox-lag'),
      stat(`PCGD — ${t('atRisk')}`, num(atRisk), 'stat-pcgd-at-risk'),
    ),
    h(
      'div',
      { class: 'grid' },
      card(
        t('systems'),
        table(
          o.systems,
          [
            { head: 'system', cell: (s) => s.system },
            { head: 'lastSuccess', cell: (s) => when(s.lastSuccessAt) },
            { head: 'lastFailure', cell: (s) => when(s.lastFailureAt) },
            { head: 'errorCode', cell: (s) => s.lastErrorCode ?? '—' },
            { head: 'runs24h', cell: (s) => num(s.runs24h), num: true },
            {
              head: 'errorRate',
              cell: (s) =>
                h(
                  'span',
                  { class: `badge ${s.errorRate24h > 0.2 ? 'bad' : s.errorRate24h > 0 ? 'warn' : 'ok'}` },
                  percent(s.errorRate24h),
                ),
              num: true,
            },
            { head: 'running', cell: (s) => num(s.running), num: true },
            { head: 'circuit', cell: (s) => circuitBadge(s) },
          ],
          { testid: 'systems' },
        ),
      ),
      schedulesCard(schedules.items),
      card(
        t('queues'),
        table(
          o.queues,
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
      ),
      card(
        t('deadLettersByCode'),
        table(
          o.deadLetters,
          [
            { head: 'queue', cell: (d) => d.queue },
            { head: 'errorCode', cell: (d) => d.errorCode },
            { head: 'open', cell: (d) => num(d.open), num: true },
          ],
          {
            testid: 'dead-letters-by-code',
            onRow: (d) =>
              (location.hash = `#/dead-letters?queue=${encodeURIComponent(d.queue)}&errorCode=${encodeURIComponent(d.errorCode)}`),
          },
        ),
      ),
      card(
        `${t('pcgdDeadlines')} ${o.pcgd.year}`,
        table(
          o.pcgd.units,
          [
            { head: 'unit', cell: (u) => u.unitCode },
            { head: 'level', cell: (u) => u.level },
            { head: 'status', cell: (u) => `${u.status} (v${u.version})` },
            { head: 'deadline', cell: (u) => when(u.deadline) },
            { head: 'daysLeft', cell: (u) => num(u.daysLeft), num: true },
            {
              head: 'atRisk',
              cell: (u) => h('span', { class: `badge ${u.atRisk ? 'bad' : 'ok'}` }, u.atRisk ? '!' : '✓'),
            },
          ],
          { testid: 'pcgd-units' },
        ),
      ),
    ),
    h('p', { class: 'muted' }, `${t('generatedAt')} ${when(o.generatedAt)}`),
  );
}

const ratioOf = (s: School, c: string): number | null =>
  s.received > 0 ? Math.max(0, 1 - (s.failing[c] ?? 0) / s.received) : null;

export async function schoolsPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const q = params.get('q') ?? '';
  const offset = Number(params.get('offset') ?? 0) || 0;
  const limit = 50;
  const page = await api<{ total: number; items: School[] }>(
    `/v1/ops/schools?${new URLSearchParams({ q, limit: String(limit), offset: String(offset) }).toString()}`,
  );
  const input = h('input', {
    name: 'q',
    value: q,
    placeholder: t('searchSchools'),
    'data-testid': 'school-search',
  });
  const go = (o: number, query = input.value): void => {
    location.hash = `#/schools?${new URLSearchParams({ q: query, offset: String(o) }).toString()}`;
  };
  main.replaceChildren(
    h('h1', {}, t('schools')),
    h(
      'form',
      {
        class: 'inline',
        onsubmit: (e: Event) => {
          e.preventDefault();
          go(0);
        },
      },
      h('label', {}, t('search'), input),
      h('button', { type: 'submit' }, t('search')),
    ),
    card(
      `${t('total')}: ${num(page.total)}`,
      table(
        page.items,
        [
          { head: 'code', cell: (s) => s.schoolCode },
          { head: 'name', cell: (s) => s.name },
          { head: 'commune', cell: (s) => s.communeCode ?? '—' },
          { head: 'vendorSystem', cell: (s) => s.sourceSystem },
          { head: 'lastSync', cell: (s) => when(s.lastBatchAt ?? s.lastSeenAt) },
          { head: 'students', cell: (s) => num(s.students), num: true },
          { head: 'staff', cell: (s) => num(s.staff), num: true },
          ...CRITERIA.map((c) => ({ head: c, cell: (s: School) => band(ratioOf(s, c)) })),
        ],
        {
          testid: 'schools',
          onRow: (s) => (location.hash = `#/schools/${encodeURIComponent(s.schoolCode)}`),
        },
      ),
      h(
        'div',
        { class: 'pager' },
        h(
          'button',
          { class: 'secondary', disabled: offset === 0, onclick: () => go(Math.max(0, offset - limit), q) },
          t('previous'),
        ),
        h('span', { class: 'muted' }, `${num(offset + 1)}–${num(Math.min(offset + limit, page.total))}`),
        h(
          'button',
          {
            class: 'secondary',
            disabled: offset + limit >= page.total,
            onclick: () => go(offset + limit, q),
          },
          t('next'),
        ),
      ),
    ),
  );
}

const syncRunColumns = [
  { head: '#', cell: (r: SyncRun) => r.id, num: true },
  { head: 'system', cell: (r: SyncRun) => r.system },
  { head: 'entity', cell: (r: SyncRun) => r.entity },
  { head: 'scope', cell: (r: SyncRun) => r.scope || t('all') },
  {
    head: 'status',
    cell: (r: SyncRun) =>
      h(
        'span',
        { class: `badge ${r.status === 'done' ? 'ok' : r.status === 'failed' ? 'bad' : 'warn'}` },
        r.status,
      ),
  },
  { head: 'records', cell: (r: SyncRun) => num(r.records), num: true },
  { head: 'pages', cell: (r: SyncRun) => num(r.pages), num: true },
  { head: 'errorCode', cell: (r: SyncRun) => r.errorCode ?? '—' },
  { head: 'requestedBy', cell: (r: SyncRun) => r.requestedBy },
  { head: 'createdAt', cell: (r: SyncRun) => when(r.createdAt) },
];

export async function schoolPage(main: HTMLElement, code: string): Promise<void> {
  const [d, website] = await Promise.all([
    api<SchoolDetail>(`/v1/ops/schools/${encodeURIComponent(code)}`),
    websiteCard(code),
  ]);
  const s = d.school;
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/schools' }, `← ${t('back')}`)),
    h('h1', { 'data-testid': 'school-title' }, `${s.schoolCode} — ${s.name}`),
    h(
      'div',
      { class: 'stats' },
      stat(t('commune'), s.communeCode ?? '—'),
      stat(t('vendorSystem'), s.sourceSystem),
      stat(t('students'), num(s.students)),
      stat(t('staff'), num(s.staff)),
      stat(t('classes'), num(s.classes)),
      ...CRITERIA.map((c) => stat(t(c), band(ratioOf(s, c)))),
    ),
    h(
      'div',
      { class: 'grid' },
      card(
        t('batches'),
        table(
          d.batches,
          [
            { head: 'createdAt', cell: (b) => when(b.createdAt) },
            { head: 'entity', cell: (b) => b.entity },
            { head: 'status', cell: (b) => b.status },
            { head: 'received', cell: (b) => num(b.received), num: true },
            { head: 'accepted', cell: (b) => num(b.accepted), num: true },
            { head: 'rejected', cell: (b) => num(b.rejected), num: true },
            { head: 'unchanged', cell: (b) => num(b.unchanged), num: true },
            { head: 'errorCode', cell: (b) => b.errorCode ?? '' },
          ],
          { testid: 'school-batches' },
        ),
      ),
      card(
        t('findingsByRule'),
        table(
          d.findingsByRule,
          [
            { head: 'rule', cell: (f) => f.rule },
            { head: 'criterion', cell: (f) => f.criterion },
            { head: 'severity', cell: (f) => f.severity },
            { head: 'findings', cell: (f) => num(f.findings), num: true },
            { head: 'records', cell: (f) => num(f.records), num: true },
          ],
          { testid: 'school-findings' },
        ),
      ),
      card(t('syncRuns'), table(d.syncRuns, syncRunColumns, { testid: 'school-sync-runs' })),
      website,
    ),
  );
}

export async function syncPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const filter = new URLSearchParams();
  for (const k of ['system', 'status']) if (params.get(k)) filter.set(k, params.get(k)!);
  const runs = await api<{ items: SyncRun[] }>(`/v1/ops/sync-runs?${filter.toString()}`);
  const system = h('input', { name: 'system', value: params.get('system') ?? '', placeholder: 'hcm-csdl' });
  const status = h(
    'select',
    { name: 'status' },
    ['', 'queued', 'running', 'done', 'failed', 'held', 'rejected'].map((s) =>
      h('option', { value: s, selected: (params.get('status') ?? '') === s }, s || t('all')),
    ),
  );
  main.replaceChildren(
    h('h1', {}, t('syncRuns')),
    h(
      'form',
      {
        class: 'inline',
        onsubmit: (e: Event) => {
          e.preventDefault();
          const p = new URLSearchParams();
          if (system.value) p.set('system', system.value);
          if (status.value) p.set('status', status.value);
          location.hash = `#/sync?${p.toString()}`;
        },
      },
      h('label', {}, t('system'), system),
      h('label', {}, t('status'), status),
      h('button', { type: 'submit' }, t('search')),
    ),
    card(t('syncRuns'), table(runs.items, syncRunColumns, { testid: 'sync-runs' })),
    h('p', {}, h('a', { href: '#/guard' }, `${t('heldChanges')} →`)),
  );
}

export async function deadLettersPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const filter = new URLSearchParams();
  for (const k of ['queue', 'errorCode', 'includeReplayed']) if (params.get(k)) filter.set(k, params.get(k)!);
  const list = await api<{ items: DeadLetter[] }>(`/v1/dead-letters?${filter.toString()}`);
  const selected = new Set<number>();
  const notice = h('p', { class: 'notice', 'data-testid': 'replay-result' });
  const replay = async (body: Record<string, unknown>, count: number): Promise<void> => {
    if (!confirm(t('confirmReplay', { n: count }))) return;
    const r = await api<{ replayed: number[] }>('/v1/dead-letters/replay', { method: 'POST', body });
    sessionStorage.setItem(
      'truc.notice',
      `${t('replayed')}: ${r.replayed.length} (#${r.replayed.join(', #')})`,
    );
    await deadLettersPage(main, params);
  };
  const queue = h('input', { name: 'queue', value: params.get('queue') ?? '', placeholder: 'push.hcm-csdl' });
  const code = h('input', { name: 'errorCode', value: params.get('errorCode') ?? '', placeholder: 'ERR_…' });
  const replayed = h('input', {
    type: 'checkbox',
    name: 'includeReplayed',
    checked: params.get('includeReplayed') === 'true',
  });
  const bulk = h(
    'button',
    {
      disabled: true,
      'data-testid': 'replay-selected',
      onclick: () => void replay({ ids: [...selected] }, selected.size),
    },
    t('replaySelected'),
  );
  const last = sessionStorage.getItem('truc.notice');
  if (last) {
    notice.textContent = last;
    sessionStorage.removeItem('truc.notice');
  }
  const open = list.items.filter((d) => !d.replayedAt);
  main.replaceChildren(
    h('h1', {}, t('deadLetters')),
    h(
      'form',
      {
        class: 'inline',
        onsubmit: (e: Event) => {
          e.preventDefault();
          const p = new URLSearchParams();
          if (queue.value) p.set('queue', queue.value);
          if (code.value) p.set('errorCode', code.value);
          if (replayed.checked) p.set('includeReplayed', 'true');
          location.hash = `#/dead-letters?${p.toString()}`;
        },
      },
      h('label', {}, t('queue'), queue),
      h('label', {}, t('errorCode'), code),
      h('label', {}, t('includeReplayed'), replayed),
      h('button', { type: 'submit' }, t('search')),
    ),
    notice,
    card(
      `${t('deadLetters')}: ${num(list.items.length)}`,
      h(
        'div',
        { class: 'pager' },
        bulk,
        (params.get('queue') || params.get('errorCode')) && open.length > 0
          ? h(
              'button',
              {
                class: 'secondary',
                'data-testid': 'replay-filter',
                onclick: () =>
                  void replay(
                    {
                      ...(params.get('queue') ? { queue: params.get('queue') } : {}),
                      ...(params.get('errorCode') ? { errorCode: params.get('errorCode') } : {}),
                    },
                    open.length,
                  ),
              },
              t('replayFilter'),
            )
          : null,
      ),
      table(
        list.items,
        [
          {
            head: '',
            cell: (d) =>
              d.replayedAt
                ? ''
                : h('input', {
                    type: 'checkbox',
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
          { head: 'errorCode', cell: (d) => d.errorCode },
          { head: 'message', cell: (d) => h('span', { title: d.errorMessage }, d.errorMessage.slice(0, 80)) },
          {
            head: 'refs',
            cell: (d) =>
              Object.entries(d.refs)
                .map(([k, v]) => `${k}=${v}`)
                .join(' '),
          },
          { head: 'attempts', cell: (d) => num(d.attempts), num: true },
          { head: 'failedAt', cell: (d) => when(d.failedAt) },
          {
            head: 'replay',
            cell: (d) =>
              d.replayedAt
                ? h('span', { class: 'muted' }, `${t('replayed')} ${when(d.replayedAt)}`)
                : h(
                    'button',
                    { 'data-testid': `replay-${d.id}`, onclick: () => void replay({ ids: [d.id] }, 1) },
                    t('replay'),
                  ),
          },
        ],
        { testid: 'dead-letters' },
      ),
    ),
  );
}

export async function auditPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const filter = new URLSearchParams();
  for (const k of ['actor', 'action', 'subject', 'from', 'to'])
    if (params.get(k)) filter.set(k, params.get(k)!);
  const rows = await api<{
    items: Array<{
      seq: number;
      at: string;
      actor: string;
      action: string;
      subject: string | null;
      details: unknown;
    }>;
  }>(`/v1/audit?${filter.toString()}`);
  const field = (name: string, type = 'text'): HTMLInputElement =>
    h('input', {
      name,
      type,
      value: type === 'datetime-local' ? (params.get(name) ?? '').slice(0, 16) : (params.get(name) ?? ''),
    });
  const inputs = {
    actor: field('actor'),
    action: field('action'),
    subject: field('subject'),
    from: field('from', 'datetime-local'),
    to: field('to', 'datetime-local'),
  };
  const verdict = h('span', { 'data-testid': 'audit-verify-result' });
  main.replaceChildren(
    h('h1', {}, t('audit')),
    h(
      'form',
      {
        class: 'inline',
        onsubmit: (e: Event) => {
          e.preventDefault();
          const p = new URLSearchParams();
          for (const [k, el] of Object.entries(inputs)) {
            if (!el.value) continue;
            p.set(k, el.type === 'datetime-local' ? new Date(el.value).toISOString() : el.value);
          }
          location.hash = `#/audit?${p.toString()}`;
        },
      },
      ...Object.entries(inputs).map(([k, el]) => h('label', {}, t(k as 'actor'), el)),
      h('button', { type: 'submit' }, t('search')),
    ),
    h(
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
            ).then((r) => {
              verdict.className = `badge ${r.ok ? 'ok' : 'bad'}`;
              verdict.textContent = r.ok
                ? `${t('chainOk')} (${num(r.rows)} ${t('rows')})`
                : `${t('chainBroken')} ${r.brokenAt} (${r.reason})`;
            }),
        },
        t('verifyChain'),
      ),
      ' ',
      verdict,
    ),
    card(
      t('audit'),
      table(
        rows.items,
        [
          { head: '#', cell: (r) => r.seq, num: true },
          { head: 'createdAt', cell: (r) => when(r.at) },
          { head: 'actor', cell: (r) => r.actor },
          { head: 'action', cell: (r) => r.action },
          { head: 'subject', cell: (r) => r.subject ?? '' },
          { head: 'details', cell: (r) => JSON.stringify(r.details).slice(0, 160) },
        ],
        { testid: 'audit-rows' },
      ),
    ),
  );
}
