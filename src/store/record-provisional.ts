/**
 * Provisional student codes (`TAM-<12-digit personal ID>`, DOMAIN §3.2): which of them a record under a sector code
 * takes over (../jobs/rekey.ts). Read only.
 */
import type { Queryable } from './db.js';

/** A provisional record a record under a sector code may take over: its code, school and personal ID. */
export interface ProvisionalAsk {
  /** The provisional code `TAM-<personalId>`. */
  readonly key: string;
  readonly school: string;
  readonly personalId: string;
}

/**
 * Of `asks`, the provisional codes live in truc at that very school with that very personal ID (a provisional code
 * whose stored personal ID is another, or of another school, is none). One statement, by primary key.
 */
export async function liveProvisional(q: Queryable, asks: readonly ProvisionalAsk[]): Promise<Set<string>> {
  if (asks.length === 0) return new Set();
  const res = await q.query<{ key: string }>(
    `SELECT s.student_code AS key
       FROM unnest($1::text[], $2::text[], $3::text[]) AS a(key, school, id)
       JOIN truc.students s ON s.student_code = a.key AND s.school_code = a.school AND s.personal_id = a.id
      WHERE s.deleted_at IS NULL`,
    [asks.map((a) => a.key), asks.map((a) => a.school), asks.map((a) => a.personalId)],
  );
  return new Set(res.rows.map((r) => r.key));
}
