/**
 * What the sender of a batch (a vendor's push, its dry run) is told of its findings: the one rule of
 * it (review27b F1, F2). A finding whose verdict rests on another school's records (`elsewhere`: a
 * probable duplicate stored only at other schools, a personal ID enrolled at another school) would tell
 * the sender facts about pupils of schools it does not serve (guess a birth date or a citizen ID, dry-run,
 * read the answer), so the sender's answers leave it out: the dry run, the batch's filed findings
 * (GET /v1/batches/{id}/findings, the findings.ready counts). The city keeps it: the record's verdict
 * holds every finding, marked `elsewhere` (src/store/quality.ts), and a vendor reads its schools' verdicts
 * as their sender (priv28: GET /v1/schools/{code}/quality/findings without them, the store's `sendersView`
 * filter on that mark); city admins, auditors and PCGD officers read every finding. Nor does such a finding
 * refuse a record a school's side sent (a vendor's batch or dry run, a pull of a school's own system), whatever
 * the city's policy makes its rule: the refusal (the batch's counts, the record not stored) would tell what the
 * finding may not. It refuses a record of the city database's pulls as the policy says.
 */
import type { Role } from '../store/clients.js';
import type { BatchContext, Finding } from './types.js';

/** The findings the sender of a batch is told: all but those resting on another school's records. */
export function senderView<F extends Pick<Finding, 'elsewhere'>>(findings: readonly F[]): F[] {
  return findings.filter((f) => f.elsewhere !== true);
}

/** Whether `role` reads a school's findings as the school's sender is told them (a vendor), not as the city. */
export function readsAsSender(role: Role): boolean {
  return role === 'vendor';
}

/**
 * Whether a finding of severity `severity` refuses its record in a batch of `ctx`: an error does, but for one
 * resting on another school's records in a batch a school's side sent (a vendor's: `schoolCode`; a school
 * system's pull: `fromSchoolSystem`), which is kept on the verdict and counted by the city, its record accepted.
 */
export function refuses(
  severity: Finding['severity'],
  elsewhere: boolean,
  ctx: Pick<BatchContext, 'schoolCode' | 'fromSchoolSystem'>,
): boolean {
  if (severity !== 'error') return false;
  return !elsewhere || (ctx.schoolCode === undefined && ctx.fromSchoolSystem !== true);
}
