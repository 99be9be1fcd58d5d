/**
 * The hash-chained audit log on both engines: appends (also concurrent) build one chain; the database
 * refuses UPDATE/DELETE/TRUNCATE; and when a superuser lifts the guard, verifyAudit names the row
 * that was altered, removed or forged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendAudit,
  chainPending,
  GENESIS_HASH,
  recordAudit,
  rowHash,
  verifyAudit,
} from '../../src/audit/chain.js';
import { createAuditChainer } from '../../src/audit/chainer.js';
import type { AuditEvent, AuditRow } from '../../src/store/audit-log.js';
import { countRows, openTestStore, type TestStore } from '../helpers/env.js';
import { MEMORY_DB_TIMEOUT_MS } from '../helpers/memory-db.js';

const event = (i: number, extra: Partial<AuditEvent> = {}): AuditEvent => ({
  actor: `client:cl_${i % 3}`,
  action: 'batch.accepted',
  subject: `batch:${i}`,
  details: {
    n: i,
    school: '79000001',
    ok: i % 2 === 0,
    tags: ['a', 'ă'],
    note: 'Trường Tiểu học Lê Văn Tám',
    none: null,
  },
  ...extra,
});

/** The machine's clock, for the tests where the time does not matter. */
const now = (): Date => new Date();

describe.each(['pglite', 'postgres'] as const)('audit log on %s', (kind) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => {
    await store?.cleanup();
  });
  const rowAt = async (seq: number): Promise<AuditRow> =>
    (await store.db.query<AuditRow>('SELECT * FROM truc.audit_log WHERE seq = $1', [seq])).rows[0]!;
  /** Appends events until the log has at least `n` rows, so a test that needs rows runs alone too. */
  const atLeast = async (n: number): Promise<void> => {
    for (let i = await countRows(store.db, 'truc.audit_log'); i < n; i++)
      await store.db.tx((q) => appendAudit(q, [event(i + 1)], now()));
  };

  it(
    'an empty log verifies, and appending nothing is a no-op',
    async () => {
      // a log of its own: the other tests fill this file's, and may run first
      const empty = await openTestStore(kind);
      try {
        await empty.db.tx((q) => appendAudit(q, [], now()));
        expect(await verifyAudit(empty.db)).toEqual({ ok: true, rows: 0, head: GENESIS_HASH });
        expect(await countRows(empty.db, 'truc.audit_log')).toBe(0);
      } finally {
        await empty.cleanup();
      }
    },
    MEMORY_DB_TIMEOUT_MS,
  ); // opens a store of its own: PGlite's start-up is slow on a busy machine

  it('a chain of N events (single and multi-event appends) verifies, in one page or many', async () => {
    const before = await countRows(store.db, 'truc.audit_log');
    for (let i = 1; i <= 20; i++) await store.db.tx((q) => appendAudit(q, [event(i)], now()));
    await store.db.tx((q) =>
      appendAudit(q, [event(21), event(22), event(23, { subject: undefined, details: undefined })], now()),
    );
    const all = await store.db.query<AuditRow>('SELECT * FROM truc.audit_log ORDER BY seq');
    const n = before + 23;
    expect(all.rows.map((r) => r.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(all.rows[0]!.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < all.rows.length; i++) expect(all.rows[i]!.prev_hash).toBe(all.rows[i - 1]!.hash);
    const head = all.rows.at(-1)!.hash;
    expect(await verifyAudit(store.db)).toEqual({ ok: true, rows: n, head });
    expect(await verifyAudit(store.db, 4)).toEqual({ ok: true, rows: n, head });
    expect(all.rows[n - 1]).toMatchObject({ subject: null, details: {} });
  });

  it('an append rolled back with its transaction leaves no trace', async () => {
    const before = await countRows(store.db, 'truc.audit_log');
    await expect(
      store.db.tx(async (q) => {
        await appendAudit(q, [event(99)], now());
        throw new Error('business failure');
      }),
    ).rejects.toThrow('business failure');
    expect(await countRows(store.db, 'truc.audit_log')).toBe(before);
    expect((await verifyAudit(store.db)).ok).toBe(true);
  });

  it('4 concurrent appenders × 50 transactions still make one valid chain', async () => {
    const before = await countRows(store.db, 'truc.audit_log');
    await Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        for (let i = 0; i < 50; i++) {
          await store.db.tx(async (q) => {
            await q.query('SELECT 1'); // some work of the business transaction first
            await appendAudit(q, [event(1000 * w + i, { actor: `writer:${w}` })], now());
          });
        }
      }),
    );
    const result = await verifyAudit(store.db);
    expect(result).toMatchObject({ ok: true, rows: before + 200 });
    const perWriter = await store.db.query<{ actor: string; n: number }>(
      "SELECT actor, count(*)::int AS n FROM truc.audit_log WHERE actor LIKE 'writer:%' GROUP BY actor ORDER BY actor",
    );
    expect(perWriter.rows).toEqual([0, 1, 2, 3].map((w) => ({ actor: `writer:${w}`, n: 50 })));
  });

  it('recorded events (hot paths) commit without the lock and are chained later, oldest first, with their time', async () => {
    const before = await countRows(store.db, 'truc.audit_log');
    await store.db.tx((q) => recordAudit(q, [event(501, { actor: 'pending:a' })], now()));
    await expect(
      store.db.tx(async (q) => {
        await recordAudit(q, [event(502, { actor: 'pending:lost' })], now());
        throw new Error('business failure');
      }),
    ).rejects.toThrow('business failure');
    await store.db.tx((q) =>
      recordAudit(q, [event(503, { actor: 'pending:b' }), event(504, { actor: 'pending:c' })], now()),
    );
    expect(await countRows(store.db, 'truc.audit_pending')).toBe(3);
    const at = (await store.db.query<{ at: Date }>('SELECT min(at) AS at FROM truc.audit_pending')).rows[0]!
      .at;
    // Interleaved with a direct append: both end in one valid chain.
    await store.db.tx((q) => appendAudit(q, [event(505, { actor: 'direct' })], now()));
    expect(await store.db.tx((q) => chainPending(q, 2))).toBe(2);
    expect(await store.db.tx((q) => chainPending(q, 2))).toBe(1);
    expect(await store.db.tx((q) => chainPending(q, 2))).toBe(0);
    expect(await countRows(store.db, 'truc.audit_pending')).toBe(0);
    const rows = await store.db.query<AuditRow>('SELECT * FROM truc.audit_log WHERE seq > $1 ORDER BY seq', [
      before,
    ]);
    expect(rows.rows.map((r) => r.actor)).toEqual(['direct', 'pending:a', 'pending:b', 'pending:c']);
    expect(rows.rows[1]!.at.toISOString()).toBe(at.toISOString());
    expect(rows.rows[1]!.details).toEqual(event(501).details);
    expect(await verifyAudit(store.db)).toMatchObject({ ok: true, rows: before + 4 });
  });

  it('a chaining pass sends three statements: the lock, the events with the chain head, their rows (issue 7)', async () => {
    await store.db.tx((q) => appendAudit(q, [event(701, { actor: 'direct' })], now()));
    await store.db.tx((q) => recordAudit(q, [event(702), event(703)], now()));
    const sent: string[] = [];
    const moved = await store.db.tx((q) =>
      chainPending({
        query: (sql, params, opts) => {
          sent.push(sql.trim().split(/\s+/)[0]!);
          return q.query(sql, params, opts);
        },
      }),
    );
    expect(moved).toBe(2);
    // Was five: the lock, the events taken, the head read, their rows (and an empty pass stops after the second).
    expect(sent).toEqual(['SELECT', 'WITH', 'INSERT']);
    expect(await verifyAudit(store.db)).toMatchObject({ ok: true });
    sent.length = 0;
    expect(
      await store.db.tx((q) => chainPending({ query: (sql, p, o) => (sent.push(sql), q.query(sql, p, o)) })),
    ).toBe(0);
    expect(sent).toHaveLength(2);
  });

  it('entries carry the time the caller gives (its deps clock), appended or recorded then chained', async () => {
    const before = await countRows(store.db, 'truc.audit_log');
    const appended = new Date('2025-10-15T03:04:05.678Z');
    const recorded = new Date('2025-10-16T07:08:09.012Z');
    await store.db.tx((q) => appendAudit(q, [event(801), event(802)], appended));
    await store.db.tx((q) => recordAudit(q, [event(803)], recorded));
    while ((await store.db.tx((q) => chainPending(q))) > 0);
    const rows = await store.db.query<AuditRow>('SELECT * FROM truc.audit_log WHERE seq > $1 ORDER BY seq', [
      before,
    ]);
    expect(rows.rows.map((r) => [r.subject, r.at.toISOString()])).toEqual([
      ['batch:801', appended.toISOString()],
      ['batch:802', appended.toISOString()],
      ['batch:803', recorded.toISOString()],
    ]);
    expect((await verifyAudit(store.db)).ok).toBe(true);
  });

  it('the chainer chains what is pending when kicked, and what is left when it stops', async () => {
    const before = await countRows(store.db, 'truc.audit_log');
    const chainer = createAuditChainer(store.db, { everyMs: 60_000, batch: 3, logger: console });
    await store.db.tx((q) =>
      recordAudit(
        q,
        Array.from({ length: 7 }, (_, i) => event(600 + i)),
        now(),
      ),
    );
    chainer.start();
    for (let i = 0; i < 100 && (await countRows(store.db, 'truc.audit_pending')) > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await countRows(store.db, 'truc.audit_log')).toBe(before + 7);
    await store.db.tx((q) => recordAudit(q, [event(700)], now()));
    await chainer.stop();
    expect(await countRows(store.db, 'truc.audit_pending')).toBe(0);
    expect(await verifyAudit(store.db)).toMatchObject({ ok: true, rows: before + 8 });
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    await atLeast(3); // row triggers fire only on rows that exist
    const n = await countRows(store.db, 'truc.audit_log');
    await expect(
      store.db.query(`UPDATE truc.audit_log SET details = '{"n":0}' WHERE seq = 2`),
    ).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(store.db.query('DELETE FROM truc.audit_log WHERE seq = 3')).rejects.toThrow(
      /append-only: DELETE refused/,
    );
    await expect(store.db.query('TRUNCATE truc.audit_log')).rejects.toThrow(/append-only: TRUNCATE refused/);
    await expect(store.db.query('DELETE FROM truc.audit_log WHERE seq = 3')).rejects.toMatchObject({
      code: '42501',
    });
    expect(await countRows(store.db, 'truc.audit_log')).toBe(n);
    expect((await verifyAudit(store.db)).ok).toBe(true);
  });

  describe('with the guard lifted by a superuser, verify names the tampered row', () => {
    beforeAll(async () => {
      await atLeast(13); // the tests below alter rows 3 to 12, and 12 must be a middle row
      await store.db.query('ALTER TABLE truc.audit_log DISABLE TRIGGER USER');
    });
    afterAll(async () => {
      await store.db.query('ALTER TABLE truc.audit_log ENABLE TRIGGER USER');
    });

    it('an altered detail → that row, reason hash; restoring it heals the chain', async () => {
      const original = await rowAt(7);
      await store.db.query(
        `UPDATE truc.audit_log SET details = jsonb_set(details, '{n}', '700') WHERE seq = 7`,
      );
      expect(await verifyAudit(store.db)).toEqual({ ok: false, rows: 6, brokenAt: 7, reason: 'hash' });
      expect(await verifyAudit(store.db, 3)).toMatchObject({ ok: false, brokenAt: 7, reason: 'hash' });
      await store.db.query('UPDATE truc.audit_log SET details = $1 WHERE seq = 7', [
        JSON.stringify(original.details),
      ]);
      expect((await verifyAudit(store.db)).ok).toBe(true);
    });

    it('an altered actor or time → that row', async () => {
      const original = await rowAt(9);
      await store.db.query("UPDATE truc.audit_log SET actor = 'someone-else' WHERE seq = 9");
      expect(await verifyAudit(store.db)).toMatchObject({ ok: false, brokenAt: 9, reason: 'hash' });
      await store.db.query(
        "UPDATE truc.audit_log SET actor = $1, at = at + interval '1 second' WHERE seq = 9",
        [original.actor],
      );
      expect(await verifyAudit(store.db)).toMatchObject({ ok: false, brokenAt: 9, reason: 'hash' });
      await store.db.query('UPDATE truc.audit_log SET at = $1 WHERE seq = 9', [original.at]);
      expect((await verifyAudit(store.db)).ok).toBe(true);
    });

    it('a forged row with a recomputed hash → the NEXT row no longer links (prev_hash)', async () => {
      const original = await rowAt(5);
      const forged = { ...original, details: { ...(original.details as object), n: 5000 } };
      const hash = rowHash(original.prev_hash, { ...forged, at: original.at.toISOString() });
      await store.db.query('UPDATE truc.audit_log SET details = $1, hash = $2 WHERE seq = 5', [
        JSON.stringify(forged.details),
        hash,
      ]);
      expect(await verifyAudit(store.db)).toEqual({ ok: false, rows: 5, brokenAt: 6, reason: 'prev_hash' });
      await store.db.query('UPDATE truc.audit_log SET details = $1, hash = $2 WHERE seq = 5', [
        JSON.stringify(original.details),
        original.hash,
      ]);
      expect((await verifyAudit(store.db)).ok).toBe(true);
    });

    it('a deleted middle row → the gap at its seq; putting it back heals the chain', async () => {
      const original = await rowAt(12);
      await store.db.query('DELETE FROM truc.audit_log WHERE seq = 12');
      expect(await verifyAudit(store.db)).toEqual({ ok: false, rows: 11, brokenAt: 12, reason: 'gap' });
      expect(await verifyAudit(store.db, 5)).toMatchObject({ ok: false, brokenAt: 12, reason: 'gap' });
      await store.db.query(
        'INSERT INTO truc.audit_log (seq, at, actor, action, subject, details, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)',
        [
          original.seq,
          original.at,
          original.actor,
          original.action,
          original.subject,
          JSON.stringify(original.details),
          original.prev_hash,
          original.hash,
        ],
      );
      expect((await verifyAudit(store.db)).ok).toBe(true);
    });

    it('two rows swapped (reordered history) → the first of them', async () => {
      const a = await rowAt(3);
      const b = await rowAt(4);
      const swap = (seq: number, r: AuditRow) =>
        store.db.query('UPDATE truc.audit_log SET actor = $2, subject = $3, details = $4 WHERE seq = $1', [
          seq,
          r.actor,
          r.subject,
          JSON.stringify(r.details),
        ]);
      await swap(3, b);
      await swap(4, a);
      expect(await verifyAudit(store.db)).toMatchObject({ ok: false, brokenAt: 3, reason: 'hash' });
      await swap(3, a);
      await swap(4, b);
      expect((await verifyAudit(store.db)).ok).toBe(true);
    });

    it('a row inserted after the head with a wrong prev_hash → that row', async () => {
      const n = await countRows(store.db, 'truc.audit_log');
      const at = new Date().toISOString();
      const fake = {
        seq: n + 1,
        at,
        actor: 'intruder',
        action: 'client.created',
        subject: null,
        details: {},
      };
      await store.db.query(
        'INSERT INTO truc.audit_log (seq, at, actor, action, subject, details, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)',
        [fake.seq, at, fake.actor, fake.action, null, '{}', GENESIS_HASH, rowHash(GENESIS_HASH, fake)],
      );
      expect(await verifyAudit(store.db)).toMatchObject({ ok: false, brokenAt: n + 1, reason: 'prev_hash' });
      await store.db.query('DELETE FROM truc.audit_log WHERE seq = $1', [n + 1]);
      expect((await verifyAudit(store.db)).ok).toBe(true);
    });
  });

  it('the guard is back after the tamper tests', async () => {
    await atLeast(1);
    await expect(store.db.query('DELETE FROM truc.audit_log WHERE seq = 1')).rejects.toThrow(/append-only/);
  });
});
