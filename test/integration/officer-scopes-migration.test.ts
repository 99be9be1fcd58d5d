/**
 * Migration 1461 (fix7, walk6b W6b-1 follow-up): the PCGD officers created before fd68e744 kept `batches:read`, a scope
 * that opens nothing for an officer (its routes read a batch of a school the caller holds; an officer holds none).
 * The migration drops it from every officer, their other scopes kept, and touches no other role. On PostgreSQL, the
 * other migrations applied first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations, migrate } from '../../src/store/migrate.js';
import { openTestStore, type TestStore } from '../helpers/env.js';

describe('migration 1461: officers brought to today’s role scopes', () => {
  let own: TestStore;
  beforeAll(async () => {
    own = await openTestStore('postgres', { migrate: false });
  });
  afterAll(async () => {
    await own?.cleanup();
  });

  it('drops batches:read from every PCGD officer, keeps their other scopes, leaves the other roles alone', async () => {
    const all = listMigrations();
    await migrate(
      own.db,
      all.filter((m) => m.version !== 1461),
    );
    const db = own.db;
    const client = (id: string, role: string, scopes: string[]) =>
      db.query(
        `INSERT INTO truc.api_clients (id, name, role, secret_hash, scopes) VALUES ($1, $1, $2, 'x', $3)`,
        [id, role, scopes],
      );
    await client('cl_old_officer', 'pcgd-officer', [
      'pcgd:read',
      'pcgd:write',
      'batches:read',
      'quality:read',
    ]);
    await client('cl_custom_officer', 'pcgd-officer', ['batches:read', 'pcgd:read']);
    await client('cl_new_officer', 'pcgd-officer', ['pcgd:read', 'pcgd:write', 'quality:read']);
    await client('cl_vendor', 'vendor', ['batches:write', 'batches:read', 'records:read']);
    await client('cl_admin', 'city-admin', ['batches:read', 'admin']);
    await migrate(db, all);
    const rows = await db.query<{ id: string; scopes: string[] }>(
      'SELECT id, scopes FROM truc.api_clients ORDER BY id',
    );
    expect(Object.fromEntries(rows.rows.map((r) => [r.id, r.scopes]))).toEqual({
      cl_admin: ['batches:read', 'admin'],
      cl_custom_officer: ['pcgd:read'],
      cl_new_officer: ['pcgd:read', 'pcgd:write', 'quality:read'],
      cl_old_officer: ['pcgd:read', 'pcgd:write', 'quality:read'],
      cl_vendor: ['batches:write', 'batches:read', 'records:read'],
    });
  });
});
