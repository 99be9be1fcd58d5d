/**
 * The error table's rows about reading data that is paged or kept for a time (issue 9: the change feed's cursors;
 * purge29: a batch's body removed after its retention). Spread into the one table, ./errors.ts `ERRORS`, which
 * checks their shape; split from it by area (CONVENTIONS: files under 400 lines). Imports nothing.
 */
export const DATA_ERRORS = {
  ERR_INVALID_CURSOR: {
    status: 400,
    retryable: false,
    vi: 'Con trỏ phân trang không hợp lệ hoặc đã hết hạn; hãy bắt đầu lại từ đầu.',
    en: 'The paging cursor is invalid or has expired; start again from the beginning.',
  },
  ERR_BATCH_RECORDS_PURGED: {
    status: 410,
    retryable: false,
    vi: 'Các bản ghi của lô này đã bị xoá sau thời hạn lưu (api.batchRetentionDays): không thể xử lý lại lô; tóm tắt của lô vẫn đọc được. Hãy gửi lại dữ liệu thành một lô mới.',
    en: 'This batch’s records were removed after their retention period (api.batchRetentionDays): the batch cannot be processed again; its summary can still be read. Send the data again as a new batch.',
  },
} as const;
