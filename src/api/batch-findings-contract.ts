/**
 * A batch's findings as the routes show them (issue 9): one finding of a judged record (`GET /v1/batches/{id}/findings`,
 * a dry run's answer, ./batch-contract.ts DryRunResult), and the page and filters of a batch's findings list.
 */
import { z } from 'zod';
import { findingsQuery } from './findings-query.js';
import { RuleTitles } from './routes/quality/views.js';

export const Finding = z
  .object({
    recordIndex: z.number().int(),
    recordKey: z
      .string()
      .nullable()
      .meta({
        description:
          'Khoá của bản ghi; bản ghi bị từ chối vì định dạng (trước khi có khoá): mã học sinh/cán bộ đã gửi (MaHocSinh, student_id, studentCode) nếu trông như một khoá; null khi không có (lớp học, mã thiếu) / ' +
          'the record’s key; a record refused for its format (before it had a key): the student or staff code it was sent with (MaHocSinh, student_id, studentCode) when that looks like a key; null otherwise (a class, a code missing); recordIndex always says which record',
      }),
    criterion: z.string(),
    rule: z.string(),
    /** The rule's title (dash9: a batch's page names each finding's rule), as a scorecard's top rules carry it. */
    ...RuleTitles,
    severity: z.enum(['error', 'warning', 'info']),
    pointer: z.string().meta({
      description:
        'Con trỏ JSON tới trường trong bản ghi như đã gửi, theo định dạng của lô (smas: /SoCCCD), "" là cả bản ghi / ' +
        'JSON pointer into the record as sent, in the batch’s format (smas: /SoCCCD; vnedu: /citizen_id), "" the whole record',
    }),
    canonicalPointer: z
      .string()
      .nullable()
      .meta({
        description:
          'Cùng trường đó trong bản ghi chuẩn của truc (/personalId); null khi trường đã gửi không có trường chuẩn tương ứng / ' +
          'the same field in truc’s canonical record (/personalId), as the record routes read it back; equal to pointer in a canonical batch; null where the field sent has no canonical counterpart (a field the format’s mapping does not carry, or a pulled system’s format)',
      }),
    message: z.object({ vi: z.string(), en: z.string() }),
    /** Issue 8: the message and fix hint in the caller's language (Accept-Language, Vietnamese first). */
    text: z.string(),
    fix: z
      .string()
      .optional()
      .meta({
        description:
          'Gợi ý sửa theo ngôn ngữ của người gọi (hint bằng hai thứ tiếng), như fix của phát hiện của trường; có khi có hint / ' +
          'the fix hint in the caller’s language (hint holds both), as a school’s finding’s fix; present when hint is (fix36d)',
      }),
    hint: z.object({ vi: z.string(), en: z.string() }).optional(),
    /** The offending value, only where it is not personal data. */
    value: z.string().optional(),
    detail: z.object({ vi: z.string(), en: z.string() }).optional(),
  })
  .meta({ id: 'Finding' });

export const FindingsQuery = findingsQuery([
  'dung',
  'du',
  'sach',
  'song',
  'mapping',
  'schema',
  'tenancy',
]).strict();

export const FindingsPage = z.object({
  batchId: z.uuid(),
  items: z.array(Finding),
  limit: z.number(),
  offset: z.number(),
  /** dash10: a batch's page showed 50 findings at a time and never how many there are. */
  counts: z
    .object({
      total: z.number().int(),
      error: z.number().int(),
      warning: z.number().int(),
      info: z.number().int(),
    })
    .meta({
      description:
        'Số phát hiện của cả lô, tổng và theo mức, không theo bộ lọc / the whole batch’s findings, in all and by severity, whatever the filter',
    }),
});
