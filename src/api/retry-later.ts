/**
 * A refusal that asks the caller to wait (429: the per-client limit, failed authentications, tokens per client, the
 * login throttle): its detail says when to try again, in both languages, from the one value its `Retry-After` header
 * carries (walk3 W3-6: the detail said only "too many requests"), and the token endpoint's `error_description` says it
 * too (../plugins/errors.ts).
 */
import { AppError, both, type ErrorCode } from '../errors.js';

/** The words of a wait of `seconds` (a whole number: what `Retry-After` carries). */
export const tryAgainIn = (seconds: number): { vi: string; en: string } => ({
  vi: `thử lại sau ${seconds} giây`,
  en: `try again in ${seconds} s`,
});

/**
 * A refusal of `code` asking to wait `seconds`, rounded up to a whole second (at least one): the same number is its
 * `Retry-After` and the one its detail names, after `why` (what was refused) when given.
 */
export function waitRefusal(code: ErrorCode, seconds: number, why?: { vi: string; en: string }): AppError {
  const wait = Math.max(1, Math.ceil(seconds));
  const when = tryAgainIn(wait);
  const detail = why ? both(`${why.vi}; ${when.vi}`, `${why.en}; ${when.en}`) : both(when.vi, when.en);
  return new AppError(code, detail, { retryAfterSeconds: wait });
}
