/**
 * JWT negative suite (OWASP ASVS 5.0 §9.1–9.2): only HS256 tokens signed by a configured key, with
 * our issuer and audience, unexpired, typed as access tokens, are accepted. Key rotation: the first
 * key signs, every configured key verifies, a dropped key no longer does.
 */
import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { issueToken, verifyToken, type TokenSettings } from '../../../src/api/auth/tokens.js';
import { AppError } from '../../../src/errors.js';

const KEY_OLD = { kid: 'k-2024', secret: 'old-signing-key-0000000000000000000000000001' };
const KEY_NEW = { kid: 'k-2025', secret: 'new-signing-key-0000000000000000000000000002' };
const settings = (keys = [KEY_NEW]): TokenSettings => ({
  keys,
  issuer: 'truc',
  audience: 'truc-api',
  ttlSeconds: 300,
});
const PRINCIPAL = {
  clientId: 'cl_vendor',
  role: 'vendor' as const,
  schools: ['79000001', '79000002'],
  units: [],
  scopes: ['batches:write', 'batches:read'],
};
const CLAIMS = {
  sub: 'cl_vendor',
  role: 'vendor',
  schools: ['79000001'],
  units: [],
  scope: 'batches:write',
  typ: 'access',
  jti: 'j1',
};

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Signs with full control over header and payload (HS256 over `header.payload`). */
function forge(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: string | null,
): string {
  const head = `${b64(header)}.${b64(payload)}`;
  const sig = secret === null ? '' : createHmac('sha256', secret).update(head).digest('base64url');
  return `${head}.${sig}`;
}
const now = (): number => Math.floor(Date.now() / 1000);
const validPayload = (over: Record<string, unknown> = {}) => ({
  ...CLAIMS,
  iss: 'truc',
  aud: 'truc-api',
  iat: now(),
  exp: now() + 300,
  ...over,
});

function refusal(token: string, s = settings()): AppError {
  try {
    verifyToken(s, token);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('token was accepted');
}

describe('issueToken / verifyToken round trip', () => {
  it('carries the principal, a key id and a short lifetime', () => {
    const { token, expiresIn } = issueToken(settings(), PRINCIPAL);
    expect(expiresIn).toBe(300);
    const decoded = jwt.decode(token, { complete: true })!;
    expect(decoded.header).toMatchObject({ alg: 'HS256', kid: 'k-2025' });
    expect(decoded.payload).toMatchObject({ iss: 'truc', aud: 'truc-api', typ: 'access', sub: 'cl_vendor' });
    const p = verifyToken(settings(), token);
    expect(p).toMatchObject({ ...PRINCIPAL, scopes: ['batches:write', 'batches:read'] });
    expect(p.tokenId).toMatch(/[0-9a-f-]{36}/);
  });

  it('a hand-made valid token is accepted (the forging helper is sound)', () => {
    const p = verifyToken(
      settings(),
      forge({ alg: 'HS256', typ: 'JWT', kid: KEY_NEW.kid }, validPayload(), KEY_NEW.secret),
    );
    expect(p.clientId).toBe('cl_vendor');
    expect(p.scopes).toEqual(['batches:write']);
  });

  it('refuses to issue without a signing key', () => {
    expect(() => issueToken(settings([]), PRINCIPAL)).toThrow(AppError);
  });
});

describe('verifyToken refuses (ERR_TOKEN_INVALID)', () => {
  const header = { alg: 'HS256', typ: 'JWT', kid: KEY_NEW.kid };

  it('alg none (unsigned), with or without a known kid', () => {
    expect(refusal(forge({ alg: 'none', kid: KEY_NEW.kid }, validPayload(), null)).code).toBe(
      'ERR_TOKEN_INVALID',
    );
    expect(refusal(forge({ alg: 'none' }, validPayload(), null)).code).toBe('ERR_TOKEN_INVALID');
    expect(refusal(forge({ alg: 'None', kid: KEY_NEW.kid }, validPayload(), null)).code).toBe(
      'ERR_TOKEN_INVALID',
    );
  });

  it('another HMAC algorithm than HS256, even with the right key', () => {
    const t = jwt.sign(validPayload(), KEY_NEW.secret, { algorithm: 'HS512', keyid: KEY_NEW.kid });
    expect(refusal(t).code).toBe('ERR_TOKEN_INVALID');
  });

  it('a signature made with a wrong key under a known kid', () => {
    expect(refusal(forge(header, validPayload(), 'attacker-key-000000000000000000000000000')).code).toBe(
      'ERR_TOKEN_INVALID',
    );
  });

  it('a tampered payload (scope widened after signing)', () => {
    const good = forge(header, validPayload(), KEY_NEW.secret);
    const [h, , s] = good.split('.');
    const widened = `${h}.${b64(validPayload({ scope: 'admin batches:write', schools: ['*'] }))}.${s}`;
    expect(refusal(widened).code).toBe('ERR_TOKEN_INVALID');
  });

  it('an unknown kid and a missing kid', () => {
    expect(refusal(forge({ ...header, kid: 'nope' }, validPayload(), KEY_NEW.secret)).message).toMatch(
      /key id/,
    );
    expect(refusal(forge({ alg: 'HS256', typ: 'JWT' }, validPayload(), KEY_NEW.secret)).message).toMatch(
      /key id/,
    );
  });

  it('an embedded key (jwk / jku / x5u header injection) is not trusted', () => {
    const attacker = 'attacker-key-000000000000000000000000000';
    const jwk = { kty: 'oct', k: Buffer.from(attacker).toString('base64url') };
    expect(refusal(forge({ alg: 'HS256', kid: 'evil', jwk }, validPayload(), attacker)).code).toBe(
      'ERR_TOKEN_INVALID',
    );
    expect(refusal(forge({ ...header, jwk }, validPayload(), attacker)).code).toBe('ERR_TOKEN_INVALID');
    expect(refusal(forge({ ...header, jku: 'http://127.0.0.1:1/keys' }, validPayload(), attacker)).code).toBe(
      'ERR_TOKEN_INVALID',
    );
    expect(refusal(forge({ ...header, x5u: 'http://127.0.0.1:1/cert' }, validPayload(), attacker)).code).toBe(
      'ERR_TOKEN_INVALID',
    );
  });

  it('a wrong issuer or audience, or none', () => {
    expect(refusal(forge(header, validPayload({ iss: 'someone-else' }), KEY_NEW.secret)).message).toMatch(
      /issuer/,
    );
    expect(refusal(forge(header, validPayload({ aud: 'other-api' }), KEY_NEW.secret)).message).toMatch(
      /audience/,
    );
    const { iss: _i, ...noIss } = validPayload();
    const { aud: _a, ...noAud } = validPayload();
    expect(refusal(forge(header, noIss, KEY_NEW.secret)).code).toBe('ERR_TOKEN_INVALID');
    expect(refusal(forge(header, noAud, KEY_NEW.secret)).code).toBe('ERR_TOKEN_INVALID');
  });

  it('an expired token (beyond the 5 s clock tolerance)', () => {
    expect(
      refusal(forge(header, validPayload({ iat: now() - 600, exp: now() - 60 }), KEY_NEW.secret)).message,
    ).toMatch(/expired/);
  });

  // BUG (src/api/auth/tokens.ts verifyToken): jwt.verify does not require `exp`, so a token without
  // one never expires (ASVS 9.2.1). Only a holder of a signing key can make one, but an access token
  // must carry its expiry. Flip to `it` once `exp` is required (e.g. check typeof payload.exp).
  it('a token without exp (that would never expire) is refused', () => {
    const { exp: _e, ...noExp } = validPayload();
    expect(refusal(forge(header, noExp, KEY_NEW.secret)).code).toBe('ERR_TOKEN_INVALID');
  });

  it('a token that is not yet valid (nbf in the future)', () => {
    expect(refusal(forge(header, validPayload({ nbf: now() + 120 }), KEY_NEW.secret)).message).toMatch(
      /not active/,
    );
  });

  it('not an access token: typ id/refresh or missing, or no subject', () => {
    for (const typ of ['id', 'refresh', undefined]) {
      expect(refusal(forge(header, validPayload({ typ }), KEY_NEW.secret)).message, String(typ)).toBe(
        'not an access token',
      );
    }
    expect(refusal(forge(header, validPayload({ sub: 42 }), KEY_NEW.secret)).code).toBe('ERR_TOKEN_INVALID');
  });

  it('garbage', () => {
    for (const t of ['', 'garbage', 'a.b.c', '...', `${b64({ alg: 'HS256', kid: KEY_NEW.kid })}.!!!.@@@`]) {
      expect(refusal(t).code, t).toBe('ERR_TOKEN_INVALID');
    }
  });
});

describe('key rotation', () => {
  it('during rotation (new first, old kept) the new key signs and both verify', () => {
    const rotating = settings([KEY_NEW, KEY_OLD]);
    const fresh = issueToken(rotating, PRINCIPAL).token;
    expect(jwt.decode(fresh, { complete: true })!.header.kid).toBe(KEY_NEW.kid);
    const oldToken = issueToken(settings([KEY_OLD]), PRINCIPAL).token;
    expect(verifyToken(rotating, fresh).clientId).toBe('cl_vendor');
    expect(verifyToken(rotating, oldToken).clientId).toBe('cl_vendor');
  });

  it('after the old key is dropped, its tokens are refused', () => {
    const oldToken = issueToken(settings([KEY_OLD]), PRINCIPAL).token;
    expect(refusal(oldToken, settings([KEY_NEW])).code).toBe('ERR_TOKEN_INVALID');
  });

  it('a token claiming the new kid but signed with the old secret is refused', () => {
    const t = forge({ alg: 'HS256', kid: KEY_NEW.kid }, validPayload(), KEY_OLD.secret);
    expect(refusal(t, settings([KEY_NEW, KEY_OLD])).code).toBe('ERR_TOKEN_INVALID');
  });
});
