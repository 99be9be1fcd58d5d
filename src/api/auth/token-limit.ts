/**
 * Tokens issued per client (auth.maxTokensPerMinute): a correct login costs ~50 ms of CPU (scrypt), so a client with
 * a valid (or leaked) secret logging in in a loop could keep a core busy. Counted in the rate limiter's store (Redis
 * when configured, else this process), per client id, for tokens issued only: someone without the secret cannot
 * use up a client's allowance. Once a client had its tokens for the window, further logins with its id are refused
 * before the secret is checked (no scrypt spent); the first refusal of each window is reported (audited).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, both } from '../../errors.js';

export interface TokenLimit {
  /** Before the secret is checked: refuses a login of a client that already had its tokens this window. */
  check(request: FastifyRequest, clientId: string): Promise<void>;
  /** After the secret is proven: counts the token about to be issued, refusing it past the limit. */
  count(request: FastifyRequest, clientId: string): Promise<void>;
}

const WINDOW_MS = 60_000;

export function tokenLimit(
  app: FastifyInstance,
  perMinute: number,
  onFirstRefusal: (clientId: string) => void,
): TokenLimit {
  const clientOf = new WeakMap<FastifyRequest, string>();
  const limiter = (name: string, max: number) =>
    app.createRateLimit({
      max,
      timeWindow: WINDOW_MS,
      keyGenerator: (request) => `${name}:${clientOf.get(request) ?? ''}`,
      allowList: () => false,
    });
  const issued = limiter('tokens', perMinute);
  const refused = limiter('tokens-refused', 1);
  async function refuse(request: FastifyRequest, clientId: string, ttlInSeconds: number): Promise<never> {
    const told = await refused(request);
    if (!told.isAllowed && !told.isExceeded) onFirstRefusal(clientId);
    throw new AppError(
      'ERR_RATE_LIMITED',
      both(
        `ứng dụng này đã nhận đủ ${perMinute} mã truy cập trong một phút; hãy dùng lại mã còn hạn`,
        `this client had its ${perMinute} access tokens for the minute; reuse a token until it expires`,
      ),
      { retryAfterSeconds: Math.max(1, ttlInSeconds) },
    );
  }
  return {
    async check(request, clientId) {
      clientOf.set(request, clientId);
      const r = await issued(request, { increment: false });
      if (!r.isAllowed && r.remaining === 0) await refuse(request, clientId, r.ttlInSeconds);
    },
    async count(request, clientId) {
      clientOf.set(request, clientId);
      const r = await issued(request);
      if (!r.isAllowed && r.isExceeded) await refuse(request, clientId, r.ttlInSeconds);
    },
  };
}
