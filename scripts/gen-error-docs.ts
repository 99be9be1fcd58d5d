/** Writes docs/errors.md from the one error table in src/errors.ts (`--check` fails on drift). */
import { join } from 'node:path';
import { ERRORS } from '../src/errors.js';
import { PROJECT_ROOT } from '../src/config.js';
import { isEntry, writeGenerated, type Generated } from './generated.js';

/** How to solve each code, Vietnamese and English (docs/errors.md's last two columns). */
const HOW: Partial<Record<keyof typeof ERRORS, { vi: string; en: string }>> = {
  ERR_SCOPE_UNKNOWN: {
    vi: 'Kiểm tra mã (`detail` nêu mã đó). Mã trường (`scope` của một lượt kéo, hay trường được đặt hệ thống) phải là trường truc đang có: trường mới được kéo trước (`entity: schools`), rồi lớp, học sinh, cán bộ của trường, rồi mới đặt hệ thống. `scope` của lượt kéo moet-pcgd là mã xã hiện hành 5 chữ số (đơn vị hành chính năm 2025).',
    en: "Check the code (`detail` names it). A school code (a pull's `scope`, or the school whose system is set) must be a school truc holds: a new school is pulled first (`entity: schools`), then its classes, students and staff, and its system set. A moet-pcgd pull's `scope` is a current commune's 5-digit code (the admin units of 2025).",
  },
  ERR_SYSTEM_NOT_CONFIGURED: {
    vi: 'Đặt địa chỉ và thông tin đăng nhập của hệ thống (README, mục Configuration: `SMAS_BASE_URL`, `SMAS_API_KEY`, …) rồi khởi động lại truc, hoặc kéo từ hệ thống truc đã được cấu hình; lịch của hệ thống như vậy không tạo lượt chạy nào (lần kích hoạt ghi `refused`).',
    en: "Set the system's base URL and credentials (README Configuration: `SMAS_BASE_URL`, `SMAS_API_KEY`, …) and restart truc, or pull from a system truc is configured for; a schedule of such a system requests no run (its fire is recorded `refused`).",
  },
  ERR_VALIDATION: {
    vi: 'Đọc `errors[]`: mỗi mục nêu trường (JSON pointer) và quy tắc bị vi phạm.',
    en: 'Read `errors[]`: each item names the field (JSON pointer) and the rule.',
  },
  ERR_MALFORMED_JSON: {
    vi: 'Gửi nội dung JSON hợp lệ với `Content-Type: application/json`.',
    en: 'Send a valid JSON body with `Content-Type: application/json`.',
  },
  ERR_BODY_TOO_LARGE: {
    vi: 'Chia nhỏ lô; `detail` nêu giới hạn của đường dẫn (lô delta: `server.bodyLimitBytes`, lô snapshot: `server.snapshotBodyLimitBytes`; mọi đường dẫn khác 1 MiB, điểm lấy token 16 KiB).',
    en: "Split the batch; `detail` names the route's limit (a delta batch's `server.bodyLimitBytes`, a snapshot's `server.snapshotBodyLimitBytes`; every other route's 1 MiB, the token endpoint's 16 KiB).",
  },
  ERR_BATCH_TOO_LARGE: {
    vi: 'Chia nhỏ lô delta (`server.maxBatchRecords`, 1.000), hoặc gửi toàn bộ trường trong một lô `"mode": "snapshot"` (`server.maxSnapshotRecords`, 5.000); `detail` nêu giới hạn.',
    en: 'Split a delta batch (`server.maxBatchRecords`, 1,000), or send the whole school as one `"mode": "snapshot"` batch (`server.maxSnapshotRecords`, 5,000); `detail` names the limit.',
  },
  ERR_BAD_REQUEST: {
    vi: 'Đọc `detail`: nó nêu phần cần sửa. Chữ có dấu, khoảng trắng hay byte không phải UTF-8 trong đường dẫn hoặc chuỗi truy vấn: mã hoá phần trăm theo UTF-8 (`encodeURIComponent`; "ễ" là `%E1%BB%85`); mỗi tiêu đề trên một dòng, tên chỉ gồm chữ cái, chữ số và dấu gạch ngang; một `Content-Length` hoặc `Transfer-Encoding: chunked`, không cả hai; HTTP/1.1 cần tiêu đề `Host`.',
    en: 'Read the `detail`: it names the part to fix. A letter with diacritics, a space or a byte that is not UTF-8 in the path or the query: percent-encode it as UTF-8 (`encodeURIComponent`; "ễ" is `%E1%BB%85`); each header on one line, its name of letters, digits and hyphens; one `Content-Length` or `Transfer-Encoding: chunked`, never both; HTTP/1.1 needs a `Host` header.',
  },
  ERR_UNSUPPORTED_MEDIA_TYPE: {
    vi: 'Gửi nội dung dạng `Content-Type: application/json` (dạng form chỉ cho `/oauth/token`), không nén: nội dung có `Content-Encoding` (gzip, …) bị từ chối, câu trả lời ghi `Accept-Encoding: identity`. `detail` nêu kiểu đường dẫn nhận.',
    en: 'Send the body as `Content-Type: application/json` (a form only to `/oauth/token`), uncompressed: a body with a `Content-Encoding` (gzip, …) is refused, the answer says `Accept-Encoding: identity`. The `detail` says what the route takes.',
  },
  ERR_TRANSFER_CODING_UNSUPPORTED: {
    vi: '`Transfer-Encoding` khác `chunked` (và `identity`) và không phải nén (RFC 9112 §6.1): gửi nội dung với `Content-Length` hoặc chỉ `Transfer-Encoding: chunked`. Nén (gzip, deflate…) ở đó là 415 `ERR_UNSUPPORTED_MEDIA_TYPE`.',
    en: 'A `Transfer-Encoding` other than `chunked` (and `identity`) and not a compression (RFC 9112 §6.1): send the body with `Content-Length` or `Transfer-Encoding: chunked` only. A compression (gzip, deflate…) there is 415 `ERR_UNSUPPORTED_MEDIA_TYPE`.',
  },
  ERR_SELF_LOCKOUT: {
    vi: 'Thực hiện thay đổi từ một ứng dụng quản trị khác, hoặc trên máy chủ bằng `truc clients`. Chưa có gì bị thay đổi.',
    en: 'Make the change from another admin client, or on the host with `truc clients`. Nothing was changed.',
  },
  ERR_LAST_ADMIN: {
    vi: 'Thành phố phải còn ít nhất một ứng dụng quản trị hoạt động: tạo hoặc bật một ứng dụng quản trị khác trước (`POST /v1/admin/clients`, `truc clients add --name … --role city-admin`), rồi làm lại. Chưa có gì bị thay đổi. Trên máy chủ, `truc clients disable <id> --allow-no-admin` vẫn khoá được (có ghi kiểm toán); `truc clients enable` hay `truc clients add` cho một quản trị vào lại.',
    en: 'The city keeps at least one active admin client: create or enable another admin client first (`POST /v1/admin/clients`, `truc clients add --name … --role city-admin`), then do it again. Nothing was changed. On the host, `truc clients disable <id> --allow-no-admin` disables it all the same (audited); `truc clients enable` or `truc clients add` lets an admin in again.',
  },
  ERR_NOT_FOUND: {
    vi: 'Mã (id) đúng dạng nhưng truc không có gì mang mã đó, hoặc không có gì bạn được xem (`detail` nêu loại và nơi tra tiếp); mã sai dạng là 400 `ERR_VALIDATION`.',
    en: 'The id (or code) is well-formed but truc holds nothing by it, or nothing you may see (`detail` names what was looked for and where to look next); an ill-formed one is a 400 `ERR_VALIDATION`.',
  },
  ERR_RATE_LIMITED: {
    vi: 'Chờ `Retry-After` giây (`detail` nêu đúng thời gian chờ đó: "thử lại sau 12 giây"). Theo ứng dụng: `api.rateLimit`; theo địa chỉ nguồn, các lần xác thực lỗi (thiếu, sai hay hết hạn token ở `/v1`, sai token `/metrics`): `api.failedAuthLimit`; theo ứng dụng, số token được cấp: `auth.maxTokensPerMinute`.',
    en: 'Wait `Retry-After` seconds (`detail` names the same wait: "try again in 12 s"). Per client: `api.rateLimit`; per source address, failed authentications (no, bad or expired token at `/v1`, a wrong `/metrics` token): `api.failedAuthLimit`; per client, tokens issued: `auth.maxTokensPerMinute`.',
  },
  ERR_LOGIN_THROTTLED: {
    vi: 'Chờ `Retry-After` giây (`detail` và `error_description` nêu đúng thời gian chờ đó: "thử lại sau 3 giây"), rồi đăng nhập với khoá bí mật đúng.',
    en: 'Wait `Retry-After` seconds (`detail` and `error_description` name the same wait: "try again in 3 s"), then log in with the right secret.',
  },
  ERR_UNAUTHENTICATED: {
    vi: 'Lấy token ở `POST /oauth/token` và gửi `Authorization: Bearer <token>`.',
    en: 'Get a token at `POST /oauth/token` and send `Authorization: Bearer <token>`.',
  },
  ERR_TOKEN_INVALID: {
    vi: 'Lấy token mới ở `POST /oauth/token`; token hết hạn sau `auth.tokenTtlSeconds` (`expires_in` của câu trả lời). Token hết hạn: `detail` nói "đã hết hạn", `WWW-Authenticate` có `error_description="The access token expired"`.',
    en: 'Get a new token at `POST /oauth/token`; tokens expire after `auth.tokenTtlSeconds` (the answer\'s `expires_in`). An expired one: `detail` says "has expired", `WWW-Authenticate` carries `error_description="The access token expired"`.',
  },
  ERR_INVALID_CLIENT: {
    vi: 'Kiểm tra client_id và client_secret. Ứng dụng không bao giờ bị khoá: đăng nhập sai nhiều lần từ một địa chỉ làm chậm các lần đăng nhập từ địa chỉ đó (429 `ERR_LOGIN_THROTTLED`).',
    en: 'Check client_id and client_secret. A client is never locked: repeated failures from one address slow logins from it down (429 `ERR_LOGIN_THROTTLED`).',
  },
  ERR_CLIENT_LOCKED: {
    vi: 'Dành riêng, không gửi: truc không bao giờ khoá ứng dụng (đăng nhập sai bị làm chậm theo địa chỉ, `ERR_LOGIN_THROTTLED`).',
    en: 'Reserved, not sent: truc never locks a client (failed logins are throttled per address, `ERR_LOGIN_THROTTLED`).',
  },
  ERR_IDEMPOTENCY_IN_PROGRESS: {
    vi: 'Dành riêng, không gửi: lần gửi dùng Idempotency-Key của một lần đang được lưu sẽ chờ lần đó và trả lời như lần đó (`Idempotent-Replayed: true`).',
    en: 'Reserved, not sent: a push under the Idempotency-Key of one still being stored waits for it and answers as it did (`Idempotent-Replayed: true`).',
  },
  ERR_METHOD_NOT_ALLOWED: {
    vi: 'Đường dẫn có, nhưng không nhận phương thức này: `Allow` (và `detail`) nêu các phương thức nó nhận (walk7 W7-1).',
    en: 'The address exists, not with this method: `Allow` (and `detail`) name the methods it takes (walk7 W7-1).',
  },
  ERR_FORBIDDEN_SCHOOL: {
    vi: 'Dùng token của ứng dụng được cấp trường đó (`detail` nêu mã trường), hoặc đề nghị quản trị viên của Sở cấp trường cho ứng dụng của bạn (`PATCH /v1/admin/clients/{clientId}`, `truc clients add --schools`).',
    en: "Use the token of a client granted that school (`detail` names it), or ask the city's admin to grant it to your client (`PATCH /v1/admin/clients/{clientId}`, `truc clients add --schools`).",
  },
  ERR_IDEMPOTENCY_MISMATCH: {
    vi: 'Dùng Idempotency-Key mới cho một yêu cầu khác.',
    en: 'Use a new Idempotency-Key for a different request.',
  },
  ERR_DEPENDENCY_UNAVAILABLE: {
    vi: 'Chờ `Retry-After` giây (`detail` nêu đúng thời gian chờ đó: "thử lại sau 5 giây"), rồi gửi lại đúng yêu cầu đó (kèm Idempotency-Key của nó: chỉ được nhận một lần); người vận hành: xem `/readyz`.',
    en: 'Wait `Retry-After` seconds (`detail` names the same wait: "try again in 5 s"), then send the same request again (with its Idempotency-Key: answered once); operators: check `/readyz`.',
  },
  ERR_SCHEMA_PENDING: {
    vi: 'Người vận hành: chạy `truc migrate` của cùng phiên bản truc (ngoài giờ khi README, mục Operations, nói có ghi lại dưới khoá), rồi chạy lại lệnh. CLI thoát với mã 4; chỉ `truc migrate` và các vai trò (role) mới chạy migration.',
    en: 'Operators: run `truc migrate` of the same truc version (off-hours when README Operations names a rewrite under a lock), then the command again. The CLI exits 4; only `truc migrate` and the roles migrate.',
  },
  ERR_ADAPTER_RATE_LIMITED: {
    vi: 'Không cần làm gì: việc chờ theo Retry-After của hệ thống đích.',
    en: 'Nothing to do: the job waits for the target’s Retry-After.',
  },
  ERR_JOB_PAYLOAD_INVALID: {
    vi: 'Người vận hành: việc đến từ một bên tạo việc cũ hơn hoặc lạ; đọc việc lỗi, sửa nguyên nhân, chạy lại.',
    en: 'Operators: the job came from an older or foreign producer; read its dead letter, fix the cause, replay it.',
  },
  ERR_JOB_UNKNOWN: {
    vi: 'Người vận hành: chạy worker cùng phiên bản truc với bên tạo việc, rồi chạy lại việc lỗi.',
    en: 'Operators: run workers of the same truc version as the producers, then replay the letter.',
  },
  ERR_JOB_STARTS_EXHAUSTED: {
    vi: 'Người vận hành: hệ thống đích bị tạm ngưng (mạch ngắt hay Retry-After) quá `sync.worker.maxStarts`; kiểm tra hệ thống đích rồi chạy lại việc lỗi.',
    en: 'Operators: the target stayed paused (open circuit or Retry-After) past `sync.worker.maxStarts`; check the target, then replay the letter.',
  },
  ERR_MAPPING_VERSION_UNKNOWN: {
    vi: 'Chạy lại với `"mapping": "current"`; các phiên bản còn nạp được khai báo cạnh từng ánh xạ (`*_PREVIOUS_MAPPINGS`).',
    en: 'Replay with `"mapping": "current"`; the versions kept loadable are declared beside each mapping (`*_PREVIOUS_MAPPINGS`).',
  },
  ERR_GUARD_SUPERSEDED: {
    vi: 'Không có gì để duyệt: lượt chạy đầy đủ mới hơn của phạm vi đó quyết định những gì bị xoá; nếu phần đối soát của nó bị giữ, hãy quyết định lệnh giữ đó.',
    en: 'Nothing to approve: the newer full run of the scope decides what is deleted; if its reconciliation is held, decide that hold.',
  },
  ERR_GUARD_SUPERSEDED_SCHOOLS: {
    vi: 'Không có gì để duyệt: các lượt chạy mới hơn của các trường đó đã quyết định ở đó. Nếu lượt chạy toàn thành phố lại bị giữ ở một trang, hãy quyết định lệnh giữ đó.',
    en: 'Nothing to approve: the newer runs of those schools decided there. If the whole-city run is held again at a page, decide that hold.',
  },
  ERR_SCHEDULE_FIRE_TAKEN: {
    vi: 'Gọi lại: lần gọi sau là một lần kích hoạt riêng và tạo một lượt chạy.',
    en: 'Call again: a later call is a fire of its own, and requests a run.',
  },
  ERR_ADAPTER_REJECTED: {
    vi: 'Hệ thống bên ngoài từ chối nội dung; gửi lại sẽ bị từ chối như vậy. Số liệu PCGD-XMC: báo cáo ở trạng thái `submitted` với `delivery.lastError` và được tính là chưa nộp (`GET /v1/pcgd/deadlines`); `delivery.refusal` của báo cáo giữ mã lỗi và lỗi từng trường của Bộ (chỉ số nào, quy tắc nào); cán bộ cấp tỉnh hoặc quản trị thành phố mở lại báo cáo, cán bộ sửa, tính lại, duyệt và nộp lại (bị từ chối vì lỗi tạm thời: nộp lại đúng phiên bản đó).',
    en: "The external system refused the content; retrying sends the same refusal. PCGD-XMC figures: the report stays `submitted` with `delivery.lastError` and is counted not submitted (`GET /v1/pcgd/deadlines`); the report's `delivery.refusal` holds the Ministry's problem code and field errors (which indicator, which rule); a province officer or city admin reopens the report, the officer corrects, recomputes, approves and submits again (a refusal of a transient kind: submit the same version again).",
  },
  ERR_WEBHOOK_URL: {
    vi: 'Đăng ký địa chỉ `https` công khai của máy nhận: không `http`, không địa chỉ mạng riêng, loopback (`localhost`, `127.0.0.1`) hay link-local, không thông tin đăng nhập hay phần `#` trong URL (`detail` nêu điều bị vi phạm). Mỗi lần gửi kiểm tra lại địa chỉ DNS trả về. Chỉ bản chạy thử và kiểm thử nới quy tắc này (`webhooks.allowHttp`, `webhooks.allowPrivateNetworks`: `npm run demo` nhận `http://127.0.0.1:…`, bản triển khai thật thì không).',
    en: "Subscribe your receiver's public `https` address: no `http`, no private, loopback (`localhost`, `127.0.0.1`) or link-local address, no credentials or `#` fragment in the URL (`detail` names what is wrong). Every send checks the DNS answer again. Only demo and test deployments relax this (`webhooks.allowHttp`, `webhooks.allowPrivateNetworks`: `npm run demo` takes `http://127.0.0.1:…`, a real deployment does not).",
  },
  ERR_WEBHOOK_LIMIT: {
    vi: 'Xoá một đăng ký không dùng nữa (`GET /v1/webhooks` liệt kê, `DELETE /v1/webhooks/{id}`), hoặc gộp các sự kiện vào một đăng ký (mỗi đăng ký nhận nhiều sự kiện); giới hạn là `webhooks.maxSubscriptions` (10).',
    en: 'Delete a subscription you no longer use (`GET /v1/webhooks` lists them, `DELETE /v1/webhooks/{id}`), or put the events into one subscription (one takes several events); the limit is `webhooks.maxSubscriptions` (10).',
  },
  ERR_ADAPTER_WINDOW_CLOSED: {
    vi: 'Bộ chỉ nhận số liệu trong thời hạn (từ 1 tháng 9 đến hạn nộp).',
    en: 'The Ministry accepts figures only in its window (from 1 September to the deadline).',
  },
};

/** docs/errors.md as the error table makes it. */
export function errorDocs(): Generated[] {
  const rows = Object.entries(ERRORS).map(
    ([code, d]) =>
      `| \`${code}\` | ${d.status} | ${d.retryable ? 'yes' : 'no'} | ${d.vi} | ${d.en} | ${HOW[code as keyof typeof ERRORS]?.vi ?? ''} | ${HOW[code as keyof typeof ERRORS]?.en ?? ''} |`,
  );
  const text = `# Error codes

Generated from \`src/errors.ts\` by \`scripts/gen-error-docs.ts\`; do not edit by hand. Codes are part
of the API contract: they are never renamed or reused. Every problem response carries one in \`code\`.

| code | HTTP | retryable | Tiếng Việt | English | cách xử lý | how to solve |
|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
  return [[join(PROJECT_ROOT, 'docs', 'errors.md'), text]];
}

if (isEntry(import.meta.url))
  process.exitCode = writeGenerated(errorDocs(), 'npx tsx scripts/gen-error-docs.ts');
