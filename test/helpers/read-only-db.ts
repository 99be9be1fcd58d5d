/**
 * A test database made read-only (`default_transaction_read_only`, as a standby after a failover answers: SQLSTATE
 * 25006 on every write) and back (review35a F6, fix37d): set or reset on the database, then its sessions ended so
 * that every new one takes it.
 */
import pg from 'pg';
import { PG_ADMIN_URL } from './env.js';

export async function setDatabaseReadOnly(databaseUrl: string, on: boolean): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(
      `ALTER DATABASE ${name} ${on ? 'SET default_transaction_read_only = on' : 'RESET default_transaction_read_only'}`,
    );
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
  } finally {
    await admin.end();
  }
}
