/**
 * The one table of error codes. Every error truc reports (HTTP problem responses, job failures,
 * CLI lines) carries one of these codes. Codes are part of the public contract: never rename or
 * reuse one; add new rows instead. `docs/errors.md` documents each code.
 */
import { DATA_ERRORS } from './errors-data.js';
import { GUARD_ERRORS } from './errors-guard.js';
import { OPS_ERRORS } from './errors-ops.js';

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
    'Ứng dụng tạm bị khóa do đăng nhập sai nhiều lần.',
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
  ERR_RATE_LIMITED: def(
    429,
    true,
    'Quá nhiều yêu cầu, vui lòng thử lại sau.',
    'Too many requests; try again later.',
  ),
  ERR_INTERNAL: def(500, true, 'Lỗi nội bộ.', 'Internal error.'),
  // configuration
  ERR_CONFIG_INVALID: def(500, false, 'Cấu hình không hợp lệ.', 'The configuration is not valid.'),
  // external systems (adapters)
  ERR_ADAPTER_AUTH: def(
    502,
    false,
    'Hệ thống ngoài từ chối thông tin xác thực của truc.',
    "The external system rejected truc's credentials.",
  ),
  ERR_ADAPTER_FORBIDDEN: def(
    502,
    false,
    'Hệ thống ngoài không cho phép thao tác này.',
    'The external system forbids this operation.',
  ),
  ERR_ADAPTER_RATE_LIMITED: def(
    503,
    true,
    'Hệ thống ngoài đang giới hạn tần suất.',
    'The external system is rate limiting.',
  ),
  ERR_ADAPTER_UNAVAILABLE: def(
    503,
    true,
    'Hệ thống ngoài không phản hồi.',
    'The external system is unavailable.',
  ),
  ERR_ADAPTER_TIMEOUT: def(504, true, 'Hệ thống ngoài phản hồi quá chậm.', 'The external system timed out.'),
  ERR_ADAPTER_REJECTED: def(
    502,
    false,
    'Hệ thống ngoài từ chối dữ liệu.',
    'The external system rejected the data.',
  ),
  ERR_ADAPTER_RESPONSE_INVALID: def(
    502,
    true,
    'Hệ thống ngoài trả về dữ liệu sai định dạng.',
    'The external system returned a malformed response.',
  ),
  ERR_ADAPTER_WINDOW_CLOSED: def(
    409,
    false,
    'Hệ thống ngoài chưa mở hoặc đã đóng kỳ nhận số liệu.',
    'The external system is not accepting submissions now.',
  ),
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
  // issue 10: PCGD-XMC reporting
  ERR_FORBIDDEN_UNIT: def(
    403,
    false,
    'Mã truy cập không được cấp cho đơn vị này.',
    'The token does not cover this administrative unit.',
  ),
  ERR_PCGD_UNKNOWN_UNIT: def(
    422,
    false,
    'Mã đơn vị không phải mã xã (5 chữ số) hoặc mã tỉnh (2 chữ số) hiện hành.',
    'The unit code is not a current commune (5 digits) or province (2 digits) code.',
  ),
  ERR_PCGD_NO_PERSONS: def(
    422,
    false,
    'Chưa có dữ liệu điều tra của đơn vị này: hãy kéo dữ liệu từ PCGD-XMC trước.',
    'No survey persons are stored for this unit: pull them from PCGD-XMC first.',
  ),
  ERR_PCGD_REPORT_LOCKED: def(
    409,
    false,
    'Số liệu đã được duyệt và bị khóa; cấp trên cần mở lại để sửa.',
    'The figures are approved and locked; a higher level must reopen them for a correction.',
  ),
  ERR_PCGD_INVALID_TRANSITION: def(
    409,
    false,
    'Báo cáo không ở trạng thái cho phép thao tác này.',
    'The report is not in a status that allows this step.',
  ),
  ERR_PCGD_CHECK_FAILED: def(
    422,
    false,
    'Số liệu còn lỗi kiểm tra nên chưa thể duyệt.',
    'The figures have check errors and cannot be approved.',
  ),
  ERR_PCGD_SIGNING_UNAVAILABLE: def(
    503,
    true,
    'Không dùng được chứng thư số của đơn vị để ký.',
    "The unit's signing certificate is not available.",
  ),
  ERR_PCGD_SIGNATURE_INVALID: def(
    422,
    false,
    'Chữ ký số không hợp lệ hoặc gói dữ liệu đã bị thay đổi.',
    'The signature is not valid or the package was changed.',
  ),
  // issue 9: hostile input, identity and access
  ERR_INVALID_ENCODING: def(400, false, 'Nội dung không phải UTF-8 hợp lệ.', 'The body is not valid UTF-8.'),
  ERR_INVALID_TEXT: def(
    400,
    false,
    'Dữ liệu chứa ký tự không được phép (NUL hoặc nửa cặp surrogate).',
    'A value holds a forbidden character (NUL or a lone surrogate).',
  ),
  // review33b: free text kept for good (a decision's reason: the audit log) holds no personal number
  ERR_FREE_TEXT_PERSONAL_DATA: def(
    400,
    false,
    'Nội dung tự do (lý do, tên) không được chứa số định danh cá nhân, số CMND hay số điện thoại: nó được lưu mãi trong nhật ký kiểm toán, không sửa được. Hãy bỏ số đó rồi gửi lại. Không có gì thay đổi.',
    'Free text (a reason, a name) must not hold a personal ID, an old ID card number or a phone number: it is kept for good in the audit log, which cannot be edited. Remove the number and send it again. Nothing was changed.',
  ),
  ERR_BODY_TOO_DEEP: def(400, false, 'Nội dung lồng nhau quá sâu.', 'The body is nested too deeply.'),
  ERR_FORBIDDEN_KEY: def(
    400,
    false,
    'Tên trường __proto__ hoặc constructor.prototype không được phép.',
    'The field names __proto__ and constructor.prototype are not allowed.',
  ),
  ERR_BAD_REQUEST: def(
    400,
    false,
    'Yêu cầu HTTP sai khuôn dạng (ví dụ ký tự xuống dòng trong tiêu đề).',
    'The HTTP request is malformed (for example a line break in a header).',
  ),
  ERR_HEADERS_TOO_LARGE: def(
    431,
    false,
    'Phần tiêu đề của yêu cầu quá lớn.',
    'The request headers are too large.',
  ),
  ERR_LOGIN_THROTTLED: def(
    429,
    true,
    'Đăng nhập sai nhiều lần từ địa chỉ này; hãy chờ rồi thử lại.',
    'Too many failed logins from this address; wait and try again.',
  ),
  ERR_INVALID_SCOPE: def(
    400,
    false,
    'Ứng dụng không được cấp phạm vi quyền nào đã yêu cầu.',
    'None of the requested scopes is granted to this client.',
  ),
  ERR_REQUEST_TIMEOUT: def(408, true, 'Yêu cầu gửi quá chậm.', 'The request took too long to arrive.'),
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

/**
 * A message in Vietnamese and English, Vietnamese first, on one line (CONVENTIONS decision 8): the one way a
 * refusal's own words are written, wherever they are read: an AppError's detail (a problem's `detail`, the
 * CLI's line after the code's title), a CLI line, a configuration problem.
 */
export const both = (vi: string, en: string): string => `${vi} / ${en}`;

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
