/**
 * Idempotency-Key records per client (IETF draft-ietf-httpapi-idempotency-key-header): the hash of
 * the first request and the answer it got, so a retry with the same key gets the same answer, for
 * `api.idempotencyRetentionHours` after the key was claimed (the draft's §2.3 lets a resource expire keys and
 * asks it to publish when). An older key is expired: its reuse is a new request that claims it afresh, and
 * the nightly purge (jobs/change-purge.ts) deletes it. Ages are by the database's clock.
 */
import type { Queryable } from './db.js';

export interface StoredAnswer<Body> {
  requestHash: string;
  status: number;
  body: Body;
}

/** Whether the key row `t` is older than `$n` hours: expired. */
const expired = (t: string, n: string) => `${t}.created_at < now() - make_interval(hours => ${n})`;

export function createIdempotencyRepo(q: Queryable) {
  async function find<Body>(clientId: string, key: string): Promise<StoredAnswer<Body> | undefined> {
    const res = await q.query<{ request_hash: string; response_status: number; response_body: Body }>(
      `SELECT request_hash, response_status, response_body FROM truc.idempotency_keys
        WHERE client_id = $1 AND key = $2`,
      [clientId, key],
    );
    const r = res.rows[0];
    return r ? { requestHash: r.request_hash, status: r.response_status, body: r.response_body } : undefined;
  }
  return {
    /**
     * Claims `key` for a new request by storing its answer, in one statement (no read first); returns
     * undefined when it did, else the answer stored with the key before (read only then). A key older than
     * `retentionHours` is expired: the claim takes it over (a new request, whatever its body). Run it in the
     * transaction that does the request's work: its rollback frees the key. A concurrent request with
     * the same key waits on the first one's row until that transaction ends, then gets its answer (or
     * the key, when it rolled back).
     */
    async claim<Body>(
      clientId: string,
      key: string,
      answer: StoredAnswer<Body>,
      retentionHours: number,
    ): Promise<StoredAnswer<Body> | undefined> {
      // Twice at most: the earlier row can only vanish in between if a clean-up removed it.
      for (let attempt = 1; ; attempt++) {
        const res = await q.query(
          `INSERT INTO truc.idempotency_keys (client_id, key, request_hash, response_status, response_body)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (client_id, key) DO UPDATE
              SET request_hash = EXCLUDED.request_hash, response_status = EXCLUDED.response_status,
                  response_body = EXCLUDED.response_body, created_at = now()
            WHERE ${expired('truc.idempotency_keys', '$6')}`,
          [clientId, key, answer.requestHash, answer.status, JSON.stringify(answer.body), retentionHours],
        );
        if (res.rowCount === 1) return undefined;
        const prior = await find<Body>(clientId, key);
        if (prior) return prior;
        if (attempt === 2) throw new Error('an Idempotency-Key row vanished twice while it was claimed');
      }
    },
    /**
     * The answer a claimed key gives from now on (its request's answer changed after the claim, in the same
     * transaction: a repeat judged at once is answered done, not queued).
     */
    async answer<Body>(clientId: string, key: string, answer: { status: number; body: Body }): Promise<void> {
      await q.query(
        `UPDATE truc.idempotency_keys SET response_status = $3, response_body = $4 WHERE client_id = $1 AND key = $2`,
        [clientId, key, answer.status, JSON.stringify(answer.body)],
      );
    },
    /**
     * Deletes up to `limit` expired keys (older than `retentionHours`), oldest first, by their age's index
     * (migration 992); returns how many went. Call it again while it returns `limit`. A key claimed afresh
     * meanwhile (its expired row taken over) is not deleted: its age is checked again on the row deleted.
     */
    async purgeExpired(retentionHours: number, limit: number): Promise<number> {
      const res = await q.query(
        `DELETE FROM truc.idempotency_keys k
          WHERE (k.client_id, k.key) IN (
                  SELECT e.client_id, e.key FROM truc.idempotency_keys e
                   WHERE ${expired('e', '$1')} ORDER BY e.created_at LIMIT $2)
            AND ${expired('k', '$1')}`,
        [retentionHours, limit],
      );
      return res.rowCount;
    },
  };
}
export type IdempotencyRepo = ReturnType<typeof createIdempotencyRepo>;
