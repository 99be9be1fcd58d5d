/**
 * How ./db.ts's statements go on pg's wire: their parameters (arrays of strings or booleans written here),
 * the names of the statements prepared once per connection (at most {@link MAX_PREPARED} texts a process),
 * and a `COPY … FROM STDIN` with its data right behind it.
 */
import { hash } from 'node:crypto';
import pg from 'pg';

/** Distinct statement texts prepared by this process (each once per connection that runs it). */
export const MAX_PREPARED = 64;
const preparedNames = new Map<string, string>();

/** A character pg escapes in an array's element (each element is quoted: nothing else is). */
const TO_ESCAPE = /["\\]/;

/**
 * A flat array of strings (and nulls), or of booleans, as PostgreSQL's array literal, exactly as pg would
 * write it, or undefined to leave it to pg: one whose strings need no escaping. pg escapes each element
 * with two regular expressions (issue 7: a vendor batch's ingest sends 18 arrays of 1000 keys, codes and
 * fingerprints: 2.0 ms of truc's CPU that way, 0.9 this way). The literal is one `join` of the elements,
 * the braces and the first and last quotes joined to the first and last: one flat string, which pg measures
 * and encodes as it is (issue 7: a text made of parts, as `{${JSON.stringify(values).slice(1, -1)}}` was,
 * is copied flat once more when pg writes it). An array with a string to escape (a quote, a backslash) is
 * left to pg. Booleans (a batch's verdicts: accepted or not) pg writes one concatenation at a time
 * (issue 7: ~2.5 % of what a P4 batch allocated); here from two constant texts.
 */
export function textArrayLiteral(values: readonly unknown[]): string | undefined {
  let nulls = false;
  let flags = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) nulls = true;
    else if (typeof v === 'boolean') flags += 1;
    else if (typeof v !== 'string' || TO_ESCAPE.test(v)) return undefined;
  }
  if (flags > 0)
    return flags === values.length
      ? joined(
          values.map((v) => (v ? 'true' : 'false')),
          '"',
        )
      : undefined;
  if (!nulls) return joined((values as readonly string[]).slice(), '"');
  return joined(
    values.map((v) => (typeof v === 'string' ? `"${v}"` : 'NULL')),
    '',
  );
}

/**
 * `{` + `elements` (changed in place) each within `quote`, joined by `,` + `}`, as one flat string: one `join`,
 * the braces and the outer quotes joined to the first and last elements.
 */
function joined(elements: string[], quote: '"' | ''): string {
  const n = elements.length;
  if (n === 0) return '{}';
  elements[0] = `{${quote}${elements[0]}`;
  elements[n - 1] = `${elements[n - 1]}${quote}}`;
  return elements.join(`${quote},${quote}`);
}

/** A statement's parameters as pg sends them, arrays of strings or booleans written here ({@link textArrayLiteral}). */
const paramValues = (params: readonly unknown[]): unknown[] =>
  params.map((v) => (Array.isArray(v) ? (textArrayLiteral(v) ?? v) : v));

/** The statement as pg sends it: named (prepared once per connection) when asked and allowed (`prepare`). */
export function statement(
  sql: string,
  params: readonly unknown[] | undefined,
  prepare: boolean,
): pg.QueryConfig<unknown[]> {
  const config: pg.QueryConfig<unknown[]> = params
    ? { text: sql, values: paramValues(params) }
    : { text: sql };
  if (!prepare) return config;
  let name = preparedNames.get(sql);
  if (name === undefined && preparedNames.size < MAX_PREPARED) {
    name = `truc_${hash('sha256', sql).slice(0, 32)}`;
    preparedNames.set(sql, name);
  }
  return name === undefined ? config : { ...config, name };
}

/** What `copyIn` needs of pg's connection (not in pg's types). */
interface CopyConnection {
  query(text: string): void;
  endCopyFrom(): void;
  stream: { cork?(): void; uncork?(): void; write(chunk: Buffer): boolean };
}

/**
 * `sql` (a `COPY … FROM STDIN`) on `client`, its input `data` written right behind it: a query of pg's own
 * kind (so a pipelined connection sends it in turn, as any statement), in the simple protocol (its answers
 * end like any statement's, with ReadyForQuery), whose COPY data and end follow it on the wire without
 * waiting for PostgreSQL's CopyInResponse. If the COPY fails before reading them (a transaction already
 * failed), PostgreSQL skips COPY messages it meets outside a COPY, as the protocol says it must.
 */
export function copyQuery(client: pg.ClientBase, sql: string, data: Buffer): Promise<{ rowCount: number }> {
  return new Promise((resolve, reject) => {
    const query = new pg.Query(sql, (err: Error | undefined, res: { rowCount: number | null }) => {
      if (err) reject(err);
      else resolve({ rowCount: res.rowCount ?? 0 });
    });
    query.submit = (connection) => {
      const c = connection as unknown as CopyConnection;
      c.stream.cork?.();
      try {
        c.query(sql);
        // One CopyData message: its head, then `data` as it is (pg's own would copy a page's ~600 KB once more).
        const head = Buffer.allocUnsafe(5);
        head[0] = 0x64; // 'd'
        head.writeInt32BE(4 + data.length, 1);
        c.stream.write(head);
        c.stream.write(data);
        c.endCopyFrom();
      } finally {
        c.stream.uncork?.();
      }
    };
    // pg's default answers CopyInResponse with CopyFail: the data is on its way already.
    (query as unknown as { handleCopyInResponse(): void }).handleCopyInResponse = () => undefined;
    client.query(query);
  });
}
