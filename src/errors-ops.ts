/**
 * The error table's rows of operating truc (fix36f: the CLI against a schema it did not migrate; a client's
 * optimistic concurrency). Spread into the one table, ./errors.ts `ERRORS`, which checks their shape; split from it
 * by area (CONVENTIONS: files under 400 lines), as ./errors-data.ts. Imports nothing.
 */
export const OPS_ERRORS = {
  ERR_SCHEMA_PENDING: {
    status: 503,
    retryable: false,
    vi: 'Cơ sở dữ liệu còn migration chưa áp dụng: lệnh này không tự migrate; hãy chạy `truc migrate` (bản truc này) trước.',
    en: 'The database has pending migrations: this command does not migrate; run `truc migrate` (of this truc) first.',
  },
  ERR_PRECONDITION_FAILED: {
    status: 412,
    retryable: false,
    vi: 'Tài nguyên đã thay đổi từ khi bạn đọc nó (If-Match không khớp ETag hiện tại): không có gì được thay đổi; hãy đọc lại rồi sửa.',
    en: 'The resource changed since you read it (If-Match does not match its current ETag): nothing was changed; read it again, then change it.',
  },
} as const;
