/**
 * The audit log as operations read it (issue 11, `GET /v1/audit`, `truc audit`): its entries, newest first, and the
 * actions it holds. Part of the operations reads (./overview.ts `createOverviewRepo`). Nothing here writes (the chain
 * is src/audit's); entries hold references and counts only.
 */
import type { AuditEntry } from './audit-log.js';
import type { Queryable } from './db.js';

/** An entry as the search lists it: its actor's name as it was when recorded (fix36b, migration 1425; null: none). */
export type ListedAuditEntry = AuditEntry & { actorName: string | null };

export interface AuditFilter {
  actor?: string | undefined;
  action?: string | undefined;
  subject?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** The audit log's entries, and the actions it holds (the audit search refuses any other that truc does not write). */
export function auditReads(q: Queryable) {
  return {
    /**
     * Audit rows matching the filter in the chain's order, the last chained first (seq descending): the one order of
     * the log (pcgd13). `at` is when an event happened; a hot path's event is chained after, so a later seq may carry
     * an earlier `at`, and the list is not re-sorted by it. Details hold references and counts only.
     */
    async audit(f: AuditFilter, limit: number, offset: number): Promise<ListedAuditEntry[]> {
      const res = await q.query<ListedAuditEntry>(
        `SELECT seq, at, actor, actor_name AS "actorName", action, subject, details FROM truc.audit_log
          WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action = $2)
            AND ($3::text IS NULL OR subject = $3)
            AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5)
          ORDER BY seq DESC LIMIT $6 OFFSET $7`,
        [f.actor ?? null, f.action ?? null, f.subject ?? null, f.from ?? null, f.to ?? null, limit, offset],
      );
      return res.rows;
    },
    /** Whether the audit log holds a row of this action (one probe of migration 1270's index). */
    async auditActionWritten(action: string): Promise<boolean> {
      const res = await q.query<{ found: boolean }>(
        'SELECT EXISTS (SELECT 1 FROM truc.audit_log WHERE action = $1) AS found',
        [action],
      );
      return res.rows[0]?.found === true;
    },
    /** Every action the audit log holds, sorted: one probe of migration 1270's index per action (a loose scan). */
    async auditActions(): Promise<string[]> {
      const res = await q.query<{ action: string }>(
        `WITH RECURSIVE a(action) AS (
           (SELECT action FROM truc.audit_log ORDER BY action LIMIT 1)
           UNION ALL
           SELECT (SELECT l.action FROM truc.audit_log l WHERE l.action > a.action ORDER BY l.action LIMIT 1)
             FROM a WHERE a.action IS NOT NULL)
         SELECT action FROM a WHERE action IS NOT NULL`,
      );
      return res.rows.map((r) => r.action);
    },
  };
}
