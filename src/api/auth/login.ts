/**
 * A login at the token endpoint (../routes/oauth.ts): the client's credentials as sent (HTTP Basic or the body), the
 * secret proven against the client's current secret or, in a rotation's window, the one before, the throttle told how
 * it ended, and the scopes the token is issued with.
 */
import { AppError, both } from '../../errors.js';
import { oldSecretWorks, type ApiClient, type ClientsRepo } from '../../store/clients.js';
import { holdsForbiddenText } from '../plugins/input.js';
import { verifySecret } from './secrets.js';
import type { LoginOutcome, LoginThrottle } from './throttle.js';

/**
 * Client credentials from HTTP Basic (RFC 6749 §2.3.1, which servers must support: id and secret
 * form-urlencoded, then base64) or from the body — one method, not both.
 */
export function credentialsOf(
  authorization: string | undefined,
  body: { client_id?: string | undefined; client_secret?: string | undefined },
): { id: string; secret: string } {
  const basic =
    authorization && /^Basic\s+/i.test(authorization) ? authorization.replace(/^Basic\s+/i, '') : undefined;
  if (basic !== undefined) {
    if (body.client_id !== undefined || body.client_secret !== undefined) {
      throw new AppError(
        'ERR_VALIDATION',
        both(
          'chỉ dùng một cách xác thực ứng dụng: HTTP Basic hoặc trong nội dung, không cả hai',
          'use one client authentication method: HTTP Basic or the body, not both',
        ),
      );
    }
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 1) throw new AppError('ERR_INVALID_CLIENT');
    try {
      const id = decodeURIComponent(decoded.slice(0, i));
      const secret = decodeURIComponent(decoded.slice(i + 1));
      if (id.length > 64 || secret.length > 256) throw new AppError('ERR_INVALID_CLIENT');
      // A NUL or lone surrogate is no client's (PostgreSQL could not even look it up: review26b F1).
      if (holdsForbiddenText(id) || holdsForbiddenText(secret)) throw new AppError('ERR_INVALID_CLIENT');
      return { id, secret };
    } catch {
      throw new AppError('ERR_INVALID_CLIENT');
    }
  }
  if (!body.client_id || !body.client_secret) {
    throw new AppError(
      'ERR_VALIDATION',
      both(
        'cần client_id và client_secret (trong nội dung hoặc HTTP Basic)',
        'client_id and client_secret are required (body or HTTP Basic)',
      ),
    );
  }
  return { id: body.client_id, secret: body.client_secret };
}

/** The scopes a token is issued with: a client may ask for fewer scopes than it has, never more. */
export function grantedScopes(client: ApiClient, scope: string | undefined): string[] {
  const requested = scope?.split(' ').filter(Boolean);
  const scopes = requested ? client.scopes.filter((s) => requested.includes(s)) : client.scopes;
  if (requested && scopes.length === 0) throw new AppError('ERR_INVALID_SCOPE');
  return scopes;
}

/**
 * Checks a login the throttle let through; the attempt is in flight until it ends here, however it ends, and only a
 * failure (no such client, disabled, a wrong secret) counts as one (review27b F5). `generation`: that of the secret
 * proven (the current one's, or the one before while the rotation's window lasts: fix30a), the token's `gen`.
 */
export async function checkLogin(
  throttle: LoginThrottle,
  creds: { id: string; secret: string },
  address: string,
  prove: (
    secret: string,
    id: string,
  ) => Promise<{ client: ApiClient | undefined; generation: number | undefined }>,
): Promise<{ client: ApiClient | undefined; ok: boolean; generation: number }> {
  let outcome: LoginOutcome = 'abandoned';
  try {
    const { client, generation } = await prove(creds.secret, creds.id);
    const ok = Boolean(client && !client.disabled && generation !== undefined);
    outcome = ok ? 'succeeded' : 'failed';
    return { client, ok, generation: generation ?? 0 };
  } finally {
    await throttle.finish(creds.id, address, outcome);
  }
}

/**
 * Which generation of client `id`'s secrets `secret` is: the current one's, or, while the last rotation's window
 * lasts (store/clients.ts `oldSecretWorks`), the one before's; undefined when neither (or no such client). Always the
 * scrypt, so unknown and disabled ids answer as slowly as real ones; and a secret that is not the current one always
 * costs a second scrypt (against the old secret, else `dummyHash`), so a wrong secret answers alike whether or not
 * the client has an old secret in its window: no oracle of a rotation (fix30a).
 */
export async function provenGeneration(
  clients: ClientsRepo,
  dummyHash: Promise<string>,
  now: Date,
  secret: string,
  id: string,
): Promise<{ client: ApiClient | undefined; generation: number | undefined }> {
  const client = await clients.get(id);
  if ((await verifySecret(secret, client?.secretHash ?? (await dummyHash))) && client)
    return { client, generation: client.secretGeneration };
  const old = client && oldSecretWorks(client, now) ? client.oldSecretHash : null;
  const oldOk = await verifySecret(secret, old ?? (await dummyHash));
  return { client, generation: oldOk && old !== null && client ? client.secretGeneration - 1 : undefined };
}
