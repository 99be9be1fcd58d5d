/**
 * Idempotency-Keys expire (api28): a key is kept `api.idempotencyRetentionHours` (24 h by default; the IETF draft
 * draft-ietf-httpapi-idempotency-key-header §2.3 lets a resource expire keys and asks it to publish the policy),
 * then the nightly purge (jobs/change-purge.ts) deletes it in bounded chunks. A live key still answers its stored
 * response; a key reused after expiry is a new request (a new batch), even with another body. Over PostgreSQL;
 * a key's age is set by moving its row's created_at back.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { purgeExpiredKeys } from '../../src/jobs/change-purge.js';
import { goodBody, S1, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

const h = useApiHarness(backends()[2]!); // PostgreSQL, queues in the database (never started here)

const HOURS = () => h.env.config.api.idempotencyRetentionHours;

/** Moves a key's row `hours` into the past (as if it had been claimed then). */
async function age(key: string, hours: number): Promise<void> {
  await h.env.deps.db.query(
    `UPDATE truc.idempotency_keys SET created_at = now() - make_interval(hours => $2) WHERE key = $1`,
    [key, hours],
  );
}

async function stored(...keys: string[]): Promise<string[]> {
  const res = await h.env.deps.db.query<{ key: string }>(
    'SELECT key FROM truc.idempotency_keys WHERE key = ANY ($1) ORDER BY key',
    [keys],
  );
  return res.rows.map((r) => r.key);
}

const push = (codes: string[], key: string) =>
  h.pushBatch(h.tokens.vendor, S1, goodBody(codes), { 'idempotency-key': key });

const purge = () =>
  purgeExpiredKeys({
    db: h.env.deps.db,
    config: h.env.config,
    logger: pino({ level: 'silent' }),
    now: () => new Date(),
  });

describe('Idempotency-Key retention (api.idempotencyRetentionHours)', () => {
  it('defaults to 24 hours', () => {
    expect(HOURS()).toBe(24);
  });

  it('the purge deletes expired keys and keeps live ones; a live key still answers its stored response', async () => {
    const run = Date.now();
    const [expired, live] = [`exp-${run}`, `live-${run}`];
    expect((await push(['RET1'], expired)).statusCode).toBe(202);
    const first = await push(['RET2'], live);
    expect(first.statusCode).toBe(202);
    await age(expired, HOURS() + 1);
    await age(live, HOURS() - 1);

    expect((await purge()).purged).toBeGreaterThanOrEqual(1);
    expect(await stored(expired, live)).toEqual([live]);

    const again = await push(['RET2'], live);
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
  });

  it('a key reused after expiry is a new request: a new batch, even before the purge, even with another body', async () => {
    const key = `reuse-${Date.now()}`;
    const first = await push(['RET3'], key);
    expect(first.statusCode).toBe(202);
    const before = await h.snapshot();
    await age(key, HOURS() + 1);

    const same = await push(['RET3'], key); // not purged yet: the claim itself sees the key expired
    expect(same.statusCode, same.body).toBe(202);
    expect(same.headers['idempotent-replayed']).toBeUndefined();
    expect(same.json<{ batchId: string }>().batchId).not.toBe(first.json<{ batchId: string }>().batchId);
    expect((await h.snapshot()).batches).toBe(before.batches + 1);
    // The key now stands for the new request, from now on.
    const replay = await push(['RET3'], key);
    expect(replay.json()).toEqual(same.json());

    await age(key, HOURS() + 1);
    const other = await push(['RET4'], key); // another body after expiry: a new request, not a 422
    expect(other.statusCode, other.body).toBe(202);
    expect((await h.snapshot()).batches).toBe(before.batches + 2);
  });
});
