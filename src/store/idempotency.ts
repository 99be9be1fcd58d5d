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
     * undefined when it did, else the answer stored with the key before (read only then). Run it in the
     * transaction that does the request's work: its rollback frees the key. A concurrent request with
     * the same key waits on the first one's row until that transaction ends, then gets its answer (or
     * the key, when it rolled back).
     */
    async claim<Body>(
      clientId: string,
      key: string,
      answer: StoredAnswer<Body>,
    ): Promise<StoredAnswer<Body> | undefined> {
      // Twice at most: the earlier row can only vanish in between if a clean-up removed it.
      for (let attempt = 1; ; attempt++) {
        const res = await q.query(
          `INSERT INTO truc.idempotency_keys (client_id, key, request_hash, response_status, response_body)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (client_id, key) DO NOTHING`,
          [clientId, key, answer.requestHash, answer.status, JSON.stringify(answer.body)],
        );
        if (res.rowCount === 1) return undefined;
        const prior = await find<Body>(clientId, key);
        if (prior) return prior;
        if (attempt === 2) throw new Error('an Idempotency-Key row vanished twice while it was claimed');
      }
    },
  };
}
export type IdempotencyRepo = ReturnType<typeof createIdempotencyRepo>;
