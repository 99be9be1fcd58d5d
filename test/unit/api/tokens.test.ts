/**
 * JWT negative suite (OWASP ASVS 5.0 §9.1–9.2, issue 9): only ES256 `at+jwt` tokens signed by a
 * configured key (found by `kid`), with our issuer and audience, valid now, are accepted; refusals
 * carry fixed reasons, never the library's words. Key rotation: the first key signs, every configured
 * key verifies, a dropped key no longer does; the JWKS publishes exactly the verifying keys.
 */
import { createHmac, generateKeyPairSync, sign as rawSign } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK, SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createTokenVerifier,
  issueToken,
  publicJwks,
  signingKeyFrom,
  TokenError,
  DEFAULT_ISSUER,
  verifyToken,
  type SigningKey,
  type TokenSettings,
} from '../../../src/api/auth/tokens.js';

const KEY_OLD = signingKeyFrom({ kid: 'k-2024', secret: 'old-signing-seed-0000000000000000000000000001' });
const KEY_NEW = signingKeyFrom({ kid: 'k-2025', secret: 'new-signing-seed-0000000000000000000000000002' });
const settings = (keys: SigningKey[] = [KEY_NEW]): TokenSettings => ({
  keys,
  issuer: 'https://truc.example',
  audience: 'truc-api',
  ttlSeconds: 300,
  clockSkewSeconds: 300,
});
const PRINCIPAL = {
  clientId: 'cl_vendor',
  role: 'vendor' as const,
  scopes: ['batches:write', 'batches:read'],
};
const now = (): number => Math.floor(Date.now() / 1000);
const validPayload = (over: Record<string, unknown> = {}) => ({
  sub: 'cl_vendor',
  role: 'vendor',
  schools: ['79000001'],
  units: [],
  scope: 'batches:write',
  jti: 'j1',
  iss: 'https://truc.example',
  aud: 'truc-api',
  iat: now(),
  nbf: now(),
  exp: now() + 300,
  ...over,
});
const HEADER = { alg: 'ES256', typ: 'at+jwt', kid: KEY_NEW.kid };

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Signs `header.payload` with full control over both: ES256 with `key`, HMAC with a secret, or nothing. */
function forge(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: SigningKey | { hmac: string | Buffer } | null,
): string {
  const head = `${b64(header)}.${b64(payload)}`;
  if (key === null) return `${head}.`;
  if ('hmac' in key) return `${head}.${createHmac('sha256', key.hmac).update(head).digest('base64url')}`;
  const sig = rawSign('sha256', Buffer.from(head), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${head}.${sig.toString('base64url')}`;
}

async function refusal(token: string, s = settings()): Promise<TokenError> {
  try {
    await verifyToken(s, token);
  } catch (err) {
    expect(err).toBeInstanceOf(TokenError);
    const e = err as TokenError;
    expect(e.code).toBe('ERR_TOKEN_INVALID');
    // never the library's words (they would reveal the expected issuer or audience)
    expect(e.message).not.toMatch(/truc-api|truc\.example|claim|"/);
    return e;
  }
  throw new Error('token was accepted');
}

describe('issueToken / verifyToken round trip', () => {
  it('carries the principal, ES256, a key id, typ at+jwt and a short lifetime', async () => {
    const { token, expiresIn } = await issueToken(settings(), PRINCIPAL);
    expect(expiresIn).toBe(300);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: 'k-2025' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: 'https://truc.example', aud: 'truc-api', sub: 'cl_vendor' });
    expect(claims.exp! - claims.iat!).toBe(300);
    // No school or unit list (review30 F7): the client's current state decides what it may touch.
    expect(claims).not.toHaveProperty('schools');
    expect(claims).not.toHaveProperty('units');
    const p = await verifyToken(settings(), token);
    expect(p).toMatchObject({ ...PRINCIPAL, scopes: ['batches:write', 'batches:read'] });
    expect(p.tokenId).toMatch(/[0-9a-f-]{36}/);
  });

  it('a hand-made valid token is accepted (the forging helper is sound)', async () => {
    const p = await verifyToken(settings(), forge(HEADER, validPayload(), KEY_NEW));
    expect(p.clientId).toBe('cl_vendor');
    expect(p.scopes).toEqual(['batches:write']);
  });

  it('a seed always derives the same key; a PEM key works too; other curves are refused', async () => {
    const again = signingKeyFrom({ kid: 'k-2025', secret: 'new-signing-seed-0000000000000000000000000002' });
    expect(await exportJWK(again.publicKey)).toEqual(await exportJWK(KEY_NEW.publicKey));
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const fromPem = signingKeyFrom({ kid: 'pem', privateKey: pem });
    const t = await issueToken(settings([fromPem]), PRINCIPAL);
    expect((await verifyToken(settings([fromPem]), t.token)).clientId).toBe('cl_vendor');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    expect(() =>
      signingKeyFrom({ kid: 'x', privateKey: p384.export({ type: 'pkcs8', format: 'pem' }).toString() }),
    ).toThrow(/P-256/);
  });

  it('refuses to issue without a signing key', async () => {
    await expect(issueToken(settings([]), PRINCIPAL)).rejects.toThrow(/signing key/);
  });
});

describe('verifyToken refuses (ERR_TOKEN_INVALID, fixed reasons)', () => {
  it('alg none (unsigned), with or without a known kid', async () => {
    await refusal(forge({ alg: 'none', kid: KEY_NEW.kid }, validPayload(), null));
    await refusal(forge({ alg: 'none' }, validPayload(), null));
    await refusal(forge({ alg: 'None', kid: KEY_NEW.kid, typ: 'at+jwt' }, validPayload(), null));
  });

  it('HS256 signed with the public key (algorithm confusion), as PEM, JWK or raw point', async () => {
    const pem = KEY_NEW.publicKey.export({ type: 'spki', format: 'pem' });
    const jwk = JSON.stringify(await exportJWK(KEY_NEW.publicKey));
    const der = KEY_NEW.publicKey.export({ type: 'spki', format: 'der' });
    for (const hmac of [pem, jwk, der]) {
      const e = await refusal(forge({ ...HEADER, alg: 'HS256' }, validPayload(), { hmac }));
      expect(e.reason).toBe('malformed');
    }
  });

  it('another asymmetric algorithm than ES256 (ES384 with a P-384 key under a known kid)', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const t = await new SignJWT(validPayload())
      .setProtectedHeader({ alg: 'ES384', typ: 'at+jwt', kid: KEY_NEW.kid })
      .sign(privateKey);
    await refusal(t);
  });

  it('a signature made with another key under a known kid', async () => {
    const attacker = signingKeyFrom({ kid: KEY_NEW.kid, secret: 'attacker-seed-00000000000000000000000000' });
    expect((await refusal(forge(HEADER, validPayload(), attacker))).reason).toBe('signature');
  });

  it('a tampered payload (scope widened after signing)', async () => {
    const good = forge(HEADER, validPayload(), KEY_NEW);
    const [h, , s] = good.split('.');
    const widened = `${h}.${b64(validPayload({ scope: 'admin batches:write', schools: ['*'] }))}.${s}`;
    expect((await refusal(widened)).reason).toBe('signature');
  });

  it('an unknown kid and a missing kid', async () => {
    expect((await refusal(forge({ ...HEADER, kid: 'nope' }, validPayload(), KEY_NEW))).reason).toBe(
      'unknown_key',
    );
    expect((await refusal(forge({ alg: 'ES256', typ: 'at+jwt' }, validPayload(), KEY_NEW))).reason).toBe(
      'unknown_key',
    );
  });

  it('an embedded key (jwk / jku / x5u header injection) is not trusted', async () => {
    const attacker = signingKeyFrom({ kid: 'evil', secret: 'attacker-seed-00000000000000000000000000' });
    const jwk = await exportJWK(attacker.publicKey);
    await refusal(forge({ ...HEADER, kid: 'evil', jwk }, validPayload(), attacker));
    await refusal(forge({ ...HEADER, jwk }, validPayload(), attacker));
    await refusal(forge({ ...HEADER, jku: 'http://127.0.0.1:1/keys' }, validPayload(), attacker));
    await refusal(forge({ ...HEADER, x5u: 'http://127.0.0.1:1/cert' }, validPayload(), attacker));
  });

  it('a wrong issuer or audience, or none, without saying which was expected', async () => {
    expect((await refusal(forge(HEADER, validPayload({ iss: 'someone-else' }), KEY_NEW))).reason).toBe(
      'claims',
    );
    expect((await refusal(forge(HEADER, validPayload({ aud: 'other-api' }), KEY_NEW))).reason).toBe('claims');
    const { iss: _i, ...noIss } = validPayload();
    const { aud: _a, ...noAud } = validPayload();
    await refusal(forge(HEADER, noIss, KEY_NEW));
    await refusal(forge(HEADER, noAud, KEY_NEW));
  });

  it('an expired token (beyond the 5 s clock tolerance) says so', async () => {
    const e = await refusal(forge(HEADER, validPayload({ iat: now() - 600, exp: now() - 60 }), KEY_NEW));
    expect(e.reason).toBe('expired');
    expect(e.message).toBe('mã truy cập đã hết hạn, hãy lấy mã mới / the token has expired, get a new one');
  });

  it('a token without exp, iat, sub or jti is refused', async () => {
    for (const claim of ['exp', 'iat', 'sub', 'jti']) {
      const p: Record<string, unknown> = validPayload();
      delete p[claim];
      await refusal(forge(HEADER, p, KEY_NEW));
    }
  });

  it('a token that is not yet valid (nbf in the future)', async () => {
    expect((await refusal(forge(HEADER, validPayload({ nbf: now() + 120 }), KEY_NEW))).reason).toBe('claims');
  });

  // sec9 (sec8 INFO): a host whose clock ran ahead issued tokens that lived as much longer than their ttlSeconds.
  it('a token issued beyond the clock skew ahead (iat in the future) is refused; within it, taken', async () => {
    const ahead = (s: number) => validPayload({ iat: now() + s, nbf: undefined, exp: now() + s + 300 });
    expect((await refusal(forge(HEADER, ahead(3600), KEY_NEW))).reason).toBe('claims');
    expect((await refusal(forge(HEADER, ahead(400), KEY_NEW))).reason).toBe('claims');
    await expect(verifyToken(settings(), forge(HEADER, ahead(60), KEY_NEW))).resolves.toMatchObject({
      clientId: 'cl_vendor',
    });
    // auth.clockSkewSeconds is the bound: with 0, a minute ahead is refused too
    const strict = { ...settings(), clockSkewSeconds: 0 };
    expect((await refusal(forge(HEADER, ahead(60), KEY_NEW), strict)).reason).toBe('claims');
  });

  // sec9 (sec8 INFO): without PUBLIC_URL truc pinned no `iss` (it signed with each request's URL); it signs with one
  // fixed issuer (DEFAULT_ISSUER) and every token must carry it.
  it('a token of another issuer is refused, also under the default issuer', async () => {
    const fixed = { ...settings(), issuer: DEFAULT_ISSUER };
    const ours = (await issueToken(fixed, PRINCIPAL)).token;
    expect(decodeJwt(ours).iss).toBe('truc');
    await expect(verifyToken(fixed, ours)).resolves.toMatchObject({ clientId: 'cl_vendor' });
    for (const iss of ['http://evil.example', 'http://127.0.0.1:8080', 'https://truc.example'])
      expect((await refusal(forge(HEADER, validPayload({ iss }), KEY_NEW), fixed)).reason).toBe('claims');
  });

  it('not an access token: typ JWT or missing, no role, a numeric subject', async () => {
    await refusal(forge({ ...HEADER, typ: 'JWT' }, validPayload(), KEY_NEW));
    await refusal(forge({ alg: 'ES256', kid: KEY_NEW.kid }, validPayload(), KEY_NEW));
    await refusal(forge(HEADER, validPayload({ role: undefined }), KEY_NEW));
    await refusal(forge(HEADER, validPayload({ sub: 42 }), KEY_NEW));
  });

  it('garbage', async () => {
    for (const t of ['', 'garbage', 'a.b.c', '...', `${b64(HEADER)}.!!!.@@@`]) {
      expect((await refusal(t)).reason, t).toBe('malformed');
    }
  });
});

describe('key rotation and the JWKS', () => {
  it('during rotation (new first, old kept) the new key signs and both verify', async () => {
    const rotating = settings([KEY_NEW, KEY_OLD]);
    const fresh = (await issueToken(rotating, PRINCIPAL)).token;
    expect(decodeProtectedHeader(fresh).kid).toBe(KEY_NEW.kid);
    const oldToken = (await issueToken(settings([KEY_OLD]), PRINCIPAL)).token;
    expect((await verifyToken(rotating, fresh)).clientId).toBe('cl_vendor');
    expect((await verifyToken(rotating, oldToken)).clientId).toBe('cl_vendor');
  });

  it('after the old key is dropped, its tokens are refused', async () => {
    const oldToken = (await issueToken(settings([KEY_OLD]), PRINCIPAL)).token;
    expect((await refusal(oldToken, settings([KEY_NEW]))).reason).toBe('unknown_key');
  });

  it('a token claiming the new kid but signed with the old key is refused', async () => {
    const t = forge(HEADER, validPayload(), KEY_OLD);
    expect((await refusal(t, settings([KEY_NEW, KEY_OLD]))).reason).toBe('signature');
  });

  it('the JWKS lists every verifying key as a public ES256 key, never a private part', async () => {
    const set = await publicJwks(settings([KEY_NEW, KEY_OLD]));
    expect(set.keys.map((k) => k.kid)).toEqual(['k-2025', 'k-2024']);
    for (const k of set.keys) {
      expect(k).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(k).not.toHaveProperty('d');
    }
  });
});

describe('createTokenVerifier: an accepted token is remembered until its exp', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Settings that count full verifications (each looks its key up once). */
  function counted(keys: SigningKey[] = [KEY_NEW]): { s: TokenSettings; verifications: () => number } {
    let n = 0;
    const s = settings(keys);
    return {
      s: Object.defineProperty({ ...s }, 'keys', {
        get: () => {
          n += 1;
          return s.keys;
        },
      }),
      verifications: () => n,
    };
  }

  it('verifies a token once, then answers the same principal from memory', async () => {
    const { s, verifications } = counted();
    const verify = createTokenVerifier(s);
    const token = (await issueToken(settings(), PRINCIPAL)).token;
    const first = await verify(token);
    expect(first).toEqual(await verifyToken(settings(), token));
    expect(await verify(token)).toBe(first);
    expect(await verify(token)).toBe(first);
    expect(verifications()).toBe(1);
    expect(Object.isFrozen(first) && Object.isFrozen(first.scopes)).toBe(true);
  });

  it('past its exp a remembered token is verified again and refused as expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-30T10:00:00Z'));
    const verify = createTokenVerifier(settings());
    const token = (await issueToken(settings(), PRINCIPAL)).token;
    expect((await verify(token)).clientId).toBe('cl_vendor');
    vi.setSystemTime(new Date('2026-11-30T10:05:10Z')); // ttl 300 s + beyond the 5 s tolerance
    await expect(verify(token)).rejects.toMatchObject({ reason: 'expired' });
  });

  it('refusals are not remembered, and other bytes are verified afresh', async () => {
    const { s, verifications } = counted();
    const verify = createTokenVerifier(s);
    const token = (await issueToken(settings(), PRINCIPAL)).token;
    await verify(token);
    const [head, payload] = token.split('.');
    const widened = `${head}.${b64({ ...decodeJwt(token), scope: 'admin' })}.${token.split('.')[2]}`;
    for (const bad of [widened, `${head}.${payload}.`, `${token}x`]) {
      await expect(verify(bad)).rejects.toBeInstanceOf(TokenError);
      await expect(verify(bad)).rejects.toBeInstanceOf(TokenError);
    }
    expect(verifications()).toBe(1 + 6);
  });

  it('keeps at most max tokens, forgetting the oldest first', async () => {
    const { s, verifications } = counted();
    const verify = createTokenVerifier(s, 2);
    const [t1, t2, t3] = await Promise.all(
      [1, 2, 3].map(async () => (await issueToken(settings(), PRINCIPAL)).token),
    );
    for (const t of [t1!, t2!, t3!]) await verify(t);
    expect(verifications()).toBe(3);
    await verify(t3!);
    expect(verifications()).toBe(3);
    await verify(t1!); // forgotten when t3 came
    expect(verifications()).toBe(4);
  });
});
