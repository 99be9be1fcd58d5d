/**
 * The rate limiter's store in Redis, one key space for every limiter of truc (the API's requests, failed
 * authentications, tokens issued): `<jobs.queuePrefix>:rate-limit:<what>:<whose>`, each limiter's key naming what it
 * counts (`requests:`, `failed-auth:`, `tokens:`…) and whose count it is. @fastify/rate-limit's own store gives each
 * limiter made by `createRateLimit` a child named after its route, which such a limiter has none of: its keys read
 * `…:rate-limit:undefinedundefined-tokens:<client>` (fix11).
 */
import { createRequire } from 'node:module';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';

/** What the plugin gives a store it builds (its settings merged with a limiter's). */
type Params = { continueExceeding?: boolean; exponentialBackoff?: boolean };
type Store = FastifyRateLimitStore & { child: (o: Params) => FastifyRateLimitStore };
type RedisStoreCtor = new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: Redis,
  key: string,
) => Store;

// The plugin's Redis store (its Lua scripts: count and read), which it does not export by name.
const RedisStore = createRequire(import.meta.url)(
  '@fastify/rate-limit/store/RedisStore.js',
) as RedisStoreCtor;

/** The store of every limiter on `redis`, its keys under `nameSpace` (see the file's comment). */
export function namedRedisStore(redis: Redis, nameSpace: string): FastifyRateLimitStoreCtor {
  const make = (o: Params): Store => {
    const store = new RedisStore(
      o.continueExceeding ?? false,
      o.exponentialBackoff ?? false,
      redis,
      nameSpace,
    );
    store.child = make;
    return store;
  };
  return function TrucRateLimitStore(o: Params) {
    return make(o);
  } as unknown as FastifyRateLimitStoreCtor;
}
