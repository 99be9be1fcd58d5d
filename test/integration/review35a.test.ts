/**
 * review35a (stop 55, the city IT admin's first month: install, configure, run, watch, upgrade, from README.md and
 * the product only): the findings reproduced against real PostgreSQL. An `it.fails` is an open finding; it passes
 * once the finding is fixed, and then becomes an `it`. The findings are described in
 * /work/briefs/review35a-findings.md (same numbering).
 */
import { describe, expect, it } from 'vitest';
import { createDeps } from '../../src/deps.js';
import { addClient } from '../../src/ops.js';
import { SCHOOL, student } from '../factories/records.js';
import { tokenFor } from '../helpers/api.js';
import { waitFor } from '../helpers/env.js';
import { setDatabaseReadOnly } from '../helpers/read-only-db.js';
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

/** Sets (or resets) `default_transaction_read_only` on the test's database and waits for the API to answer again. */
async function readOnly(on: boolean): Promise<void> {
  await setDatabaseReadOnly(world.env.databaseUrl!, on);
  const ready = async (): Promise<boolean> =>
    (await world.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200;
  await waitFor(ready, { what: 'the API ready again' });
}

describe('F6: the database refusing writes (read-only after a failover, its disk full)', () => {
  it('a vendor push is answered 503 ERR_DEPENDENCY_UNAVAILABLE with Retry-After, not 500, nothing stored', async () => {
    const vendor = await addClient(world.env.deps.db, {
      name: 'F6 vendor',
      role: 'vendor',
      schools: [SCHOOL],
    });
    const token = await tokenFor(world.app, vendor);
    await readOnly(true);
    try {
      const res = await world.app.inject({
        method: 'POST',
        url: `/v1/schools/${SCHOOL}/batches`,
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'review35a-f6' },
        payload: { entity: 'students', format: 'canonical', records: [student('F6A')] },
      });
      const body = res.json<{ code: string; messages: { vi: string; en: string } }>();
      expect({ status: res.statusCode, code: body.code, retryAfter: res.headers['retry-after'] }).toEqual({
        status: 503,
        code: 'ERR_DEPENDENCY_UNAVAILABLE',
        retryAfter: '30',
      });
    } finally {
      await readOnly(false);
    }
    const stored = await world.env.deps.db.query('SELECT 1 FROM truc.batches WHERE school_code = $1', [
      SCHOOL,
    ]);
    expect(stored.rowCount).toBe(0);
  });
});
