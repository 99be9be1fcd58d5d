/**
 * review10: a client that resets its connection while truc checks its bearer token (or its login secret) leaves a
 * request whose `ip` is undefined (fastify reads the socket's address, gone with the socket). The failed-auth count and
 * the token limit keyed it with normalizeIP, which threw: a 500 logged as 'unhandled error' for each such request
 * (an attacker's loop of bad tokens and resets filled the error log). Such a request is counted under '' instead.
 */
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyRequest } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { addressKey, standaloneFailedAuthCounter } from '../../../src/api/failed-auth.js';
import { tokenLimit } from '../../../src/api/auth/token-limit.js';

/** What fastify hands a hook for a request whose connection is gone: `ip` undefined, though typed a string. */
const gone = () => ({ ip: undefined, routeOptions: { config: {} } }) as unknown as FastifyRequest;

describe('review10: a request whose connection is gone', () => {
  const hosts: { close(): Promise<unknown> }[] = [];
  afterAll(async () => {
    for (const h of hosts) await h.close();
  });

  it('is one key, the same as a present address keys as before', () => {
    expect(addressKey(undefined)).toBe('');
    expect(addressKey('127.0.0.1')).toBe('127.0.0.1');
    expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe(addressKey('2001:db8:1:2:ffff:4:5:6'));
  });

  it('is counted as a failed authentication, never a TypeError', async () => {
    const limit = { max: 2, windowMs: 60_000 };
    const counter = await standaloneFailedAuthCounter({ limit, prefix: `review10-gone-${process.pid}` });
    hosts.push(counter);
    await expect(counter.count(gone())).resolves.toMatchObject({ exceeded: false });
    await expect(counter.count(gone())).resolves.toMatchObject({ exceeded: false, remaining: 0 });
    await expect(counter.count(gone())).resolves.toMatchObject({ exceeded: true });
  });

  it("passes the token limit's per-address look-up, never a TypeError", async () => {
    const app = Fastify({ logger: false });
    hosts.push(app);
    await app.register(rateLimit, { global: false });
    await app.ready();
    const limit = tokenLimit(app, 1, () => {});
    await expect(limit.check(gone(), 'cl_gone')).resolves.toBeUndefined();
    await expect(limit.count(gone(), 'cl_gone')).resolves.toBeUndefined();
    // Past the allowance the refusal notes the address (undefined here): a 429, not a TypeError.
    await expect(limit.count(gone(), 'cl_gone')).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED' });
  });
});
