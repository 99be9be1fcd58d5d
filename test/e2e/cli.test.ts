/**
 * The `truc` binary as an operator runs it (node on the run's compiled JavaScript, proc.ts trucArgs; `truc all` through
 * `npx tsx src/main.ts all`, from the repository root, profile `test`, a temp DATA_DIR): a real process's
 * start-up, exit code and stdout/stderr split (bad usage: exit 2, the reason first on stderr, nothing on
 * stdout; `clients add`: its one JSON object alone on stdout), and `truc all` end to end: serving, a second
 * process reaching the embedded database through it, and a graceful SIGTERM. The operations commands'
 * words, exit codes and effects run in process: test/integration/cli-operator.test.ts. Each test stands
 * alone (any one can run by itself, in any order). The API is reached through the typed client of the spec.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCitySimulator } from '../helpers/city-sim.js';
import { SCHOOL, student } from '../factories/records.js';
import { makeTempDir, waitFor, type TempDir } from '../helpers/env.js';
import { seedPgliteDir } from '../helpers/pglite-template.js';
import { clientAs, onTheWire, trucClient, type TrucClient } from '../helpers/truc-client.js';
import {
  cmdlineOf,
  descendantPids,
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
  // generous: on a loaded machine `npx tsx src/main.ts migrate` alone has taken over 90 s (before the compiled JavaScript)
  const truc = (cli: string[]): Promise<Exit> =>
    runProcess(process.execPath, trucArgs(cli), {
      cwd: ROOT,
      env: trucEnv({ DATA_DIR: data.path }),
      timeoutMs: 170_000,
    });

  /** `truc clients add` a vendor of SCHOOL in the shared data directory; its printed credentials, alone on stdout. */
  const addVendor = async (name: string): Promise<NewClientOutput> => {
    const e = await truc(['clients', 'add', '--name', name, '--role', 'vendor', '--schools', SCHOOL]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout.trim().split('\n'), e.stdout).toHaveLength(1);
    return JSON.parse(e.stdout) as NewClientOutput;
  };

  beforeAll(async () => {
    data = await makeTempDir('truc-cli-');
    // A copy of the migrated cluster (truc migrate on a fresh directory: cli-operator.test.ts).
    await seedPgliteDir(join(data.path, 'pgdata'), 'migrated');
  }, 180_000);
  let stopSim: (() => Promise<void>) | undefined;
  afterAll(async () => {
    for (const p of running) p.kill();
    await stopSim?.();
    await data?.remove();
  });

  it('bad usage: exit 2 with the reason first', async () => {
    const missing = await truc(['clients', 'add', '--role', 'vendor']);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(errLines(missing)[0]).toBe(
      'truc: clients add cần --name và --role / clients add needs --name and --role',
    );
    const unknown = await truc(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(errLines(unknown)[0]).toBe('truc: không có lệnh frobnicate / unknown command: frobnicate');
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
