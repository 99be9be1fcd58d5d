/**
 * Classes by their code (issue 7, class deletions): truc keys a class by school/year/code, while a
 * source's class tombstone names only the code and a school's own system keys a class by its code within
 * the school. Live classes only (migration 145 indexes their code).
 */
import type { Queryable } from './db.js';

export function createClassKeysRepo(q: Queryable) {
  return {
    /**
     * The live classes a source's tombstones name by code: those `system` last wrote, of `scope` (a
     * school; '' = any). A class another system wrote since is left alone, as reconciliation does.
     */
    async ofSourceCodes(codes: readonly string[], by: { system: string; scope: string }): Promise<string[]> {
      if (codes.length === 0) return [];
      const res = await q.query<{ key: string }>(
        `SELECT class_key AS key FROM truc.classes
          WHERE data ->> 'classCode' = ANY($1::text[]) AND deleted_at IS NULL AND source_system = $2
            AND ($3 = '' OR school_code = $3)
          ORDER BY 1`,
        [[...codes], by.system, by.scope],
      );
      return res.rows.map((r) => r.key);
    },
    /**
     * Of deleted class keys, those whose school still has a live class of the same code in a LATER school
     * year: a system keying classes by code within the school holds the newest year's under that code, so
     * the delete of an older year's class is superseded there. A live class of an earlier year (last year's,
     * kept as history) supersedes nothing: the system holds the deleted one (review20b).
     */
    async codeLiveInLaterYear(keys: readonly string[]): Promise<Set<string>> {
      if (keys.length === 0) return new Set();
      // A class key is schoolCode/schoolYear/classCode (none of them holds a '/'); a school year is
      // 'YYYY-YYYY', so a later one sorts after (as text) and the deleted class itself never matches.
      const res = await q.query<{ key: string }>(
        `SELECT DISTINCT k.key FROM unnest($1::text[]) AS k(key)
           JOIN truc.classes c ON c.data ->> 'classCode' = split_part(k.key, '/', 3)
                              AND c.school_code = split_part(k.key, '/', 1)
                              AND c.deleted_at IS NULL
                              AND c.data ->> 'schoolYear' > split_part(k.key, '/', 2)`,
        [[...keys]],
      );
      return new Set(res.rows.map((r) => r.key));
    },
  };
}
