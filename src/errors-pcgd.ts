/**
 * The error table's rows of PCGD-XMC reporting (issue 10: a unit's figures computed, checked, approved, signed and
 * submitted). Spread into the one table, ./errors.ts `ERRORS`, which checks their shape; split from it by area
 * (CONVENTIONS: files under 400 lines), as ./errors-data.ts. Imports nothing.
 */
export const PCGD_ERRORS = {
  ERR_FORBIDDEN_UNIT: {
    status: 403,
    retryable: false,
    vi: 'Mã truy cập không được cấp cho đơn vị này.',
    en: 'The token does not cover this administrative unit.',
  },
  ERR_PCGD_UNKNOWN_UNIT: {
    status: 422,
    retryable: false,
    vi: 'Mã đơn vị không phải mã xã (5 chữ số) hoặc mã tỉnh (2 chữ số) hiện hành.',
    en: 'The unit code is not a current commune (5 digits) or province (2 digits) code.',
  },
  ERR_PCGD_NO_PERSONS: {
    status: 422,
    retryable: false,
    vi: 'Chưa có dữ liệu điều tra của đơn vị này: hãy kéo dữ liệu từ PCGD-XMC trước.',
    en: 'No survey persons are stored for this unit: pull them from PCGD-XMC first.',
  },
  ERR_PCGD_REPORT_LOCKED: {
    status: 409,
    retryable: false,
    vi: 'Số liệu đã được duyệt và bị khoá; cấp trên cần mở lại để sửa.',
    en: 'The figures are approved and locked; a higher level must reopen them for a correction.',
  },
  ERR_PCGD_INVALID_TRANSITION: {
    status: 409,
    retryable: false,
    vi: 'Báo cáo không ở trạng thái cho phép thao tác này.',
    en: 'The report is not in a status that allows this step.',
  },
  ERR_PCGD_CHECK_FAILED: {
    status: 422,
    retryable: false,
    vi: 'Số liệu còn lỗi kiểm tra nên chưa thể duyệt.',
    en: 'The figures have check errors and cannot be approved.',
  },
  // Not retryable (words6's note): the files come from an operator, so "try again in 30 s" would mislead.
  ERR_PCGD_SIGNING_UNAVAILABLE: {
    status: 503,
    retryable: false,
    vi: 'Không dùng được chứng thư số của đơn vị để ký; người vận hành cần đặt tệp .p12 của đơn vị (pcgd.signing.dir).',
    en: "The unit's signing certificate is not available; an operator must install the unit's .p12 file (pcgd.signing.dir).",
  },
  ERR_PCGD_SIGNATURE_INVALID: {
    status: 422,
    retryable: false,
    vi: 'Chữ ký số không hợp lệ hoặc gói dữ liệu đã bị thay đổi.',
    en: 'The signature is not valid or the package was changed.',
  },
} as const;
