/**
 * What each option and argument is, in Vietnamese: `truc <command> --help` prints it before the English the command
 * gives it (`vi / en`, CONVENTIONS decision 8), as it does a command's summary (./summaries.ts). Keyed by the
 * command's path under `truc`, then the long flag or the argument's name in angle brackets (`holds reject --reason`,
 * `pcgd compute <unit>`); test/unit/cli/program.test.ts fails on an option or argument without one, and on an entry
 * no command has (walk2 F2: each was English alone). Codes, flags, units and examples stay as they are.
 */

const AS =
  'người thao tác, ghi vào nhật ký kiểm toán (operator:cli:<name>; mặc định: $TRUC_OPERATOR, không có thì tên đăng nhập của người dùng hệ điều hành)';
const CLIENT_ID = 'mã client (truc clients list)';
const SCHOOL_CODE = 'mã một trường có trong truc';
const SOURCES = 'hệ thống nguồn: hcm-csdl, moet-pcgd, smas, vnedu';
const ENTITIES = 'loại dữ liệu: schools, classes, students, staff, persons';
const JSON_LINES = 'mỗi dòng một đối tượng JSON, như API liệt kê';
const LIMIT_50 = 'tối đa bấy nhiêu dòng (mặc định 50)';
const OFFSET = 'bỏ qua bấy nhiêu dòng đầu (mặc định 0)';
const FOLLOW = 'chờ lượt chạy xong, hiện trạng thái, số bản ghi đã kéo và tốc độ';
const INTERVAL = 'với --follow: hỏi trạng thái sau mỗi khoảng này (mặc định 1000)';
const TIMEOUT = 'với --follow: thôi chờ sau chừng này giây (mặc định 21600)';
const SCHEDULE_ID = 'mã lịch (truc schedules list)';
const HOLD_ID = 'mã lệnh giữ';
const REASON =
  'lý do, lưu trong mục nhật ký kiểm toán của quyết định; nhà cung cấp của lô bị giữ cũng đọc được ' +
  '(không ghi số định danh cá nhân hay số điện thoại)';
const DECIDED_JSON = 'lệnh giữ đã quyết định, in thành một đối tượng JSON';
const REPORT_ID = 'mã báo cáo (reportId, như pcgd compute in ra)';
const UNIT = 'mã xã/phường 5 chữ số hoặc mã tỉnh/thành phố 2 chữ số';

export const OPTION_VI: Readonly<Record<string, string>> = {
  'demo --once': 'thoát sau chu trình: 0 khi mọi kiểm tra đều đạt, 1 nếu không',
  'demo --port':
    'cổng của API (mặc định: PORT, hoặc một cổng trống bất kỳ khi cổng đó đã có tiến trình dùng)',
  'clients list --json': JSON_LINES,
  'clients add --name': 'tên hiển thị (bắt buộc)',
  'clients add --role': 'vendor | pcgd-officer | city-admin | auditor (bắt buộc)',
  'clients add --schools': 'mã các trường nhà cung cấp được thao tác, cách nhau bằng dấu phẩy',
  'clients add --units': 'mã tỉnh/thành phố 2 chữ số hoặc mã xã/phường 5 chữ số, cách nhau bằng dấu phẩy',
  'clients add --scopes': 'các phạm vi quyền (scope), cách nhau bằng dấu phẩy (mặc định: của vai trò)',
  'clients add --as': AS,
  'clients rotate-secret <clientId>': CLIENT_ID,
  'clients rotate-secret --overlap':
    'số giây secret cũ (và các mã truy cập cấp bằng nó) còn dùng được; 0 dừng chúng ngay, như khi secret bị lộ (mặc định: auth.secretOverlapSeconds, 86400)',
  'clients rotate-secret --as': AS,
  'clients end-old-secret <clientId>': CLIENT_ID,
  'clients end-old-secret --as': AS,
  'clients set-schools <clientId>': CLIENT_ID,
  'clients set-schools --schools': 'mã các trường, cách nhau bằng dấu phẩy (bắt buộc)',
  'clients set-schools --as': AS,
  'clients disable <clientId>': CLIENT_ID,
  'clients disable --as': AS,
  'clients disable --allow-no-admin':
    "khoá cả khi đó là ứng dụng quản trị cuối cùng còn hoạt động (có ghi kiểm toán; sau đó chỉ 'truc clients enable' hoặc 'clients add' cho một quản trị vào lại)",
  'clients enable <clientId>': CLIENT_ID,
  'clients enable --as': AS,
  'school-systems list --system': 'chỉ các trường hệ thống này phục vụ (smas, vnedu)',
  'school-systems set <schoolCode>': SCHOOL_CODE,
  'school-systems set --system': 'smas | vnedu (bắt buộc)',
  'school-systems set --as': AS,
  'school-systems clear <schoolCode>': SCHOOL_CODE,
  'school-systems clear --as': AS,
  'dead-letters list --queue': 'chỉ hàng đợi này',
  'dead-letters list --code': 'chỉ mã lỗi này (docs/errors.md)',
  'dead-letters list --ids': 'chỉ các việc lỗi có mã này, cách nhau bằng dấu phẩy',
  'dead-letters list --sync-run':
    'chỉ các việc lỗi của một lượt đồng bộ: việc của nó mang lượt đó, hoặc gói đẩy của nó (như ?syncRunId=)',
  'dead-letters list --include-replayed': 'cả những việc đã chạy lại (có replayedAt)',
  'dead-letters list --limit': 'tối đa bấy nhiêu dòng (mặc định 100, tối đa 500, như API)',
  'dead-letters list --offset': OFFSET,
  'dead-letters list --json': JSON_LINES,
  'dead-letters replay --queue': 'mọi việc lỗi của hàng đợi này',
  'dead-letters replay --code': 'mọi việc lỗi có mã lỗi này (docs/errors.md)',
  'dead-letters replay --sync-run': 'các việc lỗi của một lượt đồng bộ (như list --sync-run liệt kê)',
  'dead-letters replay --ids':
    'các việc lỗi có mã này, cách nhau bằng dấu phẩy (mã thoát 1 khi không việc nào được chạy lại)',
  'dead-letters replay --all': 'mọi việc lỗi',
  'dead-letters replay --mapping':
    'current (mặc định): ánh xạ bằng phiên bản ánh xạ hiện hành; pinned: bằng phiên bản việc đó đã chạy lần đầu',
  'dead-letters replay --as': AS,
  'targets forget <system>': 'hệ thống đích: hcm-csdl, smas, vnedu',
  'targets forget --json': 'in ra đối tượng {"system":…,"records":…,"deadLetters":…}',
  'targets forget --as': AS,
  'sync run <system>': SOURCES,
  'sync run <entity>': ENTITIES,
  'sync run --scope': 'một mã trường, hoặc một mã xã/phường với moet-pcgd',
  'sync run --full': 'bỏ qua mốc lần kéo trước: kéo toàn bộ (và đối soát các bản ghi đã bị xoá)',
  'sync run --follow': FOLLOW,
  'sync run --interval-ms': INTERVAL,
  'sync run --timeout': TIMEOUT,
  'sync run --as': AS,
  'sync list --system': SOURCES,
  'sync list --entity': ENTITIES,
  'sync list --status': 'trạng thái: queued, running, held, done, failed',
  'sync list --from': 'tạo từ lúc này trở đi: một ngày YYYY-MM-DD (giờ Việt Nam) hoặc một thời điểm ISO',
  'sync list --to': 'tạo trước lúc này: một ngày YYYY-MM-DD (giờ Việt Nam) hoặc một thời điểm ISO',
  'sync list --limit': LIMIT_50,
  'sync list --offset': OFFSET,
  'sync list --json': JSON_LINES,
  'sync show <id>': 'mã lượt đồng bộ',
  'sync show --json': 'lượt đồng bộ thành một đối tượng JSON, như API trả về',
  'schedules list --json': JSON_LINES,
  'schedules pause <id>': SCHEDULE_ID,
  'schedules pause --as': AS,
  'schedules resume <id>': SCHEDULE_ID,
  'schedules resume --as': AS,
  'schedules run <id>': SCHEDULE_ID,
  'schedules run --json': 'in ra đối tượng {"syncRunId":…}',
  'schedules run --follow': FOLLOW,
  'schedules run --interval-ms': INTERVAL,
  'schedules run --timeout': TIMEOUT,
  'schedules run --as': AS,
  'holds list --status': 'trạng thái: held, approved, rejected, superseded',
  'holds list --entity': ENTITIES,
  'holds list --limit': LIMIT_50,
  'holds list --offset': OFFSET,
  'holds list --json': 'mỗi dòng một đối tượng JSON',
  'holds show <id>': HOLD_ID,
  'holds show --all': 'mọi lý do và mọi trường (mặc định 20 mỗi loại, đáng chú ý nhất trước)',
  'holds show --json': 'lệnh giữ thành một đối tượng JSON, đủ mọi lý do, trường và mã',
  'holds approve <id>': HOLD_ID,
  'holds approve --reason': REASON,
  'holds approve --except':
    'lệnh giữ của một lượt đồng bộ: duyệt tất cả trừ các trường này (mã trường trong lệnh giữ, cách nhau bằng dấu phẩy); thay đổi của chúng bị từ chối, không áp dụng, có đếm',
  'holds approve --json': DECIDED_JSON,
  'holds approve --as': AS,
  'holds reject <id>': HOLD_ID,
  'holds reject --reason': REASON,
  'holds reject --json': DECIDED_JSON,
  'holds reject --as': AS,
  'pcgd list <unit>': `${UNIT}, một hay nhiều mã (liệt kê lần lượt từng đơn vị)`,
  'pcgd list --year': 'chỉ năm báo cáo này (mặc định: mọi năm)',
  'pcgd list --limit': 'tối đa bấy nhiêu dòng (mặc định 50, tối đa 500, như API)',
  'pcgd list --offset': OFFSET,
  'pcgd list --json': 'câu trả lời của API, dạng JSON: mỗi đơn vị một dòng',
  'pcgd compute <unit>': UNIT,
  'pcgd compute --year':
    'năm báo cáo (mặc định: năm công tác PCGD-XMC mà lần kéo dữ liệu điều tra persons mới nhất đã đọc; chưa có lần kéo nào: năm đang mở hôm nay theo lịch)',
  'pcgd compute --communes':
    'với mã tỉnh/thành phố: trước hết mọi xã/phường của tỉnh có dữ liệu điều tra và chưa có báo cáo đã duyệt, rồi đến tỉnh; in mỗi đơn vị một dòng',
  'pcgd compute --as': AS,
  'pcgd approve <reportId>': REPORT_ID,
  'pcgd approve --as': AS,
  'pcgd submit <reportId>': 'mã các báo cáo đã duyệt, một hay nhiều',
  'pcgd submit --follow':
    'chờ đến khi Bộ xác nhận đã nhận từng báo cáo, hiện tiến độ; dừng ngay khi bị từ chối hoặc lỗi hẳn (mã thoát 1)',
  'pcgd submit --timeout': 'với --follow: thôi chờ sau chừng này giây (mặc định 600)',
  'pcgd submit --as': AS,
  'pcgd export <reportId>': REPORT_ID,
  'pcgd export --out': 'thư mục ghi ra (mặc định: ./pcgd-<reportId>)',
  'pcgd verify <file>': 'gói dữ liệu (package.json, hoặc <prefix>package.json như API đặt tên)',
  'pcgd verify --signature':
    'tệp chữ ký (mặc định: <prefix>package.p7s cạnh tệp gói, không có thì package.p7s)',
  'pcgd verify --certificate':
    'chứng thư tin cậy của đơn vị, dạng PEM (mặc định: <prefix>certificate.pem cạnh tệp gói, không có thì certificate.pem); bắt buộc',
  'quality run --json': 'in ra đối tượng {"qualityRunId":…}',
  'quality run --follow': 'chờ lượt chạy xong, hiện trạng thái và số trường đã chấm điểm đến lúc đó',
  'quality run --interval-ms': INTERVAL,
  'quality run --timeout': TIMEOUT,
  'quality run --as': AS,
  'sim <system>': 'hệ thống: hcm-csdl, moet-pcgd, smas hoặc vnedu',
  'sim --port': 'cổng lắng nghe (mặc định: một cổng trống bất kỳ)',
  'sim --seed': 'hạt giống (seed) sinh tập dữ liệu tổng hợp',
  'sim --schools': 'số trường trong tập dữ liệu',
  'sim --students-per-school': 'số học sinh mỗi trường',
  'sim --staff-per-school': 'số cán bộ, giáo viên mỗi trường',
  'sim --faults': 'các lỗi cần giả lập, dạng JSON (xem POST /__sim/faults)',
  'sim --persons':
    'moet-pcgd: phục vụ các bản ghi điều tra trong tệp JSON-lines này, cho các xã/phường có trong tệp',
};
