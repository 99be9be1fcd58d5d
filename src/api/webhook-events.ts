/**
 * The events truc sends to vendors' webhook receivers, as the OpenAPI document's top-level `webhooks` (OpenAPI
 * 3.1): each event's body (`{type, timestamp, data}`) as zod, `data` derived from what the code tells (a batch's
 * status is ./batch-contract.ts `BatchStatus`, as GET /v1/batches/{id} answers it, less what an event leaves out),
 * the Standard Webhooks signature headers, retries and `sequence`. What the jobs send (../jobs/webhook-fanout.ts,
 * ../jobs/webhook-deliver.ts, ./routes/webhooks.ts ping) is checked against this document by
 * test/integration/webhooks-spec.test.ts (a receiver on loopback validates every delivery).
 */
import { z } from 'zod';
import { BatchStatus } from './batch-contract.js';

const both = (vi: string, en: string) => `${vi} / ${en}`;

/**
 * A delivery as `batch.finished` tells it: GET's, without the refused keys (ids and codes only) nor what holds it at
 * its target now (`waiting`: a gate's passing state, read by GET).
 */
const ToldDelivery = BatchStatus.shape.deliveries.element.omit({ refused: true, waiting: true });

const BatchFinishedData = BatchStatus.omit({
  createdAt: true,
  status: true,
  deliveries: true,
  syncRunId: true,
}).extend({
  status: z.enum(['held', 'done', 'failed']).meta({
    description: both(
      'Trạng thái lô như GET /v1/batches/{id} cho thấy lúc gửi',
      'the batch’s status as GET /v1/batches/{id} shows it when told: done, failed (errorCode says why) or held (see guard)',
    ),
  }),
  deliveries: z.array(ToldDelivery).meta({
    description: both(
      'Chuyển các thay đổi của lô tới từng hệ thống đích (không có khoá bị từ chối)',
      'where the batch’s changes stand at each target, as GET shows it without the refused keys',
    ),
  }),
  statusUrl: z.string().meta({ description: 'GET /v1/batches/{id}' }),
  sequence: z
    .number()
    .int()
    .min(1)
    .meta({
      description: both(
        'Số thứ tự của lần báo trạng thái lô này: 1, 2, … mỗi lần trạng thái đổi; các lần gửi có thể tới không theo thứ tự, chỉ giữ sequence lớn nhất của mỗi batchId',
        'which telling of this batch’s status this is: 1 first, then 1 more each time the status (status, errorCode, guard decision or application) changes; deliveries may arrive out of order: keep the highest sequence per batchId',
      ),
    }),
  updatedAt: z.iso.datetime().meta({
    description: both('Khi trạng thái này được ghi nhận', 'when truc recorded the status this event tells'),
  }),
});

const SEVERITY_COUNT = z.number().int().min(1);

const FindingsReadyData = z.object({
  batchId: z.uuid(),
  schoolCode: z.string(),
  findings: z
    .object({ error: SEVERITY_COUNT, warning: SEVERITY_COUNT, info: SEVERITY_COUNT })
    .partial()
    .meta({
      description: both(
        'Số kết quả kiểm tra theo mức độ',
        'the batch’s findings by severity (only severities it has)',
      ),
    }),
  findingsUrl: z.string().meta({ description: 'GET /v1/batches/{id}/findings' }),
});

const MasterDataChangedData = z.object({
  schoolCode: z.string(),
  entity: z.enum(['schools', 'classes', 'students', 'staff']),
  count: z
    .number()
    .int()
    .min(1)
    .meta({
      description: both('Số bản ghi đã đổi', 'how many records of the school and entity one change wrote'),
    }),
  changesUrl: z.string().meta({
    description: both(
      'Dòng thay đổi từ thay đổi đầu tiên này (GET /v1/changes)',
      'the change feed of the school from this change on (GET /v1/changes with its cursor)',
    ),
  }),
});

const WebhookPingData = z.object({ subscriptionId: z.uuid() });

/** One event's body: its type, when this attempt was signed, and its data (ids, codes and counts, no records). */
function eventBody(type: string, data: z.ZodType) {
  return z.object({
    type: z.literal(type),
    timestamp: z.iso.datetime().meta({
      description: both(
        'Khi lần gửi này được ký (cùng thời điểm với webhook-timestamp)',
        'when this attempt was signed (the instant of webhook-timestamp), ISO 8601',
      ),
    }),
    data,
  });
}

interface EventDoc {
  type: string;
  /** Its body's component in the document. */
  component: string;
  operationId: string;
  summary: string;
  description: string;
  data: z.ZodType;
}

/** Every event truc sends: the three a subscription names (store/webhooks.ts WEBHOOK_EVENTS) and the ping. */
export const WEBHOOK_EVENT_DOCS: readonly EventDoc[] = [
  {
    type: 'batch.finished',
    component: 'BatchFinishedEvent',
    operationId: 'webhookBatchFinished',
    summary: both('Lô đã xử lý xong, thất bại hoặc bị giữ', 'A batch is done, failed or held'),
    description: both(
      'Gửi tới client đã gửi lô, mang đúng trạng thái mà GET /v1/batches/{id} cho thấy lúc đó: lần đầu khi lô done, failed hoặc held, rồi gửi lại (sequence tăng dần) mỗi khi trạng thái đó đổi.',
      'To the client that pushed the batch: what GET /v1/batches/{id} shows at that moment (deliveries without their refused keys), first when the batch is done, failed or held, then again, with the next `sequence`, each time that status changes (a hold decided or its deletions applied; a delivery to a target dead-lettered, or replayed). Keep the highest `sequence` per `batchId`.',
    ),
    data: BatchFinishedData,
  },
  {
    type: 'findings.ready',
    component: 'FindingsReadyEvent',
    operationId: 'webhookFindingsReady',
    summary: both('Lô có kết quả kiểm tra', 'A batch’s findings are ready'),
    description: both(
      'Gửi một lần tới client đã gửi lô, khi lô done hoặc failed và có kết quả kiểm tra: số lượng theo mức độ; đọc chi tiết ở findingsUrl.',
      'Once, to the client that pushed the batch, when the batch is done or failed and has findings: their counts by severity; read them at `findingsUrl`.',
    ),
    data: FindingsReadyData,
  },
  {
    type: 'master-data.changed',
    component: 'MasterDataChangedEvent',
    operationId: 'webhookMasterDataChanged',
    summary: both('Dữ liệu của một trường đã đổi', 'A school’s records changed'),
    description: both(
      'Gửi tới mọi client đang phục vụ trường (có quyền records:read) mỗi khi một câu lệnh tạo, sửa, chuyển hoặc xoá bản ghi của trường (kể cả thay đổi do Sở); đọc các thay đổi ở changesUrl.',
      'To every enabled client serving the school that holds `records:read`, once per statement, school and entity that created, updated, moved or deleted records (the city’s changes too); read them from the change feed at `changesUrl`.',
    ),
    data: MasterDataChangedData,
  },
  {
    type: 'webhook.ping',
    component: 'WebhookPingEvent',
    operationId: 'webhookPing',
    summary: both('Sự kiện thử', 'A test event'),
    description: both(
      'Chỉ gửi khi được yêu cầu: POST /v1/webhooks/{id}/ping.',
      'Sent only when asked for, by POST /v1/webhooks/{id}/ping, to that subscription.',
    ),
    data: WebhookPingData,
  },
];

/** How every delivery is sent, signed and retried (README Webhooks, src/adapters/webhook/README.md). */
const HOW = both(
  'truc gửi POST application/json tới URL đã đăng ký (POST /v1/webhooks), ký theo Standard Webhooks (các header dưới đây). Trả 2xx nhanh rồi xử lý sau; mọi câu trả lời khác, hoặc không trả lời, được gửi lại với cùng webhook-id theo thời gian chờ tăng dần (tôn trọng Retry-After, tối đa một giờ), tới webhooks.maxAttempts lần. Một lần gửi có thể tới nhiều lần và không theo thứ tự.',
  'truc POSTs `application/json` to the subscribed URL (POST /v1/webhooks), signed the Standard Webhooks way (the headers below; the `whsec_…` secret is shown once, at subscription). Answer any 2xx within `webhooks.timeoutMs` (10 s) and work afterwards. Any other answer, no answer or a redirect (never followed) is retried under the same `webhook-id`: after the receiver’s `Retry-After` (seconds or an HTTP date), else an exponential backoff from `jobs.backoffMs` (1 s) doubling each attempt, with jitter, each wait capped at an hour, up to `webhooks.maxAttempts` (12) attempts; then the delivery is failed (GET /v1/webhooks/{id}/deliveries lists them). A delivery may arrive more than once and out of order: a repeated `webhook-id` is the same event.',
);

const HEADERS = [
  {
    name: 'webhook-id',
    description: both(
      'Mã lần gửi, giống nhau ở mọi lần thử lại: bỏ qua mã đã nhận',
      'the delivery id, the same on every retry of it: drop an id already handled',
    ),
    schema: { type: 'string', format: 'uuid' },
  },
  {
    name: 'webhook-timestamp',
    description: both(
      'Số giây từ Unix epoch khi lần gửi được ký; từ chối nếu lệch quá 5 phút',
      'seconds since the Unix epoch when this attempt was signed; refuse one more than 5 minutes from your clock (replays)',
    ),
    schema: { type: 'integer', minimum: 0 },
  },
  {
    name: 'webhook-signature',
    description: both(
      'Chữ ký: "v1," + base64 của HMAC-SHA256 trên "webhook-id.webhook-timestamp.thân" với khoá bí mật của đăng ký',
      'space-separated signatures, each `v1,` + base64 of HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}` (the raw body bytes, before parsing) keyed with the bytes the subscription’s secret encodes in base64 after `whsec_`; compare in constant time. Any Standard Webhooks library verifies it (`verifyWebhook` in @truc/client)',
    ),
    schema: { type: 'string', pattern: '^v1,[A-Za-z0-9+/]+={0,2}( v1,[A-Za-z0-9+/]+={0,2})*$' },
  },
].map((h) => ({ in: 'header', required: true, ...h }));

const RESPONSES = {
  '2XX': { description: both('Đã nhận: lần gửi hoàn tất', 'received: the delivery is delivered') },
  default: {
    description: both(
      'Mọi câu trả lời khác (hoặc không trả lời): gửi lại sau',
      'any other answer, or none within webhooks.timeoutMs: retried later, as above',
    ),
  },
};

type Json = Record<string, unknown>;
interface Doc {
  webhooks?: Record<string, unknown>;
  components?: { schemas?: Record<string, unknown> };
}

/** One body's JSON Schema (as its output: objects closed), for the document's components. */
function jsonSchemaOf(schema: z.ZodType): Json {
  const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Json;
  delete json.$schema;
  if (json.$defs) throw new Error('webhook-events: an event body refers to a named schema; inline it');
  return json;
}

/** Adds the top-level `webhooks` (OpenAPI 3.1): one POST per event, its body a component, its signature headers. */
export function withWebhooks<T>(doc: T): T {
  const d = doc as Doc;
  const schemas = ((d.components ??= {}).schemas ??= {});
  d.webhooks = {};
  for (const e of WEBHOOK_EVENT_DOCS) {
    schemas[e.component] = { ...jsonSchemaOf(eventBody(e.type, e.data)), description: e.summary };
    d.webhooks[e.type] = {
      post: {
        operationId: e.operationId,
        summary: e.summary,
        description: `${e.description}\n\n${HOW}`,
        tags: ['webhooks'],
        security: [],
        parameters: HEADERS,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: `#/components/schemas/${e.component}` } } },
        },
        responses: RESPONSES,
      },
    };
  }
  return doc;
}
