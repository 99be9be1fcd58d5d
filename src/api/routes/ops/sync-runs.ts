/**
 * The operations pages' sync runs (tidy7, out of ../ops.ts): `GET /v1/ops/sync-runs`, and a run as a school's page
 * lists it (./schools.ts). Codes, counts and times only.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SYSTEM_NAMES, type Config } from '../../../config.js';
import type { Db } from '../../../store/db.js';
import { createOverviewRepo, type SyncRunRow } from '../../../store/overview.js';
import { shownScope } from '../../../store/sync-run-reads.js';
import { iso } from '../../time.js';
import { problems } from '../../problem.js';
import { pageQuery } from '../../paging.js';
import {
  PullScope,
  runFinishedAt,
  RequestedBy,
  RunDeliveries,
  RunScope,
  RunWaiting,
  waitingOf,
  type WaitSettings,
} from '../sync-run-view.js';

export const OpsSyncRun = z
  .object({
    id: z.number().int(),
    system: z.string(),
    entity: z.string(),
    scope: RunScope,
    status: z.string(),
    pages: z.number().int(),
    records: z.number().int(),
    tombstones: z.number().int(),
    errorCode: z.string().nullable(),
    ...RequestedBy,
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    waiting: RunWaiting,
    deliveries: RunDeliveries,
  })
  .meta({ id: 'OpsSyncRun' });

export const syncRunOut =
  (delivery: WaitSettings) =>
  ({ waitGate, ...r }: SyncRunRow) => ({
    ...r,
    scope: shownScope(r.scope),
    createdAt: iso(r.createdAt)!,
    finishedAt: runFinishedAt(r.status, r.finishedAt),
    waiting: waitingOf(r, { waitGate }, delivery),
  });

type OpsApp = Parameters<FastifyPluginAsyncZod>[0];

/** Sync runs, newest first, filtered by system and status. */
export function syncRunRoutes(app: OpsApp, opts: { db: Db; config: Config }): void {
  const repo = createOverviewRepo(opts.db);

  app.get(
    '/v1/ops/sync-runs',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['operations'],
        summary: 'Lần đồng bộ / Sync runs, newest first',
        querystring: z
          .object({
            // review25 F3: one of the systems, as GET /v1/syncs takes it (a typo was an empty list, not a 400).
            system: z.enum(SYSTEM_NAMES).optional(),
            status: z.enum(['queued', 'running', 'held', 'done', 'failed']).optional(),
            // review8 R8-3: a run's own rule (a school code with a dot was a 400 'invalid school code').
            scope: PullScope.optional(),
            ...pageQuery(200, 50),
          })
          .strict(),
        response: { 200: z.object({ items: z.array(OpsSyncRun) }), ...problems(400, 401, 403) },
      },
    },
    async function syncRuns(request) {
      const { system, status, scope, limit, offset } = request.query;
      return {
        items: (await repo.syncRuns({ system, status, scope }, limit, offset)).map(
          syncRunOut(opts.config.sync.delivery),
        ),
      };
    },
  );
}
