/**
 * A vendor batch's status as truc tells it (issue 7, review26b F5): one rule, read by GET /v1/batches/{id} and by
 * the `batch.finished` webhook (./webhook-fanout.ts), so the two never disagree. The row's status, except: a
 * batch ingested (done) whose delivery to a target failed for good is `failed` (that delivery's code), and a done
 * snapshot whose deletions the mass-change guard holds is `held` until a city admin decides; then the decision, its
 * reason (the admin's words) and who decided as a role only.
 */
import { personalNumberIn } from '../canonical/free-text.js';
import type { Config } from '../config.js';
import { errorMessage } from '../errors.js';
import type { Batch, BatchMode, BatchStatus } from '../store/batches.js';
import {
  createBatchListRepo,
  type BatchListFilter,
  type ListedBatch as ListRow,
} from '../store/batch-list.js';
import type { Queryable } from '../store/db.js';
import { createGuardHoldsRepo } from '../store/guard-holds.js';
import { type GuardKind, guardKinds } from '../store/guard-hold-diff.js';
import { createPushSetsRepo, type BatchDelivery, type DeliveryLetter } from '../store/push-sets.js';
import { deliveryWaiting, type DeliveryWaiting, type GateRead } from './delivery-waiting.js';

export type BatchHold = NonNullable<Awaited<ReturnType<ReturnType<typeof createGuardHoldsRepo>['ofBatch']>>>;

/** What GET /v1/batches/{id} answers (its schema: ../api/batch-contract.ts BatchStatus). */
export interface BatchView {
  batchId: string;
  schoolCode: string;
  entity: string;
  format: string;
  status: BatchStatus;
  counts: { received: number; accepted: number; rejected: number; unchanged: number; deleted: number };
  mode: BatchMode;
  errorCode: string | null;
  createdAt: string;
  finishedAt: string | null;
  findingsUrl: string;
  /** The sync run that pulled it (dash12: a batch's page leads to its run); null: a vendor's. */
  syncRunId: number | null;
  /** The fields its records sent that truc ignored (../store/batches.ts `IgnoredFields`): names, sorted, ≤ 50. */
  ignoredFields: string[];
  /** How many other distinct field names it sent and truc ignored (past the 50, or not shaped like a field name). */
  ignoredFieldsMore: number;
  deliveries: Array<{
    system: string;
    state: BatchDelivery['state'];
    errorCode: string | null;
    rejected: number;
    refused: BatchDelivery['refused'];
    upserts: BatchDelivery['upserts'];
    deletes: BatchDelivery['deletes'];
    deadLetters: ToldLetter[];
    deliveredAt: string | null;
    /** A pending delivery held at its target's gate now (./delivery-waiting.ts); null otherwise. */
    waiting: DeliveryWaiting | null;
  }>;
  guard: {
    holdId: number;
    status: BatchHold['status'];
    /** What took it over a threshold: deleted, changed, restored (../store/guard-hold-diff.ts `guardKinds`). */
    kinds: GuardKind[];
    /**
     * The hold's counts (../store/guard-holds.ts `totals`, walk6b W6b-3: a vendor read `held` and `deleted` with no
     * number): the school's live records, and those it deletes, moves away, changes or brings back, the window's
     * earlier vendor batches' among them. Counts only, no codes.
     */
    counts: { live: number; deleted: number; moved: number; changed: number; restored: number };
    decidedAt: string | null;
    /** Who decided, as a role only (holdwhy): never a person's or a client's name or id; null while held. */
    decidedBy: 'city-admin' | null;
    /** The city admin's words with the decision (its `decisionReason`), shown to the vendor; null when none. */
    decisionReason: string | null;
    appliedAt: string | null;
  } | null;
  /** Its records (the body as sent) were purged after their retention (purge29): when, and saying so. */
  recordsPurged: { at: string; message: { vi: string; en: string } } | null;
}

/**
 * The admin's reason as the vendor reads it: refused with a personal number when given (../canonical/free-text.ts,
 * every way a decision is taken: API, CLI, dashboard); one kept before that check (review33b) that holds one is not shown.
 */
const shownReason = (reason: string | null): string | null =>
  reason !== null && personalNumberIn(reason) === undefined ? reason : null;

/** What GET says of a batch whose records were purged (../store/batch-purge.ts). */
export const RECORDS_PURGED = {
  vi: 'Các bản ghi của lô (nội dung đã gửi) đã bị xoá sau thời hạn lưu; tóm tắt, số đếm và kết quả kiểm tra vẫn giữ.',
  en: 'The batch’s records (the body as sent) were removed after their retention period; its summary, counts and findings stay.',
} as const;

/** A delivery's dead letter as told (vendor6): its id, code, whether a replay takes it, and why, in both languages. */
export interface ToldLetter extends DeliveryLetter {
  message: { vi: string; en: string };
}

/**
 * A dead-lettered delivery's letter as told: GET /v1/batches/{id}, the batch list's items, the school page's batches
 * (a failed delivery said only its code). The error table's words for its code, then what becomes of it.
 */
export function toldLetter(system: string, letter: DeliveryLetter): ToldLetter {
  const words = errorMessage(letter.errorCode);
  const { id } = letter;
  const then = letter.replayable
    ? {
        vi: `Việc lỗi ${id} còn mở: quản trị Sở có thể chạy lại (truc dead-letters replay --ids ${id}).`,
        en: `Dead letter ${id} is open: a city admin can replay it (truc dead-letters replay --ids ${id}).`,
      }
    : {
        vi: `Việc lỗi ${id} đã đóng, không chạy lại được.`,
        en: `Dead letter ${id} is closed: it is not replayed.`,
      };
  return {
    ...letter,
    message: {
      vi: `Không chuyển được tới ${system}: ${words.vi} ${then.vi}`,
      en: `Not delivered to ${system}: ${words.en} ${then.en}`,
    },
  };
}

/**
 * A delivery as a list tells it (GET /v1/schools/{code}/batches, the school page's batches): its state, code and dead
 * letters; no keys (GET /v1/batches/{id} has them).
 */
export const listedDelivery = (d: BatchDelivery) => ({
  system: d.system,
  state: d.state,
  errorCode: d.errorCode,
  deadLetters: d.deadLetters.map((l) => toldLetter(d.system, l)),
});

/** The fields a batch's records sent that truc ignored, as told (GET /v1/batches/{id}, the list's items). */
export const ignoredOf = (batch: Pick<Batch, 'ignoredFields'>) => ({
  ignoredFields: batch.ignoredFields?.names ?? [],
  ignoredFieldsMore: batch.ignoredFields?.more ?? 0,
});

/** A batch's counts as told (GET /v1/batches/{id}, the list's items). */
export const countsOf = (batch: Batch): BatchView['counts'] => ({
  received: batch.received,
  accepted: batch.accepted,
  rejected: batch.rejected,
  unchanged: batch.unchanged,
  deleted: batch.deleted,
});

/**
 * The batch as told, from its row, its deliveries per target, its newest guard hold and what holds each pending
 * delivery at its target (`waiting`, by system; none: null).
 */
export function batchView(
  batch: Batch,
  deliveries: readonly BatchDelivery[] = [],
  hold?: BatchHold,
  waiting: ReadonlyMap<string, DeliveryWaiting | null> = new Map(),
): BatchView {
  const told = batchState(batch, deliveries, hold);
  return {
    batchId: batch.id,
    schoolCode: batch.schoolCode,
    entity: batch.entity,
    format: batch.format,
    status: told.status,
    counts: countsOf(batch),
    mode: batch.mode,
    errorCode: told.errorCode,
    createdAt: batch.createdAt.toISOString(),
    finishedAt: told.finishedAt,
    findingsUrl: `/v1/batches/${batch.id}/findings`,
    syncRunId: batch.syncRunId,
    ...ignoredOf(batch),
    deliveries: deliveries.map((d) => ({
      system: d.system,
      state: d.state,
      errorCode: d.errorCode,
      rejected: d.rejected,
      refused: d.refused,
      upserts: d.upserts,
      deletes: d.deletes,
      deadLetters: d.deadLetters.map((l) => toldLetter(d.system, l)),
      deliveredAt: d.deliveredAt ? new Date(d.deliveredAt).toISOString() : null,
      waiting: d.state === 'pending' ? (waiting.get(d.system) ?? null) : null,
    })),
    guard: hold
      ? {
          holdId: hold.id,
          status: hold.status,
          kinds: guardKinds(hold.reasons),
          counts: hold.totals,
          decidedAt: hold.decidedAt ? new Date(hold.decidedAt).toISOString() : null,
          // Only a city admin decides (scope `guard`, or truc's CLI on the city's server): the role, never who.
          decidedBy: hold.decidedAt ? 'city-admin' : null,
          decisionReason: shownReason(hold.decisionReason),
          appliedAt: hold.appliedAt ? new Date(hold.appliedAt).toISOString() : null,
        }
      : null,
    recordsPurged: batch.recordsPurgedAt
      ? { at: batch.recordsPurgedAt.toISOString(), message: { ...RECORDS_PURGED } }
      : null,
  };
}

/** What of its newest guard hold tells whether a batch is held and when it finished. */
export type HoldTimes = Pick<BatchHold, 'status' | 'decidedAt' | 'appliedAt'>;

/** A snapshot ingested (done) whose deletions wait for a city admin is held (its records are applied). */
const batchHeld = (batch: Pick<Batch, 'status'>, hold: HoldTimes | undefined): boolean =>
  hold?.status === 'held' && batch.status === 'done';

/**
 * A batch's status, error code and finishedAt as told, from its row, its deliveries per target and its newest guard
 * hold: by GET /v1/batches/{id}, the `batch.finished` webhook and the school page's batches (GET /v1/ops/schools/{code},
 * runs2 item 2: it said `done` for a batch whose delivery to a target failed for good). Ingested (done) but not
 * delivered to a target for good: `failed`, with that delivery's code (issue 7); a snapshot whose deletions the guard
 * holds: `held`; else its row's.
 */
export function batchState(
  batch: Pick<Batch, 'status' | 'errorCode' | 'finishedAt'>,
  deliveries: readonly Pick<BatchDelivery, 'state' | 'errorCode'>[],
  hold: HoldTimes | undefined,
): { status: BatchStatus; errorCode: string | null; finishedAt: string | null } {
  const failedDelivery = batch.status === 'done' ? deliveries.find((d) => d.state === 'failed') : undefined;
  return {
    status: failedDelivery ? 'failed' : batchHeld(batch, hold) ? 'held' : batch.status,
    errorCode: failedDelivery?.errorCode ?? batch.errorCode,
    finishedAt: finishedAtOf(batch, hold),
  };
}

/**
 * When a batch finished as told (runs item 2), by GET /v1/batches/{id}, the `batch.finished` webhook and the school
 * page's batches (GET /v1/ops/schools/{code}): not while a city admin's decision holds it (null, as a held sync run's:
 * it has not finished, though its records were applied when it was held); once decided, when that decision was done
 * (its deletions applied, or the rejection) if after its ingest; else its ingest's end.
 */
function finishedAtOf(
  batch: Pick<Batch, 'status' | 'finishedAt'>,
  hold: HoldTimes | undefined,
): string | null {
  if (batchHeld(batch, hold) || !batch.finishedAt) return null;
  const done = hold ? (hold.appliedAt ?? hold.decidedAt) : null;
  const at = done && new Date(done) > batch.finishedAt ? new Date(done) : batch.finishedAt;
  return at.toISOString();
}

/** How GET /v1/batches/{id} reads a target's gate (../store/delivery-gates.ts `peek`) and the gate's settings. */
export interface GatesRead {
  peek(system: string): Promise<GateRead>;
  settings: Pick<Config['sync']['delivery'], 'failureThreshold' | 'probeLeaseMs'>;
}

/** What holds each pending delivery now, by system (only the targets a delivery is pending at are read). */
async function waitingOf(
  deliveries: readonly BatchDelivery[],
  gates: GatesRead,
): Promise<Map<string, DeliveryWaiting | null>> {
  const pending = deliveries.filter((d) => d.state === 'pending');
  const read = await Promise.all(pending.map((d) => gates.peek(d.system)));
  return new Map(pending.map((d, i) => [d.system, deliveryWaiting(read[i], d.endpoints, gates.settings)]));
}

/**
 * Reads a batch's deliveries and newest hold, and tells the batch; with `gates` (GET), what holds each pending
 * delivery now. The `batch.finished` webhook reads none: it tells what the batch became, not a gate's passing state.
 */
export async function readBatchView(q: Queryable, batch: Batch, gates?: GatesRead): Promise<BatchView> {
  const [deliveries, hold] = await Promise.all([
    createPushSetsRepo(q).deliveriesOf(batch.id),
    createGuardHoldsRepo(q).ofBatch(batch.id),
  ]);
  const waiting = gates ? await waitingOf(deliveries, gates) : undefined;
  return batchView(batch, deliveries, hold, waiting);
}

/** A batch as a list reads it, with its newest guard hold's status and times (../store/overview-schools.ts). */
type ListedBatch = Pick<Batch, 'id' | 'status' | 'errorCode' | 'finishedAt'> & {
  hold?: HoldTimes | undefined;
};

/**
 * Listed batches' states as told ({@link batchState}), by id: their deliveries read at once, each with its hold. The
 * school page's batches (GET /v1/ops/schools/{code}), so they say what GET /v1/batches/{id} says; with their deliveries
 * as a list tells them ({@link listedDelivery}: a failed one's dead letters, vendor6).
 */
export async function readBatchStates(
  q: Queryable,
  batches: readonly ListedBatch[],
): Promise<Map<string, ReturnType<typeof batchState> & { deliveries: ReturnType<typeof listedDelivery>[] }>> {
  const told = await readBatchesTold(q, batches);
  return new Map(
    batches.map((b) => {
      const t = told.get(b.id)!;
      return [b.id, { ...t.told, deliveries: t.deliveries.map(listedDelivery) }];
    }),
  );
}

/** Listed batches as told, with their deliveries, by id: one read of the deliveries of them all (vendor5 item 2). */
async function readBatchesTold(
  q: Queryable,
  batches: readonly ListedBatch[],
): Promise<Map<string, Omit<ToldBatch, 'batch'>>> {
  // A list tells no refused keys (listedDelivery): not read (review6 R6-5).
  const deliveries = await createPushSetsRepo(q).deliveriesOfBatches(
    batches.map((b) => b.id),
    { keys: false },
  );
  return new Map(
    batches.map((b) => {
      const ds = deliveries.get(b.id) ?? [];
      return [b.id, { told: batchState(b, ds, b.hold), deliveries: ds }];
    }),
  );
}

/** Batches read at a time while a status filter looks for its page. */
export const SCAN_CHUNK = 100;
/** Batches a status-filtered page reads at most before it answers with what it found and a cursor. */
export const SCAN_MAX = 500;

/** A listed batch and its status, error code and finishedAt as told. */
export interface ToldBatch {
  batch: ListRow;
  told: ReturnType<typeof batchState>;
  deliveries: BatchDelivery[];
}

/** A page of a school's batches, and the batch to read on after (null: the end). */
export interface ToldPage {
  items: ToldBatch[];
  next: string | null;
}

/**
 * Up to `limit` batches of the filter after `after`, of `status` as told when given: GET /v1/schools/{code}/batches
 * (W3-3). Its `status` filter is the status each batch shows, told by {@link batchState} in JS, not a SQL copy of the
 * rule (vendor5 item 1): the list reads batches newest first in chunks, tells each (its deliveries read at once per
 * chunk) and keeps those of the status asked; after {@link SCAN_MAX} batches read it answers with what it found and the
 * last batch read to read on after (a page may then hold fewer than `limit` items, or none).
 */
export async function listBatchesTold(
  q: Queryable,
  f: BatchListFilter & { status?: BatchStatus | undefined },
  limit: number,
  after?: { id: string; at: string },
): Promise<ToldPage> {
  const repo = createBatchListRepo(q);
  const items: ToldBatch[] = [];
  let cursor = after;
  for (let scanned = 0; ;) {
    // Unfiltered, one more than a page tells whether more follow; filtered, a chunk to tell.
    const want = f.status ? SCAN_CHUNK : limit + 1;
    const rows = await repo.rows(f, want, cursor);
    const told = await readBatchesTold(q, rows);
    for (const batch of rows) {
      const t = told.get(batch.id)!;
      if (f.status && t.told.status !== f.status) continue;
      if (items.length === limit) return { items, next: items[limit - 1]!.batch.id };
      items.push({ batch, ...t });
    }
    scanned += rows.length;
    const last = rows.at(-1);
    if (rows.length < want || !last) return { items, next: null };
    if (scanned >= SCAN_MAX) return { items, next: last.id };
    cursor = { id: last.id, at: last.at };
  }
}
