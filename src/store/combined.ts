/**
 * Writes whose answers nobody reads, sent as one statement (issue 7: a changed batch's ingest spent a
 * round trip on each of its closing writes; on a loaded machine each waits its turn on the CPU twice).
 * {@link combinedWrites} hands out a Queryable that only records each write; `flush` sends them all as
 * data-modifying CTEs of one statement (`WITH w1 AS (…), w2 AS (…) SELECT 1`), in the caller's
 * transaction. All of them run on the same snapshot, so none may depend on another's effect (write
 * different tables or rows), and each must be an INSERT, UPDATE or DELETE whose only `$n` are its
 * parameters. A single write is sent as it is. A write recorded with planner settings (`opts.settings`, e.g.
 * ./db.ts INDEX_PROBES) has the statement sent under them (`SET LOCAL` before, back to the defaults after).
 */
import { withLocalSettings, type Queryable, type QueryOptions, type QueryResultLite } from './db.js';

export interface CombinedWrites extends Queryable {
  /** Sends the recorded writes (nothing when none were); the Queryable records nothing after it. */
  flush(): Promise<void>;
  /**
   * Sends the recorded writes ahead of `sql`, a statement that begins `WITH ` (whose parts must not
   * depend on the writes' effects either), in one statement; its rows. The Queryable records nothing after it.
   */
  flushWith<R>(sql: string, params: readonly unknown[], opts?: QueryOptions): Promise<QueryResultLite<R>>;
  /** Runs `fn` once the writes are sent (after `flush` or `flushWith` succeeded); never if they failed. */
  afterFlush(fn: () => void): void;
}

/** `sql` with its parameters `$1…` renumbered from `$offset+1`. */
const shifted = (sql: string, offset: number): string =>
  offset === 0 ? sql : sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);

type Write = readonly [string, readonly unknown[]];

/** `writes` as data-modifying CTEs (`w1 AS (…), …`), their parameters numbered from `$offset+1`. */
function ctes(writes: readonly Write[], offset: number): [string[], unknown[]] {
  const params: unknown[] = [];
  const parts = writes.map(([sql, p], i) => {
    const part = `w${i + 1} AS (${shifted(sql, offset + params.length)})`;
    params.push(...p);
    return part;
  });
  return [parts, params];
}

/** One statement of `writes` as data-modifying CTEs, with its parameters. */
export function combine(writes: readonly Write[]): [string, unknown[]] {
  if (writes.length === 1) return [writes[0]![0], [...writes[0]![1]]];
  const [parts, params] = ctes(writes, 0);
  return [`WITH ${parts.join(',\n')}\nSELECT 1`, params];
}

/** `sql` (it begins `WITH `) with `writes` as data-modifying CTEs ahead of its own, and the parameters of both. */
function combineWith(writes: readonly Write[], sql: string, params: readonly unknown[]): [string, unknown[]] {
  if (!/^WITH\s/i.test(sql)) throw new Error('combineWith: the statement must begin with WITH');
  if (writes.length === 0) return [sql, [...params]];
  const [parts, more] = ctes(writes, params.length);
  return [`WITH ${parts.join(',\n')},\n${sql.replace(/^WITH\s+/i, '')}`, [...params, ...more]];
}

/** A Queryable that records writes (answering no rows) until `flush` sends them as one statement. */
export function combinedWrites(q: Queryable): CombinedWrites {
  let writes: (readonly [string, readonly unknown[]])[] | undefined = [];
  const after: (() => void)[] = [];
  const settings: Record<string, string> = {};
  const underSettings = <T>(send: () => Promise<T>): Promise<T> =>
    Object.keys(settings).length === 0 ? send() : withLocalSettings(q, settings, send);
  const sent = <T>(res: T): T => {
    for (const fn of after.splice(0)) fn();
    return res;
  };
  return {
    async query<R>(
      sql: string,
      params: readonly unknown[] = [],
      opts?: QueryOptions,
    ): Promise<QueryResultLite<R>> {
      if (!writes) throw new Error('combinedWrites: a write after flush');
      writes.push([sql, params]);
      Object.assign(settings, opts?.settings);
      return { rows: [], rowCount: 0 };
    },
    async flush() {
      const pending = writes ?? [];
      writes = undefined;
      if (pending.length > 0) await underSettings(() => q.query(...combine(pending)));
      sent(undefined);
    },
    async flushWith<R>(sql: string, params: readonly unknown[], opts?: QueryOptions) {
      const pending = writes ?? [];
      writes = undefined;
      const [text, values] = combineWith(pending, sql, params);
      return sent(await underSettings(() => q.query<R>(text, values, opts)));
    },
    afterFlush: (fn) => void after.push(fn),
  };
}
