/**
 * A PostgreSQL server of the test's own (issue 7's "PostgreSQL restarted mid-run", review36a): a fresh
 * cluster (`initdb`, trust) in a temp folder, on a free loopback port, started and stopped with `pg_ctl`
 * as an administrator would, so a test can restart a real server without touching the shared one. As root
 * (CI, the developers' machines) the server runs as the `postgres` user, as PostgreSQL requires.
 */
import { execFile, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { waitFor } from './env.js';
import { holdOutage, type OutageHold } from './faults.js';
import { freePort } from './proc.js';

const run = promisify(execFile);

export interface OwnPostgres {
  port: number;
  /** The `postgres` database of this server, as test/helpers/env.ts makeDeps' `pgAdminUrl`. */
  adminUrl: string;
  /**
   * `pg_ctl stop -m <mode>` (fast: every session ended with 57P01 "terminating connection due to
   * administrator command"; immediate: a crash, recovery at start), down (nothing listening) for `down` ms or until
   * `down()` settles (./faults.ts OutageHold), then `pg_ctl start`: resolves once the server accepts connections
   * again; rejects with `down()`'s error, the server started again all the same.
   */
  restart(mode: 'fast' | 'immediate', down: OutageHold): Promise<void>;
  stop(): Promise<void>;
}

/** A PostgreSQL program's command line, run as the `postgres` user when this process is root. */
const asPostgresArgs = (program: string, args: string[]): [string, string[]] =>
  process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];

async function asPostgres(program: string, args: string[]): Promise<void> {
  await run(...asPostgresArgs(program, args));
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'truc-own-pg-'));
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const accepting = () =>
    waitFor(
      async () => {
        const c = new pg.Client({ connectionString: adminUrl });
        c.on('error', () => undefined);
        try {
          await c.connect();
          await c.query('SELECT 1');
          return true;
        } catch {
          return false;
        } finally {
          await c.end().catch(() => undefined);
        }
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the own PostgreSQL to accept connections' },
    );
  const start = async () => {
    await asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', 'start']);
    await accepting();
  };
  const stop = (mode: 'fast' | 'immediate') => asPostgres('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  // pg_ctl's server outlives this process: a test that timed out before its clean-up must not leave it running.
  const leftOver = () => {
    try {
      execFileSync(...asPostgresArgs('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']), {
        stdio: 'ignore',
      });
    } catch {
      // not running
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', leftOver);
  await start();
  return {
    port,
    adminUrl,
    async restart(mode, down) {
      await stop(mode);
      await holdOutage(down).finally(start);
    },
    async stop() {
      process.off('exit', leftOver);
      await stop('immediate').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
