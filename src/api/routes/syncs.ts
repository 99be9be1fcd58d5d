import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { ENTITY_NAMES, SYSTEM_NAMES, type Config } from '../../config.js';
import { checkScopeHeld, checkSystemConfigured, requestSync } from '../../jobs/contracts.js';
import type { Db } from '../../store/db.js';
import { createSyncRunReads } from '../../store/sync-run-reads.js';
import { principalOf } from '../plugins/auth.js';
import { problems } from '../problem.js';
import { pageQuery } from '../paging.js';
import { decimal, fromNotAfterTo, timeRangeOf, timeRangeQuery } from '../query.js';
import {
  listedView,
  REJECTED_BATCHES_SHOWN,
  PullScope,
  shownView,
  SyncRunListed,
  SyncRunShown,
} from './sync-run-view.js';

const SyncRequest = z
  .object({
    system: z.enum(SYSTEM_NAMES),
    entity: z.enum(ENTITY_NAMES),
    scope: PullScope.optional().meta({
      description: 'Mã trường hoặc mã xã / school code, or commune code for moet-pcgd',
    }),
    full: z.boolean().default(false).meta({ description: 'Bỏ qua mốc đồng bộ / ignore the watermark' }),
  })
  .strict()
  .meta({ id: 'SyncRequest' });

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
          'Trạng thái một lần đồng bộ, với số bản ghi theo kết quả, thời lượng, phiên bản ánh xạ, tóm tắt lỗi và các lô ' +
          'có bản ghi bị từ chối / A sync run, with its counts per outcome, duration, mapping version, error summary ' +
          'and the batches that rejected records',
        params: z.object({ syncRunId: decimal(z.number().int().positive()) }).strict(),
        querystring: z
          .object({
            rejectedOffset: decimal(z.number().int().min(0).max(1_000_000))
              .default(0)
              .meta({
                description:
                  `bỏ qua bao nhiêu lô có bản ghi bị từ chối (trang ${REJECTED_BATCHES_SHOWN} lô) / how many of the ` +
                  `batches that rejected records to skip (pages of ${REJECTED_BATCHES_SHOWN})`,
              }),
          })
          .strict(),
        response: {
          200: SyncRunShown,
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async function getSync(request) {
      // The list's figures for this one run (issue 7 item 6), as `truc sync show` reads them.
      const reads = createSyncRunReads(opts.db);
      const { items } = await reads.list({ id: request.params.syncRunId, limit: 1, offset: 0 });
      const r = items[0];
      if (!r) throw new AppError('ERR_NOT_FOUND');
      const rejected =
        r.rejected > 0
          ? await reads.rejectedBatches(Number(r.id), REJECTED_BATCHES_SHOWN, request.query.rejectedOffset)
          : { items: [], total: 0 };
      return shownView(r, opts.config.sync.delivery, rejected);
    },
  );
}

const syncRoutes: FastifyPluginAsyncZod<SyncRouteOptions> = async function syncRoutes(app, opts) {
  requestRoute(app, opts);
  listRoute(app, opts);
  runRoute(app, opts);
};
export default syncRoutes;
