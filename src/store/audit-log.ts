/**
 * The shapes of the audit log's entries (`truc.audit_log`, and `truc.audit_pending` before they are
 * chained): the chain in src/audit writes and verifies them, the store reads them back and writes a
 * repeat's entries in its own statement (./repeats.ts). Here, below both, so that neither declares them
 * again (the store never imports src/audit).
 */

/** An event to record: references and counts only, never personal data. */
export interface AuditEvent {
  actor: string;
  action: string;
  subject?: string | undefined;
  details?: Record<string, string | number | boolean | null | string[]> | undefined;
}

/** An entry of `truc.audit_log` as read back, without the chain's hashes. */
export interface AuditEntry {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
}

/** A chained row of `truc.audit_log`, as stored. */
export interface AuditRow extends AuditEntry {
  prev_hash: string;
  hash: string;
}
