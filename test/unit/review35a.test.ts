/**
 * review35a (stop 55, the city IT admin's first month): the findings that need no database. See
 * test/integration/review35a.test.ts and /work/briefs/review35a-findings.md (same numbering).
 */
import type { Job as QueueJob } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { issueToken, signingKeyFrom, verifyToken } from '../../src/api/auth/tokens.js';
import { loadConfig } from '../../src/config.js';
import { issueWords } from '../../src/config/issue-words.js';
import type { WorkerContext } from '../../src/jobs/context.js';
import { DeferJob, defineJob } from '../../src/jobs/define.js';
import { runQueueJob } from '../../src/jobs/worker.js';
import { captureLog } from '../helpers/log-lines.js';
import { useTestContext } from './jobs/fixtures.js';
import { configErrorOf, useConfigDirs } from '../helpers/config-dir.js';
import { expectViThenEn } from '../helpers/vietnamese-half.js';

const dirOf = useConfigDirs();

/** Each problem's words, after its `path (ENV): `. */
const wordsOf = (problems: readonly string[]): string[] =>
  problems.map((p) => p.replace(/^[\w.]+( \([A-Z_]+\))?: /, ''));

describe('F3: a bad configuration is said in Vietnamese and English, every line', () => {
  it('values from the environment (too small, too big, not a URL, not one of, a pattern)', () => {
    const err = configErrorOf(() =>
      loadConfig({
        env: {
          TRUC_PROFILE: 'test',
          PORT: '99999',
          PUBLIC_URL: 'foo',
          LOG_LEVEL: 'verbose',
          TRUC_METRICS_TOKEN: 'short',
          TRUC_WORKER_CONCURRENCY: '0',
          TRUC_JWT_KEYS: 'k 1:abc',
        },
      }),
    );
    expect(err.problems).toHaveLength(7);
    for (const words of wordsOf(err.problems)) expectViThenEn(words);
    expect(err.problems).toContain(
      'auth.jwtKeys.0.secret (TRUC_JWT_KEYS): phải dài ít nhất 32 ký tự / must be at least 32 characters long',
    );
    expect(err.problems).toContain('server.port (PORT): không được lớn hơn 65535 / must be at most 65535');
    expect(err.problems).toContain('server.publicUrl (PUBLIC_URL): không phải một URL / not a URL');
  });

  it("a profile's unknown key and a value not among those allowed", () => {
    const dir = dirOf('default', 'server:\n  prot: 1\nsync:\n  schedules:\n    x:\n      system: nope\n');
    const err = configErrorOf(() => loadConfig({ env: {}, configDir: dir }));
    for (const words of wordsOf(err.problems)) expectViThenEn(words);
    expect(err.problems).toContain('server: khoá không được biết: prot / unknown key(s): prot');
  });

  it('a mapping whose key is refused says what the key must be, each language in its half (walk6 W6-3)', () => {
    const err = configErrorOf(() =>
      loadConfig({ env: { TRUC_PROFILE: 'test', TRUC_PCGD_DIFFICULT_COMMUNES: 'abc;2026:123' } }),
    );
    expect(err.problems).toHaveLength(2);
    for (const words of wordsOf(err.problems)) expectViThenEn(words);
    expect(err.problems).toContain(
      'pcgd.difficultCommunes.abc (TRUC_PCGD_DIFFICULT_COMMUNES): khoá không hợp lệ: phải là năm 4 chữ số, dạng ' +
        '2026:27676,27664;2027:27676 / invalid key: must be a 4-digit year, in the form 2026:27676,27664;2027:27676',
    );
    expect(wordsOf(err.problems)).toContain(
      'phải là mã xã 5 chữ số (QĐ 19/2025) / must be a 5-digit commune code (of the 2025 reform)',
    );
  });

  it('a value of the wrong form says what to write, never the pattern (fix8 item 5)', () => {
    const secret = 'x'.repeat(32);
    const dir = dirOf(
      'default',
      'sync:\n  schedules:\n    Nightly_1:\n      system: smas\n      entity: students\n',
    );
    const err = configErrorOf(() => loadConfig({ env: { TRUC_JWT_KEYS: `k 1:${secret}` }, configDir: dir }));
    for (const words of wordsOf(err.problems)) expectViThenEn(words);
    expect(wordsOf(err.problems)).toContain(
      'mã khoá (kid): 1–64 ký tự A–Z a–z 0–9 . _ - / a key id (kid): 1–64 of A–Z a–z 0–9 . _ -',
    );
    expect(err.problems.join('\n')).toContain('a schedule id: 1–64 lower-case letters, digits and -');
    expect(err.problems.join('\n')).not.toMatch(/[\^$]|\{1,/);
    // A pattern given no words (none is left in src/config) is still not shown.
    const bare = z.object({ x: z.string().regex(/^a$/) }).safeParse({ x: 'b' });
    expect(issueWords(bare.error!.issues[0]!)).toBe('không đúng dạng quy định / not in the required form');
  });
});

describe('F6: a job the database refuses (its disk full, read-only after a failover)', () => {
  const base = useTestContext();

  it('waits without spending an attempt, logged at warn with the SQLSTATE (was: retried, dead-lettered)', async () => {
    const { logger, lines } = captureLog('info');
    const ctx = { ...base, logger } as WorkerContext;
    const full = Object.assign(
      new Error('could not extend file "base/16384/2619": No space left on device'),
      {
        code: '53100',
      },
    );
    const job = defineJob({
      queue: 'ingest',
      name: 'ingest-batch',
      payload: z.object({ batchId: z.string() }),
      concurrency: 1,
      process: () => Promise.reject(full),
    });
    const plan = { queue: 'ingest', jobs: new Map([[job.name, job]]) };
    const queueJob = {
      id: 'ob-1',
      name: 'ingest-batch',
      data: { batchId: 'b', outboxId: 1 },
      queueName: 'ingest',
      attemptsMade: 0,
      opts: {},
    } as unknown as QueueJob;
    const out = await runQueueJob(plan, ctx, queueJob).catch((e: unknown) => e);
    expect(out).toBeInstanceOf(DeferJob);
    expect(out).toMatchObject({ reason: 'database-refusing', scope: 'job' });
    const line = lines.find((l) => l.msg === 'database refuses the work; the job waits');
    expect(line).toMatchObject({ level: 'warn', sqlState: '53100', queue: 'ingest' });
    expect(lines.filter((l) => String(l.msg).startsWith('job failed'))).toEqual([]);
  });
});

describe('F4: a DATABASE_URL or REDIS_URL that is no such URL is a configuration error (exit 2), not an outage', () => {
  it('is refused at load, in both languages, without repeating the value', () => {
    const err = configErrorOf(() =>
      loadConfig({
        env: { TRUC_PROFILE: 'test', DATABASE_URL: 'not-a-url', REDIS_URL: 'http://pw@cache:6379' },
      }),
    );
    expect(err.problems).toHaveLength(2);
    for (const words of wordsOf(err.problems)) expectViThenEn(words);
    expect(err.problems[0]).toMatch(
      /^database\.url \(DATABASE_URL\): .* \/ not a postgres or postgresql:\/\/ URL/,
    );
    expect(err.problems[1]).toMatch(/^redisUrl \(REDIS_URL\): .* \/ not a redis or rediss:\/\/ URL/);
    expect(err.message).not.toContain('pw@cache');
  });

  it('takes a URL without a host and a socket path', () => {
    const c = loadConfig({
      env: { TRUC_PROFILE: 'test', DATABASE_URL: 'postgres:///truc', REDIS_URL: '/run/redis.sock' },
    });
    expect([c.database.url, c.redisUrl]).toEqual(['postgres:///truc', '/run/redis.sock']);
  });
});

describe('F7: clocks a few seconds apart (API processes on two hosts behind one balancer)', () => {
  it('a token issued by a host 60 s ahead is taken at once by the other, not refused as not yet valid', async () => {
    const s = {
      keys: [signingKeyFrom({ kid: 'k1', secret: 'review35a-signing-seed-000000000000000000001' })],
      issuer: 'https://truc.example',
      audience: 'truc-api',
      ttlSeconds: 900,
      clockSkewSeconds: 300,
    };
    const principal = { clientId: 'cl_vendor', role: 'vendor' as const, scopes: ['batches:write'] };
    let token = '';
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 60_000);
      token = (await issueToken(s, principal)).token;
    } finally {
      vi.useRealTimers();
    }
    await expect(verifyToken(s, token)).resolves.toMatchObject({ clientId: 'cl_vendor' });
  });
});
