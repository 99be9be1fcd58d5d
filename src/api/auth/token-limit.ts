/**
 * Tokens issued per client (auth.maxTokensPerMinute): a correct login costs ~50 ms of CPU (scrypt), so a client with
 * a valid (or leaked) secret logging in in a loop could keep a core busy. Counted in the rate limiter's store (Redis
 * when configured, else this process), per client id, for tokens issued only: someone without the secret cannot
 * use up a client's allowance. Past it a login whose secret is proven is refused (429 slow_down), and the address it
 * came from is noted: further logins with that client id FROM THAT ADDRESS are refused before the secret is checked
 * (no scrypt spent) while the client's allowance stays used up. The first refusal of each window is reported (audited).
 *
 * Why per address (sec29 item 3): refused before the secret by client id alone, a login told anyone that the id is a
 * client's and that it is busy (an unknown id never had tokens, so it got 401 after a scrypt; a real one, 429 at
 * once). Now the early refusal answers only at an address where the secret was proven past the allowance this
 * window; from any other address a wrong secret of a real id and any secret of an unknown id are answered alike (the
 * same scrypt, 401 invalid_client), and nothing a guesser sends can use up, or start, a refusal for the client.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { addressKey } from '../failed-auth.js';
import { waitRefusal } from '../retry-later.js';

export interface TokenLimit {
  /**
   * Before the secret is checked: refuses a login of a client whose allowance is used up, from an address where its
   * secret was proven past that allowance this window.
   */
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
  const limiter = (name: string, max: number, perAddress = false) =>
    app.createRateLimit({
      max,
      timeWindow: WINDOW_MS,
      keyGenerator: (request) =>
        `${name}:${clientOf.get(request) ?? ''}${perAddress ? `|${addressKey(request.ip)}` : ''}`,
      allowList: () => false,
    });
  const issued = limiter('tokens', perMinute);
  const refused = limiter('tokens-refused', 1);
  /** Addresses where a client's proven login was refused past its allowance (this window). */
  const refusedAt = limiter('tokens-refused-at', 1, true);
  async function refuse(request: FastifyRequest, clientId: string, ttlInSeconds: number): Promise<never> {
    const told = await refused(request);
    if (!told.isAllowed && !told.isExceeded) onFirstRefusal(clientId);
    throw waitRefusal('ERR_RATE_LIMITED', ttlInSeconds, {
      vi: `ứng dụng này đã nhận đủ ${perMinute} mã truy cập trong một phút; hãy dùng lại mã còn hạn`,
      en: `this client had its ${perMinute} access tokens for the minute; reuse a token until it expires`,
    });
  }
  return {
    async check(request, clientId) {
      clientOf.set(request, clientId);
      const at = await refusedAt(request, { increment: false });
      if (at.isAllowed || at.remaining > 0) return;
      const r = await issued(request, { increment: false });
      if (!r.isAllowed && r.remaining === 0) await refuse(request, clientId, r.ttlInSeconds);
    },
    async count(request, clientId) {
      clientOf.set(request, clientId);
      const r = await issued(request);
      if (r.isAllowed || !r.isExceeded) return;
      await refusedAt(request);
      await refuse(request, clientId, r.ttlInSeconds);
    },
  };
}
