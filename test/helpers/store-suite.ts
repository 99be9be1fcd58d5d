/**
 * What the store's tests on both engines share (test/integration/store*.test.ts): a migrated store for a suite,
 * the source of their records, a queued full run, and the plans PostgreSQL chose for a statement.
 */
import pg from 'pg';
import type { Queryable } from '../../src/store/db.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { openTestStore, type TestStore } from './env.js';
import { useForSuite } from './suite.js';

export const SOURCE = { system: 'test', mappingVersion: 'test@1' };

/** A migrated store of `kind` (a copy of the migrated template) for the enclosing suite, removed after it. */
export function useTestStore(kind: 'pglite' | 'postgres'): TestStore {
  return useForSuite(
    () => openTestStore(kind),
    (s) => s.cleanup(),
  );
}

/** A full run of hcm-csdl's students, queued. */
export const aFullRun = (q: Queryable): Promise<number> =>
  createSyncRunsRepo(q).create({
    system: 'hcm-csdl',
    entity: 'students',
    scope: '',
    since: null,
    requestedBy: 'test',
  });

/**
 * Runs `fn` with every statement that starts with `prefix` explained first (`explain`, e.g. `EXPLAIN (FORMAT
 * JSON)`), on its own connection and with the settings then in force: the plans as JSON text, in order.
 */
export async function explaining<T>(
  prefix: string,
  explain: string,
  fn: () => Promise<T>,
): Promise<{ plans: string[]; result: T }> {
  const plans: string[] = [];
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with each client as `this`
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0] as { text?: string; values?: unknown[] } | string;
    const text = typeof first === 'string' ? first : (first.text ?? '');
    if (text.startsWith(prefix)) {
      const values = typeof first === 'string' ? (args[1] as unknown[]) : first.values;
      void (query as (...a: unknown[]) => Promise<{ rows: { 'QUERY PLAN': unknown }[] }>)
        .call(this, `${explain} ${text}`, values)
        .then((r) => plans.push(JSON.stringify(r.rows[0]!['QUERY PLAN'])));
    }
    return (query as (...a: unknown[]) => unknown).apply(this, args) as never;
  };
  try {
    return { result: await fn(), plans };
  } finally {
    pg.Client.prototype.query = query;
  }
}
