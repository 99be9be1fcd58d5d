/** A held run's weighing as the guard routes show it (fix34e, ../../store/guard-holds.ts `HoldWeighing`). */
import { z } from 'zod';

const Count = z.number().int().nonnegative();

export const HoldWeighingSchema = z
  .object({
    state: z.enum(['weighing', 'interrupted', 'whole', 'partial']),
    pages: Count,
    heldPage: Count,
    throughPage: Count,
    stoppedBy: z.string().nullable(),
    startedAt: z.string(),
    updatedAt: z.string(),
  })
  .nullable()
  .meta({
    description:
      'việc cân nhắc các trang tiếp theo của lần kéo bị giữ đã đi tới đâu (fix34e): weighing (đang cân nhắc), interrupted (worker dừng giữa chừng: lệnh giữ chỉ có các trang đã cân nhắc, sẽ cân nhắc tiếp khi một worker nhận lại), whole (đã cân nhắc mọi trang tới hết lần kéo), partial (dừng trước khi hết, stoppedBy: time-cap là guard.weighing.maxSeconds, decided là đã quyết định, hoặc mã lỗi của lần đọc); pages: số trang đã cân nhắc sau trang bị giữ, heldPage/throughPage: trang bị giữ và trang cuối đã cân nhắc; null: không cân nhắc / ' +
      "how far a held run's weighing of its next pages got (fix34e): weighing (under way), interrupted (its worker stopped: the hold shows the pages weighed so far, and the weighing resumes once a worker takes it up), whole (every page to the run's end weighed), partial (it stopped before the end; stoppedBy: time-cap for guard.weighing.maxSeconds, decided, or the read's error code); pages: pages weighed after the held page, heldPage/throughPage: the held page and the last page weighed; null: never weighed",
  });
