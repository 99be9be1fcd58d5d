/**
 * What a school's page says of each of its batches beyond its counts (walk5 W5-7): whether it was a snapshot, how many
 * records it deleted, and whether the mass-change guard held it and what a city admin decided, so "why does this
 * school have 3 students now" is answered on the page. Codes, counts and times only.
 */
import { z } from 'zod';

export const SchoolBatchChange = {
  mode: z.enum(['delta', 'snapshot']).meta({
    description:
      'delta: chỉ các bản ghi gửi kèm; snapshot: mọi bản ghi của trường cho loại này, bản ghi vắng mặt bị xoá / ' +
      'delta: the records sent only; snapshot: every record of the school for the entity, those left out are deleted',
  }),
  deleted: z
    .number()
    .int()
    .meta({
      description:
        'số bản ghi lô đã xoá (snapshot; khi bị giữ: sau khi được duyệt) / records the batch deleted (a snapshot; when ' +
        'held: once approved)',
    }),
  guard: z
    .object({
      holdId: z
        .number()
        .int()
        .meta({ description: 'lệnh giữ, GET /v1/guard/holds/{id} / the hold, GET /v1/guard/holds/{id}' }),
      status: z.enum(['held', 'approved', 'rejected']),
      decidedAt: z.string().nullable(),
    })
    .nullable()
    .meta({
      description:
        'lệnh giữ thay đổi hàng loạt mới nhất của lô: held chờ quản trị Sở, approved (đã áp dụng) hoặc rejected (phần ' +
        'bị giữ không áp dụng); null khi không bị giữ / the batch’s newest mass-change guard hold: held while a city ' +
        'admin decides, approved (applied) or rejected (what was held not applied); null when it was never held',
    }),
};
