import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { both } from '../../errors.js';
import type { Config } from '../../config.js';
import {
  listSchedules,
  runScheduleNow,
  scheduleQueueReader,
  setSchedulePaused,
} from '../../jobs/contracts.js';
import type { QueueFactory } from '../../jobs/queues.js';
import type { Db } from '../../store/db.js';
import { principalOf } from '../plugins/auth.js';
import { ProblemSchema } from '../problem.js';
import { NoQuery } from '../query.js';

const ScheduleSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['pull', 'quality']).meta({
      description:
        'pull: mỗi lần kích hoạt yêu cầu một lượt đồng bộ; quality: tính thẻ điểm chất lượng (không có system, entity) / ' +
        'pull: each fire requests a sync run; quality: computes the quality scorecards (no system, entity)',
    }),
    system: z.string().nullable(),
    entity: z.string().nullable(),
    scope: z.string().nullable(),
    full: z.boolean().meta({ description: 'Kéo toàn bộ (đối soát) / a full pull (reconciliation)' }),
    cron: z.string().nullable(),
    everyMs: z.number().int().nullable(),
    tz: z.string(),
    paused: z.boolean(),
    pausedBy: z
      .string()
      .nullable()
      .meta({
        description:
          'người tạm dừng, theo tên lúc tạm dừng (tên hiển thị của client, hoặc tên người vận hành CLI; không biết tên: mã định danh), như decidedBy của lệnh giữ / ' +
          "who paused it, by name as it was then (the client's display name, or the CLI operator's; the id when truc knew none), as a guard hold's decidedBy",
      }),
    pausedById: z
      .string()
      .nullable()
      .meta({
        description:
          'mã định danh của người tạm dừng: id của client, hoặc operator:cli:<tên> (trước fix35a ở pausedBy) / ' +
          'who paused it: the client id, or operator:cli:<name> (in pausedBy before fix35a)',
      }),
    lastRun: z
      .object({
        fireAt: z.string(),
        outcome: z.enum(['requested', 'paused', 'manual', 'busy', 'refused']).meta({
          description:
            'requested (lượt đồng bộ đã yêu cầu / its sync run requested), paused (đang tạm dừng / paused), manual ' +
            '(chạy ngay / run now), busy (lượt trước cùng hệ thống, loại, phạm vi chưa xong: đang chờ, đang chạy hoặc ' +
            'bị giữ; không yêu cầu lượt mới / an earlier run of its system, entity and scope was unfinished: ' +
            'queued, running or held; none requested, syncRunId is that run), refused (không yêu cầu được lượt ' +
            'đồng bộ, lý do ở error: ERR_SYSTEM_NOT_CONFIGURED, truc chưa được cấu hình cho hệ thống của lịch; ' +
            'ERR_SCOPE_UNKNOWN, phạm vi là một trường truc chưa có hoặc không phải mã một xã hiện hành / its run could ' +
            "not be requested, error says why: ERR_SYSTEM_NOT_CONFIGURED, truc is not configured for the schedule's " +
            'system; ERR_SCOPE_UNKNOWN, its scope names a school truc does not hold, or no current commune)',
        }),
        syncRunId: z.number().int().nullable(),
        runStatus: z
          .enum(['queued', 'running', 'held', 'done', 'failed'])
          .nullable()
          .meta({
            description:
              'Trạng thái lượt đồng bộ syncRunId như GET /v1/syncs/{id} nói (held: bị giữ, chờ quản trị Sở quyết định ' +
              'ở /v1/guard/holds); null khi không có lượt / the status of run syncRunId as GET /v1/syncs/{id} says it ' +
              '(held: the mass-change guard holds it, waiting for a city admin at /v1/guard/holds); null with no run',
          }),
        qualityRunId: z
          .number()
          .int()
          .nullable()
          .meta({
            description:
              'Lịch quality: lần tính thẻ điểm mà lần kích hoạt yêu cầu (busy: lần chưa xong nó gặp), trạng thái ở ' +
              'GET /v1/quality/runs/{id}; null với lịch pull / a quality schedule: the quality run its fire ' +
              'requested (busy: the unfinished one it found), its status at GET /v1/quality/runs/{id} (fix36d: named ' +
              'from its request on); null for a pull',
          }),
        error: z
          .object({
            code: z.string(),
            message: z.object({ vi: z.string(), en: z.string() }),
          })
          .nullable()
          .meta({
            description:
              'Vì sao lần kích hoạt bị từ chối không yêu cầu gì (mã lỗi và thông báo) / why a refused fire ' +
              'requested nothing (its error code and message); null for any other outcome',
          }),
      })
      .nullable(),
    nextRunAt: z.string().nullable(),
  })
  .meta({ id: 'Schedule' });

const SCHEDULE_ID_WORDS = both(
  'mã lịch: chữ thường, số và dấu - (ví dụ hcm-csdl-students-nightly; GET /v1/schedules liệt kê các lịch)',
  'a schedule id: lower-case letters, digits and - (e.g. hcm-csdl-students-nightly; GET /v1/schedules lists them)',
);
const IdParams = z.object({ id: z.string().regex(/^[a-z0-9-]{1,64}$/, SCHEDULE_ID_WORDS) }).strict();

interface ScheduleRouteOptions {
  db: Db;
  /** The clock audit entries are stamped with (deps.now). */
  now: () => Date;
  config: Config;
  queues: QueueFactory;
}
type ScheduleApp = Parameters<FastifyPluginAsyncZod<ScheduleRouteOptions>>[0];

const common = {
  tags: ['operations'],
};

/** The schedules with their last and next run (read from the schedule queue, built on first use). */
function listRoute(app: ScheduleApp, opts: ScheduleRouteOptions): void {
  // Built on first use; each call bounded, and rebuilt after one failed (a queue made while its backend was down).
  const queue = scheduleQueueReader(opts.queues);
  app.addHook('onClose', () => queue.close());

  app.get(
    '/v1/schedules',
    {
      config: { scope: 'admin' },
      schema: {
        ...common,
        summary:
          'Lịch chạy (kéo dữ liệu, tính thẻ điểm) / Schedules (pulls, the quality run), with their last and next run',
        querystring: NoQuery,
        response: {
          200: z.object({ items: z.array(ScheduleSchema) }),
          401: ProblemSchema,
          403: ProblemSchema,
        },
      },
    },
    async function getSchedules() {
      const items = await listSchedules(opts.db, opts.config, queue);
      return { items };
    },
  );
}

/** Pause or resume a schedule. */
function pauseRoutes(app: ScheduleApp, opts: ScheduleRouteOptions): void {
  for (const action of ['pause', 'resume'] as const) {
    app.post(
      `/v1/schedules/:id/${action}`,
      {
        config: { scope: 'admin' },
        schema: {
          ...common,
          summary:
            action === 'pause'
              ? 'Tạm dừng một lịch / Pause a schedule (its fires request nothing)'
              : 'Tiếp tục một lịch / Resume a schedule',
          operationId: action === 'pause' ? 'pauseSchedule' : 'resumeSchedule',
          params: IdParams,
          response: { 204: z.null(), 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema },
        },
      },
      async function pauseOrResume(request, reply) {
        await setSchedulePaused(
          opts.db,
          opts.config,
          request.params.id,
          action === 'pause',
          principalOf(request).clientId,
          opts.now(),
        );
        return reply.code(204).send(null);
      },
    );
  }
}

/** Run a schedule now. */
function runNowRoute(app: ScheduleApp, opts: ScheduleRouteOptions): void {
  app.post(
    '/v1/schedules/:id/run',
    {
      config: { scope: 'admin' },
      schema: {
        ...common,
        summary: 'Chạy ngay một lịch / Run a schedule now (even when paused)',
        description:
          'Hai lần gọi trong cùng một mili giây là một lần chạy: cả hai trả về cùng lần đồng bộ. 409 ERR_SCHEDULE_FIRE_TAKEN: lịch vừa tự kích hoạt đúng mili giây đó khi đang tạm dừng; hãy gọi lại. 409 ERR_SYNC_RUN_UNFINISHED: một lần đồng bộ cùng hệ thống, loại và phạm vi chưa xong (đang chờ, đang chạy hoặc bị giữ chờ duyệt; detail nêu số của nó): không chạy thêm lần thứ hai, không ghi gì. 400 ERR_SCOPE_UNKNOWN: phạm vi của lịch là một trường truc chưa có (kéo danh sách trường trước) hoặc không phải mã một xã hiện hành. 400 ERR_SYSTEM_NOT_CONFIGURED: truc chưa được cấu hình cho hệ thống của lịch, không ghi gì. Lịch quality: yêu cầu một lần tính thẻ điểm (syncRunId null, qualityRunId và statusUrl /v1/quality/runs/{id}); 409 ERR_QUALITY_RUN_UNFINISHED: một lần tính thẻ điểm chưa xong, không ghi gì. / Two calls in one millisecond are one fire: both answer the same sync run. 409 ERR_SCHEDULE_FIRE_TAKEN: the schedule fired itself in that millisecond while paused; call again. 409 ERR_SYNC_RUN_UNFINISHED: a run of its system, entity and scope is unfinished (queued, running, or held for a decision; the detail names it): no second one is started, nothing is recorded. 400 ERR_SCOPE_UNKNOWN: its scope names a school truc does not hold (pull the schools first), or no current commune. 400 ERR_SYSTEM_NOT_CONFIGURED: truc is not configured for its system; nothing is recorded. A quality schedule requests a quality scorecard run (syncRunId null, qualityRunId and statusUrl /v1/quality/runs/{id}: its status); 409 ERR_QUALITY_RUN_UNFINISHED: a quality run is unfinished, nothing is recorded.',
        params: IdParams,
        response: {
          202: z.object({
            kind: z.enum(['pull', 'quality']),
            syncRunId: z.number().int().nullable(),
            qualityRunId: z.number().int().optional().meta({
              description:
                'Lịch quality: lần tính thẻ điểm đã yêu cầu (GET /v1/quality/runs/{id}) / a quality schedule: the quality run requested (GET /v1/quality/runs/{id}; fix36d)',
            }),
            statusUrl: z.string(),
          }),
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
        },
      },
    },
    async function runNow(request, reply) {
      const { syncRunId, qualityRunId } = await runScheduleNow(
        opts.db,
        opts.config,
        request.params.id,
        principalOf(request).clientId,
        opts.now(),
      );
      // A quality run's status is its own (fix36d): GET /v1/quality/runs/{id}.
      const quality = qualityRunId !== undefined;
      const statusUrl = quality ? `/v1/quality/runs/${qualityRunId}` : `/v1/syncs/${syncRunId}`;
      void reply.header('location', statusUrl);
      return reply.code(202).send({
        kind: quality ? 'quality' : 'pull',
        syncRunId,
        ...(quality ? { qualityRunId } : {}),
        statusUrl,
      });
    },
  );
}

const scheduleRoutes: FastifyPluginAsyncZod<ScheduleRouteOptions> = async function scheduleRoutes(app, opts) {
  listRoute(app, opts);
  pauseRoutes(app, opts);
  runNowRoute(app, opts);
};
export default scheduleRoutes;
