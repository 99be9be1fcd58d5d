/**
 * What a client the dashboard has no page for sees (walk5 W5-8: a PCGD officer or a vendor landed on the audit page
 * and met two 403s): that no page is theirs, the scopes that open each, and where their work is done instead (the
 * API and its documentation, README). Asks the API nothing.
 */
import { t, type Key } from './i18n.js';
import { type Session } from './api.js';
import { h } from './kit.js';
import { pagesByScope } from './pages.js';
import { roleText } from './words.js';

/** Where a role without a page does its work, beside the API's documentation. */
const INSTEAD: Readonly<Record<string, Key>> = { 'pcgd-officer': 'noPagePcgd', vendor: 'noPageVendor' };

export function noPage(s: Session): HTMLElement {
  const instead = Object.hasOwn(INSTEAD, s.role) ? ` ${t(INSTEAD[s.role]!)}` : '';
  return h(
    'section',
    { class: 'card', 'data-testid': 'no-page' },
    h('h1', {}, t('noPageTitle')),
    h('p', {}, t('noPageScopes', { role: roleText(s.role), scopes: s.scopes.join(', ') || '—' })),
    h(
      'ul',
      {},
      pagesByScope().map(({ scopes, keys }) =>
        h(
          'li',
          { 'data-scope': scopes.join('+') },
          ...scopes.flatMap((scope, i) => (i === 0 ? [h('code', {}, scope)] : [' + ', h('code', {}, scope)])),
          `: ${keys.map((k) => t(k)).join(', ')}`,
        ),
      ),
    ),
    h(
      'p',
      { 'data-testid': 'no-page-instead' },
      t('noPageApi'),
      ' ',
      h('a', { href: '/docs' }, '/docs'),
      `.${instead}`,
    ),
    h('p', {}, t('noPageAsk')),
  );
}
