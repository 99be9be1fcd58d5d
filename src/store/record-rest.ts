/**
 * The stored records' data without some of their fields (issue 7 item 3): what the mass-change guard compares a
 * record's change with, in the rollover window, to tell a change of a student's grade and class alone from any
 * other (../jobs/guard-rollover.ts). Read only there, one statement per slice of keys.
 */
import type { EntityName } from '../config.js';
import type { Queryable } from './db.js';
import { chunks, TABLES } from './record-tables.js';

export function createRecordRestReads(q: Queryable) {
  return {
    /** The data of the live records of `keys` less the fields `without` (top-level keys), by key. */
    async restOf(
      entity: EntityName,
      keys: readonly string[],
      without: readonly string[],
    ): Promise<Map<string, Record<string, unknown>>> {
      const t = TABLES[entity];
      const out = new Map<string, Record<string, unknown>>();
      for (const part of chunks(keys)) {
        const res = await q.query<{ key: string; rest: Record<string, unknown> }>(
          `SELECT ${t.key} AS key, data - $2::text[] AS rest FROM ${t.table}
            WHERE ${t.key} = ANY($1::text[]) AND deleted_at IS NULL`,
          [part, [...without]],
        );
        for (const r of res.rows) out.set(r.key, r.rest);
      }
      return out;
    },
  };
}
