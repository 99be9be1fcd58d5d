/**
 * The `truc` CLI as an operator runs it (`node --import tsx src/main.ts …`, `truc all` through
 * `npx tsx src/main.ts all`, from the repository root, profile `test`, a temp DATA_DIR): output and exit codes of the operations commands (DESIGN §3 operator
 * contract: 0 success, 1 failure, 2 bad usage or configuration, one clear stderr line first), and
 * `truc all` end to end: serving, a second process reaching the embedded database through it, and
 * a graceful SIGTERM. Each test stands alone (any one can run by itself, in any order): the ones that
 * need a database share a migrated data directory made before them and create their own clients; the
 * one about a fresh directory has its own. The API is reached through the typed client of the spec.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startCitySimulator } from '../helpers/city-sim.js';
import { SCHOOL, student } from '../factories/records.js';
import { createTestDatabase, makeTempDir, waitFor, type TempDir } from '../helpers/env.js';
import { seedPgliteDir } from '../helpers/pglite-template.js';
import { clientAs, onTheWire, trucClient, type TrucClient } from '../helpers/truc-client.js';
import {
  cmdlineOf,
  descendantPids,
  freePort,
  ROOT,
  runProcess,
  spawnProcess,
  trucArgs,
  trucEnv,
  type Exit,
  type Spawned,
} from '../helpers/proc.js';

interface NewClientOutput {
  clientId: string;
  clientSecret: string;
  name: string;
  role: string;
  schools: string[];
  scopes: string[];
}

/** Pushes students as a batch of SCHOOL (the client package) and waits for truc to finish ingesting it. */
async function ingestStudents(truc: TrucClient, codes: string[], diagnose: () => string) {
  const body = {
    entity: 'students' as const,
    format: 'canonical' as const,
    records: onTheWire<'CanonicalStudentsRecord'>(codes.map((c) => student(c))),
  };
  const { batchId } = await truc.pushBatch(SCHOOL, body);
  return truc.waitForBatch(batchId, { timeoutMs: 30_000, intervalMs: 200 }).catch(async (err: unknown) => {
    throw new Error(`${String(err)}\nstatus: ${JSON.stringify(await truc.batch(batchId))}\n${diagnose()}`);
  });
}

const args = (cli: string[]) => ['tsx', 'src/main.ts', ...cli];

/** stderr without npm's own warnings (npx may print config notices before truc runs). */
const errLines = (e: Exit): string[] =>
  e.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^npm (warn|notice)/i.test(l));

describe('truc CLI', () => {
  let data: TempDir;
  const running: Spawned[] = [];
  // generous: on a loaded machine `npx tsx src/main.ts migrate` alone has taken over 90 s
  const truc = (cli: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 170_000): Promise<Exit> =>
    runProcess(process.execPath, trucArgs(cli), {
      cwd: ROOT,
      env: { ...trucEnv({ DATA_DIR: data.path }), ...env },
      timeoutMs,
    });

  /** `truc clients add` a vendor of SCHOOL in the shared data directory; its printed credentials. */
  const addVendor = async (name: string, env: NodeJS.ProcessEnv = {}): Promise<NewClientOutput> => {
    const e = await truc(['clients', 'add', '--name', name, '--role', 'vendor', '--schools', SCHOOL], env);
    expect(e.code, e.stderr).toBe(0);
    return JSON.parse(e.stdout.trim()) as NewClientOutput;
  };

  beforeAll(async () => {
    data = await makeTempDir('truc-cli-');
    // A copy of the migrated cluster (truc migrate on a fresh directory is a test of its own below).
    await seedPgliteDir(join(data.path, 'pgdata'), 'migrated');
  }, 180_000);
  let stopSim: (() => Promise<void>) | undefined;
  afterAll(async () => {
    for (const p of running) p.kill();
    await stopSim?.();
    await data?.remove();
  });

  it('migrate: applies the migrations on a fresh data directory, then reports up to date', async () => {
    const fresh = await makeTempDir('truc-cli-fresh-');
    try {
      const first = await truc(['migrate'], { DATA_DIR: fresh.path });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/^đã áp dụng: 001_init.* \/ applied: 001_init/m);
      const second = await truc(['migrate'], { DATA_DIR: fresh.path });
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout.trim()).toBe('cơ sở dữ liệu đã mới nhất / database is up to date');
    } finally {
      await fresh.remove();
    }
  });

  it('clients add: prints exactly one JSON object with clientId and clientSecret', async () => {
    const e = await truc([
      'clients',
      'add',
      '--name',
      'Phần mềm A',
      '--role',
      'vendor',
      '--schools',
      `${SCHOOL},79000002`,
    ]);
    expect(e.code, e.stderr).toBe(0);
    const lines = e.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const vendor = JSON.parse(lines[0]!) as NewClientOutput;
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
    const e = await truc(['clients', 'add', '--name', 'X', '--role', 'boss', '--schools', SCHOOL]);
    expect(e.code).toBe(2);
    expect(e.stdout.trim()).toBe('');
    const lines = errLines(e);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^truc: .*--role: one of vendor, pcgd-officer, city-admin, auditor/);
  });

  it('bad usage: exit 2 with the reason first', async () => {
    const missing = await truc(['clients', 'add', '--role', 'vendor']);
    expect(missing.code).toBe(2);
    expect(errLines(missing)[0]).toBe(
      'truc: clients add cần --name và --role / clients add needs --name and --role',
    );
    const unknown = await truc(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(errLines(unknown)[0]).toBe('truc: không có lệnh frobnicate / unknown command: frobnicate');
  });

  it('audit verify: exit 0 and OK', async () => {
    await addVendor('Phần mềm kiểm toán'); // an audited action, so the chain has rows
    const e = await truc(['audit', 'verify']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/^nhật ký kiểm toán OK: .* \/ audit OK: [1-9]\d* rows, head [0-9a-f]{64}$/m);
  });

  it('audit verify names the first broken row after one is altered by hand (database guard lifted)', async () => {
    const db = await createTestDatabase({ migrated: true });
    try {
      const env = { DATABASE_URL: db.url, TRUC_JWT_KEYS: 'cli:cli-test-signing-key-000000000000000001' };
      for (const name of ['one', 'two', 'three']) {
        expect((await truc(['clients', 'add', '--name', name, '--role', 'auditor'], env)).code).toBe(0);
      }
      expect((await truc(['audit', 'verify'], env)).stdout).toMatch(/ \/ audit OK: 3 rows/m);
      const c = new pg.Client({ connectionString: db.url });
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
      const e = await truc(['audit', 'verify'], env);
      expect(e.code).toBe(1);
      expect(errLines(e)[0]).toMatch(
        /^nhật ký kiểm toán BỊ HỎNG tại dòng 2 .* \/ audit BROKEN at row 2 \(hash\)/,
      );
    } finally {
      await db.drop();
    }
  });

  it('a broken configuration (PORT=abc, LOG_LEVEL=loud): exit 2 listing every problem', async () => {
    const e = await truc(['migrate'], { PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(e.code).toBe(2);
    const err = errLines(e);
    expect(err[0]).toMatch(/^truc: .*invalid configuration \(2\)/);
    expect(e.stderr).toContain('PORT: "abc"');
    expect(e.stderr).toMatch(/logLevel \(LOG_LEVEL\)/);
  });

  it('DATABASE_URL at a closed port: exit 1, one line naming host:port and how to start PostgreSQL', async () => {
    const port = await freePort();
    const e = await truc(['migrate'], { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/truc` });
    expect(e.code).toBe(1);
    const lines = errLines(e);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`127.0.0.1:${port}`);
    expect(lines[0]).toMatch(/PostgreSQL/);
    expect(lines[0]).toMatch(/pg_ctlcluster|start/i);
  });

  it('REDIS_URL at a closed port: exit 1, one line naming Redis and host:port', async () => {
    const port = await freePort();
    const e = await truc(['worker'], { REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(e.code).toBe(1);
    const lines = errLines(e);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Redis/);
    expect(lines[0]).toContain(`127.0.0.1:${port}`);
    expect(lines[0]).toMatch(/redis-server|unset REDIS_URL/);
  });

  it('truc all + the hcm-csdl simulator: serves the API, delivers to the simulator, lets operator commands in through it, and stops cleanly on SIGTERM', async () => {
    // The simulated city database, with the credentials config/test.yaml gives truc.
    const sim = await startCitySimulator({ seed: 7 });
    stopSim = () => sim.close();
    const vendor = await addVendor('Phần mềm A'); // before `all` owns the database
    const all = spawnProcess('npx', args(['all']), {
      cwd: ROOT,
      env: { ...trucEnv({ DATA_DIR: data.path }), PORT: '0', HCM_CSDL_BASE_URL: sim.url },
    });
    running.push(all);
    const line = await all.waitForLine((l) => /listening on http:\/\//.test(l), 90_000);
    const base = /listening on (http:\/\/[^\s]+)/.exec(line)![1]!;
    expect(line).toMatch(/embedded database/);
    expect(existsSync(join(data.path, 'truc.lock'))).toBe(true);

    const diagnose = () => `stdout: ${all.stdout().slice(-3000)}\nstderr: ${all.stderr().slice(-3000)}`;
    // A vendor created before `all` started, through the CLI.
    const done = await ingestStudents(clientAs(base, vendor), ['CLI1', 'CLI2'], diagnose);
    expect(done.counts.accepted).toBe(2);
    // …and the accepted students reach the simulated city database.
    await waitFor(
      async () =>
        sim.received.get('students', 'CLI1') && sim.received.get('students', 'CLI2') ? true : undefined,
      {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'the students to reach the hcm-csdl simulator',
      },
    );

    // Operator commands while `all` owns the embedded database: they connect through it.
    const second = clientAs(base, await addVendor('Phần mềm B'));
    const { response: post2 } = await second.api.POST('/v1/schools/{schoolCode}/batches', {
      params: { path: { schoolCode: SCHOOL } },
      body: {
        entity: 'students',
        format: 'canonical',
        records: onTheWire<'CanonicalStudentsRecord'>([student('CLI3')]),
      },
    });
    expect(post2.status).toBe(202);
    const verify = await truc(['audit', 'verify']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^nhật ký kiểm toán OK: .* \/ audit OK/m);
    expect((await trucClient(base).api.GET('/readyz')).response.status).toBe(200);

    // SIGTERM to the truc process itself (npx does not relay signals to its child).
    const trucPid = descendantPids(all.child.pid!).find(
      (p) =>
        /loader\.mjs.*src\/main\.ts all|src\/main\.ts all.*/.test(cmdlineOf(p)) &&
        !/npm|sh -c/.test(cmdlineOf(p)) &&
        /--import|--require/.test(cmdlineOf(p)),
    );
    expect(trucPid, descendantPids(all.child.pid!).map(cmdlineOf).join(' | ')).toBeDefined();
    process.kill(trucPid!, 'SIGTERM');
    const exit = await Promise.race([
      all.exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no exit within 25 s of SIGTERM')), 25_000),
      ),
    ]);
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stdout).toContain('SIGTERM received, shutting down');
    expect(existsSync(join(data.path, 'truc.lock'))).toBe(false);
    await expect(trucClient(base).api.GET('/healthz')).rejects.toThrow(); // nothing listens any more
  });
});
