/** The truc operations dashboard: sign-in, a header, and hash-routed pages over the JSON API. */
import { currentLang, setLang, t } from './i18n.js';
import { ApiError, keptPage, readsOf, rememberPage, session, sessionEnded, signIn, signOut } from './api.js';
import { h } from './kit.js';
import { allowedPages, landingRoute, shownPage, type NavPage } from './pages.js';
import { noPage } from './no-page.js';
import { guardPage } from './guard.js';
import { guardHoldPage } from './guard-hold.js';
import { qualityPage } from './quality.js';
import { auditPage } from './audit.js';
import { deadLettersPage } from './dead-letters.js';
import { overviewPage } from './overview.js';
import { schoolPage, schoolsPage } from './schools.js';
import { syncPage } from './sync.js';
import { syncRunPage } from './sync-run.js';
import { batchPage } from './batch.js';
import { whoIsSignedIn } from './me.js';

function signInPage(root: HTMLElement): void {
  // review33c F6: a session that ended by itself (token expired or refused) led here without a word
  const error = h(
    'p',
    { class: 'error', role: 'alert', 'data-testid': 'signin-error' },
    sessionEnded() ? t('sessionEnded') : '',
  );
  const id = h('input', {
    name: 'client_id',
    autocomplete: 'username',
    required: true,
    'data-testid': 'client-id',
  });
  const secret = h('input', {
    name: 'client_secret',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    'data-testid': 'client-secret',
  });
  root.replaceChildren(
    h(
      'div',
      { class: 'signin card' },
      h('h1', {}, `truc — ${t('appName')}`),
      h('p', { class: 'muted' }, t('signInHint')),
      h(
        'form',
        {
          onsubmit: (e: Event) => {
            e.preventDefault();
            error.textContent = '';
            signIn(id.value.trim(), secret.value).then(
              (s) => {
                // review33c N5: back to the page (and its filters) a session that ended by itself was on; else the
                // first page its scopes allow (walk5 W5-8: a PCGD officer or a vendor was sent to the audit's 403s)
                const before = location.hash;
                location.hash = landingRoute(keptPage(), s.scopes);
                // A changed address renders by its hashchange; rendering here too asked every API of the first page
                // twice at once (flaky37: two overviews for each sign-in, on a loaded machine past a test's 30 s wait).
                if (location.hash === before) void render();
              },
              (err: unknown) => (error.textContent = err instanceof Error ? err.message : String(err)),
            );
          },
        },
        h('label', {}, t('clientId'), id),
        h('label', {}, t('clientSecret'), secret),
        h('button', { type: 'submit', 'data-testid': 'signin-submit' }, t('signIn')),
        error,
      ),
      langButton('secondary'),
    ),
  );
}

function langButton(cls = ''): HTMLElement {
  return h(
    'button',
    {
      class: cls,
      type: 'button',
      'data-testid': 'lang',
      onclick: () => {
        setLang(currentLang() === 'vi' ? 'en' : 'vi');
        void render();
      },
    },
    t('language'),
  );
}

/**
 * The bar above every page: the pages the session may see (`current` marked), who is signed in (`who`: the client's
 * display name as every list names it, walk2 F5, its id in the tooltip; ./me.ts).
 */
function header(allowed: readonly NavPage[], current: string, who: HTMLElement): HTMLElement {
  return h(
    'header',
    {},
    h('span', { class: 'brand' }, 'truc'),
    h(
      'nav',
      {},
      allowed.map((n) =>
        h('a', { href: `#/${n.path}`, class: n.path === current ? 'active' : undefined }, t(n.key)),
      ),
    ),
    who,
    langButton(),
    h(
      'button',
      {
        type: 'button',
        onclick: () => {
          signOut();
          keptPage(); // a deliberate sign-out returns to no page: the next to sign in may be someone else
          location.hash = '#/signin';
        },
      },
      t('signOut'),
    ),
  );
}

/** Fills `main` with page `current` (`arg`: the one school, hold, batch or sync run it shows); a refusal or failure is said there. */
async function showPage(
  main: HTMLElement,
  current: string,
  arg: string | undefined,
  params: URLSearchParams,
  drawn: AbortSignal,
): Promise<void> {
  try {
    switch (current) {
      case 'overview':
        return await overviewPage(main);
      case 'schools':
        return arg ? await schoolPage(main, decodeURIComponent(arg)) : await schoolsPage(main, params);
      case 'quality':
        return await qualityPage(main, params);
      case 'sync':
        return arg ? await syncRunPage(main, decodeURIComponent(arg), params) : await syncPage(main, params);
      case 'guard':
        return arg ? await guardHoldPage(main, decodeURIComponent(arg)) : await guardPage(main, params);
      case 'batches':
        return await batchPage(main, arg === undefined ? undefined : decodeURIComponent(arg), params);
      case 'dead-letters':
        return await deadLettersPage(main, params);
      case 'audit':
        return await auditPage(main, params);
      default:
        main.replaceChildren(h('p', {}, '404'));
    }
  } catch (err) {
    if (drawn.aborted) return; // a newer render draws the page: this one's failure is no one's
    const forbidden = err instanceof ApiError && err.status === 403;
    main.replaceChildren(
      h(
        'p',
        { class: 'error', role: 'alert' },
        forbidden ? t('forbidden') : err instanceof Error ? err.message : String(err),
      ),
    );
  }
}

/** The render drawing the page now: a newer one aborts it (its reads, and what it would still draw). */
let drawing: AbortController | undefined;

/**
 * Draws the address's page. A newer render wins (dash6): an older one still waiting (on GET /v1/me, a page's reads) is
 * aborted, its reads cancelled and its answers dropped, so a quick click after a language switch or a page change
 * cannot bring the older page back over the newer one.
 */
async function render(): Promise<void> {
  drawing?.abort();
  const ctl = new AbortController();
  drawing = ctl;
  readsOf(ctl.signal);
  const root = document.getElementById('app')!;
  document.documentElement.lang = currentLang();
  const s = session();
  const [path = '', query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  if (!s || path === 'signin') {
    // the page asked for without a session (it ended, or a link was opened): where the sign-in returns to
    if (!s && path !== 'signin' && path !== '') rememberPage();
    signInPage(root);
    return;
  }
  const params = new URLSearchParams(query);
  const [page = '', arg] = path.split('/');
  const shown = shownPage(page, s.scopes);
  const current = 'page' in shown ? shown.page : shown.refused === 'noPage' ? 'none' : page;
  const main = h('main', { 'data-testid': `page-${current}` }, h('p', { class: 'muted' }, '…'));
  const who = await whoIsSignedIn(s);
  if (ctl.signal.aborted) return;
  root.replaceChildren(header(allowedPages(s.scopes), current, who), main);
  // a page the session's scopes do not open is said so without asking the API what it would refuse (walk5 W5-8)
  if ('page' in shown) await showPage(main, current, arg, params, ctl.signal);
  else if (shown.refused === 'noPage') main.replaceChildren(noPage(s));
  else main.replaceChildren(h('p', { class: 'error', role: 'alert' }, t('forbidden')));
}

window.addEventListener('hashchange', () => void render());
void render();
