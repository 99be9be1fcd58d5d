/**
 * What a 404 ERR_NOT_FOUND says to a caller who named a record, a batch or a webhook truc holds none of (walk12: the
 * answer was the bare "The resource was not found", naming neither what was looked for nor what to do). The detail
 * names the kind of thing, the school (not personal data) or the id truc gave, and where to look next; never a
 * record's key, which may carry a personal ID (a provisional `TAM-<personal ID>` student code).
 */
import { both } from '../errors.js';
import type { ReadableEntity } from '../store/reads.js';

const ENTITY_WORDS: Readonly<Record<ReadableEntity, { vi: string; en: string }>> = {
  classes: { vi: 'lớp', en: 'class' },
  students: { vi: 'học sinh', en: 'student' },
  staff: { vi: 'cán bộ, giáo viên', en: 'staff member' },
};

/** ERR_NOT_FOUND's detail for a record key a school truc holds has no live record by. */
export function noRecordHeld(entity: ReadableEntity, schoolCode: string): string {
  const w = ENTITY_WORDS[entity];
  return both(
    `trường ${schoolCode} không có ${w.vi} nào mang mã này trong truc: kiểm tra mã (như trong lô đã gửi); ` +
      `bản ghi đã bị xoá hay chuyển sang trường khác thì không còn ở đây (GET /v1/changes ghi lần xoá)`,
    `school ${schoolCode} has no ${w.en} by this code in truc: check the code (as in the batch you sent); ` +
      `a record deleted or moved to another school is gone from here (GET /v1/changes lists the delete)`,
  );
}

/** ERR_NOT_FOUND's detail for a batch id the caller may not read or that names nothing. */
export const noBatch = (batchId: string): string =>
  both(
    `không có lô ${batchId} mà bạn được xem: dùng batchId (hay Location) trong câu trả lời khi gửi lô; ` +
      `lô của trường khác và lô do Sở kéo về cũng trả 404: lô của trường khác thì đọc bằng token của ứng dụng được ` +
      `cấp trường đó, lô do Sở kéo về thì hỏi quản trị viên của Sở`,
    `no batch ${batchId} you may read: use the batchId (or Location) your push was answered with; ` +
      `another school's batch and a batch the city pulled answer 404 too: read another school's with the token of ` +
      `a client granted that school, ask the city's admin for a pulled one`,
  );

/** ERR_NOT_FOUND's detail for a webhook subscription id this client has none of. */
export const noWebhook = (id: string): string =>
  both(
    `ứng dụng này không có đăng ký webhook ${id}: GET /v1/webhooks liệt kê các đăng ký của bạn; ` +
      `đăng ký của ứng dụng khác thì dùng token của ứng dụng đó`,
    `this client has no webhook subscription ${id}: GET /v1/webhooks lists yours; ` +
      `another client's is read with that client's token`,
  );
