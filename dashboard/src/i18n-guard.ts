/**
 * The words of the held-changes pages (./guard.ts, ./guard-schools.ts: a hold, its schools, its decision), split from
 * ./i18n.ts, which spreads them into its dictionary; an entry as there: [vi, en, the English for one].
 */
export const GUARD_WORDS = {
  heldChange: ['Thay đổi bị giữ', 'Held change'],
  guardHint: [
    'Các thay đổi vượt ngưỡng an toàn của một trường (ví dụ xoá hơn 30% học sinh) được giữ lại cho đến khi quản trị thành phố duyệt hoặc từ chối.',
    'Changes over a school’s safety thresholds (e.g. more than 30% of its students deleted) are held until a city admin approves or rejects them.',
  ],
  syncRun: ['Lần đồng bộ', 'Sync run'],
  // walk6 W6-2: the overview's tile of held changes, and a schedule's last run held
  oldestHeld: ['chờ từ {at}', 'waiting since {at}'],
  runHeldWaiting: ['bị giữ, chờ duyệt', 'held, waiting for a decision'],
  heldBatch: ['Lô', 'Batch'],
  heldRunPage: ['trang bị giữ', 'held page'],
  heldReconcile: ['bước đối soát', 'reconciliation'],
  origin: ['Nguồn', 'Origin'],
  live: ['Đang có', 'Live'],
  deletedCount: ['Bị xoá', 'Deleted'],
  movedCount: ['Chuyển đi', 'Moved'],
  changedCount: ['Bị sửa', 'Changed'],
  restoredCount: ['Được khôi phục', 'Restored'],
  reasons: ['Ngưỡng bị vượt', 'Thresholds crossed'],
  kind: ['Loại', 'Kind'],
  kindDeleted: ['Xoá hoặc chuyển đi', 'Deleted or moved'],
  kindChanged: ['Bị sửa', 'Changed'],
  schoolYear: ['Năm học', 'School year'],
  grade: ['Khối', 'Grade'],
  count: ['Số bản ghi', 'Records'],
  // a reason's live: what its ratio is of (a restore reason's: the school's live records and those restored)
  outOf: ['Trên tổng', 'Out of'],
  ratio: ['Tỷ lệ', 'Ratio'],
  threshold: ['Ngưỡng', 'Threshold'],
  bySchool: ['Theo trường', 'By school'],
  codesDeleted: ['Mã bị xoá / chuyển', 'Codes deleted / moved'],
  codesChanged: ['Mã bị sửa', 'Codes changed'],
  codesRestored: ['Mã được khôi phục', 'Codes restored'],
  applied: ['Đã áp dụng', 'Applied'],
  // walk5 W5-12: an approved snapshot's deletions, applied N of M, and the records a newer word kept
  appliedOf: ['{n} trên {of} bản ghi bị giữ', '{n} of {of} held deletions', '{n} of {of} held deletion'],
  keptHead: ['Để nguyên khi áp dụng', 'Kept when applied'],
  keptHint: [
    'Các bản ghi bị giữ mà việc áp dụng để nguyên: có thông tin mới hơn snapshot (được ghi lại, gửi lại không đổi, đã xoá hoặc chuyển trường sau khi snapshot đến).',
    "The held records the application left alone: a word newer than the snapshot's is there (written, carried unchanged, deleted or moved after the snapshot arrived).",
  ],
  // polish6's note: the codes of a school's held deletions include those the application kept
  codesKept: [
    '{count} mã trong đó được để nguyên (xem "Để nguyên khi áp dụng")',
    '{count} of them kept (see "Kept when applied")',
  ],
  keptCode: ['Mã', 'Code'],
  keptWhy: ['Vì', 'Why'],
  keptBy: ['Bởi', 'By'],
  keptAt: ['Lúc', 'At'],
  keptWritten: ['Được ghi lại sau snapshot', 'Written after the snapshot'],
  keptCarried: ['Được gửi lại không đổi sau snapshot', 'Carried unchanged after the snapshot'],
  keptDeleted: ['Đã bị xoá sau snapshot', 'Deleted after the snapshot'],
  keptMoved: ['Đã chuyển sang trường khác sau snapshot', 'Moved to another school after the snapshot'],
  keptUnknown: [
    'Không rõ: truc không còn dòng nào của bản ghi này',
    'Unknown: truc holds no row of this record',
  ],
  keptByRun: ['lượt đồng bộ #{run} (lô {batch})', 'sync run #{run} (batch {batch})'],
  keptByBatch: ['lô {batch}', 'batch {batch}'],
  confirmApprove: ['Duyệt và áp dụng thay đổi #{id}?', 'Approve and apply change #{id}?'],
  confirmApproveExcept: [
    'Duyệt thay đổi #{id} trừ các trường {schools} (chưa áp dụng lần này, hỏi lại ở lần kéo sau)?',
    'Approve change #{id} except schools {schools} (not applied this run, asked again by the next run)?',
  ],
  exceptSchool: ['Loại trường này ra', 'Leave this school out'],
  reconciledCount: ['Trong đó do đối soát', 'Of them by the reconciliation'],
  exceptHint: [
    'Đánh dấu các trường cần loại ra rồi bấm Duyệt: thay đổi của các trường đó không được áp dụng lần này (lần kéo sau hỏi lại), các trường khác được duyệt.',
    'Tick the schools to leave out, then Approve: their changes are not applied by this run (the next run asks again), the other schools are approved.',
  ],
  exceptSchools: [
    'Trường bị loại ra (hỏi lại ở lần kéo sau)',
    'Schools left out (asked again by the next run)',
  ],
  // fix34a: a hold's schools a page at a time (review33c N1), and the codes a hold did not keep
  schoolSearch: ['Mã trường (hoặc phần đầu)', 'School code (or its start)'],
  onlyOver: ['Chỉ các trường vượt ngưỡng', 'Only schools over a threshold'],
  schoolsShown: [
    'Đang hiện {shown} trên {count} trường, trường bị ảnh hưởng nhiều nhất trước',
    'Showing {shown} of {count} schools, most affected first',
    'Showing {shown} of {count} school',
  ],
  showMore: ['Xem thêm trường', 'Show more schools'],
  reasonsMore: [
    'Các tỷ lệ cao nhất trước; {count} lý do khác không liệt kê ở đây: xem "Chỉ các trường vượt ngưỡng" dưới đây.',
    'The highest ratios first; {count} more reasons not listed here: see "Only schools over a threshold" below.',
    'The highest ratios first; {count} more reason not listed here: see "Only schools over a threshold" below.',
  ],
  codesNotListed: [
    'còn {count} mã không được liệt kê',
    '{count} more codes not listed',
    '{count} more code not listed',
  ],
  codesNotListedHint: [
    'Lệnh giữ chỉ lưu một phần mã của trường này cho mỗi loại thay đổi (guard.weighedKeys); các số đếm là đủ.',
    'The hold keeps only some of this school’s codes per kind of change (guard.weighedKeys); the counts are all of them.',
  ],
  notAppliedRecords: ['Bản ghi không áp dụng', 'Records not applied'],
  notAppliedDeletions: ['Bản ghi đối soát không xoá', 'Reconciliation deletions left'],
  weighing: [
    'Lần đồng bộ còn đang cân nhắc các trang tiếp theo đến {until}: lệnh giữ chưa đủ mọi trường, chưa thể duyệt hay từ chối. Trang tự tải lại khi xong.',
    'The run is still weighing its next pages until {until}: the hold does not show every school yet and cannot be approved or rejected. The page reloads when it is done.',
  ],
  weighedWhole: [
    'Đã cân nhắc đủ: {pages} trang sau trang bị giữ, tới hết lần kéo (trang {span}).',
    "Weighed whole: {pages} pages after the held page, to the run's end (pages {span}).",
  ],
  weighedPartial: [
    'Cân nhắc chưa đủ: dừng sau {pages} trang (trang {span}){why}; lệnh giữ chỉ có các trang đã cân nhắc.',
    'Weighed in part: it stopped after {pages} pages (pages {span}){why}; the hold shows only the pages weighed.',
  ],
  weighedInterrupted: [
    'Việc cân nhắc bị gián đoạn sau {pages} trang (trang {span}): worker dừng giữa chừng, sẽ cân nhắc tiếp khi một worker nhận lại; lệnh giữ chỉ có các trang đã cân nhắc.',
    'The weighing was interrupted after {pages} pages (pages {span}): its worker stopped, it resumes once a worker takes it up; the hold shows only the pages weighed.',
  ],
  weighedUnderWay: [
    'Đang cân nhắc: {pages} trang sau trang bị giữ (trang {span}).',
    'Weighing: {pages} pages after the held page so far (pages {span}).',
  ],
  weighedTimeCap: [' vì quá guard.weighing.maxSeconds', ' at guard.weighing.maxSeconds'],
  weighedDecided: [' vì lệnh giữ đã được quyết định', ' as the hold was decided'],
  weighedError: [' vì lỗi {code}', ' on {code}'],
  deletionsWeighed: [
    'Đã cân trước phần đối soát cuối lần kéo, duyệt là duyệt cả nó: xoá {records} bản ghi ở {schools} trường ({per}).',
    "The run's end deletions are weighed into the hold, an approval covers them: {records} records at {schools} schools ({per}).",
  ],
  deletionsNotWeighed: [
    'Chưa cân trước phần đối soát cuối lần kéo: lệnh giữ không gồm các bản ghi nó sẽ xoá; vượt ngưỡng thì bị giữ lại ở cuối lần kéo.',
    "The run's end deletions are not weighed: the hold does not cover them; over a threshold they are held again at the run's end.",
  ],
  // guard3 item 3: it said 'Nothing is deleted', though a held batch of changes or restores is what a rejection drops
  confirmReject: [
    'Từ chối thay đổi #{id}? Những gì bị giữ không được áp dụng: không bản ghi nào bị xoá, sửa hay khôi phục.',
    'Reject change #{id}? What it holds is not applied: no record of it is deleted, changed or restored.',
  ],
  decisionReason: ['Lý do quyết định', 'Reason for the decision'],
  decidedBy: ['Người quyết định', 'Decided by'],
  decisionReasonHint: ['Không bắt buộc; lưu cùng quyết định', 'Optional; kept with the decision'],
  reasonToVendor: [
    'Nhà cung cấp gửi lô này đọc được lý do (người quyết định chỉ hiện là quản trị thành phố, không có tên); không ghi số định danh hay số điện thoại.',
    'The vendor that sent this batch reads the reason (who decided is shown only as a city admin, never by name); no personal ID or phone number.',
  ],
} as const satisfies Record<string, readonly [vi: string, en: string, enOne?: string]>;
