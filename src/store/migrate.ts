/**
 * Numbered SQL migrations (`src/store/migrations/NNN_name.sql`), applied in order under a
 * PostgreSQL advisory lock so that any number of processes starting at once apply each exactly once.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { both } from '../errors.js';
import type { Db } from './db.js';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
/** Arbitrary, fixed: the advisory lock key of truc's migrations (BullMQ uses its own). */
const LOCK_KEY = 7_283_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** A migration's file name: three digits (or more, from 1000 on, no leading zero), `_`, lower-case words. */
const MIGRATION_FILE = /^(\d{3}|[1-9]\d{3,})_[a-z0-9_]+\.sql$/;

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  // A file that looks like a migration but is not one truc can apply is refused, never skipped (review28 F5):
  // `NNN_name.sql`, its number without leading zeros past three digits (1000 follows 999), lower-case name.
  const bad = files.filter((f) => !MIGRATION_FILE.test(f));
  if (bad.length > 0)
    throw new Error(`migrations: not a migration file name (NNN_name.sql): ${bad.join(', ')}`);
  const migrations = files
    .map((f) => {
      const sql = readFileSync(join(dir, f), 'utf8');
      return {
        version: Number(f.slice(0, f.indexOf('_'))),
        name: f.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    })
    .sort((a, b) => a.version - b.version);
  const twice = migrations.filter((m, i) => i > 0 && migrations[i - 1]!.version === m.version);
  if (twice.length > 0)
    throw new Error(`migrations: two files share a version: ${twice.map((m) => m.version).join(', ')}`);
  return migrations;
}

/** Migrations of one process run one after another (see the re-check below for other processes). */
let inProcess: Promise<unknown> = Promise.resolve();

/** What `truc migrate` prints and a start logs when {@link migrationsAhead} finds some: Vietnamese, then English. */
export function aheadWords(names: readonly string[]): string {
  const list = names.join(', ');
  return both(
    `cơ sở dữ liệu mới hơn bản truc này: đã áp dụng ${names.length} migration bản này không biết (${list}); ` +
      'không có gì được hoàn tác (truc không có migration lùi): chạy bản mới, hoặc khôi phục bản sao lưu lấy trước ' +
      'khi nâng cấp (README, Vận hành: Upgrades and rollback)',
    `the database is newer than this truc: ${names.length} migration(s) applied that this build does not know ` +
      `(${list}); nothing is undone (truc has no down migrations): run the newer version, or restore the backup ` +
      'taken before the upgrade (README Operations, Upgrades and rollback)',
  );
}

/**
 * The migrations the database has applied that this build does not know, by name, oldest first (review35a F1): a
 * newer truc migrated it, so this process is an older version: one left running during a rolling upgrade (allowed
 * while the upgrade's notes allow it) or a rollback (README Operations, *Upgrades and rollback*). Nothing is
 * undone: truc has no down migrations. Read after {@link migrate}, which creates the table.
 */
export async function migrationsAhead(db: Db, migrations = listMigrations()): Promise<string[]> {
  const known = new Set(migrations.map((m) => m.version));
  const res = await db.query<{ version: number; name: string }>(
    'SELECT version, name FROM truc.schema_migrations ORDER BY version',
  );
  return res.rows.filter((r) => !known.has(r.version)).map((r) => r.name);
}

/**
 * The migrations of this build the database has not applied, by name, oldest first (fix36f, review35a F2): every one
 * on a database truc never migrated. Reads only: a command that does not own the schema checks it with this.
 */
export async function pendingMigrations(db: Db, migrations = listMigrations()): Promise<string[]> {
  const table = await db.query<{ present: boolean }>(
    "SELECT to_regclass('truc.schema_migrations') IS NOT NULL AS present",
  );
  if (!table.rows[0]?.present) return migrations.map((m) => m.name);
  const res = await db.query<{ version: number }>('SELECT version FROM truc.schema_migrations');
  const applied = new Set(res.rows.map((r) => r.version));
  return migrations.filter((m) => !applied.has(m.version)).map((m) => m.name);
}

/** Applies every pending migration; returns the names applied. Refuses if an applied one was edited. */
export function migrate(db: Db, migrations = listMigrations()): Promise<string[]> {
  const run = inProcess.then(
    () => migrateLocked(db, migrations),
    () => migrateLocked(db, migrations),
  );
  inProcess = run.catch(() => undefined);
  return run;
}

async function migrateLocked(db: Db, migrations: Migration[]): Promise<string[]> {
  const client = await db.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS truc`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS truc.schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = await client.query<{ version: number; checksum: string; name: string }>(
      'SELECT version, checksum, name FROM truc.schema_migrations',
    );
    const byVersion = new Map(done.rows.map((r) => [r.version, r]));
    for (const m of migrations) {
      const prior = byVersion.get(m.version);
      if (prior) {
        if (prior.checksum !== m.checksum) {
          throw new Error(`migration ${m.name} was changed after it was applied (checksum differs)`);
        }
        continue;
      }
      await client.query('BEGIN');
      try {
        // Re-check inside the transaction: on the embedded database every connection shares one
        // session, so the advisory lock does not keep two migrators apart; this does.
        const again = await client.query('SELECT 1 FROM truc.schema_migrations WHERE version = $1', [
          m.version,
        ]);
        if ((again.rowCount ?? 0) > 0) {
          await client.query('COMMIT');
          continue;
        }
        await client.query(m.sql);
        await client.query(
          'INSERT INTO truc.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
          [m.version, m.name, m.checksum],
        );
        await client.query('COMMIT');
        applied.push(m.name);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}
