/**
 * review35a (stop 55, the city IT admin's first month: install, configure, run, watch, upgrade, from README.md and
 * the product only): the findings reproduced against real PostgreSQL. An `it.fails` is an open finding; it passes
 * once the finding is fixed, and then becomes an `it`. The findings are described in
 * /work/briefs/review35a-findings.md (same numbering).
 */
import { describe, expect, it } from 'vitest';
import { createDeps } from '../../src/deps.js';
import { captureLog } from '../helpers/log-lines.js';
import { truc, useCliBesideApi } from '../helpers/cli-in-process.js';

const world = useCliBesideApi();

describe('F1: an older truc against a database a newer one migrated (rollback, rolling upgrade)', () => {
  const future = '99999_from_a_newer_truc';

  it('truc migrate names the migrations it does not know, never "up to date", and exits 0', async () => {
    await world.env.deps.db.query(
      `INSERT INTO truc.schema_migrations (version, name, checksum) VALUES (99999, $1, 'x') ON CONFLICT DO NOTHING`,
      [future],
    );
    const out = await truc('migrate');
    expect(out.code).toBe(0);
    expect(out.stdout).not.toContain('database is up to date');
    expect(out.stderr).toContain(`the database is newer than this truc: 1 migration(s) applied`);
    expect(out.stderr).toContain(future);
    expect(out.stderr).toContain('cơ sở dữ liệu mới hơn bản truc này');
  });

  it('a start logs it as a warning, and starts (an old worker during a rolling upgrade keeps running)', async () => {
    await world.env.deps.db.query(
      `INSERT INTO truc.schema_migrations (version, name, checksum) VALUES (99999, $1, 'x') ON CONFLICT DO NOTHING`,
      [future],
    );
    const log = captureLog('warn');
    const deps = await createDeps(world.env.config, { logger: log.logger });
    await deps.close();
    const line = log.lines.find((l) => Array.isArray(l.migrationsAhead));
    expect(line?.migrationsAhead).toEqual([future]);
    expect(line?.level).toBe('warn');
    expect(String(line?.msg)).toContain('the database is newer than this truc');
  });
});
