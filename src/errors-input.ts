/**
 * The error table's rows of hostile input, identity and access (issue 9: bodies, headers and logins truc refuses;
 * review33b: free text kept for good holds no personal number). Spread into the one table, ./errors.ts `ERRORS`,
 * which checks their shape; split from it by area (CONVENTIONS: files under 400 lines), as ./errors-data.ts.
 * Imports nothing.
 */
export const INPUT_ERRORS = {
  ERR_INVALID_ENCODING: {
    status: 400,
    retryable: false,
    vi: 'Nội dung không phải UTF-8 hợp lệ.',
    en: 'The body is not valid UTF-8.',
  },
  ERR_INVALID_TEXT: {
    status: 400,
    retryable: false,
    vi: 'Dữ liệu chứa ký tự không được phép (NUL hoặc nửa cặp surrogate).',
    en: 'A value holds a forbidden character (NUL or a lone surrogate).',
  },
  // review33b: free text kept for good (a decision's reason: the audit log) holds no personal number
  ERR_FREE_TEXT_PERSONAL_DATA: {
    status: 400,
    retryable: false,
    vi: 'Nội dung tự do (lý do, tên) không được chứa số định danh cá nhân, số CMND hay số điện thoại: nó được lưu mãi trong nhật ký kiểm toán, không sửa được. Hãy bỏ số đó rồi gửi lại. Không có gì thay đổi.',
    en: 'Free text (a reason, a name) must not hold a personal ID, an old ID card number or a phone number: it is kept for good in the audit log, which cannot be edited. Remove the number and send it again. Nothing was changed.',
  },
  ERR_BODY_TOO_DEEP: {
    status: 400,
    retryable: false,
    vi: 'Nội dung lồng nhau quá sâu.',
    en: 'The body is nested too deeply.',
  },
  ERR_FORBIDDEN_KEY: {
    status: 400,
    retryable: false,
    vi: 'Tên trường __proto__ hoặc constructor.prototype không được phép.',
    en: 'The field names __proto__ and constructor.prototype are not allowed.',
  },
  ERR_BAD_REQUEST: {
    status: 400,
    retryable: false,
    vi: 'Yêu cầu HTTP sai khuôn dạng (ví dụ ký tự xuống dòng trong tiêu đề).',
    en: 'The HTTP request is malformed (for example a line break in a header).',
  },
  ERR_HEADERS_TOO_LARGE: {
    status: 431,
    retryable: false,
    vi: 'Phần tiêu đề của yêu cầu quá lớn.',
    en: 'The request headers are too large.',
  },
  ERR_LOGIN_THROTTLED: {
    status: 429,
    retryable: true,
    vi: 'Đăng nhập sai nhiều lần từ địa chỉ này.',
    en: 'Too many failed logins from this address.',
  },
  ERR_INVALID_SCOPE: {
    status: 400,
    retryable: false,
    vi: 'Ứng dụng không được cấp phạm vi quyền nào đã yêu cầu.',
    en: 'None of the requested scopes is granted to this client.',
  },
  ERR_REQUEST_TIMEOUT: {
    status: 408,
    retryable: true,
    vi: 'Yêu cầu gửi quá chậm.',
    en: 'The request took too long to arrive.',
  },
} as const;
