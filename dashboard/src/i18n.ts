/**
 * Vietnamese by default, English on request (kept in localStorage). Codes and identifiers stay English; the words of
 * the statuses and error codes the API sends are in words.ts, the held-changes pages' in i18n-guard.ts, the schedules
 * card's in i18n-schedules.ts, a batch's page's in i18n-batch.ts.
 */
import { BATCH_WORDS } from './i18n-batch.js';
import { GUARD_WORDS } from './i18n-guard.js';
import { SCHEDULE_WORDS } from './i18n-schedules.js';

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
  clientSecret: ['Khoá bí mật', 'Client secret'],
  signInFailed: ['Đăng nhập không thành công', 'Sign-in failed'],
  sessionEnded: [
    'Phiên đăng nhập đã hết hạn hoặc không còn hiệu lực: hãy đăng nhập lại.',
    'Your session has expired or is no longer valid: sign in again.',
  ],
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
  pushes24h: ['Lần gửi 24 giờ (lỗi)', 'Pushes 24 h (failed)'],
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
  pcgdShown: [
    '{n} trong {total} đơn vị, đơn vị cần xử lý trước ở đầu (tất cả: GET /v1/pcgd/deadlines)',
    '{n} of {total} units, those that need someone first (all of them: GET /v1/pcgd/deadlines)',
  ],
  unit: ['Đơn vị', 'Unit'],
  level: ['Cấp', 'Level'],
  status: ['Trạng thái', 'Status'],
  deadline: ['Hạn', 'Deadline'],
  daysLeft: ['Còn (ngày)', 'Days left'],
  atRisk: ['Nguy cơ trễ', 'At risk'],
  standing: ['Tiến độ', 'Standing'],
  ministryDelivery: ['Gửi Bộ', 'Delivery to the Ministry'],
  ministryNotHolding: ['Bộ chưa nhận', 'The Ministry does not hold it yet'],
  nextTry: ['thử lại lúc', 'next try at'],
  pcgdOutdated: [
    'Lỗi thời: số liệu xã đã thay, cần tính lại',
    'Outdated: a commune’s figures were replaced, compute again',
  ],
  schedules: ['Lịch chạy', 'Schedules'],
  nothing: ['Không có', 'None'],
  noneYet: ['Chưa có dữ liệu', 'No data yet'],
  search: ['Tìm', 'Search'],
  searchSchools: ['Mã, tên (có dấu hay không) hoặc mã xã', 'Code, name (accents optional) or commune code'],
  code: ['Mã', 'Code'],
  name: ['Tên', 'Name'],
  commune: ['Xã/phường', 'Commune'],
  vendorSystem: ['Phần mềm', 'Vendor system'],
  // fix37a: who set a school's system (an admin), by name
  setBy: ['đặt bởi', 'set by'],
  // fix37a: who replayed a dead letter, by name
  by: ['bởi', 'by'],
  recordSource: ['Nguồn hồ sơ trường', 'Record source'],
  lastSync: ['Đồng bộ gần nhất', 'Last sync'],
  records: ['Bản ghi', 'Records'],
  students: ['Học sinh', 'Students'],
  staff: ['Cán bộ', 'Staff'],
  classes: ['Lớp', 'Classes'],
  persons: ['Người trong điều tra PCGD', 'Survey persons'],
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
  criteriaHint: [
    'Đúng/Đủ/Sạch/Sống ở đây: tỷ lệ bản ghi nhận trong các lô 30 ngày qua không có lỗi hay cảnh báo của tiêu chí; không phải thẻ điểm của lần chấm chất lượng (con số thành phố báo cáo): xem trang Chất lượng.',
    'Correct/Complete/Clean/Live here: the share of records received in batches in the last 30 days without an error or a warning of the criterion; not the quality run’s scorecard (the figure the city reports): see the Quality page.',
  ],
  // walk9 W9-1: a school code the city database has not listed, whose batches truc took
  schoolNotListed: [
    'Trường chưa có trong danh sách trường của truc (lấy từ CSDL ngành): truc vẫn nhận lô của trường, kèm cảnh báo DUNG_SCHOOL_UNLISTED. Kiểm tra mã trường, hoặc bổ sung trường vào CSDL ngành.',
    'School not in truc’s school list (taken from the city database): truc still takes its batches, with the warning DUNG_SCHOOL_UNLISTED. Check the school code, or add the school to the city database.',
  ],
  scorecardHint: [
    'Đúng/Đủ/Sạch/Sống ở đây: thẻ điểm của lần chấm chất lượng (con số thành phố báo cáo), trên mọi bản ghi truc giữ tại lần chấm; không phải tỷ lệ bản ghi nhận trong các lô 30 ngày qua của trang Trường học: xem',
    'Correct/Complete/Clean/Live here: the quality run’s scorecard (the figure the city reports), over every record truc holds at the run; not the share of records received in batches in the last 30 days on the Schools page: see',
  ],
  communeSchools: ['các trường của xã/phường {code}', 'the schools of commune {code}'],
  communeScorecard: ['thẻ điểm của xã/phường {code}', 'the scorecard of commune {code}'],
  communeFilter: ['Chỉ các trường của xã/phường {code}.', 'Only the schools of commune {code}.'],
  allSchools: ['Mọi trường', 'Every school'],
  batchMode: ['Kiểu lô', 'Mode'],
  modeSnapshot: ['Toàn bộ (snapshot: bản ghi vắng mặt bị xoá)', 'Snapshot (records left out are deleted)'],
  modeDelta: ['Bổ sung (delta)', 'Delta'],
  batchDeleted: ['Đã xoá', 'Deleted'],
  // walk6 W6-1: a run's tombstones (deleted at its source) and its reconciliation's deletions, with its outcomes
  runTombstones: ['Xoá ở nguồn', 'Deleted at the source'],
  runReconciled: ['Xoá khi đối soát', 'Deleted by reconciliation'],
  batchGuard: ['Thay đổi hàng loạt', 'Mass-change guard'],
  outcomes: ['Kết quả', 'Outcomes'],
  createdAt: ['Thời điểm', 'Created'],
  // walk3 W3-2: findings of every severity, warnings among them: not 'Lỗi', the error severity's word
  findingsByRule: ['Phát hiện theo quy tắc (30 ngày)', 'Findings by rule (30 days)'],
  website: ['Website của trường (sống)', 'School website (live)'],
  websiteNotProbed: ['Chưa kiểm tra website lần nào.', 'The website has not been probed yet.'],
  websiteAddress: ['Địa chỉ', 'Address'],
  websiteProbedAt: ['Kiểm tra lúc', 'Probed at'],
  websiteAnswers: ['Truy cập', 'Answers'],
  websiteUp: ['Hoạt động', 'Up'],
  websiteDown: ['Không truy cập được', 'Down'],
  websiteFeed: ['Nguồn tin RSS', 'RSS feed'],
  websiteRss: ['Có', 'Offered'],
  websiteNoRss: ['Không có', 'None'],
  websiteFeedUnknown: ['Chưa rõ', 'Unknown'],
  websiteProblem: ['Lý do', 'Why'],
  rule: ['Quy tắc', 'Rule'],
  criterion: ['Tiêu chí', 'Criterion'],
  severity: ['Mức', 'Severity'],
  findings: ['Phát hiện', 'Findings'],
  back: ['Quay lại', 'Back'],
  scope: ['Phạm vi', 'Scope'],
  pages: ['Trang', 'Pages'],
  requestedBy: ['Yêu cầu bởi', 'Requested by'],
  all: ['Tất cả', 'All'],
  heldChanges: ['Thay đổi hàng loạt chờ duyệt', 'Held mass changes'],
  approve: ['Duyệt', 'Approve'],
  reject: ['Từ chối', 'Reject'],
  notAvailable: ['Chức năng này chưa có trên máy chủ.', 'This is not available on this server yet.'],
  includeReplayed: ['Gồm cả việc đã chạy lại', 'Include replayed'],
  letterId: ['Mã việc lỗi', 'Dead letter id'],
  replay: ['Chạy lại', 'Replay'],
  replaySelected: ['Chạy lại các việc đã chọn', 'Replay selected'],
  selectLetter: ['Chọn việc lỗi #{id}', 'Select dead letter #{id}'],
  replayFilter: ['Chạy lại theo bộ lọc', 'Replay by filter'],
  replayed: ['Đã chạy lại', 'Replayed'],
  resolved: ['Đã giải quyết (đã gửi lại)', 'Resolved (sent again)'],
  abandoned: ['Đã bỏ (hệ thống đích đã gỡ)', 'Abandoned (target removed)'],
  closedByReplay: [
    'Đã đóng khi chạy lại (việc theo lịch: chạy lại ở lần kích hoạt sau)',
    'Closed by its replay (a scheduled job: it runs again at its next fire)',
  ],
  closedBySupersede: [
    'Đã đóng (phiên bản báo cáo đã được mở lại: gửi phiên bản mới)',
    'Closed (its report version was reopened: submit the new version)',
  ],
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
  // dash14: a filter's from / to typed day first (date-field.ts), whatever the browser's language
  dateHint: ['ngày/tháng/năm, có thể thêm giờ:phút', 'day/month/year, a time hh:mm optional'],
  dateHintTo: [
    'ngày/tháng/năm (hết ngày đó), có thể thêm giờ:phút',
    'day/month/year (to its end), hh:mm optional',
  ],
  dateRefused: [
    'Không phải ngày: viết ngày/tháng/năm, ví dụ 07/12/2026 hoặc 07/12/2026 22:30 (giờ Việt Nam).',
    'Not a date: write day/month/year, e.g. 07/12/2026 or 07/12/2026 22:30 (Vietnam time).',
  ],
  details: ['Chi tiết', 'Details'],
  technicalDetail: ['Chi tiết kỹ thuật (của hệ thống, tiếng Anh)', 'Technical detail (the system’s)'],
  verifyChain: ['Kiểm tra chuỗi băm', 'Verify hash chain'],
  chainOk: ['Chuỗi nguyên vẹn', 'Chain intact'],
  chainBroken: ['Chuỗi bị hỏng tại dòng', 'Chain broken at row'],
  rows: ['dòng', 'rows', 'row'],
  scorecards: ['Bảng điểm chất lượng', 'Quality scorecards'],
  trend: ['Xu hướng', 'Trend'],
  province: ['Tỉnh/thành', 'Province'],
  overall: ['Chung', 'Overall'],
  // fix34b (review33c N2): the scorecards list searched, filtered, sorted and paged
  unitCode: ['Mã đơn vị', 'Unit code'],
  unitCodeHint: ['Các chữ số của mã, ví dụ 267', 'Digits of the code, e.g. 267'],
  band: ['Dải màu', 'Band'],
  band_green: ['Xanh (đạt)', 'Green (good)'],
  band_yellow: ['Vàng (cần chú ý)', 'Amber (watch)'],
  band_red: ['Đỏ (kém)', 'Red (poor)'],
  sortBy: ['Sắp xếp', 'Sort'],
  worstFirst: ['Kém nhất trước', 'Worst first'],
  byCode: ['Theo mã', 'By code'],
  apply: ['Áp dụng', 'Apply'],
  forbidden: ['Tài khoản này không có quyền xem trang này.', 'This client may not see this page.'],
  noPageTitle: [
    'Bảng điều khiển không có trang nào cho tài khoản này',
    'The dashboard has no page for this client',
  ],
  noPageScopes: [
    'Mỗi trang cần một quyền (scope) mà tài khoản này ({role}) không có; quyền của nó: {scopes}. Các trang và quyền mở chúng (a + b: cần cả hai):',
    'Each page needs a scope this client ({role}) does not hold; it holds: {scopes}. The pages and the scopes that open them (a + b: both needed):',
  ],
  noPageApi: [
    'Tài khoản này làm việc qua API của truc: tài liệu API tại',
    'This client works through truc’s API: its documentation at',
  ],
  noPagePcgd: [
    'Số liệu và báo cáo PCGD-XMC của đơn vị: nhóm pcgd; thẻ điểm chất lượng của đơn vị: GET /v1/quality/scorecards (README của truc: “The officer’s API”).',
    'The unit’s PCGD-XMC figures and reports: tag pcgd; the unit’s quality scorecards: GET /v1/quality/scorecards (truc’s README: “The officer’s API”).',
  ],
  noPageVendor: [
    'Gửi lô và đọc kết quả, phát hiện của lô: nhóm batches; chất lượng của trường: nhóm quality (README của truc: “The API”).',
    'Sending batches and reading their outcome and findings: tag batches; a school’s quality: tag quality (truc’s README: “The API”).',
  ],
  noPageAsk: [
    'Cần xem bảng điều khiển: quản trị Sở cấp một client có vai trò quản trị thành phố (city-admin) hoặc kiểm toán (auditor).',
    'To use the dashboard, ask a city admin for a client whose role is city admin (city-admin) or auditor (auditor).',
  ],
  apiUnreachable: [
    'Không kết nối được tới máy chủ truc (mạng hoặc máy chủ đang dừng). Hãy thử lại sau ít phút.',
    'The truc server cannot be reached (the network, or the server is down). Try again in a few minutes.',
  ],
  apiFailed: [
    'Máy chủ truc không trả lời được (HTTP {status}). Hãy thử lại sau ít phút.',
    'The truc server could not answer (HTTP {status}). Try again in a few minutes.',
  ],
  refresh: ['Làm mới', 'Refresh'],
  previous: ['Trước', 'Previous'],
  next: ['Sau', 'Next'],
  total: ['Tổng', 'Total'],
  generatedAt: ['Cập nhật lúc', 'Updated at'],
  language: ['English', 'Tiếng Việt'],
  // review32 F7: the mapping a replay maps with (POST /v1/dead-letters/replay's mapping), said per letter.
  mapping: ['Ánh xạ', 'Mapping'],
  replayWith: ['Chạy lại với', 'Replay with'],
  mappingCurrent: ['ánh xạ hiện hành', 'the current mapping'],
  mappingPinned: ['phiên bản việc đã chạy lần đầu (ghim)', 'the version the work first ran with (pinned)'],
  replayedCount: ['Đã chạy lại: {n}, với {with}', 'Replayed: {n}, with {with}'],
  replayedNone: ['Không việc lỗi nào được chạy lại', 'No dead letter was replayed'],
  letterNoMapping: [
    'Việc lỗi #{id}: việc này không ánh xạ dữ liệu nhận vào (một lần gửi đi gửi bản ghi đã ánh xạ khi nhận): lựa chọn ánh xạ không áp dụng',
    'Dead letter #{id}: its work maps no incoming data (a delivery sends records mapped when they came in): the mapping choice does not apply',
  ],
  letterPinned: [
    'Việc lỗi #{id}: ánh xạ {version}, phiên bản ghim (phiên bản lần chạy đầu)',
    'Dead letter #{id}: mapping {version}, pinned (the version it first ran with)',
  ],
  letterCurrentUnpinnable: [
    'Việc lỗi #{id}: ánh xạ {version}, phiên bản hiện tại (việc lỗi không lưu phiên bản nào để ghim)',
    'Dead letter #{id}: mapping {version}, the current one (the letter kept no version to pin)',
  ],
  letterCurrent: [
    'Việc lỗi #{id}: ánh xạ {version}, phiên bản hiện tại',
    'Dead letter #{id}: mapping {version}, the current one',
  ],
  lettersClosed: [
    'Đã đóng, không chạy lại: {ids} (việc do bộ lập lịch xếp: không có gì để chạy lại, sẽ chạy ở lần kích hoạt sau)',
    'Closed without a replay: {ids} (a job the scheduler queued: nothing to replay from, it runs at its next fire)',
  ],
  confirmReplay: ['Chạy lại {n} việc?', 'Replay {n} jobs?', 'Replay {n} job?'],
  school: ['Trường', 'School'],
  ...GUARD_WORDS,
  ...SCHEDULE_WORDS,
  ...BATCH_WORDS,
  computedAt: ['Tính lúc', 'Computed at'],
  // fix37c: the latest quality run's state on the quality page.
  latestRun: ['Lần tính mới nhất', 'Latest run'],
  schoolsScored: ['trường đã chấm', 'schools scored'],
  afterAttempts: ['sau {n} lần thử', 'after {n} attempts', 'after {n} attempt'],
  bySchedule: ['theo lịch', 'schedule'],
  // fix37a: followed by who asked, by name
  byRequest: ['theo yêu cầu của', 'requested by'],
  pausedUntil: ['Tạm ngưng đến', 'Paused until'],
  // fix36c: what holds a system's pulls (reads) when it is not what holds its deliveries.
  readsHeld: ['Việc kéo chờ đến', 'Pulls wait until'],
  // review32 F6: why a system's calls are paused (the overview's circuit badge; the gate's pause_reason).
  pauseCircuitOpen: ['cầu dao mở', 'circuit open'],
  pauseProbe: ['đang thử lại một lần gọi', 'a probe in flight'],
  // gates5: who probes the system's circuit (a caller such as students:upsert, then the truc process host:pid).
  probeBy: ['Đang thử:', 'Probing:'],
  probeProcess: ['tiến trình', 'process'],
  pauseRetryAfter: ['hệ thống yêu cầu chờ (Retry-After)', 'the system asked to wait (Retry-After)'],
  // review32 F6: after the run's status word ("Đang chờ"), so not "chờ" again.
  runWaitsCircuit: [
    '— {system}: cầu dao mở từ {since}, thử lại lúc {until}',
    'waiting on {system}: circuit open since {since}, next probe at {until}',
  ],
  runWaitsProbe: [
    '— {system}: đang thử lại (cầu dao mở từ {since}), đến {until}',
    'waiting on {system}: a probe in flight (circuit open since {since}), until {until}',
  ],
  runWaitsRetryAfter: [
    '— {system}: hệ thống yêu cầu chờ (Retry-After) đến {until}',
    'waiting on {system}: it asked to wait (Retry-After) until {until}',
  ],
  schoolsCount: ['Số trường', 'Schools'],
  removedTargets: [
    'Hệ thống đích đã gỡ khỏi cấu hình còn việc tồn',
    'Push targets removed from the configuration, work left',
  ],
  undelivered: ['Bản ghi chưa gửi', 'Undelivered records'],
  // runs item 1: where a run's changes stand at a target (GET /v1/syncs deliveries), under its outcomes
  runDelivery: [
    '→ {system}: gửi {delivered}, chờ {pending}, lỗi {failed}',
    '→ {system}: {delivered} sent, {pending} pending, {failed} failed',
  ],
  whatToDo: ['Cần làm', 'What to do'],
  asOf: ['Tính đến ngày', 'As of'],
} as const satisfies Record<string, readonly [vi: string, en: string, enOne?: string]>;

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

/**
 * A key's words in the page's language, `{name}` filled from `vars`. An entry with a third word is the English for one
 * (fix30b: `Replay 1 jobs?`): taken when `vars.n` is 1 (Vietnamese nouns do not change with the count).
 */
export function t(key: Key, vars: Record<string, string | number> = {}): string {
  const entry: readonly string[] = DICT[key];
  const text = lang === 'vi' ? entry[0]! : ((vars.n === 1 ? entry[2] : undefined) ?? entry[1]!);
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
