/**
 * The error table's rows of the mass-change guard (issue 7, sync-data: a run or batch held for a city admin's
 * decision). Spread into the one table, ./errors.ts `ERRORS`, which checks their shape; split from it by area
 * (CONVENTIONS: files under 400 lines), as ./errors-data.ts. Imports nothing.
 */
export const GUARD_ERRORS = {
  ERR_GUARD_NOT_HELD: {
    status: 409,
    retryable: false,
    vi: 'Thay đổi này không còn chờ duyệt (đã được duyệt hoặc từ chối).',
    en: 'This change is no longer awaiting a decision (it was approved or rejected).',
  },
  ERR_GUARD_WEIGHING: {
    status: 409,
    retryable: true,
    vi: 'Lần đồng bộ bị giữ đang cân nhắc các trang tiếp theo: thay đổi bị giữ sẽ hiện mọi trường vượt ngưỡng; xem lại rồi duyệt sau giây lát (từ chối thì được ngay).',
    en: 'The held sync run is weighing its next pages: the hold will show every school over a threshold; view it again and approve in a moment (a rejection is taken now).',
  },
  ERR_GUARD_REJECTED: {
    status: 409,
    retryable: false,
    vi: 'Thay đổi bị giữ (một lô hoặc một lần đồng bộ) vượt ngưỡng thay đổi của trường và đã bị quản trị từ chối: phần bị giữ không được áp dụng (một lô: không bản ghi nào; một lần đồng bộ: lần đồng bộ dừng tại trang bị giữ, các trang trước đó vẫn giữ nguyên).',
    en: 'The held change (a batch or a sync run) exceeded the school’s change thresholds and a city admin rejected it: what was held was not applied (a batch: none of its records; a sync run: it stops at the held page, and the pages before it stay applied).',
  },
  ERR_GUARD_SUPERSEDED: {
    status: 409,
    retryable: false,
    vi: 'Một lần đồng bộ toàn bộ mới hơn của cùng phạm vi đã kéo xong sau khi thay đổi bị giữ: thay đổi cũ không còn đúng với dữ liệu hiện tại nên được đóng, không xoá gì; lần đồng bộ mới hơn quyết định.',
    en: 'A newer full sync run of the same scope fetched every page after the change was held: the held change no longer matches the current data, so it is closed and deletes nothing; the newer run decides.',
  },
  ERR_GUARD_SUPERSEDED_SCHOOLS: {
    status: 409,
    retryable: false,
    vi: 'Trang bị giữ của một lần đồng bộ toàn thành phố: mỗi trường vượt ngưỡng của nó đã có một lần đồng bộ toàn bộ riêng, yêu cầu sau khi trang bị giữ, kéo xong; việc duyệt không còn ý nghĩa nên không được ghi nhận và thay đổi bị giữ được đóng. Lần đồng bộ toàn thành phố chạy tiếp từ trang bị giữ, vẫn chịu ngưỡng thay đổi.',
    en: 'A held page of a whole-city sync run: a full run of each school it exceeded the thresholds of, requested after the page was held, fetched every page; the approval no longer decides anything, so it is not recorded and the hold is closed. The whole-city run goes on from the held page, still guarded.',
  },
  ERR_GUARD_EXCEPT_SCHOOLS: {
    status: 400,
    retryable: false,
    vi: 'Không thể duyệt trừ các trường này: chỉ lệnh giữ của một lần đồng bộ (một trang hoặc phần đối soát) được duyệt trừ trường, và chỉ các trường nằm trong lệnh giữ (không phải "*"). Không có gì thay đổi.',
    en: 'These schools cannot be left out of the approval: only a sync run’s hold (a page or its reconciliation) can be approved except schools, and only schools the hold shows (not "*"). Nothing was changed.',
  },
} as const;
