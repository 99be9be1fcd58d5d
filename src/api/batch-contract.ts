/**
 * The batch routes' contract (issue 9): what `POST /v1/schools/{schoolCode}/batches` takes and answers,
 * and a batch's status and findings as `GET /v1/batches/…` show them. The records of a batch are any
 * JSON objects here (ingest judges each one; a bad record is a finding, not a 400): the OpenAPI document
 * lists their schemas per format (./record-schemas.ts). A batch's findings: ./batch-findings-contract.ts.
 */
import { z } from 'zod';
import { BATCH_FORMATS, VENDOR_ENTITIES } from '../canonical/systems.js';
import { BatchDelivery, BatchGuard, GuardKinds } from './batch-status-parts.js';
import { Finding } from './batch-findings-contract.js';
import { both } from '../errors.js';
import { IGNORED_FIELDS_MAX } from '../jobs/contracts.js';
import { SchoolCode } from './school-code.js';

export const Params = z.object({ schoolCode: SchoolCode }).strict();

export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(
      /^[\x21-\x7e]{1,128}$/,
      both(
        'Idempotency-Key: 1–128 ký tự ASCII in được (không dấu cách)',
        'Idempotency-Key: 1–128 printable ASCII characters (no space)',
      ),
    )
    .optional()
    .meta({
      description:
        'Khoá của riêng client (1–128 ký tự ASCII in được): gửi lại cùng khoá và cùng nội dung (từng byte) trả lại câu trả lời đầu, ' +
        'khác nội dung: 422. Khoá có hiệu lực api.idempotencyRetentionHours giờ (mặc định 24) kể từ lần dùng đầu; sau đó khoá hết hạn, ' +
        'dùng lại là một yêu cầu mới (một lô mới). / ' +
        'A key of your own (1–128 printable ASCII characters, per client): the same key with the same body bytes answers ' +
        'the first answer again (one batch); with another body, 422. A key lasts api.idempotencyRetentionHours hours (24 by default) ' +
        'from its first use (IETF draft-ietf-httpapi-idempotency-key-header §2.3); after that it has expired, and reusing ' +
        'it is a new request (a new batch, whatever the body).',
    }),
});

const isJsonObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A record: any JSON object. Checked as such, not as a `z.record`, which copies every field of every
 * record (~5 ms a 1000-record batch, issue 9 intake speed) into an object the route does not need.
 */
const BatchRecord = z.custom<Record<string, unknown>>(isJsonObject, {
  error: 'mỗi bản ghi phải là một đối tượng JSON / each record must be a JSON object',
});

/** How many records a batch may hold (server.maxBatchRecords, server.maxSnapshotRecords). */
export interface BatchLimits {
  /** A delta batch's (mode absent or `delta`). */
  delta: number;
  /** A snapshot batch's: every record of the school in one batch (bigsnap25). */
  snapshot: number;
}

/** The most records a batch of `mode` may hold. */
export const recordLimitOf = (limits: BatchLimits, mode: string | undefined): number =>
  mode === 'snapshot' ? limits.snapshot : limits.delta;

/** The refusal of a batch of too many records, bilingual, naming the limit and what to do (a 413). */
export function tooManyRecords(limits: BatchLimits, mode: string | undefined): string {
  const { delta, snapshot } = limits;
  return mode === 'snapshot'
    ? `lô snapshot có tối đa ${snapshot} bản ghi (server.maxSnapshotRecords) / ` +
        `a snapshot batch holds at most ${snapshot} records (server.maxSnapshotRecords)`
    : `lô delta có tối đa ${delta} bản ghi (server.maxBatchRecords): chia thành nhiều lô, hoặc gửi toàn bộ trường ` +
        `trong một lô "mode": "snapshot" (tối đa ${snapshot}) / a delta batch holds at most ${delta} records ` +
        `(server.maxBatchRecords): split it, or send the whole school as one "mode": "snapshot" batch (up to ${snapshot})`;
}

/**
 * The refusal of a batch of no records (words6: zod's "Too small: expected array to have >=1 items"), bilingual, with
 * how many a batch of each mode may hold.
 */
export function noRecords(limits: BatchLimits): string {
  const { delta, snapshot } = limits;
  return (
    `lô cần ít nhất một bản ghi (1–${delta} bản ghi một lô delta, 1–${snapshot} một lô snapshot) / ` +
    `a batch needs at least one record (1–${delta} records in a delta batch, 1–${snapshot} in a snapshot)`
  );
}

export function batchBody(limits: BatchLimits) {
  const most = Math.max(limits.delta, limits.snapshot);
  return z
    .object({
      entity: z.enum(VENDOR_ENTITIES).meta({ description: 'Loại dữ liệu / entity' }),
      format: z
        .enum(BATCH_FORMATS)
        .default('canonical')
        .meta({ description: 'Định dạng bản ghi / record format' }),
      records: z
        .array(BatchRecord)
        .min(1, { error: noRecords(limits) })
        .max(most, { error: tooManyRecords(limits, most === limits.snapshot ? 'snapshot' : 'delta') })
        .meta({
          description:
            `1–${limits.delta} bản ghi một lô delta, 1–${limits.snapshot} một lô snapshot / ` +
            `1–${limits.delta} records in a delta batch, 1–${limits.snapshot} in a snapshot`,
        }),
      mode: z
        .enum(['delta', 'snapshot'])
        .optional()
        .meta({
          description:
            'delta: chỉ các bản ghi thay đổi; snapshot: toàn bộ bản ghi của trường, bản ghi vắng mặt mà bên gửi đã biết bị xoá ' +
            '(bản ghi bên gửi chưa biết, như học sinh Sở vừa chuyển đến, được giữ) / ' +
            'delta: changed records only (default); snapshot: every record of the school, absent ones the sender knew are ' +
            'deleted (one it has not heard of yet, such as a student the city moved in, is kept)',
        }),
    })
    .strict()
    .superRefine((body, ctx) => {
      // A delta batch keeps its own, smaller limit (the array's maxItems is the snapshot's).
      const limit = recordLimitOf(limits, body.mode);
      if (body.records.length > limit && body.records.length <= most) {
        ctx.addIssue({
          code: 'too_big',
          origin: 'array',
          maximum: limit,
          inclusive: true,
          input: body.records,
          path: ['records'],
          message: tooManyRecords(limits, body.mode),
        });
      }
    })
    .meta({ id: 'BatchRequest' });
}

/** A batch's counts, as its status shows them (and a push's answer when it was judged at once). */
export const BatchCounts = z.object({
  received: z.number().int(),
  accepted: z.number().int(),
  rejected: z.number().int(),
  unchanged: z.number().int(),
  deleted: z.number().int(),
});

export const BatchAccepted = z
  .object({
    batchId: z.uuid(),
    status: z.enum(['queued', 'done']).meta({
      description:
        'queued: lô đã được lưu và chờ xử lý; done: lô gửi lại y hệt một lô đã xử lý, không có gì thay đổi từ đó, ' +
        'được xét ngay như lần trước (xem counts; phát hiện tại statusUrl) / ' +
        'queued: stored, waiting for its ingest; done: the same bytes as a batch judged before, nothing changed ' +
        'since, judged the same at once (see counts; its findings at statusUrl)',
    }),
    statusUrl: z.string(),
    received: z.number().int(),
    counts: BatchCounts.optional().meta({
      description: 'Số bản ghi theo kết quả, khi status là done / the counts by outcome, when status is done',
    }),
  })
  .meta({ id: 'BatchAccepted' });

/** The fields a batch's records sent that truc ignored (GET /v1/batches/{id} and a school's batches list). */
export const IgnoredFields = {
  ignoredFields: z
    .array(z.string())
    .max(IGNORED_FIELDS_MAX)
    .meta({
      description:
        'Các trường bản ghi của lô đã gửi mà truc bỏ qua vì không thuộc định dạng (smas, vnedu; trường định dạng có mà ' +
        'truc không lấy, như TenLop của SMAS, không được liệt kê: lược đồ bản ghi ghi rõ), chỉ tên trường, không có giá ' +
        `trị: sắp xếp, không lặp, tối đa ${IGNORED_FIELDS_MAX}; trống: không có, hoặc lô chưa được xử lý (định dạng ` +
        'canonical từ chối bản ghi có trường lạ) / the fields the batch’s records sent that truc ignored as outside ' +
        'their format (smas, vnedu; a field the format defines but truc does not carry, such as SMAS TenLop, is not ' +
        'listed: the record’s schema says so), names only, never values: sorted, distinct, at most ' +
        `${IGNORED_FIELDS_MAX}; empty: none, or the batch is not judged yet (the canonical format refuses a record ` +
        'with an unknown field)',
    }),
  ignoredFieldsMore: z
    .number()
    .int()
    .meta({
      description:
        `Số tên trường khác (không lặp) bị bỏ qua mà không liệt kê: quá ${IGNORED_FIELDS_MAX}, hoặc tên không có dạng ` +
        'tên trường (chữ ASCII, chữ số, _ và -, tối đa 64 ký tự, không có dãy từ 5 chữ số: có thể là dữ liệu cá nhân) / ' +
        `how many other distinct ignored field names are not listed: past the ${IGNORED_FIELDS_MAX}, or a name not ` +
        'shaped like a field name (ASCII letters, digits, _ and -, at most 64 characters, no run of 5 digits: it could ' +
        'be personal data)',
    }),
};

export const BatchStatus = z
  .object({
    batchId: z.uuid(),
    schoolCode: z.string(),
    entity: z.string(),
    format: z.string(),
    status: z.enum(['queued', 'processing', 'held', 'done', 'failed']).meta({
      description:
        'held: chờ quản trị duyệt vì thay đổi quá nhiều bản ghi của trường (xem guard) / ' +
        'held: waiting for a city admin because it changes too much of a school (see guard)',
    }),
    counts: BatchCounts,
    mode: z.enum(['delta', 'snapshot']),
    errorCode: z.string().nullable(),
    createdAt: z.string(),
    finishedAt: z
      .string()
      .nullable()
      .meta({
        description:
          'Lúc lô xong; null khi chưa xong, kể cả khi đang bị giữ chờ duyệt (held); đã quyết định: lúc quyết định được ' +
          'thực hiện nếu sau lúc nhận lô / when the batch finished; null while it has not, held (waiting for a city ' +
          'admin) included; once decided: when the decision was carried out, if after its ingest',
      }),
    findingsUrl: z.string(),
    syncRunId: z
      .number()
      .int()
      .nullable()
      .meta({
        description:
          'Lần đồng bộ đã kéo lô này (GET /v1/syncs/{id}); null: lô do nhà cung cấp gửi / ' +
          'the sync run that pulled this batch (GET /v1/syncs/{id}); null: a batch a vendor sent',
      }),
    ...IgnoredFields,
    deliveries: z.array(BatchDelivery).meta({
      description:
        'Chuyển các thay đổi của lô tới từng hệ thống đích / where the batch’s changes stand at each target; a failed delivery (its dead-letter code in errorCode, or ERR_ADAPTER_REJECTED when the target refused every record) makes the batch failed; partial: the target took some records and refused the others (ERR_ADAPTER_REJECTED), the batch stays done',
    }),
    guard: BatchGuard,
    recordsPurged: z
      .object({ at: z.string(), message: z.object({ vi: z.string(), en: z.string() }) })
      .nullable()
      .meta({
        description:
          'Các bản ghi của lô (nội dung đã gửi) đã bị xoá sau thời hạn lưu api.batchRetentionDays: lúc nào, và lời báo; tóm tắt, số đếm và kết quả kiểm tra vẫn giữ; null: còn giữ / ' +
          'the batch’s records (the body as sent) were removed after the retention period api.batchRetentionDays: when, and a message saying so; its summary, counts and findings stay; null: kept',
      }),
  })
  .meta({ id: 'BatchStatus' });

export const PushQuery = z
  .object({
    dryRun: z.enum(['true', 'false']).default('false').meta({
      description:
        'true: kiểm tra lô và trả kết quả ngay (200), không lưu gì / validate the batch and answer its findings at once (200), storing nothing',
    }),
  })
  .strict();

export const DryRunResult = z
  .object({
    dryRun: z.literal(true),
    schoolCode: z.string(),
    entity: z.string(),
    format: z.string(),
    mode: z.enum(['delta', 'snapshot']),
    counts: z.object({
      received: z.number().int(),
      accepted: z.number().int(),
      rejected: z.number().int(),
      unchanged: z.number().int(),
    }),
    findings: z.array(Finding),
    guard: z
      .object({
        status: z.literal('held'),
        whole: z.boolean().meta({
          description:
            'true: cả lô bị giữ, không áp dụng gì cho đến khi được duyệt; false: các bản ghi được áp dụng, chỉ các lần xoá của snapshot chờ duyệt / ' +
            'true: the whole batch would be held, nothing of it applied until approved; false: its records would apply, only the snapshot’s deletions would wait',
        }),
        kinds: GuardKinds,
      })
      .nullable()
      .meta({
        description:
          'Bộ chặn thay đổi hàng loạt sẽ giữ lô này chờ duyệt, như trạng thái lô (guard) sẽ cho thấy; null: lô sẽ được áp dụng / ' +
          'the mass-change guard would hold this batch for a city admin, as the batch’s status (guard) would show it; ' +
          'kinds: what would take it over a threshold (no record codes); null: it would apply',
      }),
    snapshot: z
      .object({
        wouldDelete: z
          .number()
          .int()
          .meta({
            description:
              'Số bản ghi còn sống của trường mà lô bỏ sót và bên gửi đã biết, sẽ bị xoá / ' +
              'live records of the school the batch omits that its sender knew: what it would delete',
          }),
        skipped: z.enum(['unkeyed-records']).nullable().meta({
          description:
            'unkeyed-records: có bản ghi không có khoá nên không xoá gì / a record has no key, so nothing would be deleted',
        }),
        guardWouldHold: z.boolean().meta({
          description:
            'Bộ chặn thay đổi hàng loạt sẽ giữ các lần xoá này chờ duyệt (riêng, hoặc cùng cả lô) / the mass-change guard would hold these deletions for approval (alone, or with the whole batch)',
        }),
      })
      .optional()
      .meta({
        description:
          'Chỉ với mode snapshot: chỉ có số lượng, không có dữ liệu cá nhân / snapshot mode only: counts, no personal data',
      }),
  })
  .meta({
    id: 'DryRunResult',
    description:
      'Kết quả nếu lô được gửi thật; không lưu gì / what the batch would get if pushed; nothing was stored',
  });

export type BatchBody = z.infer<ReturnType<typeof batchBody>>;

/** A pushed batch as the jobs take it (stored, or judged by a dry run): its mode defaults to delta. */
export function pushedBatch(clientId: string, schoolCode: string, body: BatchBody) {
  const { entity, format, records } = body;
  return { clientId, schoolCode, entity, format, records, mode: body.mode ?? ('delta' as const) };
}

export const BatchIdParams = z.object({ batchId: z.uuid() }).strict();
