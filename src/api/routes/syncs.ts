import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { ENTITY_NAMES, PULL_SCOPE, SYSTEM_NAMES, type Config } from '../../config.js';
import { checkScopeHeld, checkSystemConfigured, requestSync } from '../../jobs/contracts.js';
import { readsHeld } from '../../jobs/gate-view.js';
import type { Db } from '../../store/db.js';
import {
  createSyncRunReads,
  syncRunSummary,
  type SyncRun as SyncRunRow,
  gateOfWait,
  type RunWaiting as RunWaitingRow,
  type SyncRunSummary,
} from '../../store/sync-run-reads.js';
import { principalOf } from '../plugins/auth.js';
import { problems } from '../problem.js';
import { pageQuery } from '../paging.js';
import { decimal, fromNotAfterTo, timeRangeOf, timeRangeQuery } from '../query.js';

const SyncRequest = z
  .object({
    system: z.enum(SYSTEM_NAMES),
    entity: z.enum(ENTITY_NAMES),
    scope: z
      .string()
      .regex(PULL_SCOPE)
      .optional()
      .meta({ description: 'Mã trường hoặc mã xã / school code, or commune code for moet-pcgd' }),
    full: z.boolean().default(false).meta({ description: 'Bỏ qua mốc đồng bộ / ignore the watermark' }),
  })
  .strict()
  .meta({ id: 'SyncRequest' });

/**
 * Who asked for a run (fix36b, review33c N6): by name as it was when they asked, as a guard hold's `decidedBy`
 * (store/actor-names.ts), and the id beside it. Here and in the operations pages' runs (./ops.ts).
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

/** A run's scope (src/store/sync-run-reads.ts `shownScope`): here and in ./ops.ts. */
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

/** Where a run's changes stand at each target (src/store/sync-run-reads.ts `RunDelivery`): here and in ./ops.ts. */
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

const SyncRunListed = SyncRun.extend({
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

/** What the sync routes need: the database, the clock, and the configuration (which systems truc is configured for). */
interface SyncRouteOptions {
  db: Db;
  config: Config;
  now: () => Date;
}

type SyncApp = Parameters<FastifyPluginAsyncZod<SyncRouteOptions>>[0];

/** Ask for a sync run (a pull from a system, for one entity and scope). */
function requestRoute(app: SyncApp, opts: SyncRouteOptions): void {
  app.post(
    '/v1/syncs',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['syncs'],
        summary: 'Yêu cầu kéo dữ liệu từ hệ thống ngoài / Request a pull from an external system',
        description:
          '400 ERR_SYSTEM_NOT_CONFIGURED: truc chưa được cấu hình cho hệ thống đó (địa chỉ, thông tin đăng nhập), không lưu gì. ' +
          '400 ERR_SCOPE_UNKNOWN: phạm vi là một trường truc chưa có, hoặc (moet-pcgd) không phải mã một xã hiện hành. / ' +
          '400 ERR_SYSTEM_NOT_CONFIGURED: truc is not configured for that system (its URL, credentials); nothing is ' +
          'stored. 400 ERR_SCOPE_UNKNOWN: the scope names a school truc does not hold, or (moet-pcgd) no current commune.',
        body: SyncRequest,
        response: {
          202: z.object({ syncRunId: z.number().int(), statusUrl: z.string() }),
          ...problems(400, 401, 403),
        },
      },
    },
    async function postSync(request, reply) {
      const p = principalOf(request);
      const { system, entity, scope, full } = request.body;
      await checkSystemConfigured(opts.db, opts.config, system); // review26a F1: else stored, then failed for good
      const id = await opts.db.tx(async (q) => {
        await checkScopeHeld(q, { system, entity, ...(scope ? { scope } : {}) });
        return requestSync(q, {
          system,
          entity,
          full,
          requestedBy: p.clientId,
          at: opts.now(),
          ...(scope ? { scope } : {}),
        });
      });
      const statusUrl = `/v1/syncs/${id}`;
      void reply.header('location', statusUrl);
      return reply.code(202).send({ syncRunId: id, statusUrl });
    },
  );
}

/** Query of `GET /v1/syncs`. */
const SyncListQuery = z
  .object({
    system: z.enum(SYSTEM_NAMES).optional(),
    entity: z.enum(ENTITY_NAMES).optional(),
    status: z.enum(['queued', 'running', 'held', 'done', 'failed']).optional(),
    ...timeRangeQuery({ from: 'tạo từ / created at or after', to: 'tạo trước / created before' }),
    ...pageQuery(500, 50, 1_000_000),
  })
  .strict()
  .superRefine(fromNotAfterTo);

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

/** Sync runs, filtered and paged. */
function listRoute(app: SyncApp, opts: SyncRouteOptions): void {
  app.get(
    '/v1/syncs',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['syncs'],
        summary: 'Các lần đồng bộ / Sync runs, newest first, filtered by system, entity, status and date',
        querystring: SyncListQuery,
        response: {
          200: z.object({ total: z.number().int(), items: z.array(SyncRunListed) }),
          ...problems(400, 401, 403),
        },
      },
    },
    async function listSyncs(request) {
      const { system, entity, status, limit, offset } = request.query;
      const { total, items } = await createSyncRunReads(opts.db).list({
        system,
        entity,
        status,
        ...timeRangeOf(request.query),
        limit,
        offset,
      });
      return {
        total,
        items: items.map((r) => listedView(r, opts.config.sync.delivery)),
      };
    },
  );
}

/** One sync run with its progress and, as the list gives them, its counts, duration, mapping version and errors. */
function runRoute(app: SyncApp, opts: SyncRouteOptions): void {
  app.get(
    '/v1/syncs/:syncRunId',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['syncs'],
        summary:
          'Trạng thái một lần đồng bộ, với số bản ghi theo kết quả, thời lượng, phiên bản ánh xạ và tóm tắt lỗi / ' +
          'A sync run, with its counts per outcome, duration, mapping version and error summary',
        params: z.object({ syncRunId: decimal(z.number().int().positive()) }).strict(),
        response: {
          200: SyncRunListed,
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async function getSync(request) {
      // The list's figures for this one run (issue 7 item 6), as `truc sync show` reads them.
      const { items } = await createSyncRunReads(opts.db).list({
        id: request.params.syncRunId,
        limit: 1,
        offset: 0,
      });
      const r = items[0];
      if (!r) throw new AppError('ERR_NOT_FOUND');
      return listedView(r, opts.config.sync.delivery);
    },
  );
}

const syncRoutes: FastifyPluginAsyncZod<SyncRouteOptions> = async function syncRoutes(app, opts) {
  requestRoute(app, opts);
  listRoute(app, opts);
  runRoute(app, opts);
};
export default syncRoutes;
