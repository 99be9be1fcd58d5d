/**
 * The words of the codes the API sends, in Vietnamese and English like the rest of the page (i18n.ts): one
 * dictionary of statuses (runs, batches, circuits, PCGD reports and deadlines, holds, schedule fires, finding
 * severities) used by every page that shows one, and an error code's wording from truc's one error table
 * (src/errors.ts, bundled in: the server that serves this page holds the same table). A status or code the
 * dictionary does not know is shown as it came.
 */
import type { EntityName } from '../../src/config/names.js';
import { ERRORS, type ErrorCode } from '../../src/errors.js';
import { actionWords } from './audit-words.js';
import { currentLang, t, type Key } from './i18n.js';
import { h } from './kit.js';

type Words = readonly [vi: string, en: string];

/** How a status reads at a glance: ok (green), warn (amber), bad (red). */
type Tone = 'ok' | 'warn' | 'bad';

const STATUSES: Record<string, { words: Words; tone: Tone }> = {
  // sync runs, batches, jobs
  queued: { words: ['Đang chờ', 'Queued'], tone: 'warn' },
  processing: { words: ['Đang xử lý', 'Processing'], tone: 'warn' },
  running: { words: ['Đang chạy', 'Running'], tone: 'warn' },
  pending: { words: ['Chờ xử lý', 'Pending'], tone: 'warn' },
  held: { words: ['Chờ duyệt', 'Held'], tone: 'warn' },
  done: { words: ['Hoàn tất', 'Done'], tone: 'ok' },
  failed: { words: ['Thất bại', 'Failed'], tone: 'bad' },
  // a batch's delivery to a target (GET /v1/batches/{id} deliveries[].state)
  delivered: { words: ['Đã chuyển', 'Delivered'], tone: 'ok' },
  partial: { words: ['Chuyển một phần', 'Partly delivered'], tone: 'warn' },
  'dead-lettered': { words: ['Đã vào việc lỗi', 'Dead-lettered'], tone: 'bad' },
  paused: { words: ['Tạm dừng', 'Paused'], tone: 'warn' },
  // a system's circuit breaker
  closed: { words: ['Đóng (bình thường)', 'Closed (normal)'], tone: 'ok' },
  open: { words: ['Mở (tạm ngưng gọi)', 'Open (calls paused)'], tone: 'bad' },
  'half-open': { words: ['Nửa mở (đang thử)', 'Half-open (probing)'], tone: 'warn' },
  // a PCGD-XMC report, and its unit's deadline
  none: { words: ['Chưa có báo cáo', 'No report yet'], tone: 'bad' },
  computed: { words: ['Đã tính', 'Computed'], tone: 'warn' },
  checked: { words: ['Đã kiểm tra', 'Checked'], tone: 'warn' },
  approved: { words: ['Đã duyệt', 'Approved'], tone: 'ok' },
  submitted: { words: ['Đã nộp', 'Submitted'], tone: 'ok' },
  receipted: { words: ['Đã có biên nhận', 'Receipted'], tone: 'ok' },
  'on-track': { words: ['Đúng tiến độ', 'On track'], tone: 'ok' },
  'at-risk': { words: ['Nguy cơ trễ', 'At risk'], tone: 'warn' },
  late: { words: ['Trễ hạn', 'Late'], tone: 'bad' },
  'submitted-late': { words: ['Đã nộp (trễ hạn)', 'Submitted (late)'], tone: 'warn' },
  // a guard hold's decision
  rejected: { words: ['Đã từ chối', 'Rejected'], tone: 'bad' },
  superseded: { words: ['Đã có lần kéo mới hơn', 'Superseded'], tone: 'warn' },
  // a schedule's last fire
  requested: { words: ['Đã yêu cầu đồng bộ', 'Run requested'], tone: 'ok' },
  manual: { words: ['Chạy ngay', 'Run now'], tone: 'ok' },
  busy: { words: ['Lượt trước chưa xong', 'Earlier run unfinished'], tone: 'warn' },
  refused: { words: ['Bị từ chối, không chạy', 'Refused, nothing run'], tone: 'bad' },
  // a finding's severity
  error: { words: ['Lỗi', 'Error'], tone: 'bad' },
  warning: { words: ['Cảnh báo', 'Warning'], tone: 'warn' },
  info: { words: ['Thông tin', 'Info'], tone: 'ok' },
};
const STATUS = new Map(Object.entries(STATUSES));

const pick = (w: Words): string => w[currentLang() === 'vi' ? 0 : 1];

/** A status in the page's language; one the dictionary does not know, as the API sent it. */
export function statusText(status: string): string {
  const s = STATUS.get(status);
  return s ? pick(s.words) : status;
}

/** A status as a badge in its tone's colour, its code in data-status and the tooltip. */
export function statusBadge(status: string): HTMLElement {
  return h(
    'span',
    { class: `badge ${STATUS.get(status)?.tone ?? 'warn'}`, 'data-status': status, title: status },
    statusText(status),
  );
}

/** An error code's wording in the page's language (src/errors.ts); undefined for a code not in the table. */
export function errorWords(code: string): string | undefined {
  return Object.hasOwn(ERRORS, code) ? ERRORS[code as ErrorCode][currentLang()] : undefined;
}

/**
 * An error code with its wording: the code kept (searching and the dead letters' filter use it), its words
 * below it, two lines at most in a table (all of them in the tooltip). '—' when there is none.
 */
export function errorCode(code: string | null | undefined): HTMLElement | string {
  if (!code) return '—';
  const words = errorWords(code);
  return h(
    'span',
    { class: 'err', 'data-code': code },
    h('code', {}, code),
    words ? h('small', { class: 'err-words', title: words }, words) : null,
  );
}

/**
 * A dead letter's message: what the failed job said, in the system's words (English, technical), so not shown as
 * the letter's message (ui29): its error code's words are that (the code's column); the job's own text is behind a
 * "technical detail" disclosure, open when the code has no words in the table, nothing when it only repeats them.
 */
export function letterMessage(code: string, message: string): HTMLElement | string {
  const known = Object.hasOwn(ERRORS, code) ? ERRORS[code as ErrorCode] : undefined;
  const said = message.trim().replace(/\.$/, '');
  if (!said || (known && [known.vi, known.en].some((w) => w.replace(/\.$/, '') === said))) return '—';
  return h(
    'details',
    { class: 'letter-message', open: !known },
    h('summary', {}, t('technicalDetail')),
    h('code', {}, message),
  );
}

/**
 * Each entity the API names (src/config/names.ts ENTITY_NAMES), by the key of its words (i18n.ts): the compiler asks
 * for every one (fix31b: moet-pcgd's `persons` was shown as its code on the overview and the sync runs).
 */
const ENTITY_KEYS: Readonly<Record<EntityName, Key>> = {
  schools: 'schools',
  classes: 'classes',
  students: 'students',
  staff: 'staff',
  persons: 'persons',
};

/** An entity the API names in the page's language; any other as it came. */
export function entityText(entity: string): string {
  return Object.hasOwn(ENTITY_KEYS, entity) ? t(ENTITY_KEYS[entity as EntityName]) : entity;
}

/** A quality criterion (dung, du, sach, song) by its name in the page's language; any other as it came. */
export function criterionText(criterion: string): string {
  return criterion === 'dung' || criterion === 'du' || criterion === 'sach' || criterion === 'song'
    ? t(criterion)
    : criterion;
}

/**
 * A quality rule by its code and its title in the page's language, as the API titles it (`titles`): a school's findings
 * by rule showed the code alone (dash9 item 1), a scorecard's top rules the title in the API's language. A rule the
 * catalogue does not title (a mapping's MAP_…, titled by its code) by its code alone.
 */
export function ruleText(r: { rule: string; titles: { vi: string; en: string } }): string {
  const title = r.titles[currentLang()];
  return title && title !== r.rule ? `${r.rule} — ${title}` : r.rule;
}

const ROLES: Record<string, Words> = {
  'city-admin': ['Quản trị thành phố', 'City admin'],
  auditor: ['Kiểm toán', 'Auditor'],
  'pcgd-officer': ['Cán bộ PCGD-XMC', 'PCGD-XMC officer'],
  vendor: ['Nhà cung cấp phần mềm', 'Vendor'],
};

/** A client's role (the header's "signed in as") in the page's language; any other as it came. */
export function roleText(role: string): string {
  return Object.hasOwn(ROLES, role) ? pick(ROLES[role]!) : role;
}

/**
 * An audit action in the page's language, its code kept beside it (the audit search's action filter takes the code)
 * and in data-action; one the dictionary does not know, as it was written.
 */
export function actionText(action: string): HTMLElement {
  const words = actionWords(action, currentLang());
  return h(
    'span',
    { class: 'action', 'data-action': action, title: action },
    words ?? action,
    words ? h('small', { class: 'action-code' }, action) : null,
  );
}
