/**
 * Access tokens: short-lived ES256 JWTs (RFC 9068 `at+jwt`) with a key id, signed and verified with
 * `jose`. ES256 is the one accepted algorithm (no `none`, no HMAC, so no key confusion with the
 * published public keys). The first configured key signs; every configured key verifies and is
 * published at `/.well-known/jwks.json`, so keys rotate without downtime: publish the new key second,
 * move it first once verifiers have fetched it, drop the old one after the token lifetime.
 * `iss`, `aud`, `exp`, `nbf`, `iat`, `sub`, `jti` and `typ` are checked; header `jwk`/`jku`/`x5u`
 * are ignored because keys come only from configuration. Refusals never carry the library's words
 * (they would reveal the expected issuer and audience): only {@link TokenRefusal}'s short reasons.
 */
import {
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import { exportJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { AppError, both } from '../../errors.js';
import type { Role } from '../../store/clients.js';

export const TOKEN_ALG = 'ES256';
const TOKEN_TYP = 'at+jwt';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The issuer truc signs with, and pins, when neither auth.issuer nor server.publicUrl is set (sec9). */
export const DEFAULT_ISSUER = 'truc';

export interface TokenSettings {
  /** The first signs; all verify and are published. */
  keys: readonly SigningKey[];
  /**
   * The `iss` every token is signed with and must carry: auth.issuer, else server.publicUrl, else
   * {@link DEFAULT_ISSUER}. sec9 (sec8 INFO): without a URL of its own truc signed each token with the URL the request
   * was served under and pinned no `iss` (review28 F6); it now signs with one fixed value and pins it, whatever the
   * Host header said. The RFC 8414 metadata's `issuer` is still the URL it is served under (src/api/routes/oauth.ts).
   */
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /**
   * How far ahead of this process's clock a token's `iat` may be (auth.clockSkewSeconds): another host's clock may
   * run ahead (review35a F7), but a token from beyond it is refused, so a host whose clock ran far ahead cannot issue
   * tokens that live that much longer than their `ttlSeconds` (sec9).
   */
  clockSkewSeconds: number;
}

/**
 * What a token says: who the client is, its role and the scopes it asked for. It carries no school or unit list
 * (review30 F7): what a client may touch is its current state (src/api/plugins/auth.ts `currentPrincipal`), and a
 * vendor of ~1,100 schools had a token over the API's 16 KB header limit (431 on every call; ~500 schools behind a
 * proxy's 8 KB default). A token issued before carries them as claims; they are not read.
 */
export interface TokenPrincipal {
  clientId: string;
  role: Role;
  scopes: readonly string[];
  tokenId: string;
  /** The generation of the client's secret the token was issued under (claim `gen`; 0 when absent). */
  secretGeneration?: number;
}

/** A caller as a request sees it: its token's principal with the client's current schools and units. */
export interface Principal extends TokenPrincipal {
  schools: readonly string[];
  units: readonly string[];
}

/** Why a token was refused: a short, fixed reason (logged as a code; `expired` is also told to the caller). */
export type TokenRefusal = 'malformed' | 'unknown_key' | 'signature' | 'expired' | 'claims';

/** The order of P-256's group, for deriving a private scalar from a seed. */
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/**
 * An ES256 key from configuration: a PKCS#8 PEM private key, or a secret seed of ≥ 32 characters
 * from which the P-256 private key is derived (SHA-256 of a label and the seed, reduced into the
 * group), so `kid:seed` entries of `TRUC_JWT_KEYS` keep working and replicas sharing the seed share
 * the key.
 */
export function signingKeyFrom(entry: {
  kid: string;
  secret?: string | undefined;
  privateKey?: string | undefined;
}): SigningKey {
  let privateKey: KeyObject;
  if (entry.privateKey) {
    privateKey = createPrivateKey(entry.privateKey);
    const details = privateKey.asymmetricKeyDetails;
    if (privateKey.asymmetricKeyType !== 'ec' || details?.namedCurve !== 'prime256v1') {
      throw new AppError(
        'ERR_CONFIG_INVALID',
        both(
          `khoá xác thực ${entry.kid}: cần một khoá riêng EC P-256`,
          `auth key ${entry.kid}: an EC P-256 private key is required`,
        ),
      );
    }
  } else if (entry.secret) {
    const digest = createHash('sha256').update(`truc-es256-key\0${entry.secret}`).digest('hex');
    const d = (BigInt(`0x${digest}`) % (P256_N - 1n)) + 1n;
    const dBytes = Buffer.from(d.toString(16).padStart(64, '0'), 'hex');
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(dBytes);
    const pub = ecdh.getPublicKey(); // 0x04 || x || y
    privateKey = createPrivateKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        d: dBytes.toString('base64url'),
        x: pub.subarray(1, 33).toString('base64url'),
        y: pub.subarray(33, 65).toString('base64url'),
      },
      format: 'jwk',
    });
  } else {
    throw new AppError(
      'ERR_CONFIG_INVALID',
      both(
        `khoá xác thực ${entry.kid}: cần privateKey hoặc secret`,
        `auth key ${entry.kid}: give privateKey or secret`,
      ),
    );
  }
  return { kid: entry.kid, privateKey, publicKey: createPublicKey(privateKey) };
}

export async function issueToken(
  s: TokenSettings,
  p: Omit<TokenPrincipal, 'tokenId'>,
): Promise<{ token: string; expiresIn: number }> {
  const key = s.keys[0];
  if (!key)
    throw new AppError(
      'ERR_CONFIG_INVALID',
      both('chưa cấu hình khoá ký JWT nào', 'no JWT signing key configured'),
    );
  const token = await new SignJWT({
    role: p.role,
    scope: p.scopes.join(' '),
    client_id: p.clientId,
    gen: p.secretGeneration ?? 0,
  })
    .setProtectedHeader({ alg: TOKEN_ALG, typ: TOKEN_TYP, kid: key.kid })
    .setSubject(p.clientId)
    .setIssuer(s.issuer)
    .setAudience(s.audience)
    .setIssuedAt()
    // No `nbf` (review35a F7): it said only "from now", and an API process whose clock is behind the issuer's by more
    // than the 5 s tolerance refused every fresh token ('claims') until its clock caught up. A token's own
    // `nbf`, if a forged one carries it, is still checked.
    .setExpirationTime(`${s.ttlSeconds}s`)
    .setJti(randomUUID())
    .sign(key.privateKey);
  return { token, expiresIn: s.ttlSeconds };
}

/** What a caller whose token expired is told (review28 F2: was English only), Vietnamese then English. */
const TOKEN_EXPIRED = both('mã truy cập đã hết hạn, hãy lấy mã mới', 'the token has expired, get a new one');
/**
 * What a caller whose token is refused for another reason is told (walk11 W11-5: nothing, while docs/errors.md says to
 * get a new one): where to get one, as an expired token's words.
 */
export const TOKEN_REFUSED = both(
  'mã truy cập không dùng được; lấy mã mới ở POST /oauth/token (grant_type=client_credentials)',
  'the token cannot be used; get a new one at POST /oauth/token (grant_type=client_credentials)',
);

/** A refused token: ERR_TOKEN_INVALID with a fixed reason (never the library's message). */
export class TokenError extends AppError {
  readonly reason: TokenRefusal;
  constructor(reason: TokenRefusal) {
    super('ERR_TOKEN_INVALID', reason === 'expired' ? TOKEN_EXPIRED : TOKEN_REFUSED);
    this.reason = reason;
  }
}

function refusalOf(err: unknown): TokenRefusal {
  if (err instanceof TokenError) return err.reason;
  const code = (err as { code?: string }).code;
  if (code === 'ERR_JWT_EXPIRED') return 'expired';
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return 'signature';
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return 'claims';
  return 'malformed';
}

export async function verifyToken(s: TokenSettings, token: string): Promise<TokenPrincipal> {
  return (await verified(s, token)).principal;
}

/** A token's principal and expiry (seconds since the epoch), once its signature and claims hold. */
async function verified(
  s: TokenSettings,
  token: string,
): Promise<{ principal: TokenPrincipal; exp: number }> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(
      token,
      (header) => {
        const key = s.keys.find((k) => k.kid === header.kid);
        if (!key) throw new TokenError('unknown_key');
        return key.publicKey;
      },
      {
        algorithms: [TOKEN_ALG],
        typ: TOKEN_TYP,
        issuer: s.issuer,
        audience: s.audience,
        clockTolerance: 5,
        requiredClaims: ['exp', 'iat', 'sub', 'jti'],
      },
    ));
  } catch (err) {
    throw new TokenError(refusalOf(err));
  }
  const c = payload as JWTPayload & {
    role?: unknown;
    scope?: unknown;
    gen?: unknown;
  };
  if (typeof c.sub !== 'string' || typeof c.jti !== 'string' || typeof c.role !== 'string') {
    throw new TokenError('claims');
  }
  // jose checks a future `iat` only with maxTokenAge (which would also refuse an old one): checked here.
  if (typeof c.iat !== 'number' || c.iat > Date.now() / 1000 + s.clockSkewSeconds)
    throw new TokenError('claims');
  return {
    principal: Object.freeze({
      clientId: c.sub,
      role: c.role as Role,
      scopes: Object.freeze(typeof c.scope === 'string' ? c.scope.split(' ').filter(Boolean) : []),
      tokenId: c.jti,
      secretGeneration: typeof c.gen === 'number' && Number.isInteger(c.gen) ? c.gen : 0,
    }),
    exp: c.exp ?? 0,
  };
}

/**
 * {@link verifyToken} that remembers the tokens it accepted until each one's `exp` (issue 9 speed):
 * a client sends the same token with every request of its lifetime, and the ES256 signature check,
 * a trip to libuv's thread pool, was the dearest step of authenticating a request. Keyed by the
 * whole token, so any other bytes are verified afresh; refusals are not remembered; past `exp` a
 * token is verified again (and refused as expired); at most `max` tokens, the oldest forgotten first.
 * What a token may touch still comes from its client's current state (the auth plugin). Keys come
 * from configuration, fixed for the life of the process, so no key drop can be missed.
 */
export function createTokenVerifier(
  s: TokenSettings,
  max = 10_000,
): (token: string) => Promise<TokenPrincipal> {
  const accepted = new Map<string, { principal: TokenPrincipal; expiresAtMs: number }>();
  return async function verifyRemembered(token: string): Promise<TokenPrincipal> {
    const hit = accepted.get(token);
    if (hit && Date.now() < hit.expiresAtMs) return hit.principal;
    accepted.delete(token);
    const { principal, exp } = await verified(s, token);
    if (accepted.size >= max) accepted.delete(accepted.keys().next().value!);
    accepted.set(token, { principal, expiresAtMs: exp * 1000 });
    return principal;
  };
}

/** The public keys, as a JWK Set (RFC 7517) for `/.well-known/jwks.json`. */
export async function publicJwks(s: TokenSettings): Promise<{ keys: JWK[] }> {
  return {
    keys: await Promise.all(
      s.keys.map(async (k) => ({
        ...(await exportJWK(k.publicKey)),
        kid: k.kid,
        alg: TOKEN_ALG,
        use: 'sig',
      })),
    ),
  };
}
