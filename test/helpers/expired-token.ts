/**
 * An access token of a harness client, signed with the server's own key, that expired 100 s ago (walk13, review28:
 * the refusal a vendor meets most, every 15 minutes).
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { ApiHarness, ClientName } from './api.js';

export async function expiredToken(h: ApiHarness, name: ClientName = 'vendor'): Promise<string> {
  const s = h.env.deps.tokens;
  const now = Math.floor(Date.now() / 1000);
  const c = h.clients[name];
  return new SignJWT({
    role: c.role,
    schools: c.schools,
    units: [],
    scope: c.scopes.join(' '),
    client_id: c.clientId,
    gen: 0,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: s.keys[0]!.kid })
    .setSubject(c.clientId)
    .setIssuer(s.issuer)
    .setAudience(s.audience)
    .setIssuedAt(now - 1000)
    .setNotBefore(now - 1000)
    .setExpirationTime(now - 100)
    .setJti(randomUUID())
    .sign(s.keys[0]!.privateKey);
}
