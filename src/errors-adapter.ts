/**
 * The error table's rows of the external systems truc talks to (the adapters: a target refuses, limits, times out
 * or closes its window). Spread into the one table, ./errors.ts `ERRORS`, which checks their shape; split from it by
 * area (CONVENTIONS: files under 400 lines), as ./errors-data.ts. Imports nothing.
 */
export const ADAPTER_ERRORS = {
  ERR_ADAPTER_AUTH: {
    status: 502,
    retryable: false,
    vi: 'Hệ thống ngoài từ chối thông tin xác thực của truc.',
    en: "The external system rejected truc's credentials.",
  },
  ERR_ADAPTER_FORBIDDEN: {
    status: 502,
    retryable: false,
    vi: 'Hệ thống ngoài không cho phép thao tác này.',
    en: 'The external system forbids this operation.',
  },
  ERR_ADAPTER_RATE_LIMITED: {
    status: 503,
    retryable: true,
    vi: 'Hệ thống ngoài đang giới hạn tần suất.',
    en: 'The external system is rate limiting.',
  },
  ERR_ADAPTER_UNAVAILABLE: {
    status: 503,
    retryable: true,
    vi: 'Hệ thống ngoài không phản hồi.',
    en: 'The external system is unavailable.',
  },
  ERR_ADAPTER_TIMEOUT: {
    status: 504,
    retryable: true,
    vi: 'Hệ thống ngoài phản hồi quá chậm.',
    en: 'The external system timed out.',
  },
  ERR_ADAPTER_REJECTED: {
    status: 502,
    retryable: false,
    vi: 'Hệ thống ngoài từ chối dữ liệu.',
    en: 'The external system rejected the data.',
  },
  ERR_ADAPTER_RESPONSE_INVALID: {
    status: 502,
    retryable: true,
    vi: 'Hệ thống ngoài trả về dữ liệu sai định dạng.',
    en: 'The external system returned a malformed response.',
  },
  ERR_ADAPTER_WINDOW_CLOSED: {
    status: 409,
    retryable: false,
    vi: 'Hệ thống ngoài chưa mở hoặc đã đóng kỳ nhận số liệu.',
    en: 'The external system is not accepting submissions now.',
  },
} as const;
