/**
 * The operations commands of `truc` run in process (`runCli`, test/helpers/cli-in-process.ts) in an operator's shell
 * (the `test` profile, nothing else of the runner's environment that points truc somewhere): their words and exit
 * codes (DESIGN §3 operator contract: 0 success, 1 failure, 2 bad usage or configuration, one clear stderr line
 * first) and their effects on real PostgreSQL, and `truc migrate` on a fresh embedded data directory. The binary
 * itself (start-up, exit code, the stdout/stderr split, `truc all`, a second process through it, SIGTERM):
 * test/e2e/cli.test.ts.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SCHOOL } from '../factories/records.js';
import { stubShell as shell, truc } from '../helpers/cli-in-process.js';
import { createTestDatabase, makeTempDir, type TempDir, type TestDatabase } from '../helpers/env.js';
import { freePort } from '../helpers/proc.js';

type Run = Awaited<ReturnType<typeof truc>>;

const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

describe('truc operations commands in process', () => {
  let data: TempDir;
  let db: TestDatabase;
  const inShell = (env: Record<string, string> = {}) =>
    shell({ DATA_DIR: data.path, DATABASE_URL: db.url, ...env });

  beforeAll(async () => {
    data = await makeTempDir('truc-cli-op-');
    db = await createTestDatabase({ migrated: true });
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  afterAll(async () => {
    await db?.drop();
    await data?.remove();
  });

  it('migrate: applies the migrations on a fresh embedded data directory, then reports up to date', async () => {
    const fresh = await makeTempDir('truc-cli-fresh-');
    try {
      shell({ DATA_DIR: fresh.path });
      const first = await truc('migrate');
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/^đã áp dụng: 001_init.* \/ applied: 001_init/m);
      const second = await truc('migrate');
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout.trim()).toBe('cơ sở dữ liệu đã mới nhất / database is up to date');
    } finally {
      await fresh.remove();
    }
    // generous: a fresh embedded cluster and its migrations have taken over 90 s on a loaded machine
  }, 170_000);

  it('clients add: prints exactly one JSON object with clientId and clientSecret', async () => {
    inShell();
    const e = await truc(
      'clients',
      'add',
      '--name',
      'Phần mềm A',
      '--role',
      'vendor',
      '--schools',
      `${SCHOOL},79000002`,
    );
    expect(e.code, e.stderr).toBe(0);
    expect(lines(e.stdout)).toHaveLength(1);
    const vendor = JSON.parse(e.stdout) as { clientId: string; clientSecret: string };
    expect(vendor).toMatchObject({
      name: 'Phần mềm A',
      role: 'vendor',
      schools: [SCHOOL, '79000002'],
      scopes: ['batches:write', 'batches:read', 'records:read', 'webhooks', 'quality:read'],
    });
    expect(vendor.clientId).toMatch(/^cl_[A-Za-z0-9]+$/);
    expect(vendor.clientSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('clients add with a bad role: exit 2, one clear line on stderr, nothing on stdout', async () => {
    inShell();
    const e = await truc('clients', 'add', '--name', 'X', '--role', 'boss', '--schools', SCHOOL);
    expect(e.code).toBe(2);
    expect(e.stdout).toBe('');
    expect(lines(e.stderr)).toHaveLength(1);
    expect(e.stderr).toMatch(/^truc: .*--role: one of vendor, pcgd-officer, city-admin, auditor/);
  });

  it('audit verify: exit 0 and OK', async () => {
    inShell();
    const added = await truc(
      'clients',
      'add',
      '--name',
      'Phần mềm kiểm toán',
      '--role',
      'vendor',
      '--schools',
      SCHOOL,
    );
    expect(added.code, added.stderr).toBe(0); // an audited action, so the chain has rows
    const e = await truc('audit', 'verify');
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/^nhật ký kiểm toán OK: .* \/ audit OK: [1-9]\d* rows, head [0-9a-f]{64}$/m);
  });

  it('audit verify names the first broken row after one is altered by hand (database guard lifted)', async () => {
    const own = await createTestDatabase({ migrated: true });
    try {
      shell({
        DATA_DIR: data.path,
        DATABASE_URL: own.url,
        TRUC_JWT_KEYS: 'cli:cli-test-signing-key-000000000000000001',
      });
      for (const name of ['one', 'two', 'three'])
        expect((await truc('clients', 'add', '--name', name, '--role', 'auditor')).code).toBe(0);
      expect((await truc('audit', 'verify')).stdout).toMatch(/ \/ audit OK: 3 rows/m);
      await alterSecondAuditRow(own.url);
      const e = await truc('audit', 'verify');
      expect(e.code).toBe(1);
      expect(e.stderr).toMatch(/^nhật ký kiểm toán BỊ HỎNG tại dòng 2 .* \/ audit BROKEN at row 2 \(hash\)/);
    } finally {
      await own.drop();
    }
  });

  it('a broken configuration (PORT=abc, LOG_LEVEL=loud): exit 2 listing every problem', async () => {
    inShell({ PORT: 'abc', LOG_LEVEL: 'loud' });
    const e = await truc('migrate');
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/^truc: .*invalid configuration \(2\)/);
    expect(e.stderr).toContain('PORT: "abc"');
    expect(e.stderr).toMatch(/logLevel \(LOG_LEVEL\)/);
  });

  it('DATABASE_URL at a closed port: exit 1, one line naming host:port and how to start PostgreSQL', async () => {
    const port = await freePort();
    inShell({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/truc` });
    const e: Run = await truc('migrate');
    expect(e.code).toBe(1);
    expect(lines(e.stderr)).toHaveLength(1);
    expect(e.stderr).toContain(`127.0.0.1:${port}`);
    expect(e.stderr).toMatch(/PostgreSQL/);
    expect(e.stderr).toMatch(/pg_ctlcluster|start/i);
  });

  it('REDIS_URL at a closed port: exit 1, one line naming Redis and host:port', async () => {
    const port = await freePort();
    inShell({ REDIS_URL: `redis://127.0.0.1:${port}` });
    const e = await truc('worker');
    expect(e.code).toBe(1);
    expect(lines(e.stderr)).toHaveLength(1);
    expect(e.stderr).toMatch(/Redis/);
    expect(e.stderr).toContain(`127.0.0.1:${port}`);
    expect(e.stderr).toMatch(/redis-server|unset REDIS_URL/);
  });
});

/** Changes the audit log's second row by hand: refused while its guard holds, then with the guard lifted. */
async function alterSecondAuditRow(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await expect(c.query(`UPDATE truc.audit_log SET actor = 'x' WHERE seq = 2`)).rejects.toThrow(
      /append-only/,
    );
    await c.query('ALTER TABLE truc.audit_log DISABLE TRIGGER USER');
    await c.query(`UPDATE truc.audit_log SET details = '{"role":"city-admin"}' WHERE seq = 2`);
    await c.query('ALTER TABLE truc.audit_log ENABLE TRIGGER USER');
  } finally {
    await c.end();
  }
}
