/**
 * fix36f item 1 (review35a F2): only `truc migrate` and the roles migrate. Every other command checks the schema: with
 * this build's migrations pending it refuses (ERR_SCHEMA_PENDING, exit 4, the count and `truc migrate`) and changes
 * nothing; with a schema newer than this build (review35a F1) it says so on stderr and goes on.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listMigrations } from '../../src/store/migrate.js';
import { createTestDatabase, makeTempDir, type TempDir, type TestDatabase } from '../helpers/env.js';
import { truc } from '../helpers/cli-in-process.js';

let database: TestDatabase;
let data: TempDir;

async function sql<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: database.url });
  await c.connect();
  try {
    return (await c.query<R>(text, params)).rows;
  } finally {
    await c.end();
  }
}

const hasSchema = async (): Promise<boolean> =>
  (await sql<{ t: string | null }>("SELECT to_regclass('truc.schema_migrations')::text AS t"))[0]!.t !== null;

beforeAll(async () => {
  database = await createTestDatabase();
  data = await makeTempDir('truc-fix36f-');
  for (const [k, v] of Object.entries({
    TRUC_PROFILE: 'test',
    DATABASE_URL: database.url,
    DATA_DIR: data.path,
    TRUC_OPERATOR: 'admin.q1',
  }))
    vi.stubEnv(k, v);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await database?.drop();
  await data?.remove();
});

describe('fix36f item 1: a command that does not own the schema never migrates', () => {
  const all = listMigrations().length;

  it('on a database never migrated: clients list and clients add refuse, exit 4, naming the count and truc migrate; nothing created', async () => {
    for (const argv of [
      ['clients', 'list'],
      ['clients', 'add', '--name', 'Auditor', '--role', 'auditor'],
    ]) {
      const out = await truc(...argv);
      expect(out.code, out.stderr).toBe(4);
      expect(out.stdout).toBe('');
      expect(out.stderr).toContain('truc: ERR_SCHEMA_PENDING');
      expect(out.stderr).toContain(`${all} pending migration(s)`);
      expect(out.stderr).toContain(`${all} migration chưa áp dụng`);
      expect(out.stderr).toContain('run `truc migrate`');
    }
    expect(await hasSchema()).toBe(false);
  });

  it('truc migrate migrates; then the commands run', async () => {
    expect((await truc('migrate')).code).toBe(0);
    const list = await truc('clients', 'list');
    expect(list.code, list.stderr).toBe(0);
  });

  it('one migration pending: refused with its count, and still pending after', async () => {
    const [last] = await sql<{ version: number; name: string; checksum: string }>(
      'DELETE FROM truc.schema_migrations WHERE version = (SELECT max(version) FROM truc.schema_migrations) RETURNING version, name, checksum',
    );
    try {
      const out = await truc('audit', 'verify');
      expect(out.code, out.stderr).toBe(4);
      expect(out.stderr).toContain(`1 pending migration(s) (${last!.name})`);
      const still = await sql('SELECT 1 FROM truc.schema_migrations WHERE version = $1', [last!.version]);
      expect(still).toHaveLength(0);
    } finally {
      await sql('INSERT INTO truc.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        last!.version,
        last!.name,
        last!.checksum,
      ]);
    }
  });

  it('a schema newer than this build: said on stderr, and the command runs (exit 0)', async () => {
    await sql(
      `INSERT INTO truc.schema_migrations (version, name, checksum) VALUES (99999, '99999_from_a_newer_truc', 'x')`,
    );
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const out = await truc('clients', 'list');
      expect(out.code, out.stderr).toBe(0);
      const said = stderr.mock.calls.map((c) => String(c[0])).join('');
      expect(said).toContain('the database is newer than this truc: 1 migration(s) applied');
      expect(said).toContain('99999_from_a_newer_truc');
    } finally {
      stderr.mockRestore();
      await sql('DELETE FROM truc.schema_migrations WHERE version = 99999');
    }
  });
});
