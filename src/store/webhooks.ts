/**
 * Webhook subscriptions and their deliveries (issue 9, migration 036). Events reach the
 * webhook-fanout job as outbox rows written by triggers; this repository finds who hears an event and
 * keeps each delivery's state.
 */
import type { Queryable } from './db.js';

export const WEBHOOK_EVENTS = ['batch.finished', 'findings.ready', 'master-data.changed'] as const;

export interface Subscription {
  id: string;
  clientId: string;
  url: string;
  events: string[];
  disabled: boolean;
  createdAt: Date;
}

export interface Delivery {
  id: string;
  subscriptionId: string;
  event: string;
  payload: Record<string, unknown>;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** A delivery with what sending it needs. */
export interface DeliveryToSend extends Delivery {
  url: string;
  secret: string;
  subscriptionDisabled: boolean;
  /** Why the client's state stops the delivery (disabled, a scope withdrawn), or null. */
  clientStops: 'client-disabled' | 'no-webhooks-scope' | 'no-records-scope' | 'school-withdrawn' | null;
}

const subCols = (t: string) =>
  `${t}.id, ${t}.client_id AS "clientId", ${t}.url, ${t}.events, ${t}.disabled, ${t}.created_at AS "createdAt"`;
const SUB_COLS = subCols('truc.webhook_subscriptions');
const DELIVERY_COLS = `d.id, d.subscription_id AS "subscriptionId", d.event, d.payload, d.status, d.attempts,
  d.last_status AS "lastStatus", d.last_error AS "lastError", d.created_at AS "createdAt",
  d.finished_at AS "finishedAt"`;

/**
 * A client hears webhooks while it is enabled and holds the `webhooks` scope now (review26b N4): its current state,
 * as for its tokens (`c` is its truc.api_clients row).
 */
const HEARS = `NOT c.disabled AND 'webhooks' = ANY (c.scopes)`;

/**
 * Why a delivery is not sent for its client's state (review26b N4), or null when it may be: an event of a school the
 * client no longer serves (review11: its school withdrawn since the fan-out) is not sent either, as its tokens no
 * longer read that school.
 */
const NOT_SENT = `CASE WHEN c.disabled THEN 'client-disabled'
  WHEN NOT 'webhooks' = ANY (c.scopes) THEN 'no-webhooks-scope'
  WHEN d.event = 'master-data.changed' AND NOT 'records:read' = ANY (c.scopes) THEN 'no-records-scope'
  WHEN d.payload ->> 'schoolCode' IS NOT NULL AND NOT (d.payload ->> 'schoolCode') = ANY (c.schools)
    THEN 'school-withdrawn' END`;

/** A client's subscriptions: made, listed, read, removed. */
function subscriptions(q: Queryable) {
  return {
    /**
     * Subscribes, unless the client already holds `max` subscriptions: then nothing is made (undefined). Run it in a
     * transaction (review27b F4): the client's row is locked first (FOR NO KEY UPDATE, held to the commit), so
     * subscriptions of one client sent together are counted one after another, each seeing those committed before
     * it; the count and the insert are one statement. A row lock of the client rather than an advisory lock: it is
     * the row the limit belongs to, works the same on PostgreSQL and PGlite, needs no text id hashed into the
     * shared advisory-key space, and (NO KEY) does not hold up the client's other writes that only reference it.
     */
    async subscribe(
      s: { id: string; clientId: string; url: string; events: readonly string[]; secret: string },
      max: number,
    ): Promise<Subscription | undefined> {
      await q.query('SELECT 1 FROM truc.api_clients WHERE id = $1 FOR NO KEY UPDATE', [s.clientId]);
      const res = await q.query<Subscription>(
        `INSERT INTO truc.webhook_subscriptions (id, client_id, url, events, secret)
         SELECT $1::uuid, $2::text, $3::text, $4::text[], $5::text
          WHERE (SELECT count(*) FROM truc.webhook_subscriptions WHERE client_id = $2::text) < $6::int
         RETURNING ${SUB_COLS}`,
        [s.id, s.clientId, s.url, [...s.events], s.secret, max],
      );
      return res.rows[0];
    },
    async list(clientId: string): Promise<Subscription[]> {
      const res = await q.query<Subscription>(
        `SELECT ${SUB_COLS} FROM truc.webhook_subscriptions WHERE client_id = $1 ORDER BY created_at, id`,
        [clientId],
      );
      return res.rows;
    },
    /** A subscription of this client (undefined for another client's: its existence is not told). */
    async get(clientId: string, id: string): Promise<Subscription | undefined> {
      const res = await q.query<Subscription>(
        `SELECT ${SUB_COLS} FROM truc.webhook_subscriptions WHERE id = $1 AND client_id = $2`,
        [id, clientId],
      );
      return res.rows[0];
    },
    async remove(clientId: string, id: string): Promise<boolean> {
      const res = await q.query('DELETE FROM truc.webhook_subscriptions WHERE id = $1 AND client_id = $2', [
        id,
        clientId,
      ]);
      return (res.rowCount ?? 0) > 0;
    },
  };
}

/** Who is subscribed to an event of a batch or a school. */
function subscribers(q: Queryable) {
  return {
    /** Active subscriptions to `event` of the client that made a batch, while it is enabled and holds `webhooks`. */
    async forClient(clientId: string, event: string): Promise<Subscription[]> {
      const res = await q.query<Subscription>(
        `SELECT ${subCols('s')} FROM truc.webhook_subscriptions s
           JOIN truc.api_clients c ON c.id = s.client_id
          WHERE s.client_id = $1 AND NOT s.disabled AND $2 = ANY (s.events) AND ${HEARS}
          ORDER BY s.id`,
        [clientId, event],
      );
      return res.rows;
    },
    /**
     * Active subscriptions to `event` of enabled clients that serve `schoolCode` and hold `webhooks` and
     * `records:read` (the change feed the event links to).
     */
    async forSchool(schoolCode: string, event: string): Promise<Subscription[]> {
      const res = await q.query<Subscription>(
        `SELECT ${subCols('s')} FROM truc.webhook_subscriptions s
           JOIN truc.api_clients c ON c.id = s.client_id
          WHERE NOT s.disabled AND ${HEARS} AND 'records:read' = ANY (c.scopes) AND $2 = ANY (s.events)
            AND $1 = ANY (c.schools)
          ORDER BY s.id`,
        [schoolCode, event],
      );
      return res.rows;
    },
  };
}

/** Deliveries of events: added, sent and attempted, listed. */
function webhookDeliveries(q: Queryable) {
  return {
    /** Adds a delivery; false when one with this id exists already. */
    async addDelivery(d: {
      id: string;
      subscriptionId: string;
      event: string;
      payload: Record<string, unknown>;
    }): Promise<boolean> {
      const res = await q.query(
        `INSERT INTO truc.webhook_deliveries (id, subscription_id, event, payload) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO NOTHING`,
        [d.id, d.subscriptionId, d.event, JSON.stringify(d.payload)],
      );
      return (res.rowCount ?? 0) > 0;
    },
    async toSend(id: string): Promise<DeliveryToSend | undefined> {
      const res = await q.query<DeliveryToSend>(
        `SELECT ${DELIVERY_COLS}, s.url, s.secret, s.disabled AS "subscriptionDisabled", ${NOT_SENT} AS "clientStops"
           FROM truc.webhook_deliveries d JOIN truc.webhook_subscriptions s ON s.id = d.subscription_id
           JOIN truc.api_clients c ON c.id = s.client_id
          WHERE d.id = $1`,
        [id],
      );
      return res.rows[0];
    },
    /** Records one attempt; `status` other than 'pending' closes the delivery. */
    async attempted(
      id: string,
      outcome: { status: Delivery['status']; httpStatus: number | null; error: string | null },
    ): Promise<void> {
      await q.query(
        `UPDATE truc.webhook_deliveries
            SET attempts = attempts + 1, last_status = $2, last_error = $3, status = $4,
                finished_at = CASE WHEN $4 = 'pending' THEN NULL ELSE now() END
          WHERE id = $1`,
        [id, outcome.httpStatus, outcome.error, outcome.status],
      );
    },
    async deliveries(subscriptionId: string, limit: number, offset: number): Promise<Delivery[]> {
      const res = await q.query<Delivery>(
        `SELECT ${DELIVERY_COLS} FROM truc.webhook_deliveries d
          WHERE d.subscription_id = $1 ORDER BY d.created_at DESC, d.id LIMIT $2 OFFSET $3`,
        [subscriptionId, limit, offset],
      );
      return res.rows;
    },
  };
}

/**
 * What the `batch.finished` webhook last told of a batch (migration 920): locked before the batch is read, so
 * two events of one batch tell in turn; a new status told with the next sequence.
 */
function batchTold(q: Queryable) {
  return {
    /** Locks the batch's row (made at sequence 0 when none) and answers what was told last; undefined: no such batch. */
    async lockTold(batchId: string): Promise<{ sequence: number; told: string } | undefined> {
      const res = await q.query<{ sequence: number; told: string }>(
        `INSERT INTO truc.webhook_batch_told AS t (batch_id, sequence, told)
         SELECT id, 0, '' FROM truc.batches WHERE id = $1
         ON CONFLICT (batch_id) DO UPDATE SET sequence = t.sequence
         RETURNING t.sequence, t.told`,
        [batchId],
      );
      return res.rows[0];
    },
    /** Records a status told (under {@link lockTold}'s lock): its sequence and when. */
    async told(batchId: string, told: string): Promise<{ sequence: number; toldAt: Date }> {
      const res = await q.query<{ sequence: number; toldAt: Date }>(
        `UPDATE truc.webhook_batch_told SET sequence = sequence + 1, told = $2, told_at = now()
          WHERE batch_id = $1 RETURNING sequence, told_at AS "toldAt"`,
        [batchId, told],
      );
      return res.rows[0]!;
    },
  };
}

export function createWebhooksRepo(q: Queryable) {
  return { ...subscriptions(q), ...subscribers(q), ...webhookDeliveries(q), ...batchTold(q) };
}
export type WebhooksRepo = ReturnType<typeof createWebhooksRepo>;
