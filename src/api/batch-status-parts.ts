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

/** A batch's records of one operation at a target, by where their push sets stand (src/store/push-sets.ts). */
const DeliveryCounts = (vi: string, en: string) =>
  z.object({ delivered: z.number().int(), pending: z.number().int(), failed: z.number().int() }).meta({
    description:
      `Số bản ghi ${vi} của lô tới hệ thống đích: delivered (hệ thống đích đã trả lời; kể cả bản ghi nó từ chối từng ` +
      'cái, xem refused), pending (chưa gửi xong, chưa lỗi hẳn), failed (việc gửi lỗi hẳn, xem deadLetters) / ' +
      `the batch’s records ${en} at the target: delivered (the target answered; those it refused one by one ` +
      'included, see refused), pending (neither delivered nor failed for good), failed (dead-lettered, see deadLetters)',
  });

/** The dead letter of a batch's delivery that failed for good (vendor6): what it is, and what becomes of it. */
export const DeliveryDeadLetter = z.object({
  id: z
    .number()
    .int()
    .meta({
      description:
        'mã việc lỗi: GET /v1/dead-letters, quản trị Sở chạy lại bằng POST /v1/dead-letters/replay {"ids":[id]} / the ' +
        'dead letter’s id: GET /v1/dead-letters; a city admin replays it with POST /v1/dead-letters/replay {"ids":[id]}',
    }),
  errorCode: z.string(),
  replayable: z.boolean().meta({
    description:
      'còn mở, chạy lại được; false khi đã đóng không chạy lại (hệ thống đích đã gỡ) / open, a replay takes it; ' +
      'false once closed without a replay (its target removed and forgotten)',
  }),
  message: z.object({ vi: z.string(), en: z.string() }).meta({
    description:
      'vì sao không chuyển được (lời của mã lỗi) và việc lỗi còn chạy lại được không / why it was not delivered ' +
      '(the code’s words) and whether the letter can be replayed',
  }),
});

/** A delivery's dead letters, newest of each push set that failed for good. */
export const DeliveryDeadLetters = z.array(DeliveryDeadLetter).meta({
  description:
    'việc lỗi của các lần gửi lỗi hẳn (mỗi tập bản ghi một việc, mới nhất); [] khi không có / the dead letters of its ' +
    'push sets that failed for good (each set’s newest); [] when none',
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
      'Các bản ghi hệ thống đích không nhận: khoá và mã lỗi của hệ thống đích (null khi đó không phải một mã); với ' +
      'tập bản ghi lỗi hẳn (deadLetters): mọi khoá của nó, mã là mã của việc lỗi (rejected không đếm chúng) / ' +
      'the records the target did not take: each key, and the target’s refusal code (null when what it sent does not ' +
      'look like a code); of a push set that failed for good (deadLetters): each of its keys, with its dead letter’s ' +
      'code (rejected does not count those)',
  }),
  upserts: DeliveryCounts('ghi (thêm, sửa)', 'written (upserts)'),
  deletes: DeliveryCounts('xoá (snapshot: bản ghi vắng mặt)', 'deleted (a snapshot’s deletions travelling)'),
  deadLetters: DeliveryDeadLetters,
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
    counts: z
      .object({
        live: z.number().int(),
        deleted: z.number().int(),
        moved: z.number().int(),
        changed: z.number().int(),
        restored: z.number().int(),
      })
      .meta({
        description:
          'Số bản ghi lệnh giữ cân nhắc: live (bản ghi còn hiệu lực của trường), deleted (bị xoá), moved (chuyển sang ' +
          'trường khác), changed (bị sửa), restored (được khôi phục); gồm cả các lô trước của trường trong cửa sổ ' +
          'vendorWindowHours; không có mã bản ghi / the records the hold weighs: live (the school’s live records), ' +
          'deleted, moved (to another school), changed, restored (deleted records brought back); the school’s earlier ' +
          'vendor batches of the window (vendorWindowHours) among them; no record codes',
      }),
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
