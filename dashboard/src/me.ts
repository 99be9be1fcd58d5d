/**
 * Who is signed in, by name (walk2 F5): the header named the client by its id while every list named it by its
 * display name. The token carries no name, so GET /v1/me is asked at each page the dashboard draws, and its answer
 * kept beside the session (sessionStorage, keyed by the session: a new sign-in asks before it names anyone). The
 * kept name draws the header at once; the answer names the client anew when an admin renamed it since (tidy: the
 * name was asked once a session, so a renamed client was named as before until it signed in again).
 */
import type { Me } from './api-types.js';
import { api, type Session } from './api.js';
import { h } from './kit.js';
import { roleText } from './words.js';

const KEY = 'truc.me';

interface Kept {
  clientId: string;
  expiresAt: number;
  name: string;
}

const keptFor = (s: Session): string | undefined => {
  const kept = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Kept | null;
  return kept && kept.clientId === s.clientId && kept.expiresAt === s.expiresAt ? kept.name : undefined;
};

/** The session's client's display name now, kept; undefined when the API did not say (the header then shows the id). */
async function askedName(s: Session): Promise<string | undefined> {
  try {
    const me = await api<Me>('/v1/me');
    const name: Kept = { clientId: s.clientId, expiresAt: s.expiresAt, name: me.name };
    sessionStorage.setItem(KEY, JSON.stringify(name));
    return me.name;
  } catch {
    return undefined;
  }
}

const whoText = (s: Session, name: string | undefined): string =>
  `${name ?? s.clientId} (${roleText(s.role)})`;

/**
 * The header's "who": the session's client by name and role, its id in the tooltip. Drawn with the name kept from the
 * last page (the first page of a session waits for GET /v1/me), then named as GET /v1/me answers now.
 */
export async function whoIsSignedIn(s: Session): Promise<HTMLElement> {
  const asked = askedName(s);
  const kept = keptFor(s);
  const who = h(
    'span',
    { class: 'who', title: s.clientId, 'data-testid': 'who' },
    whoText(s, kept ?? (await asked)),
  );
  if (kept !== undefined)
    void asked.then((name) => {
      if (name !== undefined && name !== kept) who.textContent = whoText(s, name);
    });
  return who;
}
