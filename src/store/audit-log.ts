/**
 * The shapes of the audit log's entries (`truc.audit_log`, and `truc.audit_pending` before they are
 * chained): the chain in src/audit writes and verifies them, the store reads them back and writes a
 * repeat's entries in its own statement (./repeats.ts). Here, below both, so that neither declares them
 * again (the store never imports src/audit).
 */

/**
 * Every action truc writes to the audit log, sorted: an event's `action` is one of them (the compiler holds every
 * writer to it; the repeat's SQL in ./repeats.ts writes batch.accepted and batch.ingested). A new action goes here,
 * with its words in dashboard/src/words.ts (test/unit/dashboard/words.test.ts walks this list): the dashboard's
 * audit page shows each in words, an older code it does not know as it was written.
 */
export const AUDIT_ACTIONS = [
  'auth.failed',
  'auth.token-limited',
  'batch.accepted',
  'batch.dry_run',
  'batch.held',
  'batch.ingested',
  'circuit.closed',
  'circuit.opened',
  'client.created',
  'client.disabled',
  'client.enabled',
  'client.old_secret_ended',
  'client.secret_rotated',
  'client.updated',
  'dead_letters.closed',
  'dead_letters.replayed',
  'gate.retry-after',
  'guard.applied',
  'guard.approved',
  'guard.held',
  'guard.rejected',
  'guard.superseded',
  'job.dead',
  'pcgd.approved',
  'pcgd.compute-failed',
  'pcgd.compute-requested',
  'pcgd.computed',
  'pcgd.receipted',
  'pcgd.records-read',
  'pcgd.reopened',
  'pcgd.resubmitted',
  'pcgd.submitted',
  'push.delivered',
  'quality.requested',
  'schedule.paused',
  'schedule.resumed',
  'schedule.run',
  'school-system.cleared',
  'school-system.set',
  'sync.finished',
  'sync.page',
  'sync.reconciled',
  'sync.requested',
  'target.forgotten',
  'webhook.pinged',
  'webhook.subscribed',
  'webhook.unsubscribed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** An event to record: references and counts only, never personal data. */
export interface AuditEvent {
  actor: string;
  action: AuditAction;
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
