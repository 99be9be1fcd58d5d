import { createHash, randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Principal } from '../auth/tokens.js';
import { recordAudit } from '../../audit/chain.js';
import { BATCH_FORMATS, VENDOR_ENTITIES } from '../../canonical/systems.js';
import { AppError } from '../../errors.js';
import { queueBatch } from '../../jobs/contracts.js';
import { dryRunBatch, type JudgeContext } from '../../jobs/judge.js';
import { createBatchesRepo, type Batch, type FindingRow } from '../../store/batches.js';
import { createGuardHoldsRepo } from '../../store/guard-holds.js';
import { createPushSetsRepo, type BatchDelivery } from '../../store/push-sets.js';
import type { Db, Queryable } from '../../store/db.js';
import { createIdempotencyRepo } from '../../store/idempotency.js';
import { canAccessSchool, principalOf, requireSchool } from '../plugins/auth.js';
import { findingsQuery } from '../findings-query.js';
import { pickLang, ProblemSchema } from '../problem.js';

export const SchoolCode = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'mã trường không hợp lệ / invalid school code')
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
      entity: z.enum(VENDOR_ENTITIES).meta({ description: 'Loại dữ liệu / entity' }),
      format: z
        .enum(BATCH_FORMATS)
        .default('canonical')
        .meta({ description: 'Định dạng bản ghi / record format' }),
      records: z
        .array(z.record(z.string(), z.unknown()))
        .min(1)
        .max(maxRecords)
        .meta({ description: `1–${maxRecords} bản ghi / records` }),
      mode: z
        .enum(['delta', 'snapshot'])
        .optional()
        .meta({
          description:
            'delta: chỉ các bản ghi thay đổi; snapshot: toàn bộ bản ghi của trường, bản ghi vắng mặt bị xoá / ' +
            'delta: changed records only (default); snapshot: every record of the school, absent ones are deleted',
        }),
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
    status: z.enum(['queued', 'processing', 'held', 'done', 'failed']).meta({
      description:
        'held: chờ quản trị duyệt vì thay đổi quá nhiều bản ghi của trường (xem guard) / ' +
        'held: waiting for a city admin because it changes too much of a school (see guard)',
    }),
    counts: z.object({
      received: z.number().int(),
      accepted: z.number().int(),
      rejected: z.number().int(),
      unchanged: z.number().int(),
      deleted: z.number().int(),
    }),
    mode: z.enum(['delta', 'snapshot']),
    errorCode: z.string().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    findingsUrl: z.string(),
    deliveries: z
      .array(
        z.object({
          system: z.string(),
          state: z.enum(['delivered', 'pending', 'failed']),
          errorCode: z.string().nullable(),
          deliveredAt: z.string().nullable(),
        }),
      )
      .meta({
        description:
          'Chuyển các thay đổi của lô tới từng hệ thống đích / where the batch’s changes stand at each target; a failed delivery (its dead-letter code in errorCode) makes the batch failed',
      }),
    guard: z
      .object({
        holdId: z.number().int(),
        status: z.enum(['held', 'approved', 'rejected']),
        kinds: z.array(z.enum(['deleted', 'changed'])),
        decidedAt: z.string().nullable(),
        appliedAt: z.string().nullable(),
      })
      .nullable()
      .meta({
        description:
          'Thay đổi hàng loạt bị giữ chờ duyệt (cả lô, hoặc các bản ghi bị xoá của snapshot) / ' +
          'the mass-change guard’s hold on this batch (the whole batch, or a snapshot’s deletions): ' +
          'held while a city admin decides; kinds: which thresholds it went over',
      }),
  })
  .meta({ id: 'BatchStatus' });

const Finding = z
  .object({
    recordIndex: z.number().int(),
    recordKey: z.string().nullable(),
    criterion: z.string(),
    rule: z.string(),
    severity: z.enum(['error', 'warning', 'info']),
    pointer: z.string(),
    message: z.object({ vi: z.string(), en: z.string() }),
    /** Issue 8: the message and fix hint in the caller's language (Accept-Language, Vietnamese first). */
    text: z.string(),
    hint: z.object({ vi: z.string(), en: z.string() }).optional(),
    /** The offending value, only where it is not personal data. */
    value: z.string().optional(),
    detail: z.object({ vi: z.string(), en: z.string() }).optional(),
  })
  .meta({ id: 'Finding' });

export interface BatchRouteOptions {
  db: Db;
  maxBatchRecords: number;
  /** The clock and quality settings a dry run judges with, as the ingest job would. */
  judge: JudgeContext;
  /** Called after a batch's transaction commits: wake the outbox relay and the audit chainer. */
  onAccepted?: () => void;
}

const PushQuery = z
  .object({
    dryRun: z.enum(['true', 'false']).default('false').meta({
      description:
        'true: kiểm tra lô và trả kết quả ngay (200), không lưu gì / validate the batch and answer its findings at once (200), storing nothing',
    }),
  })
  .strict();

const DryRunResult = z
  .object({
    dryRun: z.literal(true),
    schoolCode: z.string(),
    entity: z.string(),
    format: z.string(),
    mode: z.enum(['delta', 'snapshot']),
    counts: z.object({
      received: z.number().int(),
      accepted: z.number().int(),
      rejected: z.number().int(),
      unchanged: z.number().int(),
    }),
    findings: z.array(Finding),
    snapshot: z
      .object({
        wouldDelete: z.number().int().meta({
          description:
            'Số bản ghi còn sống của trường mà lô bỏ sót, sẽ bị xoá / live records of the school the batch omits: what it would delete',
        }),
        skipped: z.enum(['unkeyed-records']).nullable().meta({
          description:
            'unkeyed-records: có bản ghi không có khoá nên không xoá gì / a record has no key, so nothing would be deleted',
        }),
        guardWouldHold: z.boolean().meta({
          description:
            'Bộ chặn thay đổi hàng loạt sẽ giữ các lần xoá này chờ duyệt / the mass-change guard would hold these deletions for approval',
        }),
      })
      .optional()
      .meta({
        description:
          'Chỉ với mode snapshot: chỉ có số lượng, không có dữ liệu cá nhân / snapshot mode only: counts, no personal data',
      }),
  })
  .meta({
    id: 'DryRunResult',
    description:
      'Kết quả nếu lô được gửi thật; không lưu gì / what the batch would get if pushed; nothing was stored',
  });

type BatchBody = z.infer<ReturnType<typeof batchBody>>;

/**
 * The request an Idempotency-Key stands for: the school and the body's bytes as sent (their SHA-256,
 * taken by the JSON parser). Hashing bytes, not a key-sorted re-serialisation, costs ~0.3 ms a batch
 * instead of ~10 ms; a retry resends the same bytes, so it matches.
 */
function requestHash(schoolCode: string, bodySha256: string): string {
  return createHash('sha256').update(`POST /v1/schools/${schoolCode}/batches\n${bodySha256}`).digest('hex');
}

interface StoredResponse {
  status: number;
  body: z.infer<typeof BatchAccepted>;
}

interface NewBatchRequest {
  clientId: string;
  schoolCode: string;
  body: BatchBody;
  /** SHA-256 of the body's bytes as sent. */
  bodySha256: string | undefined;
  /** The body's JSON text (its `records` are stored from it, not serialised again). */
  bodyText: string | undefined;
  /** The earlier batch of the same body bytes, which keeps the records (a repeat). */
  sameAs: string | undefined;
  /** The Idempotency-Key and the request's hash, when the client sent a key. */
  idempotency: { key: string; hash: string } | undefined;
}

/**
 * In one transaction: the Idempotency-Key's answer (claimed first, in one statement: a key used before
 * answers what it answered then, or 422 for another request), the batch, its ingest job, the audit entry.
 */
async function storeBatch(
  q: Queryable,
  req: NewBatchRequest,
): Promise<{ response: StoredResponse; replayed: boolean }> {
  const { clientId, schoolCode, idempotency } = req;
  const batchId = randomUUID();
  const { entity, format, records } = req.body;
  const response: StoredResponse = {
    status: 202,
    body: { batchId, status: 'queued', statusUrl: `/v1/batches/${batchId}`, received: records.length },
  };
  if (idempotency) {
    const prior = await createIdempotencyRepo(q).claim(clientId, idempotency.key, {
      requestHash: idempotency.hash,
      ...response,
    });
    if (prior) {
      if (prior.requestHash !== idempotency.hash) throw new AppError('ERR_IDEMPOTENCY_MISMATCH');
      return { response: { status: prior.status, body: prior.body }, replayed: true };
    }
  }
  const mode = req.body.mode ?? 'delta';
  const { bodySha256, bodyText, sameAs } = req;
  // The relay is woken after the commit (`onAccepted`), not by a NOTIFY inside it (./outbox.ts).
  await queueBatch(
    q,
    {
      id: batchId,
      clientId,
      schoolCode,
      entity,
      format,
      records,
      mode,
      ...(bodySha256 ? { bodySha256 } : {}),
      ...(bodyText !== undefined ? { bodyJson: bodyText } : {}),
      ...(sameAs !== undefined ? { sameAs } : {}),
    },
    { notify: false },
  );
  // Recorded with the batch, chained shortly after (src/audit/chainer.ts): the chain's lock is global
  // and would be held through this commit, one accepted batch at a time.
  await recordAudit(q, [
    {
      actor: clientId,
      action: 'batch.accepted',
      subject: `batch:${batchId}`,
      details: {
        schoolCode,
        entity,
        format,
        mode,
        received: records.length,
        idempotencyKey: idempotency?.key ?? null,
      },
    },
  ]);
  return { response, replayed: false };
}

/**
 * Stores the batch once per Idempotency-Key (concurrent requests with one key: the first stores, the
 * others wait for its commit and replay its answer); wakes the relay after a new batch's commit.
 */
async function acceptBatch(
  db: Db,
  req: NewBatchRequest,
  onAccepted: (() => void) | undefined,
): Promise<{ response: StoredResponse; replayed: boolean }> {
  const out = await db.tx((q) => storeBatch(q, req));
  if (!out.replayed) onAccepted?.();
  return out;
}

/** The batch, if the principal may read it; another school's batch is absent, so ids cannot be probed. */
async function readableBatch(db: Db, p: Principal, batchId: string): Promise<Batch> {
  const batch = await createBatchesRepo(db).get(batchId);
  if (!batch || !canAccessSchool(p, batch.schoolCode, 'read')) throw new AppError('ERR_NOT_FOUND');
  return batch;
}

type BatchHold = Awaited<ReturnType<ReturnType<typeof createGuardHoldsRepo>['ofBatch']>>;

function batchStatus(
  batch: Batch,
  deliveries: readonly BatchDelivery[] = [],
  hold?: BatchHold,
): z.infer<typeof BatchStatus> {
  // Ingested but not delivered to a target for good: the batch is not done (issue 7).
  const failedDelivery = batch.status === 'done' ? deliveries.find((d) => d.state === 'failed') : undefined;
  // A snapshot whose deletions wait for a city admin is held too (its records are applied).
  const held = hold?.status === 'held' && batch.status === 'done';
  return {
    batchId: batch.id,
    schoolCode: batch.schoolCode,
    entity: batch.entity,
    format: batch.format,
    status: failedDelivery ? 'failed' : held ? 'held' : batch.status,
    counts: {
      received: batch.received,
      accepted: batch.accepted,
      rejected: batch.rejected,
      unchanged: batch.unchanged,
      deleted: batch.deleted,
    },
    mode: batch.mode,
    errorCode: failedDelivery?.errorCode ?? batch.errorCode,
    createdAt: batch.createdAt.toISOString(),
    finishedAt: batch.finishedAt ? batch.finishedAt.toISOString() : null,
    findingsUrl: `/v1/batches/${batch.id}/findings`,
    deliveries: deliveries.map((d) => ({
      system: d.system,
      state: d.state,
      errorCode: d.errorCode,
      deliveredAt: d.deliveredAt ? new Date(d.deliveredAt).toISOString() : null,
    })),
    guard: hold
      ? {
          holdId: hold.id,
          status: hold.status,
          kinds: [...new Set(hold.reasons.map((r) => r.kind))],
          decidedAt: hold.decidedAt ? new Date(hold.decidedAt).toISOString() : null,
          appliedAt: hold.appliedAt ? new Date(hold.appliedAt).toISOString() : null,
        }
      : null,
  };
}

/** A stored (or dry-run) finding as the API shows it, its message in the caller's language. */
function findingView(r: FindingRow, lang: 'vi' | 'en'): z.infer<typeof Finding> {
  return {
    recordIndex: r.recordIndex,
    recordKey: r.recordKey,
    criterion: r.criterion,
    rule: r.rule,
    severity: r.severity,
    pointer: r.pointer,
    message: { vi: r.messageVi, en: r.messageEn },
    text: lang === 'vi' ? r.messageVi : r.messageEn,
    ...(r.hintVi && r.hintEn ? { hint: { vi: r.hintVi, en: r.hintEn } } : {}),
    ...(r.value != null ? { value: r.value } : {}),
    ...(r.detailVi && r.detailEn ? { detail: { vi: r.detailVi, en: r.detailEn } } : {}),
  };
}

const BatchIdParams = z.object({ batchId: z.uuid() }).strict();

const FindingsQuery = findingsQuery(['dung', 'du', 'sach', 'song', 'mapping', 'schema', 'tenancy']).strict();

const FindingsPage = z.object({
  batchId: z.uuid(),
  items: z.array(Finding),
  limit: z.number(),
  offset: z.number(),
});

/** Batches whose body is the same bytes as an earlier batch's: that batch (it keeps the records). */
const repeats = new WeakMap<FastifyRequest, string>();

/**
 * Issue 7, unchanged re-push: a body this client pushed for this school before (the same bytes) is
 * not decoded, parsed or inspected again. It stands as what it said besides its records, with as many
 * empty records (the route's schema still counts them), and the new batch points at the earlier one,
 * which keeps the records. A dry run always judges the body it is sent.
 */
function knownBatchBody(db: Db) {
  return async function knownBatchBody(request: FastifyRequest, bodySha256: string): Promise<unknown> {
    const { schoolCode } = request.params as { schoolCode?: unknown };
    const { dryRun } = request.query as { dryRun?: unknown };
    if (!request.principal || typeof schoolCode !== 'string' || dryRun === 'true') return undefined;
    const held = await createBatchesRepo(db).holderOf(request.principal.clientId, schoolCode, bodySha256);
    if (!held) return undefined;
    repeats.set(request, held.id);
    return {
      entity: held.entity,
      format: held.format,
      mode: held.mode,
      records: Array.from({ length: held.received }, () => ({})),
    };
  };
}

const batchRoutes: FastifyPluginAsyncZod<BatchRouteOptions> = async function batchRoutes(app, opts) {
  app.post(
    '/v1/schools/:schoolCode/batches',
    {
      config: { scope: 'batches:write', knownBody: knownBatchBody(opts.db) },
      schema: {
        tags: ['batches'],
        summary: 'Gửi một lô bản ghi / Push a batch of records',
        description:
          'Lưu lô và xếp hàng xử lý; trả 202 khi lô đã được ghi bền vững. Với `dryRun=true`: kiểm tra lô như khi xử lý thật và trả kết quả (200), không lưu gì và không dùng Idempotency-Key. / ' +
          'Stores the batch durably and queues it; answers 202 once committed. With `dryRun=true`: judges the batch as ingest would and answers the findings (200); nothing is stored and no Idempotency-Key is used.',
        params: Params,
        querystring: PushQuery,
        headers: IdempotencyHeaders,
        body: batchBody(opts.maxBatchRecords),
        response: {
          200: DryRunResult,
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
      if (request.query.dryRun === 'true') {
        const { entity, format, records } = request.body;
        const mode = request.body.mode ?? 'delta';
        const lang = pickLang(request.headers['accept-language']);
        const outcome = await dryRunBatch(opts.db, opts.judge, {
          clientId: p.clientId,
          schoolCode,
          entity,
          format,
          records,
          mode,
        });
        return reply.code(200).send({
          dryRun: true as const,
          schoolCode,
          entity,
          format,
          mode,
          counts: outcome.counts,
          findings: outcome.findings.map((r) => findingView(r, lang)),
          ...(outcome.snapshot ? { snapshot: outcome.snapshot } : {}),
        });
      }
      const key = request.headers['idempotency-key'];
      const sha = request.bodySha256;
      const idempotency = key && sha ? { key, hash: requestHash(schoolCode, sha) } : undefined;
      const { response, replayed } = await acceptBatch(
        opts.db,
        {
          clientId: p.clientId,
          schoolCode,
          body: request.body,
          bodySha256: sha,
          bodyText: request.bodyText,
          sameAs: repeats.get(request),
          idempotency,
        },
        opts.onAccepted,
      );
      if (replayed) void reply.header('idempotent-replayed', 'true');
      void reply.header('location', response.body.statusUrl);
      return reply.code(202).send(response.body);
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
        params: BatchIdParams,
        response: { 200: BatchStatus, 400: ProblemSchema, 401: ProblemSchema, 404: ProblemSchema },
      },
    },
    async function getBatch(request) {
      const batch = await readableBatch(opts.db, principalOf(request), request.params.batchId);
      const [deliveries, hold] = await Promise.all([
        createPushSetsRepo(opts.db).deliveriesOf(batch.id),
        createGuardHoldsRepo(opts.db).ofBatch(batch.id),
      ]);
      return batchStatus(batch, deliveries, hold);
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
        params: BatchIdParams,
        querystring: FindingsQuery,
        response: { 200: FindingsPage, 400: ProblemSchema, 401: ProblemSchema, 404: ProblemSchema },
      },
    },
    async function getFindings(request) {
      const batch = await readableBatch(opts.db, principalOf(request), request.params.batchId);
      const { limit, offset, rule, criterion, severity } = request.query;
      const lang = pickLang(request.headers['accept-language']);
      const rows = await createBatchesRepo(opts.db).findings(batch.id, limit, offset, {
        rule,
        criterion,
        severity,
      });
      return {
        batchId: batch.id,
        limit,
        offset,
        items: rows.map((r) => findingView(r, lang)),
      };
    },
  );
};
export default batchRoutes;
