/**
 * A sync run as the API shows it (tidy7, out of ./syncs.ts): its schemas and views, for the sync routes (./syncs.ts),
 * the operations pages' runs (./ops/sync-runs.ts) and `truc sync list|show` (src/cli/commands/sync-runs.ts, sync.ts).
 */
import { z } from 'zod';
import { PULL_SCOPE, PULL_SCOPE_WORDS, type Config } from '../../config.js';
import { both } from '../../errors.js';
import { readsHeld } from '../../jobs/gate-view.js';
import {
  syncRunSummary,
  type SyncRun as SyncRunRow,
  gateOfWait,
  type RunWaiting as RunWaitingRow,
  type SyncRunSummary,
  type RejectedBatches,
} from '../../store/sync-run-reads.js';

/**
 * Who asked for a run (fix36b, review33c N6): by name as it was when they asked, as a guard hold's `decidedBy`
 * (store/actor-names.ts), and the id beside it. In the sync routes and the operations pages' runs (./ops/sync-runs.ts).
 */
export const RequestedBy = {
  requestedBy: z.string().meta({
    description:
      'Ai yêu cầu lượt này, theo tên lúc yêu cầu (tên hiển thị của client, hoặc tên người vận hành CLI); người truc ' +
      'không biết tên: mã định danh (schedule:<tên lịch>: lịch tự chạy) / who asked for the run, by name as it was ' +
      "when they asked (the client's display name, or the CLI operator's); an actor truc knew no name of: the id " +
      "(schedule:<name>: the schedule's own fire)",
  }),
  requestedById: z.string().meta({
    description:
      'Mã định danh người yêu cầu: schedule:<tên lịch> (lịch tự chạy), mã client (POST /v1/syncs, chạy ngay một lịch, ' +
      'bảng điều khiển), operator:cli:<tên> (lệnh truc; trước fix36b ở requestedBy) / who asked, by id: ' +
      "schedule:<name> (the schedule's own fire), a client id (POST /v1/syncs, a schedule's run now, the dashboard), " +
      'operator:cli:<name> (a truc command; in requestedBy before fix36b)',
  }),
};

/** A run's scope (src/store/sync-run-reads.ts `shownScope`): in the sync routes and the operations pages' runs. */
/** A pull's scope as a request or a filter takes it (a school or commune code): PULL_SCOPE, in its words. */
export const PullScope = z.string().regex(PULL_SCOPE, both(PULL_SCOPE_WORDS.vi, PULL_SCOPE_WORDS.en));

export const RunScope = z
  .string()
  .nullable()
  .meta({
    description:
      'Mã trường (mã xã với moet-pcgd) của lượt; null: mọi trường hệ thống phục vụ (cả thành phố), như scope của ' +
      'lịch chạy / the run’s school code (a commune code for moet-pcgd); null: everything its system serves (the ' +
      'whole city), as a schedule’s scope says it',
  });

const SyncRun = z
  .object({
    syncRunId: z.number().int(),
    system: z.string(),
    entity: z.string(),
    scope: RunScope,
    status: z.enum(['queued', 'running', 'held', 'done', 'failed']).meta({
      description:
        'held: chờ quản trị Sở quyết định, kể cả lượt kéo toàn bộ đã xong các trang mà phần đối soát bị giữ ' +
        '(reconcile: held), như bộ lọc status=held / held: waiting for a city admin, a full run whose pages passed ' +
        'but whose reconciliation is held (reconcile: held) included, as the status=held filter lists it',
    }),
    incremental: z.boolean(),
    fullBecause: z
      .enum(['requested', 'no_watermark'])
      .nullable()
      .meta({
        description:
          'Vì sao kéo toàn bộ: requested (được yêu cầu kéo toàn bộ), no_watermark (yêu cầu theo mốc nhưng chưa có mốc: ' +
          'kéo tất cả và đối soát như kéo toàn bộ); null khi kéo theo mốc (hoặc lần kéo toàn bộ trước khi có trường này) / ' +
          'why the run is full: requested (asked full), no_watermark (asked incremental with no watermark yet: it pulls ' +
          'everything and reconciles, as a full run does); null for an incremental run (or a full run from before this field)',
      }),
    pages: z.number().int(),
    records: z.number().int(),
    tombstones: z.number().int(),
    unstableSchools: z.array(z.string()).meta({
      description:
        'Trường mà danh sách thay đổi liên tục trong lúc đọc: đối soát không xoá gì của các trường này / ' +
        'schools whose listing kept changing while it was read: the reconciliation deletes nothing of them',
    }),
    reconcile: z
      .enum(['queued', 'held', 'done'])
      .nullable()
      .meta({
        description:
          'Đối soát của lần kéo toàn bộ: null (chưa đến lúc / không áp dụng), queued, held (chờ duyệt), done / ' +
          "a full run's reconciliation: null (not due or not a full run), queued, held (awaiting approval), done",
      }),
    reconciled: z
      .number()
      .int()
      .meta({ description: 'Bản ghi bị xoá khi đối soát / records the reconciliation deleted' }),
    reconcileNote: z.string().nullable(),
    watermark: z.string().nullable(),
    errorCode: z.string().nullable(),
    ...RequestedBy,
    createdAt: z.string(),
    finishedAt: z
      .string()
      .nullable()
      .meta({
        description:
          'Lúc lượt xong; null khi chưa xong, kể cả khi đang bị giữ chờ duyệt (held, cả phần đối soát bị giữ) / ' +
          'when the run finished; null while it has not, held included (its reconciliation held too)',
      }),
  })
  .meta({ id: 'SyncRun' });

/** What a queued or running run waits on (src/store/sync-run-reads.ts `WAITING_COLUMNS`): the API's one shape of it. */
export const RunWaiting = z
  .object({
    reason: z.enum(['circuit-open', 'probe', 'retry-after']),
    system: z.string(),
    since: z.string().nullable(),
    until: z.string(),
  })
  .nullable()
  .meta({
    id: 'SyncRunWaiting',
    description:
      'Lượt đang chờ hệ thống nguồn (xếp hàng hoặc đang chạy, cổng gọi của hệ thống đang tạm ngưng): circuit-open ' +
      '(cầu dao mở sau các lỗi liên tiếp, since: lúc mở, until: lần thử lại kế tiếp), probe (đang thử lại), retry-after ' +
      '(hệ thống yêu cầu chờ đến until, cho cả hệ thống hoặc chỉ cho việc đọc loại dữ liệu của lượt này); null khi ' +
      'không chờ gì / what the run waits on (queued or running while its ' +
      "system's delivery gate is paused): circuit-open (the circuit opened after consecutive failures; since: when, " +
      'until: the next probe), probe (a probe in flight), retry-after (the system asked to wait until `until`, for ' +
      "all its calls or only for reads of this run's entity); null when it waits on nothing",
  });

/** The delivery settings the gate's rules read to say what holds a run (src/jobs/gate-view.ts). */
export type WaitSettings = Pick<Config['sync']['delivery'], 'failureThreshold' | 'probeLeaseMs'>;

/**
 * A run's {@link RunWaiting}: what holds its reads at its system's gate now, by the gate's own rules (fix36c item 1: the
 * gate's pause reason was shown, so a pull passing a circuit the writes opened read `circuit-open`); null: nothing.
 */
export function waitingOf(
  run: { system: string; entity: string },
  w: RunWaitingRow,
  delivery: WaitSettings,
): z.infer<typeof RunWaiting> {
  if (!w.waitGate) return null;
  const system = run.system;
  const { state, now } = gateOfWait(system, w.waitGate);
  // Its entity's reads held alone by their own Retry-After too (issue 7 item 4): retry-after until then.
  const hold = readsHeld(state, now, delivery, run.entity);
  if (!hold) return null;
  return {
    reason: hold.reason,
    system,
    since: hold.since ? hold.since.toISOString() : null,
    until: hold.until.toISOString(),
  };
}

/** Where a run's changes stand at each target (src/store/sync-run-reads.ts `RunDelivery`): in both runs' shapes. */
export const RunDeliveries = z
  .array(
    z.object({
      system: z.string(),
      delivered: z.number().int(),
      pending: z.number().int(),
      failed: z.number().int(),
      rejected: z.number().int().meta({
        description:
          'Trong số đã giao, bản ghi hệ thống đích từ chối / of the delivered, the records the target refused',
      }),
      errorCode: z
        .string()
        .nullable()
        .meta({
          description:
            'Mã của việc lỗi hẳn mới nhất khi có bản ghi thất bại, ngược lại null / the newest dead letter’s code ' +
            'while any records failed, else null',
        }),
    }),
  )
  .meta({
    id: 'SyncRunDeliveries',
    description:
      'Các thay đổi mà lượt này tạo ra đã tới từng hệ thống đích đến đâu: của các lô (trang) của lượt, các lệnh xoá ' +
      'theo bản ghi đã xoá (tombstone) của các trang, và các lệnh xoá do đối soát của lượt kéo toàn bộ (vd. thay đổi từ CSDL ngành tới phần mềm của trường, smas/vnedu): số bản ' +
      'ghi đã giao, đang chờ, thất bại (việc lỗi hẳn, mã ở errorCode); không có hệ thống đích nào: [] / where the ' +
      'changes the run made stand at each target: its batches’ (pages’), its pages’ tombstones’ deletions, and the deletions of a full run’s ' +
      'reconciliation (e.g. the city database’s changes reaching a school’s own system, smas/vnedu): records ' +
      'delivered, pending, failed (dead-lettered, its code in errorCode); no target: []',
  });

export const SyncRunListed = SyncRun.extend({
  mappingVersion: z.string().nullable().meta({ description: 'phiên bản ánh xạ / mapping version used' }),
  counts: z.object({ accepted: z.number().int(), rejected: z.number().int(), unchanged: z.number().int() }),
  durationSeconds: z.number(),
  waiting: RunWaiting,
  deliveries: RunDeliveries,
  errors: z.object({
    errorCode: z.string().nullable(),
    batches: z.number().int(),
    failedBatches: z.number().int(),
    rejectedRecords: z.number().int(),
    deadLetters: z.number().int().meta({ description: 'việc lỗi hẳn chưa chạy lại / open dead letters' }),
  }),
}).meta({ id: 'SyncRunListed' });

/**
 * When a run finished as told (runs item 2): null while it is held, a full run whose pages are done but whose
 * reconciliation the guard holds included (it has not finished: as a held batch's, src/jobs/batch-status.ts).
 */
export const runFinishedAt = (shownStatus: string, finishedAt: Date | null): string | null =>
  shownStatus === 'held' || !finishedAt ? null : finishedAt.toISOString();

function view(r: SyncRunRow): z.infer<typeof SyncRun> {
  return {
    ...syncRunSummary(r),
    incremental: r.since !== null,
    fullBecause: r.since === null ? r.fullBecause : null,
    reconcile: r.reconcile,
    reconciled: r.reconciled,
    reconcileNote: r.reconcileNote,
    watermark: r.watermark,
    requestedBy: r.requestedBy,
    requestedById: r.requestedById,
    createdAt: r.createdAt.toISOString(),
    finishedAt: runFinishedAt(r.shownStatus, r.finishedAt),
  };
}

/** A listed run: its view plus mapping version, counts, duration and error figures (also `truc sync list|show --json`). */
export function listedView(r: SyncRunSummary, delivery: WaitSettings): z.infer<typeof SyncRunListed> {
  return {
    ...view(r),
    mappingVersion: r.mappingVersion,
    counts: { accepted: r.accepted, rejected: r.rejected, unchanged: r.unchanged },
    durationSeconds: Math.round(r.durationSeconds * 10) / 10,
    waiting: waitingOf(r, r, delivery),
    deliveries: r.deliveries,
    errors: {
      errorCode: r.errorCode,
      batches: r.batches,
      failedBatches: r.failedBatches,
      rejectedRecords: r.rejected,
      deadLetters: r.deadLetters,
    },
  };
}

/** How many of a run's batches with rejected records its read names, the most rejections first (walk8 W8-3). */
export const REJECTED_BATCHES_SHOWN = 20;

/**
 * One run as `GET /v1/syncs/{id}` and `truc sync show` read it: as listed, and where its rejected records' findings are
 * (walk8 W8-3: a run told `rejected: 2` and named no batch; a city-wide pull's pages are no school's batches, so no
 * school page listed them).
 */
export const SyncRunShown = SyncRunListed.extend({
  rejectedBatches: z
    .array(
      z.object({
        batchId: z.uuid(),
        rejected: z.number().int().meta({ description: 'bản ghi bị từ chối / records rejected' }),
        findingsUrl: z.string().meta({
          description:
            'các phát hiện mức lỗi của lô, lý do từ chối từng bản ghi / the batch’s error findings: why each record was rejected',
        }),
      }),
    )
    .meta({
      description:
        `Các lô (trang) của lần đồng bộ có bản ghi bị từ chối, nhiều nhất trước, tối đa ${REJECTED_BATCHES_SHOWN} / ` +
        `the run’s batches (pages) that rejected records, the most first, at most ${REJECTED_BATCHES_SHOWN}`,
    }),
  rejectedBatchesTotal: z
    .number()
    .int()
    .meta({
      description:
        'Số lô của lần đồng bộ có bản ghi bị từ chối, tất cả (các lô sau: ?rejectedOffset=) / how many of the run’s ' +
        'batches rejected records in all (the ones after: ?rejectedOffset=)',
    }),
}).meta({ id: 'SyncRunShown' });

/** {@link SyncRunShown}: the listed run and its batches with rejections (`rejected`: the store's, most first). */
export function shownView(
  r: SyncRunSummary,
  delivery: WaitSettings,
  rejected: RejectedBatches,
): z.infer<typeof SyncRunShown> {
  return {
    ...listedView(r, delivery),
    rejectedBatchesTotal: rejected.total,
    rejectedBatches: rejected.items.map((b) => ({
      batchId: b.batchId,
      rejected: b.rejected,
      findingsUrl: `/v1/batches/${b.batchId}/findings?severity=error`,
    })),
  };
}
