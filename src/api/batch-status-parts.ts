/** Parts of a batch's status (GET /v1/batches/{id}, the batch.finished webhook): its deliveries and its guard hold. */
import { z } from 'zod';
import { GUARD_KINDS } from '../store/guard-hold-diff.js';

/** What holds a pending delivery at its target now (src/jobs/delivery-waiting.ts), by the target's gate. */
const DeliveryWaiting = z
  .object({
    reason: z.enum(['circuit-open', 'probe', 'retry-after']),
    until: z.string(),
    endpoint: z.string().nullable(),
  })
  .nullable()
  .meta({
    description:
      'Vì sao việc chuyển đang chờ (pending) ở hệ thống đích lúc này: circuit-open (hệ thống đích lỗi liên tiếp, ' +
      'truc tạm ngưng gửi tới đó và thử lại lúc until), probe (một lần thử lại đang chạy, kết quả có trước until), ' +
      'retry-after (hệ thống đích yêu cầu chờ đến until); endpoint: điểm nhận (students:upsert) khi chỉ điểm đó bị ' +
      'ngưng, null khi cả hệ thống; sau until việc chuyển tự tiếp tục, không cần gửi lại lô; null khi không bị giữ ' +
      '(đang gửi, hoặc không pending) / why the delivery is pending at its target now: circuit-open (the target ' +
      'failed repeatedly; truc stopped sending to it and tries again at `until`), probe (a try is out, its answer ' +
      'due by `until`), retry-after (the target asked to wait until `until`); endpoint: the endpoint ' +
      '(students:upsert) when only it is held, null when the whole target is; after `until` the delivery goes on by ' +
      'itself, no need to send the batch again; null when nothing holds it (on its way, or not pending)',
  });

/** Where the batch's changes stand at one target. */
export const BatchDelivery = z.object({
  system: z.string(),
  state: z.enum(['delivered', 'partial', 'pending', 'failed']),
  errorCode: z.string().nullable(),
  rejected: z.number().int().meta({
    description:
      'Số bản ghi hệ thống đích từ chối / records the target refused in its answer (partial: some, failed: all)',
  }),
  refused: z.array(z.object({ key: z.string(), code: z.string().nullable() })).meta({
    description:
      'Các bản ghi hệ thống đích từ chối: khoá và mã lỗi của hệ thống đích (null khi đó không phải một mã) / ' +
      'the records the target refused: each key, and the target’s refusal code (null when what it sent does not look like a code)',
  }),
  deliveredAt: z.string().nullable(),
  waiting: DeliveryWaiting,
});

/** What took a held batch over a threshold (../store/guard-hold-diff.ts `guardKinds`): its status's and its dry run's. */
export const GuardKinds = z.array(z.enum(GUARD_KINDS)).meta({
  description:
    'Điều làm lô vượt ngưỡng: deleted (bản ghi bị xoá hoặc chuyển đi), changed (bản ghi bị sửa), restored (bản ghi đã ' +
    'xoá được khôi phục, tính như thay đổi); không có mã bản ghi / what took it over a threshold: deleted (records ' +
    'deleted or moved away), changed (records changed), restored (deleted records brought back, weighed as changes); ' +
    'no record codes',
});

/** The mass-change guard's hold on the batch, as its vendor reads it. */
export const BatchGuard = z
  .object({
    holdId: z.number().int(),
    status: z.enum(['held', 'approved', 'rejected']),
    kinds: GuardKinds,
    decidedAt: z.string().nullable(),
    decidedBy: z
      .enum(['city-admin'])
      .nullable()
      .meta({
        description:
          'ai đã quyết định, chỉ theo vai trò (quản trị thành phố), không bao giờ tên người; null khi còn giữ / ' +
          'who decided, as a role only (a city admin), never a person’s name; null while held',
      }),
    decisionReason: z
      .string()
      .nullable()
      .meta({
        description:
          'lý do quản trị thành phố ghi khi duyệt hoặc từ chối (một dòng, không chứa số định danh hay số điện thoại); ' +
          'null khi không ghi hoặc còn giữ / the city admin’s reason given with the approval or rejection (one line, ' +
          'never a personal ID or phone number); null when none was given or while held',
      }),
    appliedAt: z.string().nullable(),
  })
  .nullable()
  .meta({
    description:
      'Thay đổi hàng loạt bị giữ chờ duyệt (cả lô, hoặc các bản ghi bị xoá của snapshot); khi đã quyết định: lý do ' +
      'của quản trị thành phố (decisionReason) và vai trò người quyết định (decidedBy) / ' +
      'the mass-change guard’s hold on this batch (the whole batch, or a snapshot’s deletions): ' +
      'held while a city admin decides; kinds: what took it over a threshold; once decided, the admin’s reason ' +
      '(decisionReason) and who decided as a role (decidedBy)',
  });
