/**
 * Access tokens: short-lived HS256 JWTs with a key id. The first configured key signs; every
 * configured key verifies, so keys rotate by adding the new one first and dropping the old one after
 * the token lifetime. Only HS256 is accepted (no `none`, no key confusion); `iss`, `aud`, `exp`,
 * `nbf` and `typ` are checked; header `jku`/`jwk`/`x5u` are ignored because keys come only from config.
 */
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AppError } from '../../errors.js';
import type { Role } from '../../store/clients.js';

export interface JwtKey {
  kid: string;
  secret: string;
}

export interface TokenSettings {
  keys: readonly JwtKey[];
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface Principal {
  clientId: string;
  role: Role;
  schools: readonly string[];
  units: readonly string[];
  scopes: readonly string[];
  tokenId: string;
}

interface Claims {
  sub: string;
  role: Role;
  schools: string[];
  units: string[];
  scope: string;
  typ: 'access';
  jti: string;
}

export function issueToken(
  s: TokenSettings,
  p: Omit<Principal, 'tokenId'>,
): { token: string; expiresIn: number } {
  const key = s.keys[0];
  if (!key) throw new AppError('ERR_CONFIG_INVALID', 'no JWT signing key configured');
  const claims: Claims = {
    sub: p.clientId,
    role: p.role,
    schools: [...p.schools],
    units: [...p.units],
    scope: p.scopes.join(' '),
    typ: 'access',
    jti: randomUUID(),
  };
  const token = jwt.sign(claims, key.secret, {
    algorithm: 'HS256',
    keyid: key.kid,
    issuer: s.issuer,
    audience: s.audience,
    expiresIn: s.ttlSeconds,
  });
  return { token, expiresIn: s.ttlSeconds };
}

export function verifyToken(s: TokenSettings, token: string): Principal {
  const decoded = jwt.decode(token, { complete: true });
  const kid = decoded && typeof decoded === 'object' ? decoded.header.kid : undefined;
  const key = s.keys.find((k) => k.kid === kid);
  if (!key) throw new AppError('ERR_TOKEN_INVALID', 'unknown or missing key id');
  let payload: jwt.JwtPayload | string;
  try {
    payload = jwt.verify(token, key.secret, {
      algorithms: ['HS256'],
      issuer: s.issuer,
      audience: s.audience,
      clockTolerance: 5,
    });
  } catch (err) {
    throw new AppError('ERR_TOKEN_INVALID', (err as Error).message, { cause: err });
  }
  if (typeof payload === 'string' || payload.typ !== 'access' || typeof payload.sub !== 'string') {
    throw new AppError('ERR_TOKEN_INVALID', 'not an access token');
  }
  // An access token without an expiry would be valid for ever (ASVS 9.2.1): refuse it.
  if (typeof payload.exp !== 'number') throw new AppError('ERR_TOKEN_INVALID', 'token has no expiry');
  const c = payload as unknown as Claims;
  return {
    clientId: c.sub,
    role: c.role,
    schools: Array.isArray(c.schools) ? c.schools : [],
    units: Array.isArray(c.units) ? c.units : [],
    scopes: typeof c.scope === 'string' ? c.scope.split(' ').filter(Boolean) : [],
    tokenId: c.jti,
  };
}
