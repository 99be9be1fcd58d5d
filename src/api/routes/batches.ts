/**
 * Vendor batches (issue 9): `POST /v1/schools/{schoolCode}/batches` (stored and queued, 202, once per
 * Idempotency-Key; or judged at once with `dryRun=true`), a batch's status and its findings. The body is
 * read by the hostile-input parser (../plugins/input.ts) after authentication and tenancy; accepting it
 * is ../batch-intake.ts, the schemas ../batch-contract.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Config } from '../../config.js';
import type { Principal } from '../auth/tokens.js';
import { recordAudit } from '../../audit/chain.js';
import type { AuditEvent } from '../../store/audit-log.js';
import { AppError } from '../../errors.js';
import batchListRoute from './batch-list.js';
import { readBatchView } from '../../jobs/batch-status.js';
import type { RepeatContext } from '../../jobs/contracts.js';
import { dryRunBatch } from '../../jobs/dry-run.js';
import { findingPointers, type FindingPointers } from '../../jobs/finding-pointers.js';
import type { JudgeContext } from '../../jobs/judge.js';
import type { FindingRow } from '../../store/batch-findings.js';
import { createBatchesRepo, type Batch } from '../../store/batches.js';
import type { Db } from '../../store/db.js';
import { createDeliveryGatesRepo } from '../../store/delivery-gates.js';
import type { OutboxRow } from '../../store/outbox.js';
import { FindingsPage, FindingsQuery, type Finding } from '../batch-findings-contract.js';
import { noBatch } from '../not-found.js';
import {
  BatchAccepted,
  batchBody,
  BatchIdParams,
  BatchStatus,
  DryRunResult,
  IdempotencyHeaders,
  Params,
  pushedBatch,
  PushQuery,
  type BatchBody,
  type BatchLimits,
} from '../batch-contract.js';
import {
  acceptBatch,
  batchStandIn,
  knownBatchBody,
  repeatOf,
  requestHash,
  scannedRecordsOf,
} from '../batch-intake.js';
import { canAccessSchool, principalOf, requireSchool } from '../plugins/auth.js';
import { pickLang, ProblemSchema } from '../problem.js';
import { titlesOf } from './quality/views.js';

export interface BatchRouteOptions {
  db: Db;
  /** Records a delta batch and a snapshot batch may hold (server.maxBatchRecords, server.maxSnapshotRecords). */
  limits: BatchLimits;
  /**
   * Body limits: a delta's (server.bodyLimitBytes) and a snapshot's (server.snapshotBodyLimitBytes); the push
   * route reads up to the larger, and refuses a delta body over its own after reading its mode.
   */
  bodyLimits: { delta: number; snapshot: number };
  /** The clock and quality settings a dry run judges with, as the ingest job would. */
  judge: JudgeContext;
  /** The delivery gates' settings GET reads a pending delivery's `waiting` with (sync.delivery). */
  delivery: Pick<Config['sync']['delivery'], 'failureThreshold' | 'probeLeaseMs'>;
  /** How long an Idempotency-Key answers again (api.idempotencyRetentionHours). */
  idempotencyRetentionHours: number;
  /**
   * Called after a batch whose ingest job was queued commits (not for a repeat judged at once): wake
   * the audit chainer, and the outbox relay unless the job was handed over (`handedOver`).
   */
  onAccepted?: (handedOver: boolean) => void;
  /**
   * Adds an accepted batch's ingest job to its queue right after the commit (../../jobs/hand-over.ts); with it
   * the job's outbox row is written handed over (../../store/outbox.ts `flushHandedOver`).
   */
  handOver?: (row: OutboxRow) => void;
  /**
   * The clock and metrics a repeated body is judged with when accepted (issue 7, unchanged re-push);
   * without them, every repeat is judged by the ingest job.
   */
  repeats?: RepeatContext;
}

/** A push's Idempotency-Key with the request it stands for and how long it answers again; undefined without one. */
function idempotencyOf(
  key: string | undefined,
  schoolCode: string,
  bodySha256: string | undefined,
  opts: Pick<BatchRouteOptions, 'idempotencyRetentionHours'>,
) {
  if (!key || !bodySha256) return undefined;
  return { key, hash: requestHash(schoolCode, bodySha256), retentionHours: opts.idempotencyRetentionHours };
}

/**
 * Whether `p` may read `batch` (sec29): a batch of a school it may read, and for a vendor only one sent through the
 * API (a vendor's push, its own or another client's of the same school: a school's read-only client follows its
 * vendor's batches). A pulled page (a city pull of hcm-csdl, or of a school's own smas or vnedu system, scoped to
 * the school or not: `syncRunId` set, sent by `system:pull`) is the city's: its findings are filed as the city's,
 * every one of them, those resting on other schools' records included (src/quality/sender-view.ts), and truc binds
 * no client to a school system, so none is "the vendor's own pull". The city's roles read every batch they may
 * read a school of.
 */
function mayReadBatch(p: Principal, batch: Pick<Batch, 'schoolCode' | 'clientId' | 'syncRunId'>): boolean {
  if (!canAccessSchool(p, batch.schoolCode, 'read')) return false;
  if (p.role !== 'vendor') return true;
  return batch.syncRunId === null && !batch.clientId.startsWith('system:');
}

/**
 * The batch, if the principal may read it ({@link mayReadBatch}); any other is absent (404, as an id that names
 * nothing), so ids cannot be probed.
 */
async function readableBatch(db: Db, p: Principal, batchId: string): Promise<Batch> {
  const batch = await createBatchesRepo(db).get(batchId);
  if (!batch || !mayReadBatch(p, batch)) throw new AppError('ERR_NOT_FOUND', noBatch(batchId));
  return batch;
}

/**
 * A stored (or dry-run) finding as the API shows it, its message in the caller's language, its pointers as
 * `pointers` tells them (../../jobs/finding-pointers.ts: into the record as sent, and truc's canonical field).
 */
function findingView(
  r: FindingRow,
  lang: 'vi' | 'en',
  pointers: (pointer: string) => FindingPointers,
): z.infer<typeof Finding> {
  return {
    recordIndex: r.recordIndex,
    recordKey: r.recordKey,
    criterion: r.criterion,
    rule: r.rule,
    ...titlesOf(r.rule, lang),
    severity: r.severity,
    ...pointers(r.pointer),
    message: { vi: r.messageVi, en: r.messageEn },
    text: lang === 'vi' ? r.messageVi : r.messageEn,
    ...(r.hintVi && r.hintEn
      ? { fix: lang === 'vi' ? r.hintVi : r.hintEn, hint: { vi: r.hintVi, en: r.hintEn } }
      : {}),
    ...(r.value != null ? { value: r.value } : {}),
    ...(r.detailVi && r.detailEn ? { detail: { vi: r.detailVi, en: r.detailEn } } : {}),
  };
}

/**
 * A delta body over its own limit (the route reads up to a snapshot's): a 413, bilingual, naming both limits.
 * Checked once the body's mode is known, before anything is judged or stored.
 */
function holdDeltaToItsBodyLimit(
  opts: BatchRouteOptions,
  mode: string | undefined,
  bytes: number | undefined,
) {
  const { delta, snapshot } = opts.bodyLimits;
  if (mode === 'snapshot' || (bytes ?? 0) <= delta) return;
  throw new AppError(
    'ERR_BODY_TOO_LARGE',
    `nội dung một lô delta tối đa ${delta} byte (server.bodyLimitBytes); một lô "mode": "snapshot" tối đa ${snapshot} byte ` +
      `(server.snapshotBodyLimitBytes) / a delta batch's body is at most ${delta} bytes (server.bodyLimitBytes); a "mode": ` +
      `"snapshot" batch's at most ${snapshot} bytes (server.snapshotBodyLimitBytes)`,
  );
}

/**
 * The audit entry of a dry run (api27): who probed which school with what, and what it would have got, in counts
 * (a dry run shows a vendor the findings of records it already holds; the entry names none of them, no record key,
 * no personal data). Recorded like an accepted batch's (`truc.audit_pending`, chained within about a second): one
 * insert, no lock of the chain, so a dry run stays a read for everything else.
 */
function dryRunEvent(
  batch: ReturnType<typeof pushedBatch>,
  outcome: Awaited<ReturnType<typeof dryRunBatch>>,
): AuditEvent {
  return {
    actor: batch.clientId,
    action: 'batch.dry_run',
    subject: `school:${batch.schoolCode}`,
    details: {
      entity: batch.entity,
      format: batch.format,
      mode: batch.mode,
      ...outcome.counts,
      wouldHold: outcome.guard !== null,
      wouldDelete: outcome.snapshot?.wouldDelete ?? null,
    },
  };
}

/** `dryRun=true`: the batch judged as ingest would, nothing stored but its audit entry. */
async function dryRun(
  opts: BatchRouteOptions,
  clientId: string,
  schoolCode: string,
  body: BatchBody,
  lang: 'vi' | 'en',
): Promise<z.infer<typeof DryRunResult>> {
  const batch = pushedBatch(clientId, schoolCode, body);
  const outcome = await dryRunBatch(opts.db, opts.judge, batch);
  await recordAudit(opts.db, [dryRunEvent(batch, outcome)], opts.judge.now());
  const { entity, format, mode } = batch;
  return {
    dryRun: true as const,
    schoolCode,
    entity,
    format,
    mode,
    counts: outcome.counts,
    findings: outcome.findings.map((r) => findingView(r, lang, findingPointers(format, entity))),
    guard: outcome.guard && { status: 'held' as const, ...outcome.guard },
    ...(outcome.snapshot ? { snapshot: outcome.snapshot } : {}),
  };
}

/** The push route's config: its scope, and the stand-ins of a body known before or scanned (../batch-intake.ts). */
function pushConfig(opts: BatchRouteOptions) {
  return {
    scope: 'batches:write',
    knownBody: knownBatchBody(opts.db, opts.limits, opts.repeats),
    standIn: batchStandIn(opts.limits),
    // A key repeated in the body is not looked for (review33b F3 refuses it on every other route): a batch is up to
    // 10 MiB on the vendors' hot path, and reading it again as a tree would cost a few parses of it on every push.
    uniqueKeys: false as const,
  };
}

/** The push route's description in the OpenAPI document (where to read what a native record's fields take). */
const PUSH_DESCRIPTION =
  'Lưu lô và xếp hàng xử lý; trả 202 khi lô đã được ghi bền vững. Với `dryRun=true`: kiểm tra lô như khi xử lý thật và trả kết quả (200), không lưu gì và không dùng Idempotency-Key. / ' +
  'Stores the batch durably and queues it; answers 202 once committed. With `dryRun=true`: judges the batch as ingest would and answers the findings (200); nothing is stored and no Idempotency-Key is used.\n\n' +
  'Bản ghi theo định dạng `smas` hay `vnedu`: mỗi trường của lược đồ bản ghi (`SmasStudentsRecord`, `VneduStaffRecord`, …) nêu các giá trị được nhận (`enum` của mã vnEdu; mã SMAS trong mô tả, cũng nhận cách viết khác) hoặc mẫu (`pattern`) và một ví dụ; một lô ghép từ các ví dụ được nhận, không có phát hiện nào. / ' +
  'Records in the `smas` or `vnedu` format: each field of the record schema (`SmasStudentsRecord`, `VneduStaffRecord`, …) gives the values it takes (a vnEdu code’s `enum`; a SMAS code’s in its description, other spellings read too) or its `pattern`, and an example; a batch made of the examples is accepted with no finding.';

const pushRoute: FastifyPluginAsyncZod<BatchRouteOptions> = async function pushRoute(app, opts) {
  app.post(
    '/v1/schools/:schoolCode/batches',
    {
      config: pushConfig(opts),
      bodyLimit: Math.max(opts.bodyLimits.delta, opts.bodyLimits.snapshot),
      schema: {
        tags: ['batches'],
        summary: 'Gửi một lô bản ghi / Push a batch of records',
        description: PUSH_DESCRIPTION,
        params: Params,
        querystring: PushQuery,
        headers: IdempotencyHeaders,
        body: batchBody(opts.limits),
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
      holdDeltaToItsBodyLimit(opts, request.body.mode, request.bodyBytes);
      if (request.query.dryRun === 'true') {
        const lang = pickLang(request.headers['accept-language']);
        return reply.code(200).send(await dryRun(opts, p.clientId, schoolCode, request.body, lang));
      }
      const sha = request.bodySha256;
      const idempotency = idempotencyOf(request.headers['idempotency-key'], schoolCode, sha, opts);
      const { response, replayed } = await acceptBatch(
        opts.db,
        {
          clientId: p.clientId,
          schoolCode,
          body: request.body,
          bodySha256: sha,
          recordsJson: scannedRecordsOf(request),
          ...repeatOf(request),
          idempotency,
          at: opts.judge.now(),
        },
        opts.onAccepted,
        opts.repeats,
        opts.handOver,
      );
      if (replayed) void reply.header('idempotent-replayed', 'true');
      void reply.header('location', response.body.statusUrl);
      return reply.code(202).send(response.body);
    },
  );
};

const readRoutes: FastifyPluginAsyncZod<BatchRouteOptions> = async function readRoutes(app, opts) {
  app.get(
    '/v1/batches/:batchId',
    {
      config: { scope: 'batches:read' },
      schema: {
        tags: ['batches'],
        summary: 'Trạng thái lô / Batch status and counts',
        params: BatchIdParams,
        response: { 200: BatchStatus, 400: ProblemSchema, 401: ProblemSchema, 404: ProblemSchema },
      },
    },
    async function getBatch(request) {
      const batch = await readableBatch(opts.db, principalOf(request), request.params.batchId);
      const gates = createDeliveryGatesRepo(opts.db);
      return readBatchView(opts.db, batch, {
        peek: (system) => gates.peek(system),
        settings: opts.delivery,
      });
    },
  );

  app.get(
    '/v1/batches/:batchId/findings',
    {
      config: { scope: 'batches:read' },
      schema: {
        tags: ['batches'],
        summary: 'Kết quả kiểm tra từng bản ghi / Per-record findings',
        params: BatchIdParams,
        querystring: FindingsQuery,
        response: { 200: FindingsPage, 400: ProblemSchema, 401: ProblemSchema, 404: ProblemSchema },
      },
    },
    async function getFindings(request) {
      const batch = await readableBatch(opts.db, principalOf(request), request.params.batchId);
      const { limit, offset, rule, criterion, severity } = request.query;
      const lang = pickLang(request.headers['accept-language']);
      const repo = createBatchesRepo(opts.db);
      const [rows, bySeverity] = await Promise.all([
        repo.findings(batch.id, limit, offset, { rule, criterion, severity }),
        repo.batchFindingCounts(batch.id),
      ]);
      const pointers = findingPointers(batch.format, batch.entity);
      return {
        batchId: batch.id,
        limit,
        offset,
        items: rows.map((r) => findingView(r, lang, pointers)),
        counts: findingCountsOf(bySeverity),
      };
    },
  );
};

/** A batch's findings by severity (the store's, a severity with none absent) as a findings page tells them. */
function findingCountsOf(n: Record<string, number>): z.infer<typeof FindingsPage>['counts'] {
  const [error, warning, info] = [n.error ?? 0, n.warning ?? 0, n.info ?? 0];
  return { total: error + warning + info, error, warning, info };
}

const batchRoutes: FastifyPluginAsyncZod<BatchRouteOptions> = async function batchRoutes(app, opts) {
  await pushRoute(app, opts);
  await readRoutes(app, opts);
  await batchListRoute(app, { db: opts.db });
};
export default batchRoutes;
