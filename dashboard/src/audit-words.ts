/**
 * The words of the audit log's actions (words.ts `actionText` shows them), in Vietnamese and English: one entry for
 * every action truc writes (src/store/audit-log.ts AUDIT_ACTIONS; the compiler asks for each, and
 * test/unit/dashboard/words.test.ts walks them). Pure (no DOM), so that the test runs in Node.
 */
import type { AuditAction } from '../../src/store/audit-log.js';

type Words = readonly [vi: string, en: string];

/** Every action the audit log is written with (src/store/audit-log.ts AUDIT_ACTIONS), in words. */
const AUDIT_ACTION_WORDS: Readonly<Record<AuditAction, Words>> = {
  'auth.failed': ['Đăng nhập thất bại', 'Sign-in failed'],
  'auth.token-limited': ['Xin token bị giới hạn (quá nhiều lần)', 'Token requests limited (too many)'],
  'batch.accepted': ['Nhận lô dữ liệu', 'Batch accepted'],
  'batch.dry_run': ['Chạy thử lô (không lưu)', 'Batch dry run (nothing stored)'],
  'batch.held': ['Lô bị giữ chờ duyệt', 'Batch held for approval'],
  'batch.ingested': ['Đã nạp lô dữ liệu', 'Batch ingested'],
  'circuit.closed': ['Cầu dao đóng lại (hệ thống trả lời)', 'Circuit closed (the system answers)'],
  'circuit.opened': ['Cầu dao mở (tạm ngưng gọi)', 'Circuit opened (calls paused)'],
  'gate.retry-after': [
    'Hệ thống yêu cầu chờ (Retry-After): tạm ngưng gọi',
    'The system asked to wait (Retry-After): calls paused',
  ],
  'client.created': ['Tạo client', 'Client created'],
  'client.disabled': ['Khoá client', 'Client disabled'],
  'client.enabled': ['Mở lại client', 'Client enabled'],
  'client.old_secret_ended': ['Chấm dứt khoá bí mật cũ của client', 'Client’s old secret ended'],
  'client.secret_rotated': ['Đổi khoá bí mật của client', 'Client secret rotated'],
  'client.updated': ['Sửa client', 'Client updated'],
  'dead_letters.closed': [
    'Đóng việc lỗi (không còn gì để chạy lại)',
    'Dead letters closed (nothing to replay)',
  ],
  'dead_letters.replayed': ['Chạy lại việc lỗi', 'Dead letters replayed'],
  'guard.applied': ['Áp dụng thay đổi đã duyệt', 'Approved change applied'],
  'guard.approved': ['Duyệt thay đổi bị giữ', 'Held change approved'],
  'guard.held': ['Giữ thay đổi hàng loạt chờ duyệt', 'Mass change held'],
  'guard.rejected': ['Từ chối thay đổi bị giữ', 'Held change rejected'],
  'guard.superseded': ['Thay đổi bị giữ đã có lần kéo mới hơn', 'Held change superseded'],
  'job.dead': ['Việc thất bại hẳn (vào việc lỗi)', 'Job failed for good (dead-lettered)'],
  'pcgd.approved': ['Duyệt báo cáo PCGD-XMC', 'PCGD-XMC report approved'],
  'pcgd.compute-failed': ['Tính báo cáo PCGD-XMC không thành công', 'PCGD-XMC report computation failed'],
  'pcgd.compute-requested': ['Yêu cầu tính báo cáo PCGD-XMC', 'PCGD-XMC report computation requested'],
  'pcgd.computed': ['Đã tính báo cáo PCGD-XMC', 'PCGD-XMC report computed'],
  'pcgd.receipted': ['Bộ đã cấp biên nhận báo cáo PCGD-XMC', 'PCGD-XMC report receipted'],
  'pcgd.records-read': ['Xem hồ sơ minh chứng PCGD-XMC', 'PCGD-XMC evidence records read'],
  'pcgd.reopened': ['Mở lại báo cáo PCGD-XMC', 'PCGD-XMC report reopened'],
  'pcgd.resubmitted': [
    'Nộp lại báo cáo PCGD-XMC (lần gửi trước thất bại)',
    'PCGD-XMC report resubmitted (its delivery had failed)',
  ],
  'pcgd.submitted': ['Nộp báo cáo PCGD-XMC', 'PCGD-XMC report submitted'],
  'push.delivered': ['Đã gửi tới hệ thống đích', 'Delivered to the target'],
  'quality.requested': ['Yêu cầu tính thẻ điểm chất lượng', 'Quality scorecard run requested'],
  'schedule.paused': ['Tạm dừng lịch đồng bộ', 'Schedule paused'],
  'schedule.resumed': ['Tiếp tục lịch đồng bộ', 'Schedule resumed'],
  'schedule.run': ['Chạy lịch đồng bộ ngay', 'Schedule run now'],
  'school-system.cleared': ['Bỏ phần mềm phục vụ trường', 'School system cleared'],
  'school-system.set': ['Đặt phần mềm phục vụ trường', 'School system set'],
  'sync.finished': ['Lưu trang cuối của lần đồng bộ', 'Sync’s last page stored'],
  'sync.page': ['Lưu một trang đồng bộ', 'Sync page stored'],
  'sync.reconciled': ['Đối soát đồng bộ xong', 'Sync reconciled'],
  'sync.requested': ['Yêu cầu đồng bộ', 'Sync requested'],
  'target.forgotten': ['Quên hệ thống đích đã gỡ', 'Removed target forgotten'],
  'webhook.pinged': ['Thử gọi webhook', 'Webhook pinged'],
  'webhook.subscribed': ['Đăng ký webhook', 'Webhook subscribed'],
  'webhook.unsubscribed': ['Hủy đăng ký webhook', 'Webhook unsubscribed'],
};

/** An audit action's words in `lang`; undefined for a code the dictionary does not know (an older one). */
export function actionWords(action: string, lang: 'vi' | 'en'): string | undefined {
  return Object.hasOwn(AUDIT_ACTION_WORDS, action)
    ? AUDIT_ACTION_WORDS[action as AuditAction][lang === 'vi' ? 0 : 1]
    : undefined;
}
