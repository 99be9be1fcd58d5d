/**
 * The one table of error codes. Every error truc reports (HTTP problem responses, job failures,
 * CLI lines) carries one of these codes. Codes are part of the public contract: never rename or
 * reuse one; add new rows instead. `docs/errors.md` documents each code.
 */
import { ADAPTER_ERRORS } from './errors-adapter.js';
import { DATA_ERRORS } from './errors-data.js';
import { GUARD_ERRORS } from './errors-guard.js';
import { INPUT_ERRORS } from './errors-input.js';
import { OPS_ERRORS } from './errors-ops.js';
import { PCGD_ERRORS } from './errors-pcgd.js';

export interface ErrorDef {
  /** HTTP status when the error reaches the API. */
  readonly status: number;
  /** Whether retrying the same operation later may succeed. */
  readonly retryable: boolean;
  readonly vi: string;
  readonly en: string;
}

const def = (status: number, retryable: boolean, vi: string, en: string): ErrorDef => ({
  status,
  retryable,
  vi,
  en,
});

export const ERRORS = {
  // request shape
  ERR_VALIDATION: def(400, false, 'Dữ liệu gửi lên không hợp lệ.', 'The request is not valid.'),
  ERR_MALFORMED_JSON: def(400, false, 'Nội dung không phải JSON hợp lệ.', 'The body is not valid JSON.'),
  ERR_BODY_TOO_LARGE: def(
    413,
    false,
    'Nội dung gửi lên vượt quá giới hạn cho phép.',
    'The body is larger than allowed.',
  ),
  ERR_UNSUPPORTED_MEDIA_TYPE: def(
    415,
    false,
    'Kiểu nội dung không được hỗ trợ.',
    'The content type is not supported.',
  ),
  ERR_TRANSFER_CODING_UNSUPPORTED: def(
    501,
    false,
    'Kiểu mã hoá truyền (Transfer-Encoding) không được hỗ trợ.',
    'The transfer coding is not implemented.',
  ),
  ERR_NOT_FOUND: def(404, false, 'Không tìm thấy tài nguyên.', 'The resource was not found.'),
  ERR_ROUTE_NOT_FOUND: def(404, false, 'Không có đường dẫn này.', 'No such route.'),
  ERR_URI_TOO_LONG: def(
    414,
    false,
    'Đường dẫn quá dài hoặc không hợp lệ.',
    'The URL is too long or malformed.',
  ),
  ERR_METHOD_NOT_ALLOWED: def(405, false, 'Phương thức không được hỗ trợ.', 'Method not allowed.'),
  ERR_BATCH_TOO_LARGE: def(413, false, 'Lô dữ liệu có quá nhiều bản ghi.', 'The batch has too many records.'),
  ERR_ENTITY_UNSUPPORTED: def(
    400,
    false,
    'Loại dữ liệu này chưa được hỗ trợ.',
    'This entity is not supported.',
  ),
  ERR_SCOPE_UNKNOWN: def(
    400,
    false,
    'Phạm vi không xác định: truc không có trường hay xã nào mang mã này.',
    'Unknown scope: truc holds no school or commune by this code.',
  ),
  ERR_SYSTEM_NOT_CONFIGURED: def(
    400,
    false,
    'truc chưa được cấu hình cho hệ thống này (chưa đặt địa chỉ hoặc thông tin đăng nhập của nó).',
    'truc is not configured for this system (its URL or credentials are not set).',
  ),
  // auth
  ERR_UNAUTHENTICATED: def(401, false, 'Cần mã truy cập hợp lệ.', 'A valid access token is required.'),
  ERR_TOKEN_INVALID: def(
    401,
    false,
    'Mã truy cập không hợp lệ hoặc đã hết hạn.',
    'The access token is invalid or expired.',
  ),
  ERR_INVALID_CLIENT: def(401, false, 'Thông tin ứng dụng không đúng.', 'The client credentials are wrong.'),
  ERR_CLIENT_LOCKED: def(
    429,
    true,
    'Ứng dụng tạm bị khoá do đăng nhập sai nhiều lần.',
    'The client is temporarily locked after repeated failed logins.',
  ),
  ERR_UNSUPPORTED_GRANT: def(
    400,
    false,
    'Chỉ hỗ trợ grant_type=client_credentials.',
    'Only grant_type=client_credentials is supported.',
  ),
  ERR_FORBIDDEN_SCOPE: def(
    403,
    false,
    'Mã truy cập không có quyền này.',
    'The token lacks the required scope.',
  ),
  ERR_SELF_LOCKOUT: def(
    409,
    false,
    'Ứng dụng quản trị không thể tự khoá mình hoặc tự bỏ quyền admin.',
    'An admin client cannot disable itself or remove its own admin scope.',
  ),
  ERR_LAST_ADMIN: def(
    409,
    false,
    'Không thể khoá hay bỏ quyền admin của ứng dụng quản trị cuối cùng còn hoạt động.',
    'The last active admin client cannot be disabled or lose its admin scope.',
  ),
  ERR_FORBIDDEN_SCHOOL: def(
    403,
    false,
    'Mã truy cập không được cấp cho trường này.',
    'The token does not cover this school.',
  ),
  // idempotency
  ERR_IDEMPOTENCY_MISMATCH: def(
    422,
    false,
    'Idempotency-Key đã dùng cho một yêu cầu khác.',
    'The Idempotency-Key was used for a different request.',
  ),
  ERR_IDEMPOTENCY_IN_PROGRESS: def(
    409,
    true,
    'Yêu cầu với Idempotency-Key này đang được xử lý.',
    'A request with this Idempotency-Key is still in progress.',
  ),
  // dependencies
  ERR_DEPENDENCY_UNAVAILABLE: def(
    503,
    true,
    'Hệ thống tạm thời không sẵn sàng.',
    'A dependency is temporarily unavailable.',
  ),
  ERR_RATE_LIMITED: def(429, true, 'Quá nhiều yêu cầu.', 'Too many requests.'),
  ERR_INTERNAL: def(500, true, 'Lỗi nội bộ.', 'Internal error.'),
  // configuration
  ERR_CONFIG_INVALID: def(500, false, 'Cấu hình không hợp lệ.', 'The configuration is not valid.'),
  // external systems (adapters) (./errors-adapter.ts)
  ...ADAPTER_ERRORS,
  // mapping and data
  ERR_MAPPING_INVALID: def(422, false, 'Không chuyển đổi được bản ghi.', 'The record could not be mapped.'),
  ERR_MAPPING_VERSION_UNKNOWN: def(
    409,
    false,
    'Phiên bản ánh xạ này không còn được hỗ trợ; hãy chạy lại với phiên bản hiện tại.',
    'This mapping version can no longer be loaded; replay with the current one.',
  ),
  // background jobs
  ERR_JOB_PAYLOAD_INVALID: def(
    500,
    false,
    'Dữ liệu của việc nền không đúng khuôn dạng của nó.',
    'A background job’s payload does not match its contract.',
  ),
  ERR_JOB_UNKNOWN: def(
    500,
    false,
    'Hàng đợi không phục vụ loại việc nền này.',
    'No job of this name is served on its queue.',
  ),
  // issue 7 (sync-rel): sync engine reliability
  ERR_JOB_STARTS_EXHAUSTED: def(
    503,
    false,
    'Việc nền đã được khởi chạy quá số lần cho phép mà hệ thống đích vẫn tạm dừng nhận.',
    'The job was started more often than allowed while its target stayed paused.',
  ),
  // issue 7 (sync-data): the mass-change guard (./errors-guard.ts)
  ...GUARD_ERRORS,
  // issue 7: schedules
  ERR_SCHEDULE_FIRE_TAKEN: def(
    409,
    true,
    'Lịch này vừa được kích hoạt đúng vào thời điểm đó mà không tạo lần đồng bộ nào (lịch đang tạm dừng); hãy thử lại.',
    'The schedule fired at that very moment and requested no sync run (it is paused); try again.',
  ),
  ERR_SYNC_RUN_UNFINISHED: def(
    409,
    true,
    'Một lần đồng bộ cùng hệ thống, loại dữ liệu và phạm vi chưa xong (đang chờ, đang chạy hoặc bị giữ chờ duyệt): không chạy thêm lần thứ hai; theo dõi lần đó, hoặc chạy lại khi nó xong.',
    'A sync run of the same system, entity and scope is unfinished (queued, running, or held for a decision): a second one is not started; follow that run, or run again once it ends.',
  ),
  ERR_QUALITY_RUN_UNFINISHED: def(
    409,
    true,
    'Một lần tính thẻ điểm chất lượng chưa xong (đang chờ hoặc đang tính): không chạy thêm lần thứ hai; chạy lại khi nó xong.',
    'A quality scorecard run is unfinished (queued or computing): a second one is not started; run again once it ends.',
  ),
  // issue 10: PCGD-XMC reporting (./errors-pcgd.ts)
  ...PCGD_ERRORS,
  // issue 9: hostile input, identity and access; review33b: free text (./errors-input.ts)
  ...INPUT_ERRORS,
  // issue 9: reads and the change feed; purge29: bodies kept no longer than needed (./errors-data.ts)
  ...DATA_ERRORS,
  // fix36f: operating truc (./errors-ops.ts)
  ...OPS_ERRORS,
  // issue 9: webhooks
  ERR_WEBHOOK_URL: def(
    400,
    false,
    'Địa chỉ nhận webhook không được chấp nhận (cần https, không trỏ vào mạng nội bộ).',
    'The webhook URL is not accepted (https, and not on a private network).',
  ),
  ERR_WEBHOOK_LIMIT: def(
    409,
    false,
    'Đã đạt số đăng ký webhook tối đa của ứng dụng này.',
    'This client already has the most webhook subscriptions allowed.',
  ),
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERRORS;

/** Every code of the table, for a filter that takes one (e.g. the dead letters' `errorCode`). */
export const ERROR_CODES = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]];

/** A code's words from the table, in Vietnamese and English (the code itself in both when the table has none). */
export function errorMessage(code: string): { vi: string; en: string } {
  const def = Object.hasOwn(ERRORS, code) ? ERRORS[code as ErrorCode] : undefined;
  return { vi: def?.vi ?? code, en: def?.en ?? code };
}

/**
 * A message in Vietnamese and English, Vietnamese first, on one line (CONVENTIONS decision 8): the one way a
 * refusal's own words are written, wherever they are read: an AppError's detail (a problem's `detail`, the
 * CLI's line after the code's title), a CLI line, a configuration problem.
 */
export const both = (vi: string, en: string): string => `${vi} / ${en}`;

/** What another system's error or refusal code may look like to be kept: a letter, then letters, digits, `_ . -`. */
const CODE_LIKE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/**
 * Another system's error or refusal code as truc keeps it (a push target's refusal, a school system's error code): the
 * code when it looks like one ({@link CODE_LIKE}, at most 64, and no run of 9 digits, the separators `_ . -` aside: a
 * personal ID, `079-219-001-234` too, review13), else null. A system may put free text there, a value (another
 * holder's personal ID, a phone number), or control characters (review11: an SMAS `ErrorCode` went as it came into the
 * dead letter's message the CLI prints).
 */
export function foreignCode(code: string | null | undefined): string | null {
  return typeof code === 'string' && CODE_LIKE.test(code) && !/\d{9}/.test(code.replace(/[_.-]/g, ''))
    ? code
    : null;
}

/** `key` as a JSON pointer's reference token (RFC 6901: `~` written `~0`, `/` written `~1`). */
export const pointerToken = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** A JSON pointer's reference token as the key it names (RFC 6901), {@link pointerToken}'s inverse. */
export const tokenKey = (token: string): string => token.replace(/~1/g, '/').replace(/~0/g, '~');

/** The JSON pointer (RFC 6901) to `path`: '' for the value itself (not '/', which names the key ''), tokens escaped. */
export const jsonPointer = (path: readonly PropertyKey[]): string =>
  path.map((p) => `/${pointerToken(String(p))}`).join('');

export interface FieldError {
  /** JSON pointer to the offending value, e.g. `/records/3/birthDate`. */
  readonly pointer: string;
  /** Rule code, e.g. `invalid_type`, `DUNG_PERSONAL_ID_FORMAT`. */
  readonly rule: string;
  readonly message: string;
}

/** An error with a stable code from {@link ERRORS}. Throw it; the error handler and job wrapper know it. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly errors: readonly FieldError[] | undefined;
  /** Seconds the caller should wait before retrying, when known (Retry-After). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    detail?: string,
    opts: {
      cause?: unknown;
      errors?: readonly FieldError[];
      retryAfterSeconds?: number;
      status?: number;
    } = {},
  ) {
    super(detail ?? ERRORS[code].en, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = opts.status ?? ERRORS[code].status;
    this.retryable = ERRORS[code].retryable;
    this.errors = opts.errors;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

/** True for an AppError, also across package copies and serialisation (checks name and code). */
export function isAppError(err: unknown): err is AppError {
  return (
    err instanceof AppError ||
    (typeof err === 'object' &&
      err !== null &&
      (err as { name?: unknown }).name === 'AppError' &&
      typeof (err as { code?: unknown }).code === 'string' &&
      (err as { code: string }).code in ERRORS)
  );
}
