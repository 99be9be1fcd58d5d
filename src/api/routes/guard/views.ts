/**
 * The guard's holds as the API shows them (../guard.ts): a hold's fields, a list's summary (totals, no codes), and a
 * hold inspected: totals over all its schools and its diff a page of schools at a time, most affected first (fix34a,
 * review33c N1: a held city-wide run's diff of 2,500 schools was sent whole, megabytes).
 */
import { z } from 'zod';
import {
  REASONS_FIRST,
  type GuardHold as StoredHold,
  type GuardHoldSummary,
  type SchoolDiff as StoredSchoolDiff,
} from '../../../store/guard-holds.js';
import type { NotApplied as NotAppliedRow } from '../../../store/run-except.js';
import { iso } from '../../time.js';
import { HoldWeighingSchema } from '../hold-weighing.js';

const Count = z.number().int();
/** A classes run's counts are per school year (left20 item 1). */
const SchoolYear = z.string().optional().meta({
  description:
    'năm học: lượt kéo lớp được tính trong từng năm học của trường / school year: a classes run is weighed within each school year of a school',
});
const School = z.string().meta({
  description:
    'mã trường; "*" với lượt kéo danh sách trường: các trường của thành phố tính chung, mã trường nằm trong keys / ' +
    'school code; "*" for a schools run: the city\'s schools weighed as one, their codes in keys',
});

const Reason = z
  .object({
    school: School,
    schoolYear: SchoolYear,
    grade: z
      .string()
      .optional()
      .meta({
        description:
          'khối lớp: các bản ghi bị xoá của snapshot học sinh được tính cả trong từng khối của trường / ' +
          "grade: a student snapshot's deletions are weighed within each grade of the school as well",
      }),
    kind: z.enum(['deleted', 'changed']).meta({
      description:
        'deleted: bản ghi bị xoá hoặc chuyển đi; changed: bản ghi bị sửa, và bản ghi đã xoá được khôi phục (restored: ' +
        'bao nhiêu) / deleted: records deleted or moved away; changed: records changed, and deleted records brought ' +
        'back (restored: how many)',
    }),
    count: Count,
    restored: Count.optional().meta({
      description:
        'lý do changed: trong count, số bản ghi đã xoá được khôi phục (khôi phục là một thay đổi); bằng count: ' +
        'lệnh giữ do khôi phục; không có khi không có / a changed reason: of count, the deleted records brought back ' +
        '(a restore is a change); equal to count: held for restores; absent when none',
    }),
    live: Count.meta({
      description:
        'mẫu số của ratio: bản ghi đang có của trường trước thay đổi (lý do theo khối: của khối; lý do changed có ' +
        'khôi phục: cộng số được khôi phục; lô của nhà cung cấp: cộng số các lô trước đã xoá) / what ratio is of: the ' +
        "school's live records before the change (a grade's: the grade's; a changed reason with restores: plus those " +
        "restored; a vendor batch's: plus those its school's earlier batches deleted)",
    }),
    ratio: z.number(),
    threshold: z.number(),
  })
  .meta({ id: 'GuardReason' });

/** A held record an approved snapshot's deletions left alone (walk5 W5-12): its code and why, never personal data. */
const Kept = z
  .object({
    key: z.string().meta({ description: 'mã bản ghi / the record’s code' }),
    why: z.enum(['written', 'carried', 'deleted', 'moved', 'unknown']).meta({
      description:
        'sau khi snapshot đến: written, bản ghi được ghi lại; carried, một lô gửi lại không đổi (bên gửi vẫn giữ nó); ' +
        'deleted, đã bị xoá; moved, đã chuyển sang trường khác; unknown, truc không còn dòng nào của bản ghi nên không ' +
        'nói được vì sao / after the snapshot arrived: written, the record was written again; carried, a batch ' +
        'carried it unchanged (its sender still holds it); deleted, deleted already; moved, now at another school; ' +
        'unknown, truc holds no row of the record, so why cannot be said',
    }),
    at: z.string().nullable().meta({
      description: 'lúc thông tin mới hơn đến; null: không rõ / when that newer word arrived; null: unknown',
    }),
    batchId: z.string().optional().meta({
      description:
        'lô mang thông tin đó (của nhà cung cấp, hoặc một trang của lượt đồng bộ), khi biết / the batch that brought it (a vendor’s, or a sync run’s page), when known',
    }),
    syncRunId: Count.optional().meta({
      description: 'lượt đồng bộ của lô đó / that batch’s sync run',
    }),
    system: z.string().optional().meta({
      description:
        'hệ thống của thông tin đó, khi không biết lô / the system whose word it is, when no batch is known',
    }),
  })
  .meta({ id: 'GuardKeptRecord' });

const HoldFields = {
  id: Count,
  kind: z.enum(['batch', 'reconcile', 'run']).meta({
    description:
      'reconcile: đối soát của lần kéo toàn bộ; run: một trang của lần kéo (lần kéo chờ duyệt); ' +
      'batch: lô của phần mềm trường / ' +
      "reconcile: a full run's reconciliation; run: a page of a sync run (the run waits); batch: a vendor's batch",
  }),
  batchId: z.string().nullable(),
  syncRunId: Count.nullable(),
  entity: z.string(),
  status: z.enum(['held', 'approved', 'rejected', 'superseded']).meta({
    description:
      'superseded: duyệt sau khi một lần kéo toàn bộ mới hơn đã kéo xong, không xoá gì / approved after a newer full run fetched every page: closed, nothing deleted',
  }),
  reasons: z.array(Reason).meta({
    description:
      `các ngưỡng bị vượt: ${REASONS_FIRST} lý do đầu, trường có tỉ lệ cao nhất trước, cả trường rồi các khối theo thứ tự; tất cả: reasonsTotal, ` +
      `GET /v1/guard/holds/{id}/reasons / the thresholds crossed: the first ${REASONS_FIRST}, the school of the highest ratio first, ` +
      'the whole school then its grades in order; all of them: reasonsTotal, GET /v1/guard/holds/{id}/reasons',
  }),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
  decidedBy: z
    .string()
    .nullable()
    .meta({
      description:
        'người quyết định, theo tên lúc quyết định (tên hiển thị của client, hoặc tên người vận hành CLI; người truc không biết tên: mã định danh), như approvedBy của báo cáo PCGD; null: chưa quyết định / ' +
        "who decided, by name as it was when they decided (the client's display name, or the CLI operator's; an actor truc knew no name of: the id), as a PCGD report's approvedBy; null: not decided",
    }),
  decidedById: z
    .string()
    .nullable()
    .meta({
      description:
        'mã định danh của người quyết định: id của client, hoặc operator:cli:<tên> (trước fix35a ở decidedBy) / ' +
        "the decider's id: the client id, or operator:cli:<name> (in decidedBy before fix35a)",
    }),
  decisionReason: z.string().nullable().meta({
    description:
      'lý do của quyết định, lời của quản trị duyệt hoặc từ chối (nếu có) / why, in the deciding admin’s words (when given)',
  }),
  appliedAt: z.string().nullable().meta({
    description:
      'lúc các bản ghi bị xoá của snapshot được áp dụng / when an approved snapshot’s deletions were applied',
  }),
  applied: Count.nullable(),
  appliedOf: Count.nullable().meta({
    description:
      'snapshot được duyệt: applied là số bản ghi đã xoá trên appliedOf bản ghi bị giữ (áp dụng N trên M; phần còn lại ' +
      'trong kept); null: chưa áp dụng, hoặc áp dụng trước guard6 / an approved snapshot: applied is the records ' +
      'deleted of appliedOf held (applied N of M; the others in kept); null: not applied, or applied before guard6',
  }),
  exceptSchools: z.array(z.string()).meta({
    description:
      'các trường mà việc duyệt đã loại ra: thay đổi của chúng không áp dụng ở lần kéo này (hỏi lại ở lần kéo sau), lần kéo chạy tiếp cho các trường khác / ' +
      'the schools the approval left out: their changes not applied by this run (asked again by the next run), the run goes on for the others',
  }),
  weighingUntil: z
    .string()
    .nullable()
    .meta({
      description:
        'lần kéo bị giữ đang cân nhắc các trang tiếp theo: lệnh giữ chưa đủ, chưa thể duyệt trước lúc này (409 ERR_GUARD_WEIGHING; từ chối thì được ngay) / ' +
        'a held run is weighing its next pages: the hold is not whole yet and cannot be approved before then (409 ERR_GUARD_WEIGHING; a rejection is taken at once)',
    }),
  weighing: HoldWeighingSchema,
};

const ReasonsTotal = Count.meta({
  description:
    'số lý do của lệnh giữ, tất cả (fix35a: lượt kéo toàn thành phố có tới 2.500) / the hold’s reasons, all of them (fix35a: a city-wide run’s may be 2,500)',
});

export const HoldSummary = z
  .object({
    ...HoldFields,
    reasonsTotal: ReasonsTotal,
    schools: Count,
    totals: z.object({ live: Count, deleted: Count, moved: Count, changed: Count, restored: Count }),
  })
  .meta({ id: 'GuardHoldSummary' });

export const SchoolDiff = z
  .object({
    school: School,
    schoolYear: SchoolYear,
    live: Count,
    deleted: Count,
    moved: Count,
    changed: Count,
    regraded: Count.optional().meta({
      description:
        'trong số bản ghi bị sửa, số chỉ đổi khối, lớp (kỳ kết chuyển: ngưỡng nới lỏng) / ' +
        'of the changed records, those whose grade and class alone changed (rollover window: the relaxed threshold)',
    }),
    restored: Count.optional().meta({
      description:
        'bản ghi đã xoá của trường được đưa trở lại (khôi phục là một thay đổi: tính cùng `changed` so với số bản ghi ' +
        'còn hiệu lực cộng số được khôi phục); không có khi không khôi phục bản ghi nào / ' +
        'deleted records of the school brought back (a restore is a change: counted with `changed` against its live ' +
        'records plus those restored); absent when none',
    }),
    reconciled: Count.optional().meta({
      description:
        'phần đối soát bị giữ, hoặc được cân trước trong lệnh giữ của lần kéo đầy đủ: trong số bản ghi bị xoá, số bản ' +
        'ghi chính phần đối soát sẽ xoá (mã trong keys.deleted, nhiều nhất guard.weighedKeys); phần còn lại là các ' +
        'trang của lần kéo đã xoá hoặc chuyển đi / ' +
        "a held reconciliation, or one weighed ahead into a held full run's hold: of the deleted records, those the " +
        "reconciliation itself would delete (their codes in keys.deleted, at most guard.weighedKeys); the rest are what the run's pages deleted or moved away",
    }),
    keys: z
      .object({
        deleted: z.array(z.string()),
        moved: z.array(z.string()),
        changed: z.array(z.string()),
        restored: z.array(z.string()).optional(),
      })
      .meta({
        description: 'mã học sinh / cán bộ / lớp (không có dữ liệu cá nhân) / record codes, no personal data',
      }),
    keysTruncated: z
      .literal(true)
      .optional()
      .meta({
        description:
          'lần kéo bị giữ đã cân các trang sau, hoặc phần đối soát bị giữ: keys chỉ có một phần mã của trường, nhiều nhất ' +
          'guard.weighedKeys mỗi loại (số đếm ở trên là đủ) / ' +
          'a held run weighed ahead, or a held reconciliation: keys has some of the school’s codes only, at most ' +
          'guard.weighedKeys a kind (the counts above are all of them)',
      }),
    window: z.object({ since: z.string(), changed: Count, deleted: Count }).optional().meta({
      description:
        'lô của nhà cung cấp: trong các số trên, số bản ghi các lô trước của trường đã sửa / xoá từ `since` (không nằm trong keys) / a vendor batch: of the counts above, the records the school’s earlier vendor batches changed / deleted since `since` (not among keys)',
    }),
  })
  .meta({ id: 'GuardSchoolDiff' });

/** What the run did not apply of a school an approval left out (../../store/run-except.ts). */
const NotApplied = z
  .object({
    school: z.string(),
    records: Count.meta({
      description:
        'bản ghi và bản ghi xoá của các trang không áp dụng / the pages’ records and tombstones not applied',
    }),
    deletions: Count.meta({
      description: 'bản ghi phần đối soát không xoá / records the reconciliation did not delete',
    }),
  })
  .meta({ id: 'GuardNotApplied' });

/** How many of its schools a hold inspected shows at first (the rest: GET /v1/guard/holds/{id}/schools). */
export const DIFF_FIRST = 50;

const Totals = z.object({ live: Count, deleted: Count, moved: Count, changed: Count, restored: Count });

export const Hold = z
  .object({
    ...HoldFields,
    reasonsTotal: ReasonsTotal,
    schools: Count.meta({
      description:
        'số trường (trường × năm học với lượt kéo lớp) của lệnh giữ, tất cả / the hold’s schools (school × school year for a classes run), all of them',
    }),
    totals: Totals.meta({
      description: 'tổng trên mọi trường của lệnh giữ / totals over all the hold’s schools',
    }),
    diff: z.array(SchoolDiff).meta({
      description:
        `${DIFF_FIRST} trường đầu, trường bị ảnh hưởng nhiều nhất trước (xoá + chuyển đi + thay đổi + khôi phục); các ` +
        `trường còn lại: GET /v1/guard/holds/{id}/schools / the first ${DIFF_FIRST} schools, most affected first ` +
        '(deleted + moved + changed + restored); ' +
        'the rest: GET /v1/guard/holds/{id}/schools',
    }),
    notApplied: z.array(NotApplied).meta({
      description:
        'lần kéo của lệnh giữ: những gì chưa áp dụng của các trường bị loại ra, theo trường / ' +
        "the hold's run: what it did not apply of the schools left out, per school",
    }),
    // Not in the lists' summaries: keys, up to a snapshot's 5,000 a hold (review6).
    kept: z
      .array(Kept)
      .nullable()
      .meta({
        description:
          'snapshot được duyệt: các bản ghi bị giữ mà việc áp dụng để nguyên vì có thông tin mới hơn snapshot, mỗi bản ghi ' +
          'với lý do; null: chưa áp dụng, hoặc áp dụng trước guard6 / an approved snapshot: the held records its ' +
          'application left alone, a word newer than the snapshot’s being there, each with why; null: not applied, or ' +
          'applied before guard6',
      }),
  })
  .meta({ id: 'GuardHold' });

/** A page of a hold's items, `total` saying what it counts; `id`: its OpenAPI schema's name. */
const holdPage = <T extends z.ZodType>(items: T, total: string, id: string) =>
  z
    .object({
      holdId: Count,
      total: Count.meta({ description: total }),
      limit: Count,
      offset: Count,
      items: z.array(items),
    })
    .meta({ id });

/** A page of a hold's reasons (`GET /v1/guard/holds/{id}/reasons`, fix35a). */
export const HoldReasons = holdPage(Reason, 'số lý do của lệnh giữ / the hold’s reasons', 'GuardHoldReasons');

/** A page of a hold's schools (`GET /v1/guard/holds/{id}/schools`). */
export const HoldSchools = holdPage(
  SchoolDiff,
  'số trường khớp bộ lọc / the schools matching the filter',
  'GuardHoldSchools',
);

export function fields(h: Omit<StoredHold, 'diff' | 'kept'>) {
  return {
    id: h.id,
    kind: h.kind,
    batchId: h.batchId,
    syncRunId: h.syncRunId,
    entity: h.entity,
    status: h.status,
    reasons: h.reasons,
    createdAt: iso(h.createdAt)!,
    decidedAt: iso(h.decidedAt),
    decidedBy: h.decidedBy,
    decidedById: h.decidedById,
    decisionReason: h.decisionReason,
    appliedAt: iso(h.appliedAt),
    applied: h.applied,
    appliedOf: h.appliedOf,
    weighingUntil: iso(h.weighingUntil),
    // A hold weighed before fix36e says nothing of its run's end deletions: not weighed.
    weighing: h.weighing && {
      ...h.weighing,
      deletionsWeighed: h.weighing.deletionsWeighed === undefined ? false : h.weighing.deletionsWeighed,
      deletions: h.weighing.deletionsWeighed ? (h.weighing.deletions ?? null) : null,
    },
    exceptSchools: h.exceptSchools,
  };
}
export const summaryView = (h: GuardHoldSummary) => ({
  ...fields(h),
  reasonsTotal: h.reasonsTotal,
  schools: h.schools,
  totals: h.totals,
});
/** A hold inspected: its summary, the first page of its schools, what its run did not apply of those left out. */
export const holdView = (
  h: GuardHoldSummary & Pick<StoredHold, 'kept'>,
  first: readonly StoredSchoolDiff[],
  notApplied: NotAppliedRow[],
): z.infer<typeof Hold> => ({ ...summaryView(h), diff: [...first], notApplied, kept: h.kept });
