/**
 * What `GET /v1/schools/{schoolCode}/batches` takes and answers (W3-3): a school's batches, newest first, filtered by
 * status, entity and received time, paged by cursor as the record lists are. No record and no personal data: each
 * batch's summary, its status as GET /v1/batches/{id} shows it, and where its deliveries stand.
 */
import { z } from 'zod';
import { ENTITY_NAMES } from '../config.js';
import { BatchCounts, BatchStatus, IgnoredFields } from './batch-contract.js';
import { DeliveryDeadLetters } from './batch-status-parts.js';
import { decimal, fromNotAfterTo, timeRangeQuery } from './query.js';

export const BatchListQuery = z
  .object({
    limit: decimal(z.number().int().min(1).max(100)).prefault(20),
    cursor: z
      .string()
      .max(512)
      .optional()
      .meta({ description: 'Con trỏ trang tiếp (nextCursor) / opaque cursor of the next page (nextCursor)' }),
    status: BatchStatus.shape.status.optional().meta({
      description:
        'Trạng thái như GET /v1/batches/{id} cho thấy (failed gồm lô đã xử lý mà chuyển tới hệ thống đích thất bại; ' +
        'held gồm lô chờ quản trị duyệt) / the status GET /v1/batches/{id} shows (failed includes a batch ingested ' +
        'whose delivery failed for good; held includes one waiting for a city admin)',
    }),
    entity: z.enum(ENTITY_NAMES).optional(),
    ...timeRangeQuery({ from: 'nhận từ / received at or after', to: 'nhận trước / received before' }),
  })
  .strict()
  .superRefine(fromNotAfterTo);

/** A delivery as a list shows it (the school page's batches too): its state, code and dead letters, no keys. */
export const BatchListDelivery = z.object({
  system: z.string(),
  state: z.enum(['delivered', 'partial', 'pending', 'failed']),
  errorCode: z.string().nullable(),
  deadLetters: DeliveryDeadLetters,
});

export const BatchListItem = z
  .object({
    batchId: z.uuid(),
    clientId: z.string().meta({
      description:
        'Client đã gửi lô (với vendor: chính nó; quản trị Sở thấy mọi client, system:pull là trang kéo về) / the ' +
        'client that sent it (a vendor lists its own only; a city admin every client, system:pull a pulled page)',
    }),
    entity: z.string(),
    format: z.string(),
    mode: z.enum(['delta', 'snapshot']),
    status: BatchStatus.shape.status,
    errorCode: z.string().nullable(),
    counts: BatchCounts,
    createdAt: z.string().meta({ description: 'Lúc nhận lô / when the batch was received' }),
    finishedAt: BatchStatus.shape.finishedAt,
    statusUrl: z.string(),
    ...IgnoredFields,
    deliveries: z.array(BatchListDelivery).meta({
      description:
        'Tóm tắt chuyển tới từng hệ thống đích (chi tiết: statusUrl) / where its changes stand at each target ' +
        '(details at statusUrl)',
    }),
  })
  .meta({ id: 'BatchListItem' });

export const BatchListPage = z
  .object({
    items: z.array(BatchListItem),
    nextCursor: z
      .string()
      .nullable()
      .meta({
        description:
          'null ở trang cuối; khi lọc theo status, một trang đọc tối đa 500 lô nên có thể ít hơn limit mục (kể cả ' +
          'không mục nào) mà nextCursor vẫn khác null: đọc tiếp tới khi null / null at the end; with a status filter a ' +
          'page reads at most 500 batches, so it may hold fewer than limit items (even none) while nextCursor is not ' +
          'null: read on until it is',
      }),
  })
  .meta({ id: 'BatchListPage' });
