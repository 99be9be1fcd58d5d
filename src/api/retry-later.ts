/**
 * A refusal that asks the caller to wait (429: the per-client limit, failed authentications, tokens per client, the
 * login throttle; 503: the database down or refusing, a dependency unavailable, a process not ready, words6 item 3):
 * its detail says when to try again, in both languages, from the one value its `Retry-After` header carries (walk3
 * W3-6: the detail said only "too many requests"), and the token endpoint's `error_description` says it too
 * (../plugins/errors.ts).
 */
import { AppError, both, type ErrorCode } from '../errors.js';

/** The words of a wait of `seconds` (a whole number: what `Retry-After` carries). */
export const tryAgainIn = (seconds: number): { vi: string; en: string } => ({
  vi: `thử lại sau ${seconds} giây`,
  en: `try again in ${seconds} s`,
});

/** The refusals {@link waitRefusal} made: their detail is truc's own words, sent as they are (even on a 503). */
const WAITS = new WeakSet<AppError>();

/**
 * A refusal of `code` asking to wait `seconds`, rounded up to a whole second (at least one): the same number is its
 * `Retry-After` and the one its detail names, after `why` (what was refused) when given.
 */
export function waitRefusal(code: ErrorCode, seconds: number, why?: { vi: string; en: string }): AppError {
  const wait = Math.max(1, Math.ceil(seconds));
  const when = tryAgainIn(wait);
  const detail = why ? both(`${why.vi}; ${when.vi}`, `${why.en}; ${when.en}`) : both(when.vi, when.en);
  const refusal = new AppError(code, detail, { retryAfterSeconds: wait });
  WAITS.add(refusal);
  return refusal;
}

/** True for a refusal {@link waitRefusal} made. */
export const isWaitRefusal = (err: AppError): boolean => WAITS.has(err);

/** How long a 503 of a retryable code asks to wait when whoever refused did not say (words6 item 3). */
export const UNAVAILABLE_WAIT_SECONDS = 30;

/**
 * A 503 the caller may retry, as it is answered (words6 item 3: a 503 said neither how long to wait nor when): one of
 * {@link waitRefusal}'s as it is; any other (an external system unavailable, a dependency thrown with internals in its
 * message, which a 5xx never shows) as a wait of its own `retryAfterSeconds`, else {@link UNAVAILABLE_WAIT_SECONDS},
 * its detail only the wait's words. Undefined for any other error (not a 503, or not retryable: waiting will not help).
 */
export function unavailableWait(err: AppError): AppError | undefined {
  if (err.status !== 503 || !err.retryable) return undefined;
  if (isWaitRefusal(err)) return err;
  return waitRefusal(err.code, err.retryAfterSeconds ?? UNAVAILABLE_WAIT_SECONDS);
}

/** What a 503 not_ready says (a process's `/readyz`): its database or queue backend does not answer; wait this long. */
export const notReadyWait = (): AppError =>
  waitRefusal('ERR_DEPENDENCY_UNAVAILABLE', 5, {
    vi: 'chưa sẵn sàng: cơ sở dữ liệu hoặc hàng đợi không trả lời (xem checks)',
    en: 'not ready: the database or the queue backend does not answer (see checks)',
  });
