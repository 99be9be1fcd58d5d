/**
 * The outbox relay's listener (./outbox-relay.ts `outboxListener`) tries again by itself after losing its
 * connection or failing to connect, whatever the wall clock says and however long the relay's poll is.
 * Issue 7: CI saw the relay stay deaf after its listening connection was killed: the retry timer fired
 * a few ms before `Date.now()` said 5 s had passed (libuv times timers from the loop's cached clock), the
 * retry was gated on the clock, returned early, and nothing tried again until the next poll (a minute).
 * The database is a fake that hands out fake clients; the timers are vitest's.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { outboxListener } from '../../../src/jobs/outbox-relay.js';
import type { Db } from '../../../src/store/db.js';

class FakeClient extends EventEmitter {
  readonly sql: string[] = [];
  released = false;
  /** `dieOnListen`: the LISTEN reply and the connection's death come in one socket read (see the last test). */
  constructor(private readonly dieOnListen = false) {
    super();
  }
  async query(sql: string): Promise<{ rows: never[] }> {
    this.sql.push(sql);
    // pg emits 'error' synchronously, before the microtasks that settle the reply's promise run.
    if (this.dieOnListen && sql.startsWith('LISTEN')) this.emit('error', new Error('terminating connection'));
    return { rows: [] };
  }
  release(): void {
    this.released = true;
  }
}

const logger = { warn: vi.fn(), debug: vi.fn(), info: vi.fn(), error: vi.fn() } as unknown as Logger;

/** A database whose `connect()` answers from `attempts` in turn (an Error rejects), then succeeds. */
function fakeDb(attempts: (FakeClient | Error)[] = []) {
  const clients: FakeClient[] = [];
  let calls = 0;
  const db = {
    async connect() {
      calls += 1;
      const next = attempts.shift() ?? new FakeClient();
      if (next instanceof Error) throw next;
      clients.push(next);
      return next;
    },
  } as unknown as Db;
  return { db, clients, calls: () => calls };
}

/** Lets the listener's promise chains run (connect → LISTEN → then → finally) under fake timers. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
};

/** After the retry's 5 s: a second connection, listening; then the listener is halted and closed. */
async function listensAgain(
  listener: ReturnType<typeof outboxListener>,
  clients: FakeClient[],
  calls: () => number,
): Promise<void> {
  await vi.advanceTimersByTimeAsync(5_000);
  await settle();
  expect(calls()).toBe(2);
  expect(clients[1]!.sql).toEqual(['LISTEN truc_outbox']);
  listener.halt();
  await listener.close();
}

describe('outbox listener', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('listens again after its connection is lost, even when the retry fires before the clock says 5 s', async () => {
    const { db, clients, calls } = fakeDb();
    const listener = outboxListener({ db, logger }, () => undefined);
    listener.listen();
    await settle();
    expect(clients[0]!.sql).toEqual(['LISTEN truc_outbox']);

    clients[0]!.emit('error', new Error('terminating connection due to administrator command'));
    expect(clients[0]!.released).toBe(true);
    // The loop's cached clock ran behind: the wall clock is 50 ms behind the timer's reckoning.
    vi.setSystemTime(Date.now() - 50);
    await listensAgain(listener, clients, calls);
  });

  it('tries again after a failed attempt without waiting for the next pass', async () => {
    const { db, clients, calls } = fakeDb([
      new Error('connect ECONNREFUSED'),
      new Error('connect ECONNREFUSED'),
    ]);
    const listener = outboxListener({ db, logger }, () => undefined);
    listener.listen();
    await settle();
    expect(calls()).toBe(1);
    // A pass inside the retry's wait does not connect again.
    listener.listen();
    await settle();
    expect(calls()).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000);
    await settle();
    expect(calls()).toBe(2);
    await vi.advanceTimersByTimeAsync(5_000);
    await settle();
    expect(calls()).toBe(3);
    expect(clients).toHaveLength(1);
    listener.halt();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(calls()).toBe(3);
    await listener.close();
  });

  it('is woken by a notification on its channel only, and stops trying once halted', async () => {
    const wake = vi.fn();
    const { db, clients, calls } = fakeDb();
    const listener = outboxListener({ db, logger }, wake);
    listener.listen();
    await settle();
    clients[0]!.emit('notification', { channel: 'other' });
    clients[0]!.emit('notification', { channel: 'truc_outbox' });
    expect(wake).toHaveBeenCalledTimes(1);
    listener.halt();
    clients[0]!.emit('end');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(calls()).toBe(1);
    await listener.close();
  });

  it('listens again when its connection dies in the same tick as the LISTEN reply', async () => {
    // review13 N1: 'error' ran onLost (retry armed, unlisten cleared) before listenOutbox resolved; the dead
    // connection's stop then became `unlisten`, and every later attempt returned early: deaf for good.
    const { db, clients, calls } = fakeDb([new FakeClient(true)]);
    const listener = outboxListener({ db, logger }, () => undefined);
    listener.listen();
    await settle();
    expect(clients[0]!.released).toBe(true);
    await listensAgain(listener, clients, calls);
  });
});
