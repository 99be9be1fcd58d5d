/**
 * The failed-login throttle on both of its stores (Redis via a Lua script, PostgreSQL via row locks):
 * parallel attempts are counted atomically, only failures count and delay (correct logins sent together all pass:
 * review27b F5), delays grow, a success resets the client at that address but lifts no delay of the address, and
 * nothing one address does delays another.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dbThrottle,
  delayMs,
  inFlightAllowance,
  type LoginOutcome,
  redisThrottle,
  type LoginThrottle,
  type ThrottleSettings,
} from '../../src/api/auth/throttle.js';
import { openTestStore, randomSuffix, REDIS_TEST_URL, type TestStore } from '../helpers/env.js';
import { deleteRedisKeys } from '../helpers/redis.js';

const settings = (prefix: string): ThrottleSettings => ({
  clientFree: 3,
  addressFree: 10,
  baseDelayMs: 60_000,
  maxDelayMs: 900_000,
  windowSeconds: 3600,
  prefix,
  holdMs: 2000,
});

describe('delayMs', () => {
  it('no delay within the free failures, then doubling up to the cap', () => {
    const rule = { key: 'k', free: 3, baseDelayMs: 1000, maxDelayMs: 10_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 8, 40].map((f) => delayMs(rule, f))).toEqual([
      0, 0, 0, 1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });
});

const prefix = `t-throttle-${randomSuffix()}`;
let store: TestStore;
let redis: Redis;
beforeAll(async () => {
  store = await openTestStore('postgres');
  redis = new Redis(REDIS_TEST_URL, { maxRetriesPerRequest: 1 });
}, 120_000);
afterAll(async () => {
  redis?.disconnect();
  await deleteRedisKeys(REDIS_TEST_URL, prefix);
  await store?.cleanup();
});

const impls: Array<[string, () => LoginThrottle]> = [
  ['redis', () => redisThrottle(redis, settings(prefix))],
  ['postgres', () => dbThrottle(store.db, settings(prefix))],
];

describe('inFlightAllowance', () => {
  it('the failures left before delays (the next one included), at least one', () => {
    expect([0, 1, 3, 4, 9].map((f) => inFlightAllowance(3, f))).toEqual([4, 3, 1, 1, 1]);
  });
});

describe.each(impls)('%s throttle', (name, make) => {
  const id = (s: string) => `${name}-${s}`;
  /** One login: taken, checked for `checkMs`, ended with `outcome` when let through; its wait (0: checked). */
  const attempt = async (
    t: LoginThrottle,
    client: string,
    address: string,
    outcome: LoginOutcome,
    checkMs = 0,
  ) => {
    const wait = await t.take(client, address);
    if (wait === 0) {
      await new Promise((resolve) => setTimeout(resolve, checkMs));
      await t.finish(client, address, outcome);
    }
    return wait;
  };

  it('25 parallel wrong guesses: exactly free + 1 are checked, the rest are told to wait', async () => {
    const t = make();
    const waits = await Promise.all(
      Array.from({ length: 25 }, () => attempt(t, id('race'), '10.0.0.1', 'failed', 30)),
    );
    expect(waits.filter((w) => w === 0)).toHaveLength(4);
    for (const w of waits.filter((w) => w > 0)) {
      expect(w).toBeGreaterThan(0);
      expect(w).toBeLessThanOrEqual(60_000);
    }
  });

  // review27b F5: correct logins sent together were counted as failures until each succeeded (4 of 8 refused).
  it('12 correct logins sent together are all checked, none counted as a failure', async () => {
    const t = make();
    const waits = await Promise.all(
      Array.from({ length: 12 }, () => attempt(t, id('replicas'), '10.0.5.1', 'succeeded', 30)),
    );
    expect(waits).toEqual(Array.from({ length: 12 }, () => 0));
    // nothing was counted: free + 1 failures are still checked before a delay
    for (let i = 0; i < 4; i++) expect(await attempt(t, id('replicas'), '10.0.5.1', 'failed')).toBe(0);
    expect(await t.take(id('replicas'), '10.0.5.1')).toBeGreaterThan(0);
  });

  it('a waiting attempt counts nothing; another address is not delayed', async () => {
    const t = make();
    for (let i = 0; i < 4; i++) expect(await attempt(t, id('a'), '10.0.1.1', 'failed')).toBe(0);
    expect(await t.take(id('a'), '10.0.1.1')).toBeGreaterThan(0);
    expect(await t.take(id('a'), '10.0.1.1')).toBeGreaterThan(0);
    expect(await t.take(id('a'), '10.0.1.2')).toBe(0);
  });

  it('a success resets the client at that address', async () => {
    const t = make();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3; i++) expect(await attempt(t, id('ok'), '10.0.2.1', 'failed')).toBe(0);
      expect(await attempt(t, id('ok'), '10.0.2.1', 'succeeded')).toBe(0);
    }
    expect(await t.take(id('ok'), '10.0.2.1')).toBe(0);
  });

  it('an attempt whose check broke (abandoned) leaves the flight and counts nothing', async () => {
    const t = make();
    const held = await Promise.all(Array.from({ length: 4 }, () => t.take(id('gone'), '10.0.6.1')));
    expect(held).toEqual([0, 0, 0, 0]);
    for (let i = 0; i < 4; i++) await t.finish(id('gone'), '10.0.6.1', 'abandoned');
    for (let i = 0; i < 4; i++) expect(await attempt(t, id('gone'), '10.0.6.1', 'failed')).toBe(0);
  });

  it('one address guessing many client ids is delayed after addressFree failures', async () => {
    const t = make();
    for (let i = 0; i < 11; i++) expect(await attempt(t, id(`spray-${i}`), '10.0.3.1', 'failed')).toBe(0);
    expect(await t.take(id('spray-x'), '10.0.3.1')).toBeGreaterThan(0);
    // an attacker's own good logins do not lift the delay of its address
    await t.finish(id('spray-0'), '10.0.3.1', 'succeeded');
    expect(await t.take(id('spray-y'), '10.0.3.1')).toBeGreaterThan(0);
  });
});
