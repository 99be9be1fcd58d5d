/**
 * The life of a dead letter. A job that failed for good is recorded with its code, its outbox row is
 * marked dead and the batch or sync run it was about is marked failed. Operators replay letters
 * singly or in bulk: a replay writes a fresh outbox row with the original work (the relay queues it
 * like any other), re-opens the batch or sync run, and marks the letter replayed. Each in one
 * transaction, audited.
 *
 * Mapping versions (issue 7): a letter keeps the version of the mapping its work ran with (an ingest:
 * its batch's; a pull: its run's; a push maps nothing inbound: null). A replay takes the current
 * mapping (the default) or pins that version, if it is still loadable (src/jobs/inbound.ts), and says
 * which per letter.
 */
import { appendAudit } from '../audit/chain.js';
import { PUSH_TARGETS } from '../canonical/systems.js';
import { systemConfigured, type Config, type SystemName } from '../config.js';
import type { Db } from '../store/db.js';
import { leftByTargets } from '../store/undelivered.js';
import { createBatchesRepo, EVERY_SCHOOL, type Batch } from '../store/batches.js';
import { createDeadLettersRepo, type DeadLetterFilter, type LetterRefs } from '../store/dead-letters.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createPushSetsRepo, type PushSet } from '../store/push-sets.js';
import { createRecordsRepo } from '../store/records.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';
import type { Queryable } from '../store/db.js';
import { AppError, both } from '../errors.js';
import { ingestBatch, workOf } from './contracts.js';
import { inboundMapping } from './inbound.js';

/**
 * Why a replay of every open letter (`all`: the API's `all=true`, the CLI's `--all`) refuses filters beside it
 * (`given`, as the caller named them): one sentence for the API's 400 and the CLI's refusal before it replays.
 */
export function allWithFilters(all: string, given: readonly string[]): string {
  return both(
    `${all} là mọi việc lỗi còn mở, không đi cùng ${given.join(', ')}: chọn một trong hai`,
    `${all} is every open letter and cannot go with ${given.join(', ')}: give one or the other`,
  );
}

export interface FailedJob {
  outboxId: number | undefined;
  queue: string;
  name: string;
  /** BullMQ's job id, for the audit subject. */
  jobId: string | undefined;
  payload: Record<string, unknown>;
  code: string;
  message: string;
  attempts: number;
  /** When it failed for good (the worker's clock): the audit entry's time. */
  at: Date;
}

/** The version of the mapping `pin` names (else the current one) of a format and entity; null if none. */
function versionOf(format: string, entity: Parameters<typeof inboundMapping>[1], pin?: string | null) {
  try {
    return inboundMapping(format, entity, pin ?? undefined).version;
  } catch {
    return null;
  }
}

/**
 * The mapping version the work of a payload runs with: its batch's pin or the current mapping of its
 * format; its run's pin or the current one — or, when recording a failure (`firstRan`), the version the
 * run's pages were first mapped with. Null when the work maps nothing or the version is not loadable.
 */
async function mappingVersionOfWork(
  q: Queryable,
  payload: Record<string, unknown>,
  firstRan = false,
): Promise<string | null> {
  const { batchId, syncRunId } = workOf(payload);
  if (batchId !== undefined) {
    const batch = await createBatchesRepo(q).get(batchId);
    return batch ? versionOf(batch.format, batch.entity, batch.mappingPin) : null;
  }
  if (syncRunId !== undefined) {
    const runs = createSyncRunsRepo(q);
    const run = await runs.get(syncRunId);
    if (!run) return null;
    const m = await runs.mappingOf(syncRunId);
    if (m.pin !== null) return versionOf(run.system, run.entity, m.pin);
    return (firstRan ? m.version : null) ?? versionOf(run.system, run.entity);
  }
  return null;
}

/** How many of a letter's schools its refs list by code (refs2): the rest are counted in `schoolCount`. */
export const LETTER_SCHOOLS_LISTED = 20;

/**
 * Where a set's keys are (refs2): one school, its code; several (a sync run's deletes, a resend, no batch), their
 * codes sorted, the first {@link LETTER_SCHOOLS_LISTED}, and how many they are. Codes only.
 */
function schoolRefs(keysAt: readonly string[]): LetterRefs {
  const schools = [...new Set(keysAt)].filter((s) => s !== '').sort();
  if (schools.length === 1) return { schoolCode: schools[0]! };
  if (schools.length === 0) return {};
  return { schoolCodes: schools.slice(0, LETTER_SCHOOLS_LISTED), schoolCount: schools.length };
}

/**
 * The school a set went to (walk6 W6-6: a page of a pull of everything said `*`, its batch's): its batch's, when the
 * batch is of one school; else the schools its keys are at: a delete set keeps each key's, an upsert set's records
 * are where they live (as the target took them, per school).
 */
async function setSchools(q: Queryable, set: PushSet, batch: Batch | undefined): Promise<LetterRefs> {
  if (batch !== undefined && batch.schoolCode !== EVERY_SCHOOL) return { schoolCode: batch.schoolCode };
  if (set.schools !== null) return schoolRefs(set.schools);
  if (set.operation !== 'upsert') return {};
  return schoolRefs([...(await createRecordsRepo(q).liveAt(set.entity, set.keys)).values()]);
}

/**
 * A push letter's own references (walk, issue 7: it said only its pushSetId): its push set's entity, the batch the set
 * came from (none: a sync run's deletes, a resend) and its school (the batch's; else the one school all of a delete
 * set's keys are at; else the schools they are at, capped, and their count). Ids and codes only; null for other work,
 * or a push set no longer there.
 */
async function letterRefsOf(q: Queryable, payload: Record<string, unknown>): Promise<LetterRefs | null> {
  const { pushSetId } = workOf(payload);
  const set = pushSetId === undefined ? undefined : await createPushSetsRepo(q).get(pushSetId);
  if (!set) return null;
  const batch = set.batchId === null ? undefined : await createBatchesRepo(q).get(set.batchId);
  return {
    ...(set.batchId === null ? {} : { batchId: set.batchId }),
    ...(await setSchools(q, set, batch)),
    entity: set.entity,
    ...(set.syncRunId === null ? {} : { syncRunId: set.syncRunId }),
  };
}

/** Records a job that failed for good: the letter, its outbox row dead, its batch or run failed, audit. */
export async function recordDeadLetter(db: Db, job: FailedJob): Promise<void> {
  await db.tx(async (q) => {
    await createDeadLettersRepo(q).insert({
      mappingVersion: await mappingVersionOfWork(q, job.payload, true),
      refs: await letterRefsOf(q, job.payload),
      outboxId: job.outboxId,
      queue: job.queue,
      jobName: job.name,
      errorCode: job.code,
      errorMessage: job.message.slice(0, 500),
      attempts: job.attempts,
    });
    if (job.outboxId !== undefined) await createOutboxRepo(q).markDead(job.outboxId);
    const { batchId, syncRunId, pushSetId } = workOf(job.payload);
    if (batchId !== undefined) await createBatchesRepo(q).fail(batchId, job.code);
    if (syncRunId !== undefined) await createSyncRunsRepo(q).fail(syncRunId, job.code);
    // A push set's batch keeps its ingest status; the batch shows this target's delivery as failed.
    if (pushSetId !== undefined) await createPushSetsRepo(q).fail(pushSetId, job.code);
    await appendAudit(
      q,
      [
        {
          actor: 'system:worker',
          action: 'job.dead',
          subject: `job:${job.queue}/${job.jobId ?? ''}`,
          details: { queue: job.queue, job: job.name, code: job.code, attempts: job.attempts },
        },
      ],
      job.at,
    );
  });
}

export type MappingChoice = 'pinned' | 'current';

export interface ReplayOutcome {
  replayed: number[];
  mapping: MappingChoice;
  /** Per letter replayed: the mapping version its work will run with (null: it maps nothing). */
  items: Array<{ id: number; mappingVersion: string | null; pinned: boolean }>;
  /**
   * Letters closed without a replay (abandoned): a job the scheduler role queued (a schedule's fire, the website
   * probe, the change feed's purge) has no outbox row to replay from, and runs again at its next fire (review26a F2).
   */
  closed: number[];
  /** Letters asked for by id and not replayed, each with why (runs item 3: the API answered `replayed: []` alone). */
  skipped: SkippedLetter[];
}

/** Why a letter asked for by id was not replayed: no longer open (how), open but not matching, or no such letter. */
export type SkipReason = 'replayed' | 'resolved' | 'abandoned' | 'not-matching' | 'not-found';

export interface SkippedLetter {
  id: number;
  reason: SkipReason;
  message: { vi: string; en: string };
}

const SKIP_WORDS: Record<SkipReason, { vi: string; en: string }> = {
  replayed: {
    vi: 'đã được chạy lại trước đó, không chạy lại lần nữa',
    en: 'replayed already, not replayed again',
  },
  resolved: {
    vi: 'đã được giải quyết (một lần gửi sau đã chuyển hết bản ghi của nó)',
    en: 'resolved (a later delivery delivered all its records)',
  },
  abandoned: { vi: 'đã đóng mà không chạy lại', en: 'closed without a replay' },
  'not-matching': {
    vi: 'còn mở nhưng không khớp queue/errorCode/syncRunId',
    en: 'open, but not matching queue/errorCode/syncRunId',
  },
  'not-found': { vi: 'không có việc lỗi này', en: 'no such dead letter' },
};

/** Of the letters asked for by id, those neither replayed nor closed by this replay, and why ({@link SkipReason}). */
async function skippedOf(
  q: Queryable,
  ids: readonly number[],
  acted: readonly number[],
): Promise<SkippedLetter[]> {
  const done = new Set(acted);
  const missed = [...new Set(ids)].filter((id) => !done.has(id)).sort((a, b) => a - b);
  if (missed.length === 0) return [];
  const rows = await createDeadLettersRepo(q).list({ ids: missed, includeReplayed: true }, missed.length, 0);
  const byId = new Map(rows.map((l) => [l.id, l]));
  return missed.map((id) => {
    const l = byId.get(id);
    const reason: SkipReason = !l
      ? 'not-found'
      : l.replayedAt
        ? 'replayed'
        : l.resolvedAt
          ? 'resolved'
          : l.abandonedAt
            ? 'abandoned'
            : 'not-matching';
    const w = SKIP_WORDS[reason];
    return { id, reason, message: { vi: `Việc lỗi ${id}: ${w.vi}`, en: `Dead letter ${id}: ${w.en}` } };
  });
}

/** A replay's audit entries: the letters replayed (with the mapping versions) and those closed without a replay. */
async function auditReplay(q: Queryable, by: { actor: string; at: Date }, r: ReplayOutcome): Promise<void> {
  const ids = (list: number[]) => list.slice(0, 100).map(String);
  const events = [];
  if (r.replayed.length > 0)
    events.push({
      actor: by.actor,
      action: 'dead_letters.replayed' as const,
      details: {
        count: r.replayed.length,
        ids: ids(r.replayed),
        mapping: r.mapping,
        versions: [...new Set(r.items.map((i) => i.mappingVersion ?? '-'))].slice(0, 20),
      },
    });
  if (r.closed.length > 0)
    events.push({
      actor: by.actor,
      action: 'dead_letters.closed' as const,
      details: { count: r.closed.length, ids: ids(r.closed), reason: 'no-outbox-row' },
    });
  if (events.length > 0) await appendAudit(q, events, by.at);
}

/**
 * An ingest's letter whose batch's records were purged (purge29, ../store/batch-purge.ts: a body is spared while its
 * letter is open, so only a body removed by hand, or in the instant a re-push found it, is met here): the replay
 * would judge nothing. Refused, 410 ERR_BATCH_RECORDS_PURGED naming the letter and the batch; nothing changes.
 */
async function refusePurged(q: Queryable, letterId: number, batchId: string): Promise<void> {
  const batch = await createBatchesRepo(q).get(batchId);
  if (batch?.recordsPurgedAt == null) return;
  const at = batch.recordsPurgedAt.toISOString();
  throw new AppError(
    'ERR_BATCH_RECORDS_PURGED',
    both(
      `việc lỗi ${letterId}: các bản ghi của lô ${batchId} đã bị xoá lúc ${at}; gửi lại dữ liệu thành một lô mới`,
      `letter ${letterId}: the records of batch ${batchId} were purged at ${at}; send the data again as a new batch`,
    ),
  );
}

/**
 * Replays the matching letters (at most `max`), with the current mapping or pinned to the version each
 * letter's work first ran with. A pinned version that is no longer loadable refuses the whole replay
 * (ERR_MAPPING_VERSION_UNKNOWN) and changes nothing.
 */
export async function replayDeadLetters(
  db: Db,
  filter: DeadLetterFilter,
  by: { actor: string; at: Date },
  opts: { mapping?: MappingChoice; max?: number } = {},
): Promise<ReplayOutcome> {
  const mapping = opts.mapping ?? 'current';
  return db.tx(async (q) => {
    const letters = createDeadLettersRepo(q);
    const outbox = createOutboxRepo(q);
    const items: ReplayOutcome['items'] = [];
    const closed: number[] = [];
    for (const letter of await letters.lockForReplay(filter, opts.max ?? 1000)) {
      if (letter.outboxId === null) {
        // A job the scheduler role queued (no outbox row, no payload kept): nothing to replay from, and it runs again
        // at its next fire. Closed, and said so, never left open by a replay that skipped it (review26a F2).
        closed.push(letter.id);
        continue;
      }
      const { batchId, syncRunId, pushSetId } = workOf(letter.payload);
      if (batchId !== undefined && letter.jobName === ingestBatch.name)
        await refusePurged(q, letter.id, batchId);
      const pin = mapping === 'pinned' && letter.mappingVersion !== null ? letter.mappingVersion : null;
      if (batchId !== undefined) await createBatchesRepo(q).setMappingPin(batchId, pin);
      if (syncRunId !== undefined) await createSyncRunsRepo(q).setMappingPin(syncRunId, pin);
      const version = await mappingVersionOfWork(q, letter.payload);
      if (pin !== null && version !== pin) {
        throw new AppError(
          'ERR_MAPPING_VERSION_UNKNOWN',
          both(
            `việc lỗi ${letter.id}: không nạp được ánh xạ ${pin}`,
            `letter ${letter.id}: mapping ${pin} is not loadable`,
          ),
        );
      }
      await outbox.add(letter.queue, letter.jobName, letter.payload as Record<string, string | number>);
      if (batchId !== undefined) await createBatchesRepo(q).reopen(batchId);
      if (syncRunId !== undefined) await createSyncRunsRepo(q).reopen(syncRunId);
      if (pushSetId !== undefined) await createPushSetsRepo(q).reopen(pushSetId);
      items.push({ id: letter.id, mappingVersion: version, pinned: pin !== null });
    }
    const replayed = items.map((i) => i.id);
    await letters.markClosed(replayed, 'replayed', by.actor);
    await letters.markClosed(closed, 'abandoned');
    const skipped = await skippedOf(q, filter.ids ?? [], [...replayed, ...closed]);
    await auditReplay(q, by, { replayed, mapping, items, closed, skipped });
    return { replayed, mapping, items, closed, skipped };
  });
}

/** What a push target removed from the configuration left: its undelivered records and its open dead letters. */
export interface RemovedTargetLeft {
  system: SystemName;
  records: number;
  deadLetters: number;
}

/**
 * The push targets no longer configured (their URL or credentials unset: src/config.ts `systemConfigured`) that
 * left records undelivered or dead letters open: nothing delivers or settles them while the target is gone, and
 * they count as open (the overview, the runs, truc_dead_letters_open) until `truc targets forget <system>`
 * (ops25). Counts only.
 */
export async function removedTargetsLeft(q: Queryable, config: Config): Promise<RemovedTargetLeft[]> {
  const removed = PUSH_TARGETS.filter((s) => !systemConfigured(config, s));
  return (await leftByTargets(q, removed)).filter((t) => t.records > 0 || t.deadLetters > 0);
}

/** The command that settles what a removed target left. */
export const FORGET_COMMAND = 'truc targets forget <system>';

/**
 * At a worker's start (`truc worker`, `truc all`): one warning when push targets removed from the configuration
 * left undelivered records or open dead letters, with their systems and counts (no personal data) and the
 * command that settles them. Returns what it found; a failed read is logged, never thrown (the start goes on).
 */
export async function warnRemovedTargets(deps: {
  db: Db;
  config: Config;
  logger: { warn(fields: object, message: string): void };
}): Promise<RemovedTargetLeft[]> {
  try {
    const left = await removedTargetsLeft(deps.db, deps.config);
    if (left.length > 0)
      deps.logger.warn(
        { targets: left, command: FORGET_COMMAND },
        'push targets removed from the configuration left undelivered records or open dead letters: ' +
          `run ${FORGET_COMMAND} for each once it is gone for good`,
      );
    return left;
  } catch (err) {
    deps.logger.warn({ err }, 'could not read what removed push targets left');
    return [];
  }
}
