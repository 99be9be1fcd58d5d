/**
 * Issue 7 (perf30b): the audit chainers of one process share one loop per database handle (the api's and the
 * worker role's in `truc all`), and kicks that come faster than KICK_GAP_MS go into one pass; an event recorded
 * alone is still chained at once, and what is left is chained when the last chainer stops. Real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { recordAudit, verifyAudit } from '../../src/audit/chain.js';
import { createAuditChainer, KICK_GAP_MS } from '../../src/audit/chainer.js';
import type { AuditEvent } from '../../src/store/audit-log.js';
import { countRows, openTestStore, waitFor, type TestStore } from '../helpers/env.js';

const event = (i: number): AuditEvent => ({
  actor: 'system:ingest',
  action: 'batch.ingested',
  subject: `batch:${i}`,
  details: { n: i },
});

describe('the audit chainers of a process', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore('postgres');
  });
  afterAll(async () => {
    await store?.cleanup();
  });
  const pending = () => countRows(store.db, 'truc.audit_pending');
  // One statement on the pool (no transaction): the spy on `tx` below counts the chainer's passes only.
  const record = (i: number) => recordAudit(store.db, [event(i)], new Date());

  it('share one loop: a stream of kicks from two chainers is chained in a few passes, not one a kick', async () => {
    // The timer's tick is ten minutes away: every pass below is a kicked one (or the start-up one).
    const api = createAuditChainer(store.db, { everyMs: 600_000, logger: console });
    const worker = createAuditChainer(store.db, { everyMs: 600_000, logger: console });
    api.start();
    worker.start();
    await waitFor(async () => (await pending()) === 0, { what: 'the start-up pass' });
    const before = await countRows(store.db, 'truc.audit_log');
    await new Promise((r) => setTimeout(r, KICK_GAP_MS)); // idle: the next kick passes at once
    const passes = vi.spyOn(store.db, 'tx');
    const began = Date.now();
    try {
      // 20 events, one every ~10 ms, each kicked by both chainers (as an accepted batch and its ingest would).
      for (let i = 0; i < 20; i++) {
        await record(1000 + i);
        api.kick();
        worker.kick();
        await new Promise((r) => setTimeout(r, 10));
      }
      await waitFor(async () => (await pending()) === 0, { what: 'the events to be chained' });
      // Counted, not timed: one loop starts a kicked pass at most once a gap, however slow the machine (a kick
      // within the gap waits for its end; one during a pass, for that pass's end). So at most a pass at the first
      // kick and one a gap since, up to now (a timer may fire a millisecond early by Date.now()), plus the start-up
      // pass if it was still looking when the first event came. A loop per chainer passes about twice as often.
      const calls = passes.mock.calls.length;
      const window = Date.now() - began;
      expect(calls).toBeGreaterThan(0);
      expect(calls, `${calls} passes in ${window} ms`).toBeLessThanOrEqual(
        2 + Math.floor(window / (KICK_GAP_MS - 2)),
      );
    } finally {
      passes.mockRestore();
    }
    expect(await countRows(store.db, 'truc.audit_log')).toBe(before + 20);
    // Alone after a quiet gap: chained at its kick, not at the timer's tick (ten minutes away; the wait is bounded
    // by the machine's speed only).
    await new Promise((r) => setTimeout(r, KICK_GAP_MS));
    await record(2000);
    worker.kick();
    await waitFor(async () => (await pending()) === 0, { timeoutMs: 30_000, what: 'the lone event' });
    // The api stops: the worker's chainer still chains; the last to stop chains what is left.
    await api.stop();
    await record(2001);
    worker.kick();
    await waitFor(async () => (await pending()) === 0, {
      timeoutMs: 30_000,
      what: 'the worker chainer alone',
    });
    await record(2002);
    await worker.stop();
    expect(await pending()).toBe(0);
    expect(await verifyAudit(store.db)).toMatchObject({ ok: true, rows: before + 23 });
  });
});
