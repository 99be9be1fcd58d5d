/**
 * Accepting a vendor's batch (issue 9): the Idempotency-Key's claim, the batch, its ingest job and its
 * audit entry in one transaction; and the look-up, before the body is read, of a body this client sent
 * for this school before (issue 7, unchanged re-push), which is then neither decoded nor parsed again.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError, both } from '../errors.js';
import {
  acceptKnownRepeat,
  acceptRepeat,
  queueBatch,
  queueNewBatch,
  type RepeatContext,
} from '../jobs/contracts.js';
import type { Counts } from '../jobs/contracts.js';
import type { AuditEvent } from '../store/audit-log.js';
import { createBatchesRepo, type HeldBody, type NewBatch, type RepeatOf } from '../store/batches.js';
import type { Db, Queryable } from '../store/db.js';
import type { OutboxRow } from '../store/outbox.js';
import { createIdempotencyRepo } from '../store/idempotency.js';
import {
  IdempotencyHeaders,
  Params,
  pushedBatch,
  PushQuery,
  recordLimitOf,
  type BatchAccepted,
  type BatchBody,
  type BatchLimits,
} from './batch-contract.js';
import type { ScannedMember } from './json-scan.js';
import { canAccessSchool } from './plugins/auth.js';
import { decodeUtf8, parseJson } from './plugins/input.js';

/**
 * The request an Idempotency-Key stands for: the school and the body's bytes as sent (their SHA-256,
 * taken by the JSON parser). Hashing bytes, not a key-sorted re-serialisation, costs ~0.3 ms a batch
 * instead of ~10 ms; a retry resends the same bytes, so it matches.
 */
export function requestHash(schoolCode: string, bodySha256: string): string {
  return createHash('sha256').update(`POST /v1/schools/${schoolCode}/batches\n${bodySha256}`).digest('hex');
}

export interface StoredResponse {
  status: number;
  body: z.infer<typeof BatchAccepted>;
}

export interface NewBatchRequest {
  clientId: string;
  schoolCode: string;
  body: BatchBody;
  /** SHA-256 of the body's bytes as sent. */
  bodySha256: string | undefined;
  /** The bytes of the body's records, when the body stands as its scan found it ({@link batchStandIn}). */
  recordsJson?: Buffer | undefined;
  /**
   * The earlier batch of the same body bytes, which keeps the records (a repeat); null: looked for
   * before the body was read, none (not looked for again); undefined: not looked for.
   */
  sameAs: string | null | undefined;
  /** With `sameAs`: the last judged batch of the same bytes, looked up with it (null: none). */
  judged?: RepeatOf | null | undefined;
  /**
   * The look-up of `sameAs` also judged it as {@link acceptUnchanged} would (./batch-intake.ts `knownBatchBody`):
   * its answer when it accepted the batch done; `null` when it could not (not tried again here).
   */
  atOnce?: StoredResponse | null | undefined;
  /**
   * The Idempotency-Key and the request's hash, when the client sent a key, and how long a key answers again
   * (api.idempotencyRetentionHours): an older one is expired, its reuse a new request.
   */
  idempotency: { key: string; hash: string; retentionHours: number } | undefined;
  /** When it was accepted (the API's clock): its batch.accepted audit entry's time. */
  at: Date;
}

/** The batch.accepted audit event of a new batch. */
function acceptedEvent(req: NewBatchRequest, batchId: string): AuditEvent {
  const { clientId, schoolCode, idempotency } = req;
  const { entity, format, mode, records } = pushedBatch(clientId, schoolCode, req.body);
  return {
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
  };
}

/**
 * The 202 of a new batch: queued, or done with its counts when it was judged at once (a repeat: fix31c, it said
 * queued, and the vendor polled a batch that was done when answered).
 */
function acceptedResponse(batchId: string, received: number, judged?: Counts): StoredResponse {
  const statusUrl = `/v1/batches/${batchId}`;
  return {
    status: 202,
    body: judged
      ? { batchId, status: 'done', statusUrl, received, counts: { received, ...judged, deleted: 0 } }
      : { batchId, status: 'queued', statusUrl, received },
  };
}

/**
 * A repeat (the same bytes as an earlier batch, which was judged) sent without an Idempotency-Key,
 * judged unchanged at once in one statement of its own (../jobs/requests.ts `acceptRepeat`); undefined
 * when it could not be (nothing was written).
 */
async function acceptUnchanged(
  db: Db,
  req: NewBatchRequest,
  repeats: RepeatContext,
): Promise<StoredResponse | undefined> {
  const { sameAs, judged, bodySha256, idempotency } = req;
  if (idempotency || typeof sameAs !== 'string' || !judged || bodySha256 === undefined) return undefined;
  const batchId = randomUUID();
  const batch = { id: batchId, ...pushedBatch(req.clientId, req.schoolCode, req.body), bodySha256, sameAs };
  const counts = await acceptRepeat(db, batch, judged, acceptedEvent(req, batchId), repeats);
  return counts ? acceptedResponse(batchId, batch.records.length, counts) : undefined;
}

/**
 * What a push reusing a key for other bytes is told (walk11 W11-5: nothing, the vendor left to guess which to change):
 * a new batch takes a new key, a retry the first body's bytes.
 */
const KEY_REUSED = both(
  'khoá này đã dùng cho một nội dung khác; lô mới cần khoá mới, gửi lại thì gửi đúng từng byte của lần đầu',
  'this key was used for another body; a new batch takes a new key, a retry resends the first body byte for byte',
);

/**
 * In one transaction: the Idempotency-Key's answer (claimed first, in one statement: a key used before and not
 * expired answers what it answered then, or 422 for another request), the batch, its ingest job, the audit entry.
 */
async function storeBatch(
  q: Queryable,
  req: NewBatchRequest,
  repeats: RepeatContext | undefined,
  handOver: boolean,
): Promise<Accepted> {
  const { clientId, idempotency } = req;
  const batchId = randomUUID();
  const { records } = req.body;
  const response = acceptedResponse(batchId, records.length);
  if (idempotency) {
    const prior = await createIdempotencyRepo(q).claim(
      clientId,
      idempotency.key,
      { requestHash: idempotency.hash, ...response },
      idempotency.retentionHours,
    );
    if (prior) {
      if (prior.requestHash !== idempotency.hash) throw new AppError('ERR_IDEMPOTENCY_MISMATCH', KEY_REUSED);
      return { response: { status: prior.status, body: prior.body }, replayed: true, queued: false };
    }
  }
  const { sameAs, judged } = req;
  // Recorded with the batch, chained shortly after (src/audit/chainer.ts): the chain's lock is global
  // and would be held through this commit, one accepted batch at a time. A repeat judged at once records
  // its batch.ingested after it, in the same statement.
  const accepted = acceptedEvent(req, batchId);
  // The relay is woken after the commit (`onAccepted`), not by a NOTIFY inside it (../store/outbox.ts). With
  // `repeats`, a repeat whose school is as its earlier batch left it is judged here, queued for nothing.
  let row: OutboxRow | undefined;
  const atOnce = await queueBatch(q, newBatchOf(req, batchId), {
    notify: false,
    repeatChecked: sameAs === null,
    audit: { events: [accepted], at: req.at },
    ...(repeats ? { repeats } : {}),
    ...(typeof sameAs === 'string' && judged !== undefined ? { judged } : {}),
    ...(handOver ? { handedOver: (r: OutboxRow) => (row = r) } : {}),
  });
  if (atOnce === undefined) return { response, replayed: false, queued: true, row };
  // Judged at once: the answer says so, and so does the key's, which a retry replays.
  const done = acceptedResponse(batchId, records.length, atOnce);
  if (idempotency) await createIdempotencyRepo(q).answer(clientId, idempotency.key, done);
  return { response: done, replayed: false, queued: false };
}

/**
 * The batch a request stores. A batch that keeps its records keeps them as the body sent them when the body
 * stands as scanned ({@link batchStandIn}: not serialised again and encoded for the statement), else serialised.
 */
function newBatchOf(req: NewBatchRequest, batchId: string): NewBatch {
  const { bodySha256, sameAs } = req;
  const recordsJson = typeof sameAs === 'string' ? undefined : req.recordsJson;
  // A stand-in's records are only counted: the body's own bytes are what is stored.
  if (!recordsJson && typeof sameAs !== 'string' && req.body.records[0] === SCANNED_RECORD)
    throw new Error('batch-intake: a scanned body without its records');
  return {
    id: batchId,
    ...pushedBatch(req.clientId, req.schoolCode, req.body),
    ...(bodySha256 ? { bodySha256 } : {}),
    ...(typeof sameAs === 'string' ? { sameAs } : {}),
    ...(recordsJson ? { recordsJson } : {}),
  };
}

/**
 * A new body (no earlier batch of the client keeps it: looked for, none) sent without an Idempotency-Key:
 * stored and queued in one statement of its own (../jobs/requests.ts `queueNewBatch`), no transaction.
 */
async function acceptNew(db: Db, req: NewBatchRequest, handOver: boolean): Promise<Accepted | undefined> {
  if (req.idempotency || req.sameAs !== null) return undefined;
  const batchId = randomUUID();
  const events = [acceptedEvent(req, batchId)];
  const row = await queueNewBatch(
    db,
    newBatchOf(req, batchId),
    { events, at: req.at },
    { handedOver: handOver },
  );
  return { response: acceptedResponse(batchId, req.body.records.length), replayed: false, queued: true, row };
}

/**
 * What accepting a request did: its answer, whether it replays an earlier one, whether an ingest job was queued,
 * and its outbox row when written handed over (the caller adds its job).
 */
interface Accepted {
  response: StoredResponse;
  replayed: boolean;
  queued: boolean;
  row?: OutboxRow | undefined;
}

/**
 * Stores the batch once per Idempotency-Key (concurrent requests with one key: the first stores, the
 * others wait for its commit and replay its answer); `onAccepted` after the commit of a new batch whose
 * ingest job was queued (`handedOver`: its job was given to `handOver`, so the relay need not be woken). A
 * repeat judged at once queued none: waking the relay would be a notification and a claim in every worker
 * for nothing, and its two audit entries are chained by the chainer's next tick (within a second) with
 * others', not by a pass of their own (seven statements). With `handOver` (../jobs/hand-over.ts), a queued
 * ingest job's outbox row is written handed over (../store/outbox.ts `flushHandedOver`) and given to it after the
 * commit, to add the job to its queue.
 */
export async function acceptBatch(
  db: Db,
  req: NewBatchRequest,
  onAccepted: ((handedOver: boolean) => void) | undefined,
  repeats?: RepeatContext,
  handOver?: (row: OutboxRow) => void,
): Promise<{ response: StoredResponse; replayed: boolean }> {
  // Without a key, a repeat is judged unchanged in one statement when it can be, and a new body is stored
  // and queued in one statement; otherwise (or with a key) the batch is stored in a transaction, where a
  // repeat may still be judged (a format that records which schools its system serves) or else is queued.
  const unchanged =
    req.atOnce !== undefined
      ? (req.atOnce ?? undefined)
      : repeats
        ? await acceptUnchanged(db, req, repeats)
        : undefined;
  const stored = unchanged ? undefined : await acceptNew(db, req, handOver !== undefined);
  const out: Accepted = unchanged
    ? { response: unchanged, replayed: false, queued: false }
    : (stored ?? (await db.tx((q) => storeBatch(q, req, repeats, handOver !== undefined))));
  if (out.row) handOver?.(out.row);
  if (out.queued) onAccepted?.(out.row !== undefined);
  return { response: out.response, replayed: out.replayed };
}

/**
 * Per request whose body was looked up: the earlier batch of the same bytes (it keeps the records), or
 * null when there is none; and the last judged batch of those bytes (null: none).
 */
const repeats = new WeakMap<
  FastifyRequest,
  { sameAs: string | null; judged: RepeatOf | null; atOnce?: StoredResponse | null }
>();

/** What a repeat's stand-in body holds in place of each record (only their number is read). */
const NO_RECORD = Object.freeze({});

/** What a scanned body's stand-in holds in place of each record ({@link batchStandIn}). */
const SCANNED_RECORD = Object.freeze({});

/** Per request whose body stands as scanned: the bytes of its records. */
const scannedRecords = new WeakMap<FastifyRequest, Buffer>();

const EMPTY_ARRAY = Buffer.from('[]');

/**
 * Issue 7, a vendor's changed batch: a new body that the scan found well-formed and within every limit
 * (./json-scan.ts) is not decoded or parsed whole. It stands as what it said besides its records (those few
 * bytes parsed as the full path would) with as many empty records, each an object in the body; the batch stores
 * the bytes of its records as sent, and the ingest judges them. Undefined (the body is parsed as usual): a dry
 * run (it judges the records), or records not a single array of 1 to as many objects as a snapshot takes (the schema says why).
 */
export function batchStandIn(limits: BatchLimits) {
  const most = Math.max(limits.delta, limits.snapshot);
  return function batchStandIn(
    request: FastifyRequest,
    bytes: Buffer,
    members: readonly ScannedMember[],
  ): unknown {
    const { dryRun } = request.query as { dryRun?: unknown };
    if (dryRun === 'true') return undefined;
    const records = members.filter((m) => m.name === 'records');
    const r = records[0];
    // A delta of more than its limit but within a snapshot's stands too: the schema refuses it by its mode.
    if (records.length !== 1 || !r || !r.objects || r.items < 1 || r.items > most) return undefined;
    const rest = Buffer.concat([bytes.subarray(0, r.start), EMPTY_ARRAY, bytes.subarray(r.end)]);
    const envelope = parseJson(decodeUtf8(rest)) as Record<string, unknown>;
    envelope.records = new Array<object>(r.items).fill(SCANNED_RECORD);
    scannedRecords.set(request, bytes.subarray(r.start, r.end));
    return envelope;
  };
}

/** The bytes of the records of a body that stands as scanned ({@link batchStandIn}), else undefined. */
export const scannedRecordsOf = (request: FastifyRequest): Buffer | undefined => scannedRecords.get(request);

/**
 * Issue 7, unchanged re-push: a body this client pushed for this school before (the same bytes) is
 * not decoded, parsed, inspected or validated again. It stands as what it said besides its records, with
 * as many empty records, and the new batch points at the earlier one, which keeps the records. A dry run
 * always judges the body it is sent; so is a body of more records than the route takes now
 * (`limits` of its mode: it is refused as it would have been). With `atOnce` (the API's clock, policy and metrics), a
 * repeat that can be judged unchanged at once is, by the look-up's own statement ({@link judgedHere}): the
 * batch is done before the body stands, and the route answers what that statement accepted (`atOnce`), with
 * one round trip to the database where the look-up and the judgment took two.
 */
export function knownBatchBody(db: Db, limits: BatchLimits, atOnce?: RepeatContext) {
  return async function knownBatchBody(request: FastifyRequest, bodySha256: string): Promise<unknown> {
    const { schoolCode } = request.params as { schoolCode?: unknown };
    const { dryRun } = request.query as { dryRun?: unknown };
    const p = request.principal;
    if (!p || typeof schoolCode !== 'string' || dryRun === 'true') return undefined;
    if (atOnce && judgedHere(request, schoolCode)) {
      const id = randomUUID();
      // Only a delta is judged at once (a snapshot deletes: its ingest judges it).
      const push = { id, clientId: p.clientId, schoolCode, bodySha256, maxRecords: limits.delta };
      const found = await acceptKnownRepeat(db, atOnce, push);
      const judged = { accepted: 0, rejected: 0, unchanged: found?.received ?? 0 };
      const accepted = found?.inserted ? acceptedResponse(id, found.received, judged) : null;
      repeats.set(request, { sameAs: found?.id ?? null, judged: found?.judged ?? null, atOnce: accepted });
      return standInOf(found, limits);
    }
    const held = await createBatchesRepo(db).heldAndJudged(p.clientId, schoolCode, bodySha256);
    repeats.set(request, { sameAs: held?.id ?? null, judged: held?.judged ?? null });
    return standInOf(held, limits);
  };
}

/**
 * Whether a push's body, if it is a repeat, is judged at once with its look-up (one statement, before the body
 * stands; ../jobs/ingest-repeat.ts `acceptKnownRepeat`): without an Idempotency-Key (its claim goes first, in a
 * transaction), by a client that may write to the school, and only when the rest of the request passes the
 * route's schemas (the same zod schemas), so that nothing after the batch's insert refuses the request.
 */
function judgedHere(request: FastifyRequest, schoolCode: string): boolean {
  return (
    request.headers['idempotency-key'] === undefined &&
    canAccessSchool(request.principal!, schoolCode, 'write') &&
    Params.safeParse(request.params).success &&
    PushQuery.safeParse(request.query).success &&
    IdempotencyHeaders.safeParse(request.headers).success
  );
}

/**
 * What a known body stands as (its records empty, only counted); undefined: none, or more records than its mode
 * takes now (the body is parsed and refused as a new one would be).
 */
function standInOf(held: HeldBody | undefined, limits: BatchLimits): unknown {
  if (!held || held.received > recordLimitOf(limits, held.mode)) return undefined;
  return {
    entity: held.entity,
    format: held.format,
    mode: held.mode,
    records: new Array<object>(held.received).fill(NO_RECORD),
  };
}

/**
 * The earlier batch that keeps this request's body's records (null: none; undefined: not looked up) and
 * the last judged batch of the same bytes (null: none; undefined: not looked up).
 */
export function repeatOf(request: FastifyRequest): {
  sameAs: string | null | undefined;
  judged: RepeatOf | null | undefined;
  atOnce: StoredResponse | null | undefined;
} {
  const known = repeats.get(request);
  return { sameAs: known?.sameAs, judged: known?.judged, atOnce: known?.atOnce };
}
