/**
 * Push sets: the records one batch changed (or a full run's reconciliation deleted), to deliver to one target system.
 * A push job carries the set's id only; the records are read at delivery time, and the receipt is kept with the set.
 * A set carries the sync run that caused it (its pulled page's, or its reconciliation's), which counts it.
 */
import type { EntityName, SystemName } from '../config.js';
import { foreignCode } from '../errors.js';
import { OPEN } from './dead-letters.js';
import type { Queryable } from './db.js';
import { TABLES } from './record-tables.js';

/** What a push set asks of its target: write the records, or delete them (tombstones travelling). */
export type PushOperation = 'upsert' | 'delete';

export interface PushSet {
  id: number;
  operation: PushOperation;
  system: SystemName;
  entity: EntityName;
  keys: string[];
  /** The school of each key (a delete to a school's own system), else null. */
  schools: string[] | null;
  batchId: string | null;
  /** The sync run that caused it (its pulled page's, or its reconciliation's); null: none. */
  syncRunId: number | null;
  deliveredAt: Date | null;
}

/** What the target answered: counts and its receipt id, never records. */
export interface PushSetReceipt {
  accepted: number;
  rejected: number;
  receiptId: string | null;
  /** Delete sets: keys not sent because their record was live again (restored) at send time. */
  superseded?: number;
  /** The keys the target refused, with its refusal code (kept only when it looks like a code: errors.ts foreignCode). */
  refused?: readonly RefusedKey[];
}

/** A record (or key) a target refused in a push set: its key, and the target's code when it is one. */
export interface RefusedKey {
  key: string;
  code: string | null;
}

/**
 * A batch's records (keys) of one operation at one target, by where their push sets stand: delivered (the target
 * answered; those it refused one by one are among them), pending (neither delivered nor dead-lettered), failed
 * (dead-lettered). As a sync run's deliveries count them (./sync-run-reads.ts `runDeliveries`).
 */
export interface DeliveryCounts {
  delivered: number;
  pending: number;
  failed: number;
}

/** The dead letter of a batch's push set that failed for good (its newest: a replay reopens the set). */
export interface DeliveryLetter {
  id: number;
  errorCode: string;
  /** Open ({@link OPEN}): a replay takes it; false once closed without a replay (its target forgotten). */
  replayable: boolean;
}

/**
 * Where a batch's changes stand at one target: `partial` when the target answered but refused some of its
 * records (`rejected` of them), `failed` when it refused them all or the push was dead-lettered.
 */
export interface BatchDelivery {
  system: string;
  state: 'delivered' | 'partial' | 'pending' | 'failed';
  /** The dead letter's code when dead-lettered; ERR_ADAPTER_REJECTED when the target refused records. */
  errorCode: string | null;
  /** Records (or keys) the target refused in its receipts. */
  rejected: number;
  /**
   * Which records the target did not take: the keys its receipts refused, each with its code (sets delivered before
   * their keys were kept list none), and every key of a dead-lettered set, with that letter's code (vendor6: a failed
   * delivery listed none); in set and record order.
   */
  refused: RefusedKey[];
  /** The records of its upsert sets and of its delete sets (a snapshot's deletions travelling), apart (vendor6). */
  upserts: DeliveryCounts;
  deletes: DeliveryCounts;
  /** The dead letters of its sets that failed for good, a set's newest each, by set (vendor6). */
  deadLetters: DeliveryLetter[];
  deliveredAt: Date | null;
  /**
   * The endpoints (`students:upsert`: entity and operation, as the push's gate counts them) of its sets neither
   * delivered nor dead-lettered: what a pending delivery waits on at the target's gate (src/jobs/delivery-waiting.ts).
   */
  endpoints: string[];
}

/** A push set: created, read. */
function pushSetRows(q: Queryable) {
  return {
    async create(set: {
      system: SystemName;
      entity: EntityName;
      keys: readonly string[];
      /** The school of each key, in the same order (deletes to a school's own system). */
      schools?: readonly string[] | null;
      batchId?: string | null;
      operation?: PushOperation;
      /** The sync run that caused it without a batch (a full run's reconciliation); else its batch's run, if any. */
      syncRunId?: number | null;
    }) {
      // The run it carries (migration 1433): the one named, else its batch's (a pulled page's), else none.
      const res = await q.query<{ id: number }>(
        `INSERT INTO truc.push_sets (system, entity, keys, schools, batch_id, operation, sync_run_id)
         VALUES ($1, $2, $3, $4, $5::uuid, $6,
                 coalesce($7::bigint, (SELECT b.sync_run_id FROM truc.batches b WHERE b.id = $5::uuid)))
         RETURNING id`,
        [
          set.system,
          set.entity,
          [...set.keys],
          set.schools ? [...set.schools] : null,
          set.batchId ?? null,
          set.operation ?? 'upsert',
          set.syncRunId ?? null,
        ],
      );
      return res.rows[0]!.id;
    },
    async get(id: number): Promise<PushSet | undefined> {
      const res = await q.query<PushSet>(
        `SELECT id, operation, system, entity, keys, schools, batch_id AS "batchId",
                sync_run_id::int AS "syncRunId", delivered_at AS "deliveredAt"
           FROM truc.push_sets WHERE id = $1`,
        [id],
      );
      return res.rows[0];
    },
  };
}

/** A push set's delivery: done, failed, reopened. */
function pushSetOutcomes(q: Queryable) {
  return {
    /**
     * Records the delivery once (a second call for the same set changes nothing). Its keys are no longer
     * undelivered to its target (migration 810): their rows go, and an earlier set that dead-lettered with
     * them, none of whose records is left undelivered, is settled as delivered by this one (its receipt says
     * `deliveredBy`; its letter is marked resolved: a replay of it then sends nothing). In the same statement.
     */
    async markDelivered(id: number, receipt: PushSetReceipt): Promise<void> {
      const refused = receipt.refused?.map((r) => ({ key: r.key, code: foreignCode(r.code) }));
      await q.query(
        `WITH d AS (
           UPDATE truc.push_sets SET delivered_at = now(), receipt = $2, failed_at = NULL, error_code = NULL
            WHERE id = $1 AND delivered_at IS NULL
           RETURNING id, system, entity, keys
         ), gone AS (
           DELETE FROM truc.undelivered u USING d
            WHERE u.system = d.system AND u.entity = d.entity AND u.key = ANY(d.keys)
           RETURNING u.failed_set
         ), settled AS (
           UPDATE truc.push_sets f
              SET delivered_at = now(), failed_at = NULL, error_code = NULL,
                  receipt = jsonb_build_object('accepted', 0, 'rejected', 0, 'receiptId', NULL, 'deliveredBy', d.id)
             FROM d
            WHERE f.id IN (SELECT failed_set FROM gone) AND f.id <> d.id AND f.delivered_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM truc.undelivered u
                               WHERE u.failed_set = f.id
                                 AND NOT (u.system = d.system AND u.entity = d.entity AND u.key = ANY(d.keys)))
           RETURNING f.id
         )
         UPDATE truc.dead_letters l SET resolved_at = now()
           FROM truc.outbox o, settled s
          WHERE o.id = l.outbox_id AND o.payload->>'pushSetId' = s.id::text
            AND l.replayed_at IS NULL AND l.resolved_at IS NULL AND l.abandoned_at IS NULL`,
        [id, JSON.stringify(refused ? { ...receipt, refused } : receipt)],
      );
    },
    /**
     * Its push job was dead-lettered with `errorCode`: an upsert set's records are undelivered to its target
     * (migration 810), each with its school, until a delivery of them.
     */
    async fail(id: number, errorCode: string): Promise<void> {
      const res = await q.query<{ entity: EntityName; operation: PushOperation }>(
        `UPDATE truc.push_sets SET failed_at = now(), error_code = $2 WHERE id = $1 AND delivered_at IS NULL
         RETURNING entity, operation`,
        [id, errorCode],
      );
      const set = res.rows[0];
      if (set?.operation !== 'upsert') return;
      const t = TABLES[set.entity];
      await q.query(
        `INSERT INTO truc.undelivered (system, entity, key, failed_set, school_code)
         SELECT s.system, s.entity, k.key, s.id,
                (SELECT r.${t.scope} FROM ${t.table} r WHERE r.${t.key} = k.key LIMIT 1)
           FROM truc.push_sets s CROSS JOIN LATERAL unnest(s.keys) AS k(key)
          WHERE s.id = $1
         ON CONFLICT DO NOTHING`,
        [id],
      );
    },
    /** Its dead letter is replayed: pending again. */
    async reopen(id: number): Promise<void> {
      await q.query('UPDATE truc.push_sets SET failed_at = NULL, error_code = NULL WHERE id = $1', [id]);
    },
  };
}

/**
 * A batch's push sets to one target, counted ({@link pushSetDeliveries}): the delivery's fields as they are read, and
 * what its `state` is judged from (fold6: the fields were written out twice).
 */
interface DeliveryRow extends Omit<BatchDelivery, 'state'> {
  batchId: string;
  sets: number;
  delivered: number;
  failed: number;
  accepted: number;
}

/** Where a batch's changes stand at one target, from its sets there. */
function deliveryOf(r: DeliveryRow): BatchDelivery {
  const done = r.delivered === r.sets;
  const refused = done && r.rejected > 0;
  return {
    system: r.system,
    state: deliveryState(r.failed > 0, done, refused, r.accepted),
    errorCode: r.failed > 0 ? r.errorCode : refused ? 'ERR_ADAPTER_REJECTED' : null,
    rejected: r.rejected,
    refused: r.refused,
    upserts: r.upserts,
    deletes: r.deletes,
    deadLetters: r.deadLetters,
    deliveredAt: done ? r.deliveredAt : null,
    endpoints: r.endpoints,
  };
}

/** SQL: the keys of the group's sets of `operation` (`s`: its push sets), delivered, pending, failed ({@link DeliveryCounts}). */
const countsOfOperation = (operation: PushOperation) =>
  `jsonb_build_object(${(
    [
      ['delivered', 'delivered_at IS NOT NULL'],
      ['pending', 'delivered_at IS NULL AND failed_at IS NULL'],
      ['failed', 'failed_at IS NOT NULL'],
    ] as const
  )
    .map(
      ([k, when]) =>
        `'${k}', coalesce(sum(cardinality(keys)) FILTER (WHERE operation = '${operation}' AND ${when}), 0)`,
    )
    .join(', ')})`;

/** SQL: the sets of the group's batch (`s.batch_id`) to its system. */
const GROUP_SETS = 'o.batch_id = s.batch_id AND o.system = s.system';

/**
 * SQL: the keys the group's target did not take ({@link BatchDelivery.refused}): those its receipts refused, then each
 * key of a dead-lettered set with the set's code (the letter's), by set and record order.
 */
const REFUSED = `(SELECT coalesce(jsonb_agg(x.r ORDER BY x.set_id, x.n), '[]'::jsonb) FROM (
    SELECT o.id AS set_id, e.n, jsonb_build_object('key', e.r->>'key', 'code', e.r->>'code') AS r
      FROM truc.push_sets o
     CROSS JOIN LATERAL jsonb_array_elements(coalesce(o.receipt->'refused', '[]'::jsonb)) WITH ORDINALITY AS e(r, n)
     WHERE ${GROUP_SETS}
    UNION ALL
    SELECT o.id, k.n, jsonb_build_object('key', k.key, 'code', o.error_code)
      FROM truc.push_sets o CROSS JOIN LATERAL unnest(o.keys) WITH ORDINALITY AS k(key, n)
     WHERE ${GROUP_SETS} AND o.failed_at IS NOT NULL) x)`;

/**
 * SQL: the group's dead-lettered sets' letters, each set's newest (by its job's outbox row), by set. A set is failed
 * only in the transaction that writes its letter (src/jobs/dead-letters.ts recordDeadLetter: `fail` beside `insert`,
 * both `now()`), so its letter is found by that time, on the letters' index of it (migration 1010), not by reading
 * every letter's outbox row.
 */
const DEAD_LETTERS = `(SELECT coalesce(jsonb_agg(jsonb_build_object('id', l.id, 'errorCode', l.error_code,
                                                  'replayable', l.open) ORDER BY o.id), '[]'::jsonb)
    FROM truc.push_sets o
   CROSS JOIN LATERAL (SELECT d.id, d.error_code, ${OPEN} AS open
                         FROM truc.dead_letters d JOIN truc.outbox b ON b.id = d.outbox_id
                        WHERE d.failed_at = o.failed_at AND b.payload->>'pushSetId' = o.id::text
                        ORDER BY d.id DESC LIMIT 1) l
   WHERE ${GROUP_SETS} AND o.failed_at IS NOT NULL)`;

/** Batches' deliveries, read from their push sets. */
function pushSetDeliveries(q: Queryable) {
  /**
   * The delivery state of each batch's changes, per target system (a target's refusals in its receipts), by batch.
   * `keys` false: `refused` is left empty (a list tells no keys, and a dead-lettered snapshot's are thousands: review6 R6-5).
   */
  async function deliveriesOfBatches(
    batchIds: readonly string[],
    { keys = true }: { keys?: boolean } = {},
  ): Promise<Map<string, BatchDelivery[]>> {
    const by = new Map<string, BatchDelivery[]>();
    if (batchIds.length === 0) return by;
    const res = await q.query<DeliveryRow>(
      `SELECT batch_id AS "batchId", system, count(*)::int AS sets, count(delivered_at)::int AS delivered,
              count(failed_at)::int AS failed, max(error_code) AS "errorCode",
              coalesce(sum((receipt->>'accepted')::int), 0)::int AS accepted,
              coalesce(sum((receipt->>'rejected')::int), 0)::int AS rejected,
              ${keys ? REFUSED : `'[]'::jsonb`} AS refused, ${countsOfOperation('upsert')} AS upserts,
              ${countsOfOperation('delete')} AS deletes, ${DEAD_LETTERS} AS "deadLetters",
              max(delivered_at) AS "deliveredAt",
              coalesce(array_agg(DISTINCT entity || ':' || operation ORDER BY entity || ':' || operation)
                FILTER (WHERE delivered_at IS NULL AND failed_at IS NULL), '{}') AS endpoints
         FROM truc.push_sets s WHERE batch_id = ANY($1::uuid[])
        GROUP BY batch_id, system ORDER BY batch_id, system`,
      [[...batchIds]],
    );
    for (const r of res.rows) by.set(r.batchId, [...(by.get(r.batchId) ?? []), deliveryOf(r)]);
    return by;
  }
  return {
    deliveriesOfBatches,
    /** The delivery state of a batch's changes, per target system (a target's refusals in its receipts). */
    async deliveriesOf(batchId: string): Promise<BatchDelivery[]> {
      return (await deliveriesOfBatches([batchId])).get(batchId) ?? [];
    },
  };
}

/** A target's state for a batch: dead-lettered or every record refused is failed; some refused is partial. */
function deliveryState(
  deadLettered: boolean,
  done: boolean,
  refused: boolean,
  accepted: number,
): BatchDelivery['state'] {
  if (deadLettered || (refused && accepted === 0)) return 'failed';
  if (refused) return 'partial';
  return done ? 'delivered' : 'pending';
}

export function createPushSetsRepo(q: Queryable) {
  return { ...pushSetRows(q), ...pushSetOutcomes(q), ...pushSetDeliveries(q) };
}
export type PushSetsRepo = ReturnType<typeof createPushSetsRepo>;
