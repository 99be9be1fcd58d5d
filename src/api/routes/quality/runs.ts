/**
 * A quality run's status (fix36d): `GET /v1/quality/runs/{id}` (the Location `POST /v1/quality/runs` answers) and the
 * list `GET /v1/quality/runs`, with the scope of the POST (admin: a city admin). Read from ../../../store/quality-runs.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, both } from '../../../errors.js';
import type { Db } from '../../../store/db.js';
import {
  createQualityRunsRepo,
  QUALITY_RUN_STATUSES,
  type QualityRun as QualityRunRow,
} from '../../../store/quality-runs.js';
import { pageOf, pageOut, pageQuery } from '../../paging.js';
import { problems } from '../../problem.js';
import { decimal, fromNotAfterTo, timeRangeOf, timeRangeQuery } from '../../query.js';

type RunsApp = Parameters<FastifyPluginAsyncZod<{ db: Db }>>[0];

export const QualityRun = z
  .object({
    id: z.number().int(),
    status: z.enum(QUALITY_RUN_STATUSES).meta({
      description:
        'queued (chờ), running (đang tính), done (xong: thẻ điểm mới trong GET /v1/quality/scorecards), failed (thất bại: xem error) / ' +
        'queued, running (its job started), done (its scorecards are the latest in GET /v1/quality/scorecards), failed (its job dead-lettered: error)',
    }),
    requestedBy: z.string().meta({
      description:
        'Ai yêu cầu, theo tên lúc yêu cầu (tên hiển thị của client, hoặc tên người vận hành CLI); không biết tên: mã ' +
        'định danh (schedule:<id>: một lịch quality). Lần tính yêu cầu trước khi nâng cấp lên migration 1427: tên ' +
        'client lúc nâng cấp, không phải lúc yêu cầu / who asked, by name as it was when they asked (the ' +
        "client's display name, or the CLI operator's); an actor truc knew no name of: the id (schedule:<id>: a " +
        'quality schedule). A run asked for before the upgrade to migration 1427: the client’s name at the upgrade, ' +
        'not when it asked',
    }),
    requestedById: z.string().meta({
      description:
        'Mã định danh người yêu cầu: schedule:<id>, mã client, operator:cli:<tên> (trước fix37a ở requestedBy) / ' +
        'who asked, by id: schedule:<id>, a client id, operator:cli:<name> (in requestedBy before fix37a)',
    }),
    requestedAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    asOf: z.string().nullable().meta({
      description:
        'ngày tính (giờ Việt Nam), đặt khi bắt đầu chấm / the day it scores as of (Vietnam), set when its job starts',
    }),
    schools: z.object({ scored: z.number().int(), total: z.number().int().nullable() }).meta({
      description:
        'Số trường đã chấm đến giờ / tổng: mỗi lát trường được lưu khi chấm xong, nên scored tăng dần trong lúc chạy; lần tính thất bại giữ số đã chấm, chạy lại thì tiếp tục từ đó; total null khi chưa bắt đầu / ' +
        'schools scored so far and in all: each slice of schools is committed as it is scored, so scored advances while the run runs; a failed run keeps what it scored, and its retry or replay goes on from there; total null until its job starts',
    }),
    error: z
      .object({ code: z.string(), attempts: z.number().int(), failedAt: z.string(), message: z.string() })
      .nullable()
      .meta({
        description:
          'Khi thất bại: mã lỗi của thư chết (GET /v1/dead-letters), số lần thử, lúc nào / failed: its dead letter’s code, attempts and when (replay it: POST /v1/dead-letters/{id}/replay)',
      }),
  })
  .meta({ id: 'QualityRun' });

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

export function qualityRunOut(r: QualityRunRow): z.infer<typeof QualityRun> {
  return {
    id: r.id,
    status: r.status,
    requestedBy: r.requestedBy,
    requestedById: r.requestedById,
    requestedAt: new Date(r.requestedAt).toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    asOf: r.asOf,
    schools: r.schools,
    error: r.error && {
      code: r.error.code,
      attempts: r.error.attempts,
      failedAt: new Date(r.error.failedAt).toISOString(),
      message: both(
        `lần tính thẻ điểm ${r.id} thất bại (${r.error.code}) sau ${r.error.attempts} lần thử; xem thư chết của nó`,
        `quality run ${r.id} failed (${r.error.code}) after ${r.error.attempts} attempts; see its dead letter`,
      ),
    },
  };
}

const RunsQuery = z
  .object({
    status: z.enum(QUALITY_RUN_STATUSES).optional(),
    ...timeRangeQuery({ from: 'yêu cầu từ / requested at or after', to: 'yêu cầu trước / requested before' }),
    ...pageQuery(500, 50, 1_000_000),
  })
  .strict()
  .superRefine(fromNotAfterTo);

function getRoute(app: RunsApp, db: Db): void {
  app.get(
    '/v1/quality/runs/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['quality'],
        summary: 'Trạng thái một lần tính thẻ điểm / A quality run’s status',
        params: z.object({ id: decimal(z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)) }).strict(),
        response: { 200: QualityRun, ...problems(400, 401, 403, 404) },
      },
    },
    async function getQualityRun(request) {
      const run = await createQualityRunsRepo(db).get(request.params.id);
      if (!run)
        throw new AppError(
          'ERR_NOT_FOUND',
          both(`không có lần tính thẻ điểm ${request.params.id}`, `no quality run ${request.params.id}`),
        );
      return qualityRunOut(run);
    },
  );
}

function listRoute(app: RunsApp, db: Db): void {
  app.get(
    '/v1/quality/runs',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['quality'],
        summary: 'Các lần tính thẻ điểm, mới nhất trước / Quality runs, newest first',
        querystring: RunsQuery,
        response: { 200: pageOf(QualityRun), ...problems(400, 401, 403) },
      },
    },
    async function listQualityRuns(request) {
      const { status, limit, offset } = request.query;
      const page = await createQualityRunsRepo(db).page(
        { status, ...timeRangeOf(request.query) },
        limit,
        offset,
      );
      return pageOut(page, { limit, offset }, qualityRunOut);
    },
  );
}

/** The quality runs' reads. */
export function qualityRunRoutes(app: RunsApp, db: Db): void {
  getRoute(app, db);
  listRoute(app, db);
}
