/**
 * What an admin's request must pass before it is taken (./requests.ts takes it): the system is configured, the school
 * a pull or a school-system word names is held, a hold decision's reason is one line. The API and the CLI ask the same
 * checks; producers import them through `./contracts.ts`.
 */
import { getCommune } from '../canonical/codes/admin-units.js';
import { formerUnitWords } from '../canonical/codes/former-units.js';
import { hasNoForbiddenChars } from '../canonical/text.js';
import { SYSTEM_PULLS, systemConfigured, type Config, type EntityName, type SystemName } from '../config.js';
import { AppError, both } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { createRecordsRepo } from '../store/records.js';
import { servedWithin } from '../store/served-targets.js';
import { SERVED_WINDOW_SECONDS } from './served-targets.js';

/**
 * Throws ERR_SYSTEM_NOT_CONFIGURED, naming the system, when truc is not configured for `system`: neither the asking
 * process's configuration (src/config.ts `systemConfigured`) nor a running truc's, as its workers recorded it within
 * the last {@link SERVED_WINDOW_SECONDS} (truc.served_targets, ./served-targets.ts; review30 F6: beside `npm run
 * demo`, or in a shell without the service's environment file, the CLI's own configuration lacks the system the
 * workers pull). Its pull would be stored, then fail for good (no adapter: a failed run and an open dead letter no
 * replay can fix; review26a F1). Asked where an admin asks (the API, the CLI, a schedule's "run now"), before
 * {@link requestSync}; a schedule's own fire is recorded `refused` with this code instead (./schedule-control.ts).
 */
export async function checkSystemConfigured(q: Queryable, config: Config, system: SystemName): Promise<void> {
  if (systemConfigured(config, system)) return;
  if (!(await servedWithin(q, system, SERVED_WINDOW_SECONDS)))
    throw new AppError(
      'ERR_SYSTEM_NOT_CONFIGURED',
      both(
        `truc chưa được cấu hình cho ${system}: không kéo được dữ liệu từ ${system}`,
        `truc is not configured for ${system}: nothing can be pulled from ${system}`,
      ),
    );
}

/**
 * Whether a pull's scope can be pulled: false when it names a school (`scope`) truc holds no record of, for an
 * entity other than the schools themselves (review25 F2: a mistyped code was accepted and its run ended `done`
 * with nothing, read as "synced"). A new school is pulled first (its own `schools` pull may name it, which is how
 * it comes in), then the rest. A scope of every school is always held. A commune's scope (moet-pcgd) is held when it
 * is a current commune (the 2025 list, as a PCGD report's unit): the Ministry knows no other, so its run could only
 * fail (review28 F8: a dead letter no replay can fix).
 */
export async function scopeHeld(
  q: Queryable,
  input: { system: SystemName; entity: EntityName; scope?: string | undefined },
): Promise<boolean> {
  const scope = input.scope ?? '';
  if (scope === '') return true;
  // A code that is not 5 digits is the request's shape, refused as such (ERR_VALIDATION, config.ts pullRefusal).
  if (SYSTEM_PULLS[input.system].scope === 'commune')
    return !/^\d{5}$/.test(scope) || getCommune(scope) !== undefined;
  return input.entity === 'schools' || schoolHeld(q, scope);
}

/** Whether truc holds a record of school `schoolCode`. */
async function schoolHeld(q: Queryable, schoolCode: string): Promise<boolean> {
  return (await createRecordsRepo(q).existing('schools', [schoolCode])).size > 0;
}

/** ERR_SCOPE_UNKNOWN's detail. */
const noSchoolHeld = (schoolCode: string): string =>
  both(`truc không có trường ${schoolCode}`, `no school ${schoolCode} is held`);

/** ERR_SCOPE_UNKNOWN's detail for a code that is no current commune: an old one's says what it became (pcgd13). */
export function communeNotCurrent(code: string): string {
  const former = formerUnitWords(code);
  if (former) return both(former.vi, former.en);
  return both(`${code} không phải mã một xã hiện hành`, `${code} is not a current commune code`);
}

/** ERR_SCOPE_UNKNOWN's detail for a pull's scope: a school not held, or a code that is no current commune. */
const scopeNotHeld = (input: { system: SystemName; scope?: string | undefined }): string => {
  const scope = (input.scope ?? '').slice(0, 12);
  if (SYSTEM_PULLS[input.system].scope !== 'commune') return noSchoolHeld(scope);
  return communeNotCurrent(scope);
};

/**
 * Throws ERR_SCOPE_UNKNOWN when an admin's pull names a school truc holds no record of, or a code that is no
 * current commune ({@link scopeHeld}). Asked
 * where an admin asks (the API, the CLI, a schedule's "run now"), before {@link requestSync}. A schedule's own
 * fire is not refused so: its scope is config, which may come before the school; the fire is recorded
 * `refused` with this code (./schedule-control.ts).
 */
export async function checkScopeHeld(
  q: Queryable,
  input: { system: SystemName; entity: EntityName; scope?: string | undefined },
): Promise<void> {
  if (!(await scopeHeld(q, input))) throw new AppError('ERR_SCOPE_UNKNOWN', scopeNotHeld(input));
}

/**
 * Throws ERR_SCOPE_UNKNOWN when truc holds no record of school `schoolCode`: what an admin's word on which system
 * serves a school asks ({@link setSchoolSystem}), as an admin's pull of one school does ({@link checkScopeHeld}).
 */
export async function checkSchoolHeld(q: Queryable, schoolCode: string): Promise<void> {
  if (!(await schoolHeld(q, schoolCode))) throw new AppError('ERR_SCOPE_UNKNOWN', noSchoolHeld(schoolCode));
}

/**
 * At most this long, one line, no control characters: an admin's reason for a hold decision, kept in the audit log.
 * One line by the project's one rule for text (canonical/text.ts `hasNoForbiddenChars`: no control, format (bidi
 * overrides), private-use or surrogate character, no U+2028/U+2029 or U+0085 line break).
 */
export const DECISION_REASON_MAX = 500;

/** Whether `reason` can be kept as a decision's reason ({@link DECISION_REASON_MAX}); the API and the CLI ask. */
export function isDecisionReason(reason: string): boolean {
  return hasNoForbiddenChars(reason) && reason.trim() !== '' && reason.length <= DECISION_REASON_MAX;
}
