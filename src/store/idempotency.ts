/**
 * Idempotency-Key records per client (IETF draft-ietf-httpapi-idempotency-key-header): the hash of
 * the first request and the answer it got, so a retry with the same key gets the same answer.
 */
import type { Queryable } from './db.js';

export interface StoredAnswer<Body> {
  requestHash: string;
  status: number;
  body: Body;
}

export function createIdempotencyRepo(q: Queryable) {
  return {
    async find<Body>(clientId: string, key: string): Promise<StoredAnswer<Body> | undefined> {
      const res = await q.query<{ request_hash: string; response_status: number; response_body: Body }>(
        `SELECT request_hash, response_status, response_body FROM truc.idempotency_keys
          WHERE client_id = $1 AND key = $2`,
        [clientId, key],
      );
      const r = res.rows[0];
      return r
        ? { requestHash: r.request_hash, status: r.response_status, body: r.response_body }
        : undefined;
    },
    /** Stores the answer; a concurrent request with the same key makes this a unique violation. */
    async save<Body>(clientId: string, key: string, answer: StoredAnswer<Body>): Promise<void> {
      await q.query(
        `INSERT INTO truc.idempotency_keys (client_id, key, request_hash, response_status, response_body)
         VALUES ($1, $2, $3, $4, $5)`,
        [clientId, key, answer.requestHash, answer.status, JSON.stringify(answer.body)],
      );
    },
  };
}
export type IdempotencyRepo = ReturnType<typeof createIdempotencyRepo>;
