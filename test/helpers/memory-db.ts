/**
 * A real, migrated PostgreSQL in memory (PGlite, no socket, no files) behind truc's `Db` interface,
 * for unit tests of code that goes through the store's repositories: job processors, dead-letter
 * replay. It starts from the migrated cluster's dump (pglite-template.ts); set-up takes a few seconds
 * (WebAssembly); make one per test file or suite (`useMemoryDb`).
 */
import { PGlite } from '@electric-sql/pglite';
import type { Db, Queryable } from '../../src/store/db.js';
import { templateDump } from './pglite-template.js';
import { useForSuite } from './suite.js';

/** Generous: PGlite's start-up is slow on a busy machine. */
export const MEMORY_DB_TIMEOUT_MS = 180_000;

interface PgliteLike {
  query<R>(
    sql: string,
    params?: unknown[],
    options?: typeof AS_PG,
  ): Promise<{ rows: R[]; affectedRows?: number }>;
}

/** jsonb's type id. */
const JSONB = 3802;

/**
 * Parameters as `pg` sends them where PGlite's own serialisers differ: `pg` sends a Buffer in binary form,
 * which for jsonb is a version byte (1) and the JSON text (the store's upsert sends its records so).
 */
const AS_PG = {
  serializers: {
    [JSONB]: (x: unknown) =>
      Buffer.isBuffer(x) && x[0] === 1
        ? x.toString('utf8', 1)
        : typeof x === 'string'
          ? x
          : JSON.stringify(x),
  },
};

function queryable(target: PgliteLike): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]) {
      const res = await target.query<R>(sql, params ? [...params] : undefined, AS_PG);
      // pg's rowCount: rows returned by a SELECT, rows changed by INSERT/UPDATE/DELETE.
      return { rows: res.rows, rowCount: Math.max(res.affectedRows ?? 0, res.rows.length) };
    },
  };
}

export interface MemoryDb extends Db {
  /** Rows of a table (schema-qualified), for assertions. */
  rows<R = Record<string, unknown>>(table: string, where?: string): Promise<R[]>;
}

export async function createMemoryDb(): Promise<MemoryDb> {
  const pglite = await PGlite.create({ loadDataDir: await templateDump('migrated') });
  const q = queryable(pglite);
  return {
    kind: 'pglite',
    url: 'memory://',
    query: (sql, params) => q.query(sql, params),
    tx: (fn) => pglite.transaction((t) => fn(queryable(t))),
    connect: () => Promise.reject(new Error('memory db: no session-level clients')),
    close: () => pglite.close(),
    async rows<R>(table: string, where = 'true') {
      return (await q.query<R>(`SELECT * FROM ${table} WHERE ${where}`)).rows;
    },
  };
}

/** A memory database for the enclosing suite (or file): created before its tests, closed after them. */
export function useMemoryDb(): MemoryDb {
  return useForSuite(createMemoryDb, (db) => db.close(), MEMORY_DB_TIMEOUT_MS);
}
