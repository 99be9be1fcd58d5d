/**
 * Push: deliver one push set (the records one batch changed) to one target system. The job carries
 * the set's id only; records are read from the store at delivery time. The target gets a stable
 * idempotency key per set, so a retry after a lost answer has one effect.
 */
import { createHash } from 'node:crypto';
import { appendAudit } from '../audit/chain.js';
import { CITY_SYSTEM } from '../canonical/systems.js';
import type { SystemName } from '../config.js';
import { AppError, isAppError } from '../errors.js';
import { createClassKeysRepo } from '../store/class-keys.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createPushClaimsRepo } from '../store/push-claims.js';
import { createPushSetsRepo, type PushSet } from '../store/push-sets.js';
import { createRecordsRepo, type LoadedRecord } from '../store/records.js';
import { createSchoolSystemsRepo } from '../store/school-systems.js';
import {
  CITY_COPIES_SCHOOL,
  createSystemCopiesRepo,
  type CopyRow,
  type DeletedCopy,
} from '../store/system-copies.js';
import { pushSet } from './contracts.js';
import type { WorkerContext } from './context.js';
import { DeferJob, defineJob, PermanentJobError, type JobRun } from './define.js';
import type { Through } from '../adapters/types.js';
import { throughGate } from './through-gate.js';
import type { DeleteKey, PushReceipt, PushTarget } from './targets.js';

type PushContext = Pick<WorkerContext, 'db' | 'logger' | 'targets' | 'gates' | 'config' | 'now'>;

/** How often a set whose keys another set is sending looks again (at most; sooner when that claim lapses sooner). */
const CLAIM_RECHECK_MS = 500;

/**
 * How long a set's claims on its keys last (migration 115): longer than one call of its send can take
 * (a token call and the write, each within the system's timeout, after its paced slot), renewed before
 * each further call of a set sent as several; a killed worker's claims lapse after it.
 */
const claimLeaseMs = (ctx: PushContext, system: SystemName) =>
  3 * ctx.config.systems[system].timeoutMs + ctx.config.sync.worker.lockMs;

/** A short digest of the keys a delete attempt sends (key codes hashed, no personal data). */
const keysDigest = (keys: readonly string[]) =>
  createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 16);

async function deliver(
  ctx: PushContext,
  payload: { pushSetId: number },
  job: JobRun,
): Promise<PushReceipt | undefined> {
  const { pushSetId } = payload;
  const set = await createPushSetsRepo(ctx.db).get(pushSetId);
  if (!set || set.deliveredAt) {
    await createOutboxRepo(ctx.db).markDone(job.outboxId);
    return undefined;
  }
  const target = ctx.targets[set.system];
  if (!target) throw new Error(`no target adapter configured for ${set.system}`);
  // Per-key order (issue 7): no other send of these keys is in flight from here until the target has
  // answered, and the records' state is read after the claim, so the last send of a key carries its
  // latest state. A set whose keys another set holds goes back to its queue (no attempt spent).
  const claims = createPushClaimsRepo(ctx.db);
  const claim = await claims.claim(set, pushSetId, set.keys, claimLeaseMs(ctx, set.system));
  if (!claim.held)
    throw new DeferJob(Math.max(50, Math.min(claim.waitMs, CLAIM_RECHECK_MS)), 'job', 'key-in-flight');
  let unanswered = false;
  // A set sent as several paced calls keeps its keys claimed from one call to the next.
  const keepClaims = async () => {
    const held = await claims.renew(pushSetId, claimLeaseMs(ctx, set.system));
    if (held < claim.count) throw new DeferJob(CLAIM_RECHECK_MS, 'job', 'key-in-flight');
  };
  try {
    return await send(ctx, set, job, keepClaims);
  } catch (err) {
    unanswered = outcomeUnknown(err);
    throw err;
  } finally {
    // A send that timed out may still be applied by the target, late: its claims are kept until they
    // lapse (or this set is delivered on a retry), so no later send of its keys can land before it.
    // A release that fails (the database went away) leaves claims that lapse at their lease's end too.
    if (!unanswered) {
      await claims
        .release(pushSetId)
        .catch((err: unknown) => ctx.logger.warn({ err, pushSetId }, 'push claims not released'));
    }
  }
}

/** True when a send failed without an answer after the request may have reached the target (a timeout). */
function outcomeUnknown(err: unknown): boolean {
  const cause = err instanceof DeferJob ? err.cause : err;
  return isAppError(cause) && cause.code === 'ERR_ADAPTER_TIMEOUT';
}

/** What one send did: the target's receipt, how many records or keys went, how many keys were superseded. */
interface Sent {
  receipt: PushReceipt;
  sent: number;
  /** The key of each record or key sent, in the order sent (a refusal's index names one). */
  keys: readonly string[];
  superseded?: number;
  /** A school's own system: the copies it acknowledged (../store/system-copies.ts). */
  acknowledged?: CopyRow[];
  /** A school's own system: the deletions it acknowledged, each at its school. */
  deletionsAcknowledged?: DeletedCopy[];
}

/**
 * The keys a delete set sends now: a key whose record is live again where the delete goes is superseded,
 * never deleted at the target — at the city database (a set without schools), live at any school; at a
 * school's own system (each key with its school), live at that same school (restored there, or moved back):
 * a key live at another school is deleted all the same (precc17: a move's delete to the old school). So is
 * superseded a class whose school holds a live class of the same code in a later school year (a target keys
 * classes by code within the school and holds the newest year's under it; review20b).
 */
async function keysToDelete(
  ctx: PushContext,
  set: PushSet,
): Promise<{ keys: DeleteKey[]; superseded: number }> {
  const live = await createRecordsRepo(ctx.db).liveAt(set.entity, set.keys);
  const codeLive =
    set.entity === 'classes' ? await createClassKeysRepo(ctx.db).codeLiveInLaterYear(set.keys) : new Set();
  const liveThere = (key: string, school: string | null) =>
    live.has(key) && (school === null || school === '' || live.get(key) === school);
  const keys = set.keys
    .map((key, i) => ({ key, school: set.schools?.[i] ?? null }))
    .filter((k) => !liveThere(k.key, k.school) && !codeLive.has(k.key));
  return { keys, superseded: set.keys.length - keys.length };
}

/**
 * Makes a set's send through its target's gate: each call to the system when the target passes them
 * through `through` ({@link PushTarget.pacesEachCall}: a set spanning several schools or chunks is
 * several calls, each paced, none in a burst; review15 BUG 2), else the whole send as one call. Before
 * each call after the first, the set's claims are renewed (`keepClaims`).
 */
async function gated<T>(
  ctx: PushContext,
  set: PushSet,
  keepClaims: () => Promise<void>,
  send: (through: Through | undefined) => Promise<T>,
): Promise<T> {
  // The endpoint the set writes to: its failures are counted apart at the gate (fix34d).
  const endpoint = `${set.entity}:${set.operation}`;
  if (ctx.targets[set.system]?.pacesEachCall !== true)
    return throughGate(ctx, set.system, () => send(undefined), endpoint);
  let calls = 0;
  return send(async (call) => {
    if (calls++ > 0) await keepClaims();
    return throughGate(ctx, set.system, call, endpoint);
  });
}

/**
 * A 200 receipt that does not account for every record sent (accepted + rejected ≠ sent, or a rejection's
 * index outside them or twice) is no delivery: ERR_ADAPTER_RESPONSE_INVALID, retried under the same
 * Idempotency-Key (review27c F2: was `delivered` with none of them held by the target).
 */
function accounted(system: SystemName, receipt: PushReceipt, sent: number): PushReceipt {
  const indexes = new Set(receipt.rejected.map((r) => r.index));
  const inRange = receipt.rejected.every((r) => Number.isInteger(r.index) && r.index >= 0 && r.index < sent);
  if (
    receipt.accepted + receipt.rejected.length !== sent ||
    indexes.size !== receipt.rejected.length ||
    !inRange
  )
    throw new AppError(
      'ERR_ADAPTER_RESPONSE_INVALID',
      `${system}: the receipt accounts for ${receipt.accepted} accepted and ${receipt.rejected.length} rejected of ${sent} sent`,
    );
  return receipt;
}

/** Tombstones travel: the keys are sent (with the school that held each, when the set keeps it), never records. */
async function sendDelete(ctx: PushContext, set: PushSet, keepClaims: () => Promise<void>): Promise<Sent> {
  const target = ctx.targets[set.system]!;
  if (!target.remove || !target.deletes?.includes(set.entity)) {
    throw new PermanentJobError('ERR_ENTITY_UNSUPPORTED', `${set.system} does not delete ${set.entity}`);
  }
  const { keys, superseded } = await keysToDelete(ctx, set);
  // The vendor's idempotency key covers the body: a smaller list is another request, under its own key.
  const idempotencyKey = superseded ? `${pushKey(set)}-${keysDigest(keys.map((k) => k.key))}` : pushKey(set);
  // A school's own system: the deletion is noted before the call at each key's school only (precc17), as a send
  // is; the city database's, under its one school (review18 R2).
  const copies =
    keepsCopies(target, set) && keys.length > 0
      ? keys.map((k) => ({ key: k.key, school: copySchool(set, k.school ?? '') }))
      : undefined;
  if (copies) await createSystemCopiesRepo(ctx.db).noteDeleting(set.system, set.entity, copies);
  const receipt =
    keys.length === 0
      ? { accepted: 0, rejected: [] }
      : accounted(
          set.system,
          await gated(ctx, set, keepClaims, (through) =>
            target.remove!(set.entity, keys, { idempotencyKey, through }),
          ),
          keys.length,
        );
  const refused = new Set(receipt.rejected.map((r) => r.index));
  const deletionsAcknowledged = copies?.filter((_, i) => !refused.has(i));
  return {
    receipt,
    sent: keys.length,
    keys: keys.map((k) => k.key),
    superseded,
    ...(deletionsAcknowledged ? { deletionsAcknowledged } : {}),
  };
}

/**
 * The records a write set sends now: its live records; at a target that takes only the schools it serves,
 * those whose school it still serves. A record that moved meanwhile to a school the target does not serve
 * (or whose school's system changed) is superseded, never sent there: the target would refuse the school
 * (403/404, a permanent failure of the whole set; review15 BUG 3). Its change went where it is served. So is
 * superseded a class whose school holds a live class of the same code in a later school year: a target keys
 * classes by code within the school and holds the newest year's under it, which last year's class would
 * overwrite there (review21; the delete side: {@link keysToDelete}).
 */
async function recordsToWrite(
  ctx: PushContext,
  set: PushSet,
): Promise<{ records: LoadedRecord[]; superseded?: number }> {
  const loaded = await createRecordsRepo(ctx.db).load(set.entity, set.keys);
  const newer =
    set.entity === 'classes'
      ? await createClassKeysRepo(ctx.db).codeLiveInLaterYear(loaded.map((r) => r.key))
      : undefined;
  const records = newer ? loaded.filter((r) => !newer.has(r.key)) : loaded;
  if (ctx.targets[set.system]?.servedSchoolsOnly !== true)
    return newer ? { records, superseded: loaded.length - records.length } : { records };
  const served = await createSchoolSystemsRepo(ctx.db).servedBy(
    set.system,
    records.map((r) => r.scope),
  );
  const kept = records.filter((r) => served.has(r.scope));
  return { records: kept, superseded: loaded.length - kept.length };
}

/** Sends the set's records as they are now (mapped to the target's wire format by the target). */
async function sendWrite(ctx: PushContext, set: PushSet, keepClaims: () => Promise<void>): Promise<Sent> {
  const target = ctx.targets[set.system]!;
  const { records, superseded } = await recordsToWrite(ctx, set);
  // Nothing left to send where the target serves: no call at all.
  const nothingServed = superseded !== undefined && records.length === 0;
  // A school's own system, or the city database (review18 R2): what it is sent is noted before the call (prec16),
  // so a pull of it made while the call is under way (or before truc hears the answer) knows that copy for one
  // truc sent, not a change.
  const copies = keepsCopies(target, set) && !nothingServed ? copyRows(set, records) : undefined;
  if (copies) await createSystemCopiesRepo(ctx.db).noteSending(set.system, set.entity, copies);
  const receipt = nothingServed
    ? { accepted: 0, rejected: [] }
    : accounted(
        set.system,
        await gated(ctx, set, keepClaims, (through) =>
          target.write(
            set.entity,
            records.map((r) => r.data),
            { idempotencyKey: pushKey(set), through },
          ),
        ),
        records.length,
      );
  // Acknowledged: the records the target did not refuse (noted with the set's delivery).
  const refused = new Set(receipt.rejected.map((r) => r.index));
  const acknowledged = copies?.filter((_, i) => !refused.has(i));
  return {
    receipt,
    sent: records.length,
    keys: records.map((r) => r.key),
    ...(superseded !== undefined ? { superseded } : {}),
    ...(acknowledged ? { acknowledged } : {}),
  };
}

/** Whether truc notes what it sends `set`'s target (../store/system-copies.ts): a school's own system, the city database. */
const keepsCopies = (target: PushTarget, set: PushSet) =>
  target.servedSchoolsOnly === true || set.system === CITY_SYSTEM;

/** The school a copy sent to `set`'s target is noted at: the record's, or the city database's one school. */
const copySchool = (set: PushSet, school: string) =>
  set.system === CITY_SYSTEM ? CITY_COPIES_SCHOOL : school;

const copyRows = (set: PushSet, records: readonly LoadedRecord[]) =>
  records.map((r) => ({ key: r.key, school: copySchool(set, r.scope), fp: r.fingerprint }));

/** The target's idempotency key of a set: stable, so a retry after a lost answer has one effect. */
const pushKey = (set: PushSet) => `truc-push-${set.id}`;

/** Sends a claimed set (its records' state read now), then records the receipt, audited. */
async function send(
  ctx: PushContext,
  set: PushSet,
  job: JobRun,
  keepClaims: () => Promise<void>,
): Promise<PushReceipt> {
  const { receipt, sent, keys, superseded, acknowledged, deletionsAcknowledged } =
    set.operation === 'delete'
      ? await sendDelete(ctx, set, keepClaims)
      : await sendWrite(ctx, set, keepClaims);
  const summary = {
    accepted: receipt.accepted,
    rejected: receipt.rejected.length,
    receiptId: receipt.receiptId ?? null,
    ...(superseded !== undefined ? { superseded } : {}),
  };
  // Which keys were refused, kept with the set (when any) for the batch's vendor; not in the audit entry or the log.
  const refused = receipt.rejected.flatMap((r) => {
    const key = keys[r.index];
    return key === undefined ? [] : [{ key, code: r.code }];
  });
  await ctx.db.tx(async (q) => {
    await createPushSetsRepo(q).markDelivered(set.id, refused.length > 0 ? { ...summary, refused } : summary);
    if (acknowledged) await createSystemCopiesRepo(q).acknowledged(set.system, set.entity, acknowledged);
    if (deletionsAcknowledged)
      await createSystemCopiesRepo(q).deletionsAcknowledged(set.system, set.entity, deletionsAcknowledged);
    await createOutboxRepo(q).markDone(job.outboxId);
    await appendAudit(
      q,
      [
        {
          actor: 'system:push',
          action: 'push.delivered',
          subject: `push-set:${set.id}`,
          details: { system: set.system, entity: set.entity, operation: set.operation, sent, ...summary },
        },
      ],
      ctx.now(),
    );
  });
  ctx.logger.info(
    {
      system: set.system,
      entity: set.entity,
      operation: set.operation,
      sent,
      accepted: summary.accepted,
      rejected: summary.rejected,
      superseded: superseded ?? 0,
    },
    'push delivered',
  );
  return receipt;
}

/**
 * The push job of one target: its own queue, at most two at a time, paced by the target's gate (the
 * queue's BullMQ limiter stays as a coarse cap, and lets the gate pause the whole queue).
 */
export const pushSetJob = (system: SystemName) =>
  defineJob({
    ...pushSet(system),
    concurrency: (config) => Math.min(config.jobs.concurrency, 2),
    limiter: (config) => ({
      max: config.systems[system].rateLimit.max,
      duration: config.systems[system].rateLimit.durationMs,
    }),
    process: deliver,
  });
