import { createHash, randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit, canonicalJson } from '../../audit/chain.js';
import { AppError } from '../../errors.js';
import { QUEUES } from '../../jobs/queues.js';
import { INGEST_JOB } from '../../jobs/ingest.js';
import { createBatchesRepo } from '../../store/batches.js';
import { isUniqueViolation, type Db, type Queryable } from '../../store/db.js';
import { createIdempotencyRepo } from '../../store/idempotency.js';
import { createOutboxRepo } from '../../store/outbox.js';
import { principalOf, requireSchool } from '../plugins/auth.js';
import { ProblemSchema } from '../problem.js';

/** Entities a vendor may push today, and the wire formats truc maps from. */
export const PUSH_ENTITIES = ['students', 'staff', 'classes'] as const;
export const PUSH_FORMATS = ['canonical', 'smas', 'vnedu'] as const;

const SchoolCode = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,32}$/, 'mã trường không hợp lệ / invalid school code')
  .meta({ description: 'Mã định danh của trường / the school identifier (mã định danh)' });

const Params = z.object({ schoolCode: SchoolCode }).strict();

const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,128}$/, 'Idempotency-Key: 1–128 printable ASCII characters')
    .optional(),
});

function batchBody(maxRecords: number) {
  return z
    .object({
      entity: z.enum(PUSH_ENTITIES).meta({ description: 'Loại dữ liệu / entity' }),
      format: z
        .enum(PUSH_FORMATS)
        .default('canonical')
        .meta({ description: 'Định dạng bản ghi / record format' }),
      records: z
        .array(z.record(z.string(), z.unknown()))
        .min(1)
        .max(maxRecords)
        .meta({ description: `1–${maxRecords} bản ghi / records` }),
    })
    .strict()
    .meta({ id: 'BatchRequest' });
}

const BatchAccepted = z
  .object({
    batchId: z.uuid(),
    status: z.literal('queued'),
    statusUrl: z.string(),
    received: z.number().int(),
  })
  .meta({ id: 'BatchAccepted' });

const BatchStatus = z
  .object({
    batchId: z.uuid(),
    schoolCode: z.string(),
    entity: z.string(),
    format: z.string(),
    status: z.enum(['queued', 'processing', 'done', 'failed']),
    counts: z.object({
      received: z.number().int(),
      accepted: z.number().int(),
      rejected: z.number().int(),
      unchanged: z.number().int(),
    }),
    errorCode: z.string().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    findingsUrl: z.string(),
  })
  .meta({ id: 'BatchStatus' });

const Finding = z
  .object({
    recordIndex: z.number().int(),
    recordKey: z.string().nullable(),
    criterion: z.string(),
    rule: z.string(),
    severity: z.enum(['error', 'warning']),
    pointer: z.string(),
    message: z.object({ vi: z.string(), en: z.string() }),
  })
  .meta({ id: 'Finding' });

export interface BatchRouteOptions {
  db: Db;
  maxBatchRecords: number;
}

function requestHash(schoolCode: string, body: unknown): string {
  return createHash('sha256')
    .update(`POST /v1/schools/${schoolCode}/batches\n${canonicalJson(body)}`)
    .digest('hex');
}

interface StoredResponse {
  status: number;
  body: z.infer<typeof BatchAccepted>;
}

/** The stored answer to an earlier request with this key, or undefined; 422 when the body differs. */
async function replayed(
  q: Queryable,
  clientId: string,
  key: string,
  hash: string,
): Promise<StoredResponse | undefined> {
  const prior = await createIdempotencyRepo(q).find<StoredResponse['body']>(clientId, key);
  if (!prior) return undefined;
  if (prior.requestHash !== hash) throw new AppError('ERR_IDEMPOTENCY_MISMATCH');
  return { status: prior.status, body: prior.body };
}

const batchRoutes: FastifyPluginAsyncZod<BatchRouteOptions> = async function batchRoutes(app, opts) {
  const Body = batchBody(opts.maxBatchRecords);

  app.post(
    '/v1/schools/:schoolCode/batches',
    {
      config: { scope: 'batches:write' },
      schema: {
        tags: ['batches'],
        summary: 'Gửi một lô bản ghi / Push a batch of records',
        description:
          'Lưu lô và xếp hàng xử lý; trả 202 khi lô đã được ghi bền vững. / Stores the batch durably and queues it; answers 202 once committed.',
        security: [{ bearerAuth: [] }],
        params: Params,
        headers: IdempotencyHeaders,
        body: Body,
        response: {
          202: BatchAccepted,
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          413: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async function pushBatch(request, reply) {
      const p = principalOf(request);
      const { schoolCode } = request.params;
      requireSchool(p, schoolCode, 'write');
      const key = request.headers['idempotency-key'];
      // Sorting keys costs ~10 ms a batch: only an Idempotency-Key needs a key-order-independent hash.
      const hash = key ? requestHash(schoolCode, request.body) : undefined;
      const create = async (q: Queryable): Promise<StoredResponse> => {
        if (key && hash) {
          const prior = await replayed(q, p.clientId, key, hash);
          if (prior) return prior;
        }
        const batchId = randomUUID();
        const { entity, format, records } = request.body;
        await createBatchesRepo(q).insert({
          id: batchId,
          clientId: p.clientId,
          schoolCode,
          entity,
          format,
          records,
        });
        await createOutboxRepo(q).add(QUEUES.ingest, INGEST_JOB, { batchId });
        const response: StoredResponse = {
          status: 202,
          body: { batchId, status: 'queued', statusUrl: `/v1/batches/${batchId}`, received: records.length },
        };
        if (key && hash) {
          await createIdempotencyRepo(q).save(p.clientId, key, { requestHash: hash, ...response });
        }
        // Last statement before COMMIT: the audit lock is global and held until the commit.
        await appendAudit(q, [
          {
            actor: p.clientId,
            action: 'batch.accepted',
            subject: `batch:${batchId}`,
            details: { schoolCode, entity, format, received: records.length, idempotencyKey: key ?? null },
          },
        ]);
        return response;
      };
      let out: StoredResponse;
      try {
        out = await opts.db.tx(create);
      } catch (err) {
        // Two requests with the same key raced: the loser replays the winner's answer.
        if (key && hash && isUniqueViolation(err)) {
          const prior = await replayed(opts.db, p.clientId, key, hash);
          if (!prior) throw err;
          out = prior;
          void reply.header('idempotent-replayed', 'true');
        } else throw err;
      }
      void reply.header('location', out.body.statusUrl);
      return reply.code(202).send(out.body);
    },
  );

  app.get(
    '/v1/batches/:batchId',
    {
      config: { scope: 'batches:read' },
      schema: {
        tags: ['batches'],
        summary: 'Trạng thái lô / Batch status and counts',
        security: [{ bearerAuth: [] }],
        params: z.object({ batchId: z.uuid() }).strict(),
        response: { 200: BatchStatus, 400: ProblemSchema, 401: ProblemSchema, 404: ProblemSchema },
      },
    },
    async function getBatch(request) {
      const p = principalOf(request);
      const batch = await createBatchesRepo(opts.db).get(request.params.batchId);
      // Another school's batch is reported as absent, so ids cannot be probed.
      if (!batch || !(p.role === 'city-admin' || p.schools.includes(batch.schoolCode))) {
        throw new AppError('ERR_NOT_FOUND');
      }
      return {
        batchId: batch.id,
        schoolCode: batch.schoolCode,
        entity: batch.entity,
        format: batch.format,
        status: batch.status,
        counts: {
          received: batch.received,
          accepted: batch.accepted,
          rejected: batch.rejected,
          unchanged: batch.unchanged,
        },
        errorCode: batch.errorCode,
        createdAt: batch.createdAt.toISOString(),
        finishedAt: batch.finishedAt ? batch.finishedAt.toISOString() : null,
        findingsUrl: `/v1/batches/${batch.id}/findings`,
      };
    },
  );

  app.get(
    '/v1/batches/:batchId/findings',
    {
      config: { scope: 'batches:read' },
      schema: {
        tags: ['batches'],
        summary: 'Kết quả kiểm tra từng bản ghi / Per-record findings',
        security: [{ bearerAuth: [] }],
        params: z.object({ batchId: z.uuid() }).strict(),
        querystring: z
          .object({
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            offset: z.coerce.number().int().min(0).default(0),
          })
          .strict(),
        response: {
          200: z.object({
            batchId: z.uuid(),
            items: z.array(Finding),
            limit: z.number(),
            offset: z.number(),
          }),
          400: ProblemSchema,
          401: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async function getFindings(request) {
      const p = principalOf(request);
      const repo = createBatchesRepo(opts.db);
      const batch = await repo.get(request.params.batchId);
      if (!batch || !(p.role === 'city-admin' || p.schools.includes(batch.schoolCode))) {
        throw new AppError('ERR_NOT_FOUND');
      }
      const { limit, offset } = request.query;
      const rows = await repo.findings(batch.id, limit, offset);
      return {
        batchId: batch.id,
        limit,
        offset,
        items: rows.map((r) => ({
          recordIndex: r.recordIndex,
          recordKey: r.recordKey,
          criterion: r.criterion,
          rule: r.rule,
          severity: r.severity,
          pointer: r.pointer,
          message: { vi: r.messageVi, en: r.messageEn },
        })),
      };
    },
  );
};
export default batchRoutes;
