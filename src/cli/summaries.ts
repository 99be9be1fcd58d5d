/**
 * What each command does, in Vietnamese: `truc --help` and `truc <command> --help` print it before the command's own
 * English summary (`vi / en`, CONVENTIONS decision 8). Keyed by the command's path under `truc` ("clients add");
 * test/unit/cli/program.test.ts checks that every command and subcommand has one (fix33c: the subcommands said what
 * they do in English alone). Options and arguments have theirs the same way, in ./option-texts.ts.
 */
export const SUMMARY_VI: Readonly<Record<string, string>> = {
  all: 'API, worker, bộ chuyển outbox và bộ lập lịch trong một tiến trình',
  api: 'chỉ API HTTP',
  worker: 'chỉ worker và bộ chuyển outbox',
  scheduler: 'chỉ bộ lập lịch (một lần kích hoạt trên mọi bản sao)',
  demo: 'trình giả lập + truc trên cơ sở dữ liệu nhúng, một chu trình đầy đủ, một bản tóm tắt; tiếp tục phục vụ',
  migrate: 'áp dụng các migration cơ sở dữ liệu còn thiếu',
  audit: 'nhật ký kiểm toán chuỗi băm',
  'audit verify': 'tính lại chuỗi băm của nhật ký kiểm toán; nêu dòng hỏng đầu tiên (mã thoát 1)',
  clients: 'client API: thêm, liệt kê, đổi secret, đặt trường, khoá, mở',
  'clients add': 'tạo một client; in một đối tượng JSON có clientId và clientSecret',
  'clients list': 'liệt kê các client, mỗi dòng một JSON (không bao giờ có secret)',
  'clients rotate-secret':
    'cấp secret mới cho client (in một lần); secret cũ còn dùng được thêm --overlap giây',
  'clients end-old-secret': 'dừng ngay secret mà lần đổi gần nhất đã thay (và các mã truy cập cấp bằng nó)',
  'clients set-schools':
    'thay danh sách trường client được thao tác (có hiệu lực ngay với các mã truy cập của nó)',
  'clients disable': 'không cấp mã truy cập mới cho client',
  'clients enable': 'cho client đã khoá vào lại',
  'school-systems': 'hệ thống quản lý nào phục vụ mỗi trường: liệt kê, đặt, xoá',
  'school-systems list': 'các trường và hệ thống phục vụ mỗi trường, mỗi dòng một JSON',
  'school-systems set': 'đặt hệ thống phục vụ một trường (giữ đến khi đổi; lần kéo không ghi đè)',
  'school-systems clear': 'quên hệ thống phục vụ một trường (lần kéo và lô dữ liệu có thể biết lại)',
  'dead-letters': 'việc lỗi hẳn: liệt kê, chạy lại',
  'dead-letters list': 'các việc lỗi chưa chạy lại, mới nhất trước (như GET /v1/dead-letters)',
  'dead-letters replay': 'xếp lại việc lỗi: theo --ids, --queue, --code hoặc --sync-run, hoặc --all',
  targets: 'hệ thống đích nhận dữ liệu: quên một hệ thống đã gỡ khỏi cấu hình',
  'targets forget':
    'một hệ thống đích đã gỡ khỏi cấu hình: bỏ những gì nó chưa nhận và đóng các việc lỗi của nó (ghi kiểm toán)',
  sync: 'kéo dữ liệu từ hệ thống ngoài: chạy (và theo dõi), liệt kê, xem',
  'sync run': 'kéo <entity> từ <system> (một lần đồng bộ do worker thực hiện)',
  'sync list': 'các lần đồng bộ, mới nhất trước, với số đếm (như GET /v1/syncs)',
  'sync show':
    'một lần đồng bộ: số đếm theo kết quả, thời gian, phiên bản ánh xạ, lỗi (và lệnh giữ nếu bị giữ)',
  schedules: 'lịch đồng bộ: liệt kê (lần trước, lần tới), tạm dừng, tiếp tục, chạy ngay',
  'schedules list': 'các lịch đã cấu hình với lần chạy trước và lần tới (như GET /v1/schedules)',
  'schedules pause':
    'tạm dừng một lịch: các lần kích hoạt không yêu cầu gì cho đến khi tiếp tục (ghi kiểm toán)',
  'schedules resume': 'tiếp tục một lịch đã tạm dừng (ghi kiểm toán)',
  'schedules run': 'chạy một lịch ngay, kể cả khi tạm dừng: yêu cầu lần đồng bộ của nó ngay (ghi kiểm toán)',
  holds: 'các lệnh giữ của bộ chặn thay đổi hàng loạt: liệt kê, xem, duyệt, từ chối',
  'holds list':
    'các lệnh giữ của bộ chặn thay đổi hàng loạt, mới nhất trước, chỉ số đếm (như GET /v1/guard/holds)',
  'holds show': 'một lệnh giữ: số đếm theo trường và mã các bản ghi nó sẽ xoá, chuyển hay đổi',
  'holds approve':
    'duyệt một thay đổi bị giữ: nó được áp dụng (ghi kiểm toán, người thực hiện operator:cli:<tên>)',
  'holds reject':
    'từ chối một thay đổi bị giữ: không gì bị xoá (ghi kiểm toán, người thực hiện operator:cli:<tên>)',
  pcgd: 'báo cáo PCGD-XMC: liệt kê, tính, duyệt, nộp, xuất, kiểm tra',
  quality: 'thẻ điểm chất lượng: chạy (và theo dõi --follow)',
  'quality run': 'tính thẻ điểm chất lượng ngay (một lượt chất lượng do worker thực hiện)',
  'pcgd list': 'các phiên bản báo cáo của một hay nhiều đơn vị, mới nhất trước (như GET /v1/pcgd/reports)',
  'pcgd compute': 'tính ngay số liệu của một đơn vị từ dữ liệu điều tra đã kéo; in báo cáo',
  'pcgd approve': 'duyệt một báo cáo đã kiểm tra: ký gói dữ liệu và khoá số liệu',
  'pcgd submit': 'xếp việc gửi các báo cáo đã duyệt lên Bộ (worker gửi)',
  'pcgd export': 'ghi package.json, package.p7s, certificate.pem, forms.xlsx và forms.pdf của một báo cáo',
  'pcgd verify':
    'kiểm tra một gói với chữ ký CMS tách rời và chứng thư tin cậy của đơn vị (mã thoát 1 nếu không do đơn vị ký)',
  sim: 'một trình giả lập chạy riêng, đến khi nhận SIGTERM/SIGINT',
};
