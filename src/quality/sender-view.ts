/**
 * What the sender of a batch (a vendor's push, its dry run) is told of its findings: the one rule of
 * it (review27b F1, F2). A finding whose verdict rests on another school's records (`elsewhere`: a
 * probable duplicate stored only at other schools, a personal ID enrolled at another school) would tell
 * the sender facts about pupils of schools it does not serve (guess a birth date or a citizen ID, dry-run,
 * read the answer), so the sender's answers leave it out: the dry run, the batch's filed findings
 * (GET /v1/batches/{id}/findings, the findings.ready counts). The city keeps it: the record's verdict
 * holds every finding, marked `elsewhere` (src/store/quality.ts), and a vendor reads its schools' verdicts
 * as their sender (priv28: GET /v1/schools/{code}/quality/findings without them, the store's `sendersView`
 * filter on that mark); city admins, auditors and PCGD officers read every finding.
 */
import type { Role } from '../store/clients.js';
import type { Finding } from './types.js';

/** The findings the sender of a batch is told: all but those resting on another school's records. */
export function senderView<F extends Pick<Finding, 'elsewhere'>>(findings: readonly F[]): F[] {
  return findings.filter((f) => f.elsewhere !== true);
}

/** Whether `role` reads a school's findings as the school's sender is told them (a vendor), not as the city. */
export function readsAsSender(role: Role): boolean {
  return role === 'vendor';
}
