/**
 * fix37d item 2 (review35a F6, checked further): the outbox relay and the audit chainer against a database that
 * refuses writes (read-only after a failover: SQLSTATE 25006), as review35a checked the API and the jobs. Real
 * PostgreSQL made read-only (test/helpers/read-only-db.ts). Each logs the outage once when it starts (with the
 * SQLSTATE, not the error's free text) and once when it ends, not at every pass, and does its work once writes are
 * taken again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditPending, recordAudit } from '../../src/audit/chain.js';
import { createAuditChainer } from '../../src/audit/chainer.js';
import { createRelay } from '../../src/jobs/outbox-relay.js';
import type { Db } from '../../src/store/db.js';
import { createOutboxRepo } from '../../src/store/outbox.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { captureLog } from '../helpers/log-lines.js';
import { setDatabaseReadOnly } from '../helpers/read-only-db.js';

/** `db` with its transactions counted (a chaining pass is one). */
function countingTx(db: Db): { db: Db; count: () => number } {
  let n = 0;
  const counted = Object.create(db) as Db;
  counted.tx = ((fn: Parameters<Db['tx']>[0]) => {
    n += 1;
    return db.tx(fn);
  }) as Db['tx'];
  return { db: counted, count: () => n };
}

describe('fix37d item 2: the relay and the chainer while the database refuses writes', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' });
  }, 120_000);
  afterAll(async () => {
    if (env?.databaseUrl) await setDatabaseReadOnly(env.databaseUrl, false);
    await env?.cleanup();
  });

  it('the audit chainer logs the outage once, with its SQLSTATE, and chains once writes are taken', async () => {
    await recordAudit(
      env.deps.db,
      [{ actor: 'fix37d', action: 'batch.accepted', subject: 'test:fix37d', details: {} }],
      new Date(),
    );
    await setDatabaseReadOnly(env.databaseUrl!, true);
    const log = captureLog('info');
    const { db, count } = countingTx(env.deps.db);
    const chainer = createAuditChainer(db, { everyMs: 20, logger: log.logger });
    try {
      chainer.start();
      await waitFor(() => count() >= 6, { what: 'six refused chaining passes' });
      const failing = log.lines.filter((l) => String(l.msg).startsWith('audit: chaining'));
      expect(failing).toHaveLength(1);
      expect(failing[0]).toMatchObject({ level: 'warn', err: { code: '25006' } });
      expect(await auditPending(env.deps.db)).toBe(true);
      await setDatabaseReadOnly(env.databaseUrl!, false);
      await waitFor(async () => !(await auditPending(env.deps.db)), { what: 'the event chained' });
      await waitFor(() => log.lines.some((l) => String(l.msg).startsWith('audit: chaining succeeds again')));
      expect(log.lines.filter((l) => String(l.msg).startsWith('audit: chaining'))).toHaveLength(2);
    } finally {
      await setDatabaseReadOnly(env.databaseUrl!, false);
      await chainer.stop();
    }
  });

  it('the outbox relay logs the outage once, says the database refuses writes, and relays once taken', async () => {
    await createOutboxRepo(env.deps.db).put('change-purge', 'fix37d-read-only', { n: 1 });
    await setDatabaseReadOnly(env.databaseUrl!, true);
    const log = captureLog('info');
    let failures = 0;
    const metrics = Object.create(env.deps.metrics) as typeof env.deps.metrics;
    metrics.outboxRelayFailures = { inc: () => void (failures += 1) } as typeof metrics.outboxRelayFailures;
    const relay = createRelay({ ...env.deps, metrics, logger: log.logger }, { pollMs: 20, batch: 10 });
    try {
      relay.start();
      await waitFor(() => failures >= 6, { what: 'six refused relay passes' });
      const failing = log.lines.filter((l) => String(l.msg).startsWith('outbox relay passes failing'));
      expect(failing).toHaveLength(1);
      expect(failing[0]).toMatchObject({ level: 'warn', err: { code: '25006' } });
      expect(String(failing[0]!.msg)).toContain('database refusing writes');
      await setDatabaseReadOnly(env.databaseUrl!, false);
      await waitFor(async () => (await createOutboxRepo(env.deps.db).lag()).pending === 0, {
        what: 'the row relayed',
      });
      await waitFor(() =>
        log.lines.some((l) => String(l.msg).startsWith('outbox relay passes succeed again')),
      );
    } finally {
      await setDatabaseReadOnly(env.databaseUrl!, false);
      await relay.stop();
    }
  });
});
