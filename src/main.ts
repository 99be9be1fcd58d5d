#!/usr/bin/env node
/**
 * The `truc` CLI: parses the command, builds dependencies, starts roles, maps failures to exit codes
 * (0 success, 1 failure, 2 bad usage or configuration) with one clear line on stderr first.
 */
// zod's ahead-of-time compiled fast path; must load before any schema is built.
import 'zod/compile';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, redactConfig, type Config } from './config.js';
import { createDeps, type Deps } from './deps.js';
import { isAppError } from './errors.js';
import type { Faults } from './simulators/sim-kit.js';
import { addClient, auditVerify, runMigrate, setClientDisabled, withDb } from './ops.js';
import { replayDeadLetters } from './jobs/dead-letters.js';
import { createDeadLettersRepo } from './store/dead-letters.js';
import { startApi, startWorkerRole, type Running } from './roles.js';

const USAGE = `truc — Trục dữ liệu giáo dục / the education data hub

Usage: truc <command> [options]

  all                      API + workers + outbox relay in one process (npm start)
  api                      the HTTP API only
  worker                   workers and the outbox relay only
  demo [--once]            simulators + truc on the embedded database, one full cycle, a summary
  migrate                  apply pending database migrations
  audit verify             recompute the audit hash chain; names the first broken row
  clients add --name N --role vendor|pcgd-officer|city-admin|auditor
              [--schools C1,C2] [--units U1,U2] [--scopes s1,s2]
  clients disable <clientId> | clients enable <clientId>
  dead-letters list [--queue Q] [--code C]          jobs that failed for good, newest first
  dead-letters replay --ids 1,2 | --queue Q | --code C | --all   queue them again
  sim <system> [--port P] [--seed S] [--schools N] [--students-per-school N]
              [--staff-per-school N] [--faults JSON]
                           one simulator standalone (hcm-csdl, moet-pcgd, smas, vnedu); city
                           scale: --schools 2500 --students-per-school 680 --staff-per-school 40

Environment: PORT, DATABASE_URL (unset = embedded PGlite in DATA_DIR), DATA_DIR, REDIS_URL
(unset = queues in the database), LOG_LEVEL, TRUC_PROFILE. See config/.env.example.`;

class UsageError extends Error {}

const list = (v: string | undefined): string[] =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

/** Runs roles until SIGTERM/SIGINT, then stops taking work, finishes in-flight work, closes pools. */
async function serve(deps: Deps, roles: Running[], log: string): Promise<void> {
  process.stdout.write(`${log}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.stdout.write(`truc: ${signal} received, shutting down\n`);
      const deadline = setTimeout(() => {
        process.stderr.write('truc: shutdown took longer than 25 s, exiting\n');
        process.exit(1);
      }, 25_000);
      deadline.unref();
      void (async () => {
        for (const r of roles) await r.stop().catch(() => undefined);
        await deps.close().catch(() => undefined);
        resolve();
      })();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  if (command === 'demo') {
    const { values } = parseArgs({
      args: rest,
      options: { once: { type: 'boolean' }, port: { type: 'string' } },
    });
    const { runDemo } = await import('./demo.js');
    return runDemo({ once: values.once ?? false, ...(values.port ? { port: Number(values.port) } : {}) });
  }
  if (command === 'sim') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        seed: { type: 'string' },
        schools: { type: 'string' },
        'students-per-school': { type: 'string' },
        'staff-per-school': { type: 'string' },
        faults: { type: 'string' },
      },
    });
    const { runSimulator, STANDALONE_DEFAULTS } = await import('./simulators/index.js');
    const { FAULTS_SCHEMA } = await import('./simulators/sim-kit.js');
    const int = (name: string, v: string | undefined, fallback: number, min: number, max: number): number => {
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max)
        throw new UsageError(`--${name}: an integer from ${min} to ${max}`);
      return n;
    };
    let faults;
    if (values.faults !== undefined) {
      let raw: unknown;
      try {
        raw = JSON.parse(values.faults);
      } catch {
        throw new UsageError('--faults: a JSON object, e.g. \'{"latencyMs":200,"errorRate":0.1}\'');
      }
      const parsed = FAULTS_SCHEMA.safeParse(raw);
      if (!parsed.success) throw new UsageError(`--faults: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      faults = parsed.data as Faults;
    }
    return runSimulator(positionals[0] ?? '', {
      port: int('port', values.port, 0, 0, 65535),
      seed: int('seed', values.seed, STANDALONE_DEFAULTS.seed, 0, 2 ** 31),
      schools: int('schools', values.schools, STANDALONE_DEFAULTS.schools, 1, 10_000),
      studentsPerSchool: int(
        'students-per-school',
        values['students-per-school'],
        STANDALONE_DEFAULTS.studentsPerSchool,
        1,
        5_000,
      ),
      staffPerSchool: int(
        'staff-per-school',
        values['staff-per-school'],
        STANDALONE_DEFAULTS.staffPerSchool,
        1,
        1_000,
      ),
      ...(faults ? { faults } : {}),
    });
  }
  const config: Config = loadConfig();
  switch (command) {
    case 'all':
    case 'api':
    case 'worker': {
      const deps = await createDeps(config);
      deps.logger.info({ role: command, config: redactConfig(config) }, 'truc starting');
      const roles: Running[] = [];
      let line = `truc ${command}: ${deps.db.kind === 'pglite' ? `embedded database in ${config.database.dataDir}` : 'PostgreSQL'}, queues on ${deps.queues.backend}`;
      if (command !== 'api') roles.push(startWorkerRole(deps));
      if (command !== 'worker') {
        const api = await startApi(deps);
        roles.unshift(api); // stop taking requests first
        line += `, listening on ${api.url} (docs ${api.url}/docs)`;
      }
      await serve(deps, roles, line);
      return 0;
    }
    case 'migrate': {
      const applied = await runMigrate(config);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      return 0;
    }
    case 'audit': {
      if (rest[0] !== 'verify') throw new UsageError('usage: truc audit verify');
      const result = await withDb(config, auditVerify);
      if (result.ok) {
        process.stdout.write(`audit OK: ${result.rows} rows, head ${result.head}\n`);
        return 0;
      }
      process.stderr.write(
        `audit BROKEN at row ${result.brokenAt} (${result.reason}); ${result.rows} rows before it verify\n`,
      );
      return 1;
    }
    case 'clients': {
      const sub = rest[0];
      if (sub === 'add') {
        const { values } = parseArgs({
          args: rest.slice(1),
          options: {
            name: { type: 'string' },
            role: { type: 'string' },
            schools: { type: 'string' },
            units: { type: 'string' },
            scopes: { type: 'string' },
          },
        });
        if (!values.name || !values.role) throw new UsageError('clients add needs --name and --role');
        const created = await withDb(config, (db) =>
          addClient(db, {
            name: values.name!,
            role: values.role!,
            schools: list(values.schools),
            units: list(values.units),
            scopes: list(values.scopes),
          }),
        );
        process.stdout.write(`${JSON.stringify(created)}\n`);
        return 0;
      }
      if ((sub === 'disable' || sub === 'enable') && rest[1]) {
        const ok = await withDb(config, (db) => setClientDisabled(db, rest[1]!, sub === 'disable'));
        if (!ok) {
          process.stderr.write(`no such client: ${rest[1]}\n`);
          return 1;
        }
        process.stdout.write(`client ${rest[1]} ${sub}d\n`);
        return 0;
      }
      throw new UsageError('usage: truc clients add … | clients disable <id> | clients enable <id>');
    }
    case 'dead-letters': {
      const sub = rest[0];
      const { values } = parseArgs({
        args: rest.slice(1),
        options: {
          queue: { type: 'string' },
          code: { type: 'string' },
          ids: { type: 'string' },
          all: { type: 'boolean' },
          limit: { type: 'string' },
        },
      });
      const ids = list(values.ids).map(Number);
      if (ids.some((n) => !Number.isInteger(n) || n <= 0))
        throw new UsageError('--ids: positive integers, comma-separated');
      const filter = { queue: values.queue, errorCode: values.code, ...(ids.length ? { ids } : {}) };
      if (sub === 'list') {
        const rows = await withDb(config, (db) =>
          createDeadLettersRepo(db).list(filter, Number(values.limit ?? 100), 0),
        );
        for (const r of rows)
          process.stdout.write(`${JSON.stringify({ ...r, failedAt: r.failedAt.toISOString() })}\n`);
        if (rows.length === 0) process.stderr.write('no dead letters\n');
        return 0;
      }
      if (sub === 'replay') {
        if (!values.all && !values.queue && !values.code && ids.length === 0) {
          throw new UsageError('dead-letters replay needs --ids, --queue or --code, or --all');
        }
        const replayed = await withDb(config, (db) => replayDeadLetters(db, filter, 'operator:cli'));
        process.stdout.write(
          `replayed ${replayed.length}${replayed.length ? `: ${replayed.join(', ')}` : ''}\n`,
        );
        return 0;
      }
      throw new UsageError('usage: truc dead-letters list|replay [--queue Q] [--code C] [--ids 1,2] [--all]');
    }
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`truc: ${err.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`truc: ${err.message}\n`);
      process.exit(2);
    }
    if (isAppError(err)) {
      process.stderr.write(`truc: ${err.code}: ${err.message}\n`);
      process.exit(err.code === 'ERR_VALIDATION' || err.code === 'ERR_CONFIG_INVALID' ? 2 : 1);
    }
    if (err instanceof Error && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`truc: ${err.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`truc: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.LOG_LEVEL === 'debug' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
