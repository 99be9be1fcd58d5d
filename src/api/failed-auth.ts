/**
 * Failed authentications per source address (api.failedAuthLimit): a missing, bad or expired bearer token at /v1
 * (api27) and a wrong /metrics token on any role (sec29 item 2) are one count per address (IPv6 by its /64), in the
 * rate limiter's store (Redis when configured, shared by every process and role; else this process). Only failures
 * are counted and only a failure is refused: a right token is served whatever its address did.
 */
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { AppError } from '../errors.js';
import { namedRedisStore } from './rate-limit-store.js';
import { waitRefusal } from './retry-later.js';

export interface FailedAuthLimit {
  max: number;
  windowMs: number;
}

/** An address's failures after one more: past the limit or not, and the RateLimit-* figures to show. */
export interface FailureCount {
  exceeded: boolean;
  max: number;
  remaining: number;
  /** Seconds until the address's window ends. */
  resetSeconds: number;
}

/**
 * Counts one more failure of a request's address (undefined: its connection is gone, see {@link addressKey}).
 */
export type FailureCounter = (request: { ip: string | undefined }) => Promise<FailureCount>;

/**
 * A source address as a count's key: IPv6 by its /64 (normalizeIP); '' for a request whose connection is already gone
 * (review10: fastify's `request.ip`, typed a string, is then undefined, and normalizeIP threw, a 500 logged as
 * 'unhandled error' for every client that reset its connection while its token or secret was being checked).
 */
export const addressKey = (ip: string | undefined): string => (ip === undefined ? '' : normalizeIP(ip));

/** The store key of an address's failed authentications (one for /v1 and every /metrics). */
const keyOf = (ip: string | undefined): string => `failed-auth:${addressKey(ip)}`;

/** A counter of failures in the store of `app`'s rate limiter (@fastify/rate-limit, registered on it). */
export function failedAuthCounter(app: FastifyInstance, limit: FailedAuthLimit): FailureCounter {
  const count = app.createRateLimit({
    max: limit.max,
    timeWindow: limit.windowMs,
    keyGenerator: (request) => keyOf(request.ip),
    allowList: () => false,
  });
  return async function countFailure(request) {
    // The limiter reads the request's address and its route's config (a groupId) only.
    const r = await count({ ip: request.ip, routeOptions: { config: {} } } as unknown as FastifyRequest);
    if (r.isAllowed) return { exceeded: false, max: limit.max, remaining: limit.max, resetSeconds: 0 };
    return { exceeded: r.isExceeded, max: r.max, remaining: r.remaining, resetSeconds: r.ttlInSeconds };
  };
}

/**
 * The same counter outside the API (a worker's or scheduler's operations port, a plain HTTP server): a fastify
 * instance of its own holds the limiter, on the API's store (the same Redis and key space when given).
 */
export async function standaloneFailedAuthCounter(opts: {
  limit: FailedAuthLimit;
  redis?: Redis | undefined;
  /** jobs.queuePrefix: the API's key space. */
  prefix: string;
}): Promise<{ count: FailureCounter; close(): Promise<void> }> {
  const host = Fastify({ logger: false });
  await host.register(rateLimit, {
    global: false,
    ...(opts.redis ? { store: namedRedisStore(opts.redis, `${opts.prefix}:rate-limit:`) } : {}),
    skipOnError: true,
  });
  await host.ready();
  return { count: failedAuthCounter(host, opts.limit), close: () => host.close() };
}

/** The refusal of an address past its failed authentications: 429 ERR_RATE_LIMITED, bilingual, with Retry-After. */
export function tooManyFailures(r: FailureCount, limit: FailedAuthLimit): AppError {
  const seconds = Math.ceil(limit.windowMs / 1000);
  return waitRefusal('ERR_RATE_LIMITED', r.resetSeconds, {
    vi: `quá nhiều lần xác thực thất bại từ địa chỉ này (tối đa ${r.max} trong ${seconds} giây)`,
    en: `too many failed authentications from this address (at most ${r.max} in ${seconds} s)`,
  });
}
