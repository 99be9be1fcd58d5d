/**
 * What a school's vendor batches changed over the mass-change guard's window (issue 7 item 3, migration 790): the
 * change feed's rows (migration 035: keys per school, entity and operation) written by the transactions of the
 * school's vendor batches (`truc.batches.xact`) judged since the window began, less what a city admin decided. No
 * table of its own: the batches and the feed already hold it. Keys only, no personal data.
 */
import type { EntityName } from '../config.js';
import type { Queryable } from './db.js';
import { TABLES } from './record-tables.js';

/** The distinct records of a school its vendor batches changed, and deleted, since `since`. */
export interface VendorWindowChanges {
  /**
   * Where the window begins: its start, or, later, when the newest hold of one of the school's batches that an
   * admin approved was made (what that hold showed is decided).
   */
  since: Date;
  /**
   * Records changed in place (the feed's `update`), and records brought back to the school (the feed's `create` of a
   * record stored before the batch arrived: a restore is a change, ../jobs/guard.ts `evaluate`, restoreguard). Each
   * is the school's own record: a vendor batch may not write one truc holds at another school, deleted or live
   * (TENANCY_OWNED_ELSEWHERE; guard3 item 2, test/unit/jobs/window-restore-elsewhere.test.ts).
   */
  changed: string[];
  /** Records deleted (the feed's `delete`: a snapshot's deletions; a vendor batch moves none, tenancy). */
  deleted: string[];
}

/**
 * The school's vendor batches of `entity` that arrived since `$3` (the batches' (school_code, created_at) index),
 * each with the newest approved hold of it, if any.
 */
const WINDOW_BATCHES = `SELECT b.xact, b.finished_at, b.created_at,
         (SELECT max(h.created_at) FROM truc.guard_holds h WHERE h.batch_id = b.id AND h.status = 'approved') AS approved
    FROM truc.batches b
   WHERE b.school_code = $1 AND b.created_at >= $3 AND b.entity = $2 AND b.client_id <> $4`;

export function createVendorWindowRepo(q: Queryable) {
  return {
    /**
     * The changes of `school`'s records of `entity` by its vendor batches (any client but `pullClient`) that arrived
     * since `from` and wrote records, in one statement: a batch whose hold was approved is decided, and so is every
     * batch finished before the newest such hold was made (the hold showed them); the rest count, each record once.
     * A restore counts with the changes (review of restoreguard: restores sent a few at a time were weighed each alone).
     * Each record counts once, by what the window's last batch to touch it did (guard2): a record deleted then brought
     * back is a restore, a change, not a deletion too (counted in both, it was also counted live twice: the window's
     * deletions are added back to the school's live records, ../jobs/guard.ts `withWindow`); changed then deleted, a
     * deletion.
     */
    async changesOf(
      school: string,
      entity: EntityName,
      from: Date,
      pullClient: string,
    ): Promise<VendorWindowChanges> {
      const t = TABLES[entity];
      const res = await q.query<{ cut: Date | null; op: string | null; keys: string[] | null }>(
        `WITH w AS (${WINDOW_BATCHES}),
              cut AS (SELECT max(approved) AS at FROM w)
         SELECT cut.at AS cut, f.op, f.keys
           FROM cut LEFT JOIN LATERAL (
             SELECT CASE l.op WHEN 'delete' THEN 'delete' ELSE 'update' END AS op, array_agg(l.key ORDER BY l.key) AS keys
               FROM (SELECT DISTINCT ON (k.key) k.key, c.op
                       FROM w JOIN truc.record_changes c ON c.tx = w.xact, unnest(c.record_keys) AS k(key)
                      WHERE w.xact IS NOT NULL AND w.approved IS NULL AND (cut.at IS NULL OR w.finished_at > cut.at)
                        AND c.school_code = $1 AND c.entity = $2
                        AND (c.op IN ('update', 'delete')
                             OR (c.op = 'create' AND EXISTS (SELECT 1 FROM ${t.table} r
                                                              WHERE r.${t.key} = k.key AND r.created_at < w.created_at)))
                      ORDER BY k.key, c.tx DESC, c.seq DESC) l
              GROUP BY 1
           ) f ON true`,
        [school, entity, from, pullClient],
      );
      const cut = res.rows[0]?.cut ?? null;
      const out: VendorWindowChanges = {
        since: cut && new Date(cut) > from ? new Date(cut) : from,
        changed: [],
        deleted: [],
      };
      for (const r of res.rows) {
        if (r.op === 'update') out.changed = r.keys ?? [];
        else if (r.op === 'delete') out.deleted = r.keys ?? [];
      }
      return out;
    },
  };
}
