/**
 * The dashboard's session (its token, role and scopes, kept in sessionStorage; the page to return to when it ended
 * by itself) and its client of the JSON API: problem documents become ApiErrors in the page's language.
 */
import { currentLang, problemText, t } from './i18n.js';
import { opens } from './pages.js';

export interface Session {
  token: string;
  clientId: string;
  role: string;
  scopes: string[];
  expiresAt: number;
}

const KEY = 'truc.session';
/** Set when a session ended by itself (its token expired or was refused), for the sign-in page to say so. */
const ENDED = 'truc.session-ended';

/** The page a session that ended by itself was on (review33c N5), for the sign-in to return to (return-to.ts). */
const RETURN = 'truc.return';

/** Whether the session holds `scope`: a part of a page that needs more than its page (a school's website card). */
export const may = (scope: string): boolean => session()?.scopes.includes(scope) ?? false;

/** `href` when the session's scopes open its page (./pages.ts `opens`), else undefined: no link to a refusal. */
export const openable = (href: string): string | undefined =>
  opens(href, session()?.scopes ?? []) ? href : undefined;

/** What {@link linkOr} links: a text, an element, or several. */
export type Linkable = Node | string | Array<Node | string>;

/**
 * `content` a link to `href` (with `attrs`) for a session that may open it, else `content` as it is: one rule for
 * "a link when there is something to open, plain text otherwise". No `href` (null): nothing to open. `otherwise: 'span'`
 * keeps `attrs` but `href` on a span when no link (a badge keeps its look, a test its testid).
 */
export function linkOr<C extends Linkable>(
  href: string | null | undefined,
  content: C,
  attrs: Record<string, string> = {},
  otherwise: 'text' | 'span' = 'text',
): C | HTMLElement {
  const to = href ? openable(href) : undefined;
  if (to === undefined && otherwise === 'text') return content;
  const el = document.createElement(to === undefined ? 'span' : 'a');
  if (to !== undefined) el.setAttribute('href', to);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...(Array.isArray(content) ? content : [content]));
  return el;
}

/** Keeps the page shown now (the address's hash) as the one to return to after signing in again. */
export function rememberPage(): void {
  if (!/^#\/?signin/.test(location.hash)) sessionStorage.setItem(RETURN, location.hash);
}

/** The page kept to return to, forgotten once read (asked at sign-in, or forgotten at a deliberate sign-out). */
export function keptPage(): string | null {
  const kept = sessionStorage.getItem(RETURN);
  sessionStorage.removeItem(RETURN);
  return kept;
}

/** Whether the last session ended by itself since the sign-in page last asked (review33c F6); asked once. */
export function sessionEnded(): boolean {
  const ended = sessionStorage.getItem(ENDED) !== null;
  sessionStorage.removeItem(ENDED);
  return ended;
}

export function session(): Session | undefined {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return undefined;
  const s = JSON.parse(raw) as Session;
  if (s.expiresAt <= Date.now()) {
    sessionStorage.removeItem(KEY);
    sessionStorage.setItem(ENDED, '1');
    return undefined;
  }
  return s;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

/** The claims of a JWT (no verification: the server verifies; this only reads role and scopes). */
function claims(token: string): { sub?: string; role?: string; scope?: string } {
  const part = token.split('.')[1] ?? '';
  const json = atob(
    part
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(part.length / 4) * 4, '='),
  );
  return JSON.parse(decodeURIComponent(escape(json))) as { sub?: string; role?: string; scope?: string };
}

/** A field the API named in its refusal (a problem's `errors[]`: JSON pointer, rule, message in both languages). */
export interface FieldProblem {
  pointer: string;
  rule: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: readonly FieldProblem[] = [],
  ) {
    super(message);
  }
}

/**
 * fetch, a failure to reach the server said in words (review33c F3: the page showed the browser's "Failed to fetch",
 * and a button's call that failed so said nothing outside the browser's console).
 */
async function reach(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init);
  } catch {
    throw new ApiError(0, t('apiUnreachable'));
  }
}

export async function signIn(clientId: string, clientSecret: string): Promise<Session> {
  const res = await reach('/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': currentLang() },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    }),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number };
  if (!res.ok || !body.access_token)
    throw new ApiError(res.status, problemText(body as never) || t('signInFailed'));
  const c = claims(body.access_token);
  const s: Session = {
    token: body.access_token,
    clientId,
    role: c.role ?? '',
    scopes: (c.scope ?? '').split(' ').filter(Boolean),
    expiresAt: Date.now() + (body.expires_in ?? 900) * 1000 - 10_000,
  };
  sessionStorage.setItem(KEY, JSON.stringify(s));
  return s;
}

/** The render drawing the page now (./main.ts): its reads are aborted when a newer render starts. */
let drawing: AbortSignal | undefined;

/** The reads `api` makes from now on belong to the render of `signal` (a newer render aborts them). */
export function readsOf(signal: AbortSignal): void {
  drawing = signal;
}

/**
 * Calls the JSON API with the session's token; problem documents become ApiErrors in the current language. A read (GET)
 * is the page's: a newer render aborts it (dash6: an older render's answer brought its page back); a write is never
 * aborted (it may have been done: the admin is told its outcome).
 */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const s = session();
  const method = init.method ?? 'GET';
  const res = await reach(path, {
    method,
    ...(method === 'GET' && drawing ? { signal: drawing } : {}),
    headers: {
      accept: 'application/json',
      'accept-language': currentLang(),
      ...(s ? { authorization: `Bearer ${s.token}` } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : null,
  });
  if (res.status === 401) {
    // A page's calls refused together (its own, the header's GET /v1/me): the first ends the session, says so once.
    if (sessionStorage.getItem(KEY) !== null) {
      signOut();
      sessionStorage.setItem(ENDED, '1');
      rememberPage();
    }
    location.hash = '#/signin';
    throw new ApiError(401, t('signInFailed'));
  }
  const body = (await res.json().catch(() => ({}))) as unknown;
  if (!res.ok) {
    const fields = (body as { errors?: FieldProblem[] }).errors ?? [];
    // a problem document in its words; an answer without one (a proxy's 502 page) said in the page's
    throw new ApiError(
      res.status,
      problemText(body as never) || t('apiFailed', { status: res.status }),
      fields,
    );
  }
  return body as T;
}
