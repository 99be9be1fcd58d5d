/**
 * Who is signed in, by name (walk2 F5): the header named the client by its id while every list named it by its
 * display name. The token carries no name, so GET /v1/me is asked once a session and its name kept beside it
 * (sessionStorage, keyed by the session: a new sign-in asks again).
 */
import type { Me } from './api-types.js';
import { api, type Session } from './kit.js';

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

/** The session's client's display name; undefined when the API did not say (the header then shows the id). */
export async function signedInName(s: Session): Promise<string | undefined> {
  const kept = keptFor(s);
  if (kept !== undefined) return kept;
  try {
    const me = await api<Me>('/v1/me');
    const name: Kept = { clientId: s.clientId, expiresAt: s.expiresAt, name: me.name };
    sessionStorage.setItem(KEY, JSON.stringify(name));
    return me.name;
  } catch {
    return undefined;
  }
}
