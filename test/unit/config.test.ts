import { isAbsolute, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, redactConfig } from '../../src/config.js';
import { configErrorOf, useConfigDirs } from '../helpers/config-dir.js';

const KEY_A = 'a'.repeat(40);
const KEY_B = 'b'.repeat(40);

/** A temp config folder holding `<profile>.yaml` with the given text. */
const configDir = useConfigDirs();

describe('loadConfig: defaults per profile', () => {
  it('default profile: production defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c.profile).toBe('default');
    expect(c.server).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      bodyLimitBytes: 5_242_880,
      maxBatchRecords: 1000,
    });
    expect(c.database.url).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.logLevel).toBe('info');
    expect(c.auth).toMatchObject({
      jwtKeys: [],
      audience: 'truc-api',
      tokenTtlSeconds: 900,
      maxFailedLogins: 5,
    });
    expect(c.auth.issuer).toBeUndefined(); // server.publicUrl when set, else "truc" (src/deps.ts)
    expect(c.auth).toMatchObject({
      maxFailedLoginsPerAddress: 20,
      failedLoginWindowSeconds: 3600,
      maxTokensPerMinute: 60,
    });
    expect(c.api).toEqual({
      maxJsonDepth: 32,
      maxNestedArrayItems: 1000,
      maxHeaderBytes: 16_384,
      rateLimit: { max: 1200, windowMs: 60_000 },
      trustProxy: false,
      changeFeed: { keepSchoolYears: 1, purgeCron: '15 3 * * *', tz: 'Asia/Ho_Chi_Minh' },
      failedAuthLimit: { max: 30, windowMs: 60_000 },
      idempotencyRetentionHours: 24,
      batchRetentionDays: 30,
    });
    expect(c.database).toMatchObject({ poolMax: 10, idleInTransactionTimeoutMs: 20_000 });
    expect(c.metrics).toEqual({}); // no metrics.token: /metrics open, as before (sec28)
    expect(c.jobs).toMatchObject({ attempts: 8, backoffMs: 1000, concurrency: 4 });
    expect(c.systems['moet-pcgd'].rateLimit).toEqual({ max: 2, durationMs: 1000 });
    expect(c.systems['moet-pcgd'].timeoutMs).toBe(20_000);
    expect(c.systems['hcm-csdl'].rateLimit).toEqual({ max: 20, durationMs: 1000 });
    expect(c.systems.smas.watermarkOverlapSeconds).toBe(60);
    expect(c.systems.vnedu.watermarkOverlapSeconds).toBe(60);
  });

  it('moet-pcgd: one call time, 20000 ms, whether a profile names its section or not (fix7)', () => {
    const bare = loadConfig({
      env: { TRUC_PROFILE: 'bare' },
      configDir: configDir('bare', 'jobs:\n  attempts: 8\n'),
    });
    expect(bare.systems['moet-pcgd'].timeoutMs).toBe(20_000);
    const dir = configDir('rate', 'systems:\n  moet-pcgd:\n    rateLimit: { max: 1, durationMs: 1000 }\n');
    const named = loadConfig({ env: { TRUC_PROFILE: 'rate' }, configDir: dir });
    expect(named.systems['moet-pcgd'].timeoutMs).toBe(20_000);
    expect(named.systems['hcm-csdl'].timeoutMs).toBe(10_000);
  });

  it('test profile: port 0, loopback, silent, fast retries, a test signing key', () => {
    const c = loadConfig({ env: { TRUC_PROFILE: 'test' } });
    expect(c.profile).toBe('test');
    expect(c.server).toMatchObject({ port: 0, host: '127.0.0.1', bodyLimitBytes: 1_048_576 });
    expect(c.logLevel).toBe('silent');
    expect(c.auth.jwtKeys).toEqual([
      { kid: 'test-1', secret: 'test-only-signing-key-not-secret-000000000001' },
    ]);
    expect(c.auth).toMatchObject({ maxFailedLogins: 3, lockoutSeconds: 60, tokenTtlSeconds: 300 });
    expect(c.jobs).toMatchObject({ attempts: 5, backoffMs: 50, outboxPollMs: 50 });
    expect(c.systems['hcm-csdl']).toMatchObject({
      clientId: 'truc-test',
      clientSecret: 'test-secret-hcm-csdl',
      timeoutMs: 2000,
    });
  });

  it('demo profile: loopback, its own data dir made absolute', () => {
    const c = loadConfig({ env: { TRUC_PROFILE: 'demo' } });
    expect(c.server.host).toBe('127.0.0.1');
    expect(c.logLevel).toBe('warn');
    expect(isAbsolute(c.database.dataDir)).toBe(true);
    expect(c.database.dataDir.endsWith(join('data', 'demo'))).toBe(true);
    expect(c.auth.jwtKeys[0]?.kid).toBe('demo-1');
  });

  it("demo profile: the city's schedules as the default profile has them (a city admin walks them in the demo)", () => {
    const demo = loadConfig({ env: { TRUC_PROFILE: 'demo' } });
    const city = loadConfig({ env: {} });
    expect(Object.keys(demo.sync.schedules).length).toBeGreaterThan(0);
    expect(demo.sync.schedules).toEqual(city.sync.schedules);
    expect(demo.quality.websiteProbe.cron).toBe(''); // its made-up schools' websites are not probed
  });

  it('a blank TRUC_PROFILE means the default profile', () => {
    expect(loadConfig({ env: { TRUC_PROFILE: '  ' } }).profile).toBe('default');
  });
});

describe('loadConfig: environment overrides the profile', () => {
  it('maps each variable to its setting', () => {
    const c = loadConfig({
      env: {
        TRUC_PROFILE: 'test',
        PORT: '9090',
        HOST: '127.0.0.2',
        DATABASE_URL: 'postgres://u@db.example:5432/truc',
        DATA_DIR: '/var/lib/truc',
        REDIS_URL: 'redis://cache:6379',
        LOG_LEVEL: 'debug',
        TRUC_JWT_KEYS: `new-1:${KEY_A}, old-1:${KEY_B}`,
        TRUC_TOKEN_TTL_SECONDS: '120',
        TRUC_WORKER_CONCURRENCY: '7',
        HCM_CSDL_BASE_URL: 'http://127.0.0.1:4010',
        MOET_PCGD_CLIENT_SECRET: 'from-env',
        SMAS_API_KEY: 'smas-key',
        VNEDU_TOKEN: 'vnedu-token',
        TRUC_METRICS_TOKEN: 'metrics-token-0123456789',
      },
    });
    expect(c.server.port).toBe(9090);
    expect(c.server.host).toBe('127.0.0.2');
    expect(c.database).toMatchObject({ url: 'postgres://u@db.example:5432/truc', dataDir: '/var/lib/truc' });
    expect(c.redisUrl).toBe('redis://cache:6379');
    expect(c.logLevel).toBe('debug');
    expect(c.auth.jwtKeys).toEqual([
      { kid: 'new-1', secret: KEY_A },
      { kid: 'old-1', secret: KEY_B },
    ]);
    expect(c.auth.tokenTtlSeconds).toBe(120);
    expect(c.jobs.concurrency).toBe(7);
    expect(c.systems['hcm-csdl'].baseUrl).toBe('http://127.0.0.1:4010');
    expect(c.systems['hcm-csdl'].clientId).toBe('truc-test'); // untouched YAML value stays
    expect(c.systems['moet-pcgd'].clientSecret).toBe('from-env');
    expect(c.systems.smas.apiKey).toBe('smas-key');
    expect(c.systems.vnedu.token).toBe('vnedu-token');
    expect(c.metrics).toEqual({ token: 'metrics-token-0123456789' });
  });

  it('empty variables are ignored, not applied as empty strings', () => {
    const c = loadConfig({ env: { TRUC_PROFILE: 'test', PORT: '', DATABASE_URL: '', LOG_LEVEL: '' } });
    expect(c.server.port).toBe(0);
    expect(c.database.url).toBeUndefined();
    expect(c.logLevel).toBe('silent');
  });

  it('reads process.env when no env is passed', () => {
    const saved = process.env.TRUC_PROFILE;
    process.env.TRUC_PROFILE = 'test';
    try {
      expect(loadConfig().profile).toBe('test');
    } finally {
      if (saved === undefined) delete process.env.TRUC_PROFILE;
      else process.env.TRUC_PROFILE = saved;
    }
  });
});

describe('loadConfig: every bad setting in one ConfigError', () => {
  it('lists bad PORT, bad LOG_LEVEL and a short JWT key together, naming the variables', () => {
    const err = configErrorOf(() =>
      loadConfig({
        env: { TRUC_PROFILE: 'test', PORT: 'abc', LOG_LEVEL: 'loud', TRUC_JWT_KEYS: 'k1:too-short' },
      }),
    );
    expect(err.problems).toHaveLength(3);
    expect(err.problems.find((p) => p.startsWith('PORT:'))).toContain('"abc"');
    expect(err.problems.some((p) => p.startsWith('logLevel (LOG_LEVEL)'))).toBe(true);
    expect(err.problems.some((p) => p.startsWith('auth.jwtKeys.0.secret (TRUC_JWT_KEYS)'))).toBe(true);
    // Bilingual header, then one line per problem.
    expect(err.message).toContain('Cấu hình không hợp lệ / invalid configuration (3)');
    expect(err.message.split('\n')).toHaveLength(4);
    // The offending secret itself is never echoed.
    expect(err.message).not.toContain('too-short');
  });

  it('an out-of-range PORT names the variable', () => {
    const err = configErrorOf(() => loadConfig({ env: { TRUC_PROFILE: 'test', PORT: '70000' } }));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(/^server\.port \(PORT\): /);
  });

  it('an unknown profile is refused with the file it looked for', () => {
    const err = configErrorOf(() => loadConfig({ env: { TRUC_PROFILE: 'nosuch' } }));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toContain('nosuch.yaml');
  });

  it('a profile name that is not a plain word (path traversal) is refused', () => {
    const err = configErrorOf(() => loadConfig({ env: { TRUC_PROFILE: '../etc/passwd' } }));
    expect(err.problems[0]).toMatch(/^TRUC_PROFILE: /);
  });

  it('bad YAML is listed together with bad environment values', () => {
    const dir = configDir('broken', 'server:\n  port: [1, 2\n');
    const err = configErrorOf(() =>
      loadConfig({ env: { TRUC_PROFILE: 'broken', PORT: 'abc' }, configDir: dir }),
    );
    expect(err.problems.some((p) => p.includes('broken.yaml') && p.includes('bad YAML'))).toBe(true);
    expect(err.problems.some((p) => p.startsWith('PORT:'))).toBe(true);
  });

  // BUG (src/config.ts ConfigSchema): the sections server/database/auth/jobs/systems have no default,
  // so a profile file that omits one (or an unreadable one) adds "expected object, received undefined"
  // lines that hide the real problem. Flip to `it` once the sections default to {}.
  it('bad YAML is the only problem listed (no noise about missing sections)', () => {
    const dir = configDir('broken', 'server:\n  port: [1, 2\n');
    const err = configErrorOf(() => loadConfig({ env: { TRUC_PROFILE: 'broken' }, configDir: dir }));
    expect(err.problems).toHaveLength(1);
  });

  it('jobs.attempts below sync.delivery.failureThreshold is refused, naming both keys (guard25)', () => {
    // A job alone against a target that is down would be dead-lettered before the circuit could open.
    const dir = configDir('few', 'jobs:\n  attempts: 4\nsync:\n  delivery: { failureThreshold: 5 }\n');
    const err = configErrorOf(() => loadConfig({ env: { TRUC_PROFILE: 'few' }, configDir: dir }));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(
      /^jobs\.attempts: jobs\.attempts \(4\) nhỏ hơn sync\.delivery\.failureThreshold \(5\)/,
    );
    expect(err.problems[0]).toContain(
      '/ jobs.attempts (4) is smaller than sync.delivery.failureThreshold (5)',
    );
    // Equal is enough: the failure that opens the circuit spends no attempt.
    const ok = configDir('enough', 'jobs:\n  attempts: 3\nsync:\n  delivery: { failureThreshold: 3 }\n');
    expect(loadConfig({ env: { TRUC_PROFILE: 'enough' }, configDir: ok }).jobs.attempts).toBe(3);
  });

  it('every shipped profile keeps jobs.attempts at or above the circuit threshold', () => {
    for (const profile of ['default', 'demo', 'test']) {
      const c = loadConfig({ env: { TRUC_PROFILE: profile } });
      expect(c.jobs.attempts, profile).toBeGreaterThanOrEqual(c.sync.delivery.failureThreshold);
    }
  });

  it('a YAML document that is not a mapping is refused', () => {
    const dir = configDir('scalar', 'just a string\n');
    const err = configErrorOf(() => loadConfig({ env: { TRUC_PROFILE: 'scalar' }, configDir: dir }));
    expect(err.problems.some((p) => p.includes('not a mapping'))).toBe(true);
  });

  it('unknown keys in YAML (typos) are listed, each with its path, with the other problems', () => {
    const dir = configDir(
      'typo',
      'server:\n  prot: 8080\njobs:\n  attemps: 3\nlogLevel: loud\ndatabase: {}\nauth: {}\nsystems: {}\n',
    );
    const err = configErrorOf(() => loadConfig({ env: { TRUC_PROFILE: 'typo', PORT: 'x' }, configDir: dir }));
    expect(err.problems).toHaveLength(4);
    expect(err.problems.some((p) => p.startsWith('server') && p.includes('prot'))).toBe(true);
    expect(err.problems.some((p) => p.startsWith('jobs') && p.includes('attemps'))).toBe(true);
    expect(err.problems.some((p) => p.startsWith('logLevel'))).toBe(true);
    expect(err.problems.some((p) => p.startsWith('PORT:'))).toBe(true);
  });

  it('a time zone the runtime does not know is a problem with its path (a schedule in it would never fire)', () => {
    const dir = configDir(
      'tz',
      [
        'sync:',
        '  schedules:',
        "    nightly: { cron: '0 1 * * *', tz: Asia/Hanoi, system: hcm-csdl, entity: students }",
        "    saigon: { cron: '0 1 * * *', tz: Asia/Saigon, system: hcm-csdl, entity: staff }",
        'quality:',
        '  websiteProbe: { tz: Mars/Olympus }',
        '',
      ].join('\n'),
    );
    const err = configErrorOf(() => loadConfig({ env: { TRUC_PROFILE: 'tz' }, configDir: dir }));
    expect(err.problems).toHaveLength(2);
    expect(err.problems.some((p) => p.startsWith('sync.schedules.nightly.tz'))).toBe(true);
    expect(err.problems.some((p) => p.startsWith('quality.websiteProbe.tz'))).toBe(true);
  });

  it('an empty YAML file gives the schema defaults', () => {
    const dir = configDir('empty', '');
    const c = loadConfig({ env: { TRUC_PROFILE: 'empty' }, configDir: dir });
    expect(c.server.port).toBe(8080);
    expect(c.jobs.attempts).toBe(8);
    expect(c.systems.smas.watermarkOverlapSeconds).toBe(60);
  });

  it('a school system’s watermark overlap (BUG 6) is whole seconds, 0 to a day, and only for smas and vnedu', () => {
    const dir = configDir(
      'overlap',
      'systems:\n  smas: { watermarkOverlapSeconds: 5 }\n  vnedu: { watermarkOverlapSeconds: -1 }\n' +
        '  hcm-csdl: { watermarkOverlapSeconds: 5 }\n',
    );
    const err = configErrorOf(() => loadConfig({ env: { TRUC_PROFILE: 'overlap' }, configDir: dir }));
    expect(err.problems).toHaveLength(2);
    expect(err.problems.some((p) => p.startsWith('systems.vnedu.watermarkOverlapSeconds'))).toBe(true);
    expect(err.problems.some((p) => p.startsWith('systems.hcm-csdl'))).toBe(true);
    const ok = configDir('overlap-ok', 'systems:\n  smas: { watermarkOverlapSeconds: 5 }\n');
    const c = loadConfig({ env: { TRUC_PROFILE: 'overlap-ok' }, configDir: ok });
    expect(c.systems.smas.watermarkOverlapSeconds).toBe(5);
    expect(c.systems.vnedu.watermarkOverlapSeconds).toBe(60);
  });
});

describe('loadConfig: the result is frozen', () => {
  it('refuses changes at every level', () => {
    const c = loadConfig({ env: { TRUC_PROFILE: 'test' } });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.server)).toBe(true);
    expect(Object.isFrozen(c.auth.jwtKeys)).toBe(true);
    expect(Object.isFrozen(c.auth.jwtKeys[0])).toBe(true);
    expect(Object.isFrozen(c.systems['hcm-csdl'].rateLimit)).toBe(true);
    expect(() => {
      (c.server as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      c.auth.jwtKeys.push({ kid: 'x', secret: KEY_A });
    }).toThrow(TypeError);
    expect(c.server.port).toBe(0);
  });
});

describe('redactConfig', () => {
  it('hides signing keys, client secrets and the database URL', () => {
    const c = loadConfig({ env: { TRUC_PROFILE: 'test', DATABASE_URL: 'postgres://u:pw@db/truc' } });
    const text = JSON.stringify(redactConfig(c));
    expect(text).not.toContain('pw@');
    expect(text).not.toContain('test-only-signing-key');
    expect(text).not.toContain('test-secret-hcm-csdl');
    expect(text).not.toContain('test-smas-api-key');
    expect(text).not.toContain('test-vnedu-token');
    expect(text).toContain('[redacted]');
  });

  // BUG (src/config.ts redactConfig): the key list has 'url' but not 'redisUrl', so a Redis password
  // in REDIS_URL is printed. Flip to `it` once fixed.
  it('hides the Redis URL (it may carry a password)', () => {
    const c = loadConfig({ env: { TRUC_PROFILE: 'test', REDIS_URL: 'redis://:pw@cache:6379' } });
    expect(JSON.stringify(redactConfig(c))).not.toContain('pw@');
  });
});
