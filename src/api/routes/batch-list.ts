/**
 * `GET /v1/schools/{schoolCode}/batches` (W3-3): a vendor that lost a batch id finds its batches of a school of its
 * token; a city admin reads every client's. Each batch's status is GET /v1/batches/{id}'s (src/jobs/batch-status.ts).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import {
  countsOf,
  ignoredOf,
  listBatchesTold,
  listedDelivery,
  type ToldBatch,
} from '../../jobs/batch-status.js';
import { createBatchListRepo } from '../../store/batch-list.js';
import type { Db } from '../../store/db.js';
import { Params } from '../batch-contract.js';
import { BatchListPage, BatchListQuery, type BatchListItem } from '../batch-list-contract.js';
import { principalOf, requireSchool } from '../plugins/auth.js';
import { ProblemSchema } from '../problem.js';
import { timeRangeOf } from '../query.js';
import { decodeCursor } from './records.js';

/** A list page's cursor: the last batch served. */
const ListCursor = z.object({ b: z.uuid() }).strict();
const cursorOf = (batchId: string) => Buffer.from(JSON.stringify({ b: batchId })).toString('base64url');

/**
 * A batch as the list shows it: GET /v1/batches/{id}'s status rule (one rule), its deliveries read with the page's
 * (one query, vendor5 item 2); no records or refused keys.
 */
function itemOf({ batch, told, deliveries }: ToldBatch): z.infer<typeof BatchListItem> {
  return {
    batchId: batch.id,
    clientId: batch.clientId,
    entity: batch.entity,
    format: batch.format,
    mode: batch.mode,
    status: told.status,
    errorCode: told.errorCode,
    counts: countsOf(batch),
    createdAt: batch.createdAt.toISOString(),
    finishedAt: told.finishedAt,
    statusUrl: `/v1/batches/${batch.id}`,
    ...ignoredOf(batch),
    deliveries: deliveries.map(listedDelivery),
  };
}

const batchListRoute: FastifyPluginAsyncZod<{ db: Db }> = async function batchListRoute(app, opts) {
  const repo = createBatchListRepo(opts.db);
  app.get(
    '/v1/schools/:schoolCode/batches',
    {
      config: { scope: 'batches:read' },
      schema: {
        tags: ['batches'],
        summary: 'Các lô của trường, mới nhất trước / A school’s batches, newest first',
        description:
          'Vendor: các lô chính nó đã gửi cho trường (một trường của token); quản trị Sở: mọi lô của trường, kèm client ' +
          'đã gửi. Trạng thái như GET /v1/batches/{id}. / A vendor: the batches it sent for the school (one of its ' +
          'token’s schools); a city admin: every batch of the school, with the client that sent it. Each status is ' +
          'the one GET /v1/batches/{id} shows.',
        params: Params,
        querystring: BatchListQuery,
        response: { 200: BatchListPage, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema },
      },
    },
    async function listBatches(request) {
      const p = principalOf(request);
      const { schoolCode } = request.params;
      requireSchool(p, schoolCode, 'read');
      const { limit, cursor, status, entity } = request.query;
      const scope = { schoolCode, clientId: p.role === 'vendor' ? p.clientId : undefined };
      const last = decodeCursor(cursor, ListCursor);
      const after = last && (await repo.anchor(scope, last.b));
      if (last && !after) throw new AppError('ERR_INVALID_CURSOR');
      const filter = { ...scope, status, entity, ...timeRangeOf(request.query) };
      const page = await listBatchesTold(opts.db, filter, limit, after);
      return { items: page.items.map(itemOf), nextCursor: page.next && cursorOf(page.next) };
    },
  );
};
export default batchListRoute;
