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
    deletionsWeighed: z
      .boolean()
      .nullable()
      .meta({
        description:
          'lý do của lệnh giữ đã gồm các bản ghi mà phần đối soát cuối lần kéo toàn bộ sẽ xoá chưa (fix36e): true: đã cân trước, số lượng ở deletions, duyệt là duyệt cả chúng; false: chưa (đang cân nhắc, dừng trước khi hết lần kéo, hoặc lỗi khi cân trước): nếu vượt ngưỡng, chúng bị giữ lại ở cuối lần kéo; null: lần kéo không xoá gì ở cuối (lần kéo gia tăng) / ' +
          "whether the hold's reasons include the deletions a full run's end (its reconciliation) would make (fix36e): true: weighed ahead, counted in deletions, an approval covers them; false: not (under way, stopped before the run's end, or failed while weighing them): over a threshold they are held again at the run's end; null: the run's end deletes nothing (an incremental run)",
      }),
    deletions: z
      .object({
        records: Count,
        schools: Count,
        bySchool: z.array(
          z.object({ school: z.string(), schoolYear: z.string().optional(), records: Count }),
        ),
      })
      .nullable()
      .meta({
        description:
          'deletionsWeighed true: số bản ghi phần đối soát cuối lần kéo sẽ xoá, tổng và theo trường (nhiều nhất trước, tối đa 50 trường; chỉ số đếm, không có mã) / ' +
          "with deletionsWeighed true: the records the run's end would delete, in all and per school (the most first, at most 50 schools; counts only, no codes)",
      }),
  })
  .nullable()
  .meta({
    description:
      'việc cân nhắc các trang tiếp theo của lần kéo bị giữ đã đi tới đâu (fix34e): weighing (đang cân nhắc), interrupted (worker dừng giữa chừng: lệnh giữ chỉ có các trang đã cân nhắc, sẽ cân nhắc tiếp khi một worker nhận lại), whole (đã cân nhắc mọi trang tới hết lần kéo), partial (dừng trước khi hết, stoppedBy: time-cap là guard.weighing.maxSeconds, decided là đã quyết định, hoặc mã lỗi của lần đọc); pages: số trang đã cân nhắc sau trang bị giữ, heldPage/throughPage: trang bị giữ và trang cuối đã cân nhắc; null: không cân nhắc / ' +
      "how far a held run's weighing of its next pages got (fix34e): weighing (under way), interrupted (its worker stopped: the hold shows the pages weighed so far, and the weighing resumes once a worker takes it up), whole (every page to the run's end weighed), partial (it stopped before the end; stoppedBy: time-cap for guard.weighing.maxSeconds, decided, or the read's error code); pages: pages weighed after the held page, heldPage/throughPage: the held page and the last page weighed; null: never weighed",
  });
