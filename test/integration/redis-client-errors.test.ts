/**
 * The API's Redis client (rate limits, login throttle: `sharedRedis` in src/deps.ts) reports its
 * connection errors through pino, once per outage, and never on stderr: without its 'error' listener
 * ioredis prints every reconnection attempt's error with console.error and nothing reaches the log.
 * A private redis-server (never the shared one) is killed and started again.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sharedRedis } from '../../src/deps.js';
import { waitFor } from '../helpers/env.js';
import { captureLog } from '../helpers/log-lines.js';
import { startOwnRedis, type OwnRedis } from '../helpers/faults.js';

describe('the API Redis client: connection errors', () => {
  let own: OwnRedis;
  beforeAll(async () => {
    own = await startOwnRedis();
  });
  afterAll(async () => {
    await own?.stop();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('logs an outage once through pino (not on stderr), and its end', async () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { logger, lines } = captureLog();
    const redis = sharedRedis(own.url, logger);
    // Counted through 'reconnecting' (one per failed attempt), not a listener of our own on 'error':
    // that would keep ioredis off stderr by itself.
    let attempts = 0;
    try {
      expect(await redis.ping()).toBe('PONG');
      redis.on('reconnecting', () => attempts++);
      await own.kill();
      // Several reconnection attempts fail while it is down.
      await waitFor(() => attempts >= 3, { timeoutMs: 30_000, what: 'three reconnection attempts' });
      const warned = lines.filter((l) => l.level === 'warn');
      expect(warned).toHaveLength(1);
      expect(warned[0]!.msg).toMatch(/Redis .*connection error/);
      expect(warned[0]!.err).toMatchObject({ message: expect.stringMatching(/ECONNREFUSED|closed/) });
      expect(stderr).not.toHaveBeenCalled();

      await own.start();
      await waitFor(() => redis.status === 'ready', { timeoutMs: 30_000, what: 'the client back' });
      expect(await redis.ping()).toBe('PONG');
      expect(lines.filter((l) => l.level === 'info').map((l) => l.msg)).toEqual([
        expect.stringMatching(/Redis .*connection back/),
      ]);
      expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      redis.disconnect();
    }
  });
});
