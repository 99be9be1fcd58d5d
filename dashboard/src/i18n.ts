/** Vietnamese by default, English on request (kept in localStorage). Codes and identifiers stay English. */
export type Lang = 'vi' | 'en';

const DICT = {
  appName: ['Trục dữ liệu giáo dục', 'Education data hub'],
  signIn: ['Đăng nhập', 'Sign in'],
  signOut: ['Đăng xuất', 'Sign out'],
  signInHint: [
    'Đăng nhập bằng tài khoản ứng dụng (client) có vai trò quản trị thành phố hoặc kiểm toán.',
    'Sign in with an API client whose role is city admin or auditor.',
  ],
  clientId: ['Mã client', 'Client id'],
  clientSecret: ['Khóa bí mật', 'Client secret'],
  signInFailed: ['Đăng nhập không thành công', 'Sign-in failed'],
  overview: ['Tổng quan', 'Overview'],
  schools: ['Trường học', 'Schools'],
  quality: ['Chất lượng', 'Quality'],
  syncRuns: ['Đồng bộ', 'Sync runs'],
  deadLetters: ['Việc lỗi', 'Dead letters'],
  audit: ['Kiểm toán', 'Audit'],
  systems: ['Hệ thống ngoài', 'External systems'],
  system: ['Hệ thống', 'System'],
  lastSuccess: ['Thành công gần nhất', 'Last success'],
  lastFailure: ['Lỗi gần nhất', 'Last failure'],
  errorCode: ['Mã lỗi', 'Error code'],
  runs24h: ['Lần chạy 24 giờ', 'Runs 24 h'],
  errorRate: ['Tỷ lệ lỗi', 'Error rate'],
  running: ['Đang chạy', 'Running'],
  circuit: ['Mạch', 'Circuit'],
  queues: ['Hàng đợi', 'Queues'],
  queue: ['Hàng đợi', 'Queue'],
  waiting: ['Chờ', 'Waiting'],
  active: ['Đang xử lý', 'Active'],
  delayed: ['Hoãn', 'Delayed'],
  failed: ['Thất bại', 'Failed'],
  completed: ['Xong', 'Completed'],
  outbox: ['Outbox', 'Outbox'],
  pending: ['Chưa chuyển', 'Pending'],
  lag: ['Độ trễ', 'Lag'],
  deadLettersByCode: ['Việc lỗi theo mã', 'Dead letters by code'],
  open: ['Chưa xử lý', 'Open'],
  pcgdDeadlines: ['Hạn nộp PCGD-XMC', 'PCGD-XMC deadlines'],
  unit: ['Đơn vị', 'Unit'],
  level: ['Cấp', 'Level'],
  status: ['Trạng thái', 'Status'],
  deadline: ['Hạn', 'Deadline'],
  daysLeft: ['Còn (ngày)', 'Days left'],
  atRisk: ['Nguy cơ trễ', 'At risk'],
  schedules: ['Lịch chạy', 'Schedules'],
  nothing: ['Không có', 'None'],
  noneYet: ['Chưa có dữ liệu', 'No data yet'],
  search: ['Tìm', 'Search'],
  searchSchools: ['Mã, tên hoặc mã xã', 'Code, name or commune code'],
  code: ['Mã', 'Code'],
  name: ['Tên', 'Name'],
  commune: ['Xã/phường', 'Commune'],
  vendorSystem: ['Phần mềm', 'Vendor system'],
  lastSync: ['Đồng bộ gần nhất', 'Last sync'],
  records: ['Bản ghi', 'Records'],
  students: ['Học sinh', 'Students'],
  staff: ['Cán bộ', 'Staff'],
  classes: ['Lớp', 'Classes'],
  dung: ['Đúng', 'Correct'],
  du: ['Đủ', 'Complete'],
  sach: ['Sạch', 'Clean'],
  song: ['Sống', 'Live'],
  batches: ['Lô dữ liệu', 'Batches'],
  entity: ['Thực thể', 'Entity'],
  received: ['Nhận', 'Received'],
  accepted: ['Chấp nhận', 'Accepted'],
  rejected: ['Từ chối', 'Rejected'],
  unchanged: ['Không đổi', 'Unchanged'],
  createdAt: ['Thời điểm', 'Created'],
  findingsByRule: ['Lỗi theo quy tắc (30 ngày)', 'Findings by rule (30 days)'],
  rule: ['Quy tắc', 'Rule'],
  criterion: ['Tiêu chí', 'Criterion'],
  severity: ['Mức', 'Severity'],
  findings: ['Lỗi', 'Findings'],
  back: ['Quay lại', 'Back'],
  scope: ['Phạm vi', 'Scope'],
  pages: ['Trang', 'Pages'],
  requestedBy: ['Yêu cầu bởi', 'Requested by'],
  all: ['Tất cả', 'All'],
  heldChanges: ['Thay đổi hàng loạt chờ duyệt', 'Held mass changes'],
  approve: ['Duyệt', 'Approve'],
  reject: ['Từ chối', 'Reject'],
  approved: ['Đã duyệt', 'Approved'],
  notAvailable: ['Chức năng này chưa có trên máy chủ.', 'This is not available on this server yet.'],
  includeReplayed: ['Gồm cả việc đã chạy lại', 'Include replayed'],
  replay: ['Chạy lại', 'Replay'],
  replaySelected: ['Chạy lại các việc đã chọn', 'Replay selected'],
  replayFilter: ['Chạy lại theo bộ lọc', 'Replay by filter'],
  replayed: ['Đã chạy lại', 'Replayed'],
  failedAt: ['Lỗi lúc', 'Failed at'],
  attempts: ['Số lần thử', 'Attempts'],
  message: ['Thông báo', 'Message'],
  refs: ['Tham chiếu', 'References'],
  job: ['Việc', 'Job'],
  actor: ['Người thực hiện', 'Actor'],
  action: ['Hành động', 'Action'],
  subject: ['Đối tượng', 'Subject'],
  from: ['Từ', 'From'],
  to: ['Đến', 'To'],
  details: ['Chi tiết', 'Details'],
  verifyChain: ['Kiểm tra chuỗi băm', 'Verify hash chain'],
  chainOk: ['Chuỗi nguyên vẹn', 'Chain intact'],
  chainBroken: ['Chuỗi bị hỏng tại dòng', 'Chain broken at row'],
  rows: ['dòng', 'rows'],
  scorecards: ['Bảng điểm chất lượng', 'Quality scorecards'],
  trend: ['Xu hướng', 'Trend'],
  province: ['Tỉnh/thành', 'Province'],
  overall: ['Chung', 'Overall'],
  forbidden: ['Tài khoản này không có quyền xem trang này.', 'This client may not see this page.'],
  refresh: ['Làm mới', 'Refresh'],
  previous: ['Trước', 'Previous'],
  next: ['Sau', 'Next'],
  total: ['Tổng', 'Total'],
  generatedAt: ['Cập nhật lúc', 'Updated at'],
  language: ['English', 'Tiếng Việt'],
  confirmReplay: ['Chạy lại {n} việc?', 'Replay {n} jobs?'],
  held: ['Chờ duyệt', 'Held'],
  heldChange: ['Thay đổi bị giữ', 'Held change'],
  guardHint: [
    'Các thay đổi vượt ngưỡng an toàn của một trường (ví dụ xoá hơn 30% học sinh) được giữ lại cho đến khi quản trị thành phố duyệt hoặc từ chối.',
    'Changes over a school’s safety thresholds (e.g. more than 30% of its students deleted) are held until a city admin approves or rejects them.',
  ],
  syncRun: ['Lần đồng bộ', 'Sync run'],
  snapshotBatch: ['Lô snapshot', 'Snapshot batch'],
  origin: ['Nguồn', 'Origin'],
  school: ['Trường', 'School'],
  live: ['Đang có', 'Live'],
  deletedCount: ['Bị xoá', 'Deleted'],
  movedCount: ['Chuyển đi', 'Moved'],
  changedCount: ['Bị sửa', 'Changed'],
  reasons: ['Ngưỡng bị vượt', 'Thresholds crossed'],
  kind: ['Loại', 'Kind'],
  count: ['Số bản ghi', 'Records'],
  ratio: ['Tỷ lệ', 'Ratio'],
  threshold: ['Ngưỡng', 'Threshold'],
  bySchool: ['Theo trường', 'By school'],
  codesDeleted: ['Mã bị xoá / chuyển', 'Codes deleted / moved'],
  codesChanged: ['Mã bị sửa', 'Codes changed'],
  applied: ['Đã áp dụng', 'Applied'],
  confirmApprove: ['Duyệt và áp dụng thay đổi #{id}?', 'Approve and apply change #{id}?'],
  confirmReject: [
    'Từ chối thay đổi #{id}? Không bản ghi nào bị xoá.',
    'Reject change #{id}? Nothing is deleted.',
  ],
  lastRun: ['Lần chạy trước', 'Last run'],
  nextRun: ['Lần chạy tới', 'Next run'],
  paused: ['Tạm dừng', 'Paused'],
  scheduleOn: ['Đang bật', 'On'],
  schedule: ['Lịch', 'Schedule'],
  circuitClosed: ['Đóng (bình thường)', 'Closed (normal)'],
  circuitOpen: ['Mở (tạm ngưng gọi)', 'Open (calls paused)'],
  circuitHalfOpen: ['Nửa mở (đang thử)', 'Half-open (probing)'],
  pausedUntil: ['Tạm ngưng đến', 'Paused until'],
  schoolsCount: ['Số trường', 'Schools'],
  asOf: ['Tính lúc', 'As of'],
} as const satisfies Record<string, readonly [string, string]>;

export type Key = keyof typeof DICT;

let lang: Lang = (globalThis.localStorage?.getItem('truc.lang') as Lang | null) === 'en' ? 'en' : 'vi';

export function currentLang(): Lang {
  return lang;
}

export function setLang(next: Lang): void {
  lang = next;
  localStorage.setItem('truc.lang', next);
  document.documentElement.lang = next;
}

export function t(key: Key, vars: Record<string, string | number> = {}): string {
  const text = DICT[key][lang === 'vi' ? 0 : 1];
  return text.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

/** A problem document's message in the current language (problem+json carries both). */
export function problemText(p: {
  messages?: { vi: string; en: string };
  title?: string;
  detail?: string;
}): string {
  const m = p.messages?.[lang];
  return [m ?? p.title ?? '', p.detail].filter(Boolean).join(' — ');
}
