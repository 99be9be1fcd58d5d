/**
 * A long-running command (`truc all|api|worker|scheduler|sim|demo`) waits in `untilStopped`
 * (src/cli/kit.ts) for SIGTERM/SIGINT or, when a test started it with an IPC channel, for its parent to
 * be gone. A parent that went while the command was still starting (migrations, servers: seconds on a
 * loaded machine) closed the channel before anyone listened: its 'disconnect' was never seen and the
 * process lived on as an orphan (issue 6: orphans loaded the shared machine). The process is a fake.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { stoppedWithin, untilStopped } from '../../../src/cli/stop-signals.js';

class FakeProcess extends EventEmitter {
  constructor(public connected: boolean) {
    super();
  }
}

/** What `p` resolved with, or 'pending' after the microtasks ran. */
async function outcome<T>(p: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setImmediate(() => r('pending')))]);
}

describe('untilStopped', () => {
  it('resolves at once when the channel to its parent closed before it was called', async () => {
    const proc = new FakeProcess(false);
    expect(await outcome(untilStopped(proc, true))).toBe('parent gone');
  });

  it('waits for the channel to close, then stops listening', async () => {
    const proc = new FakeProcess(true);
    const stopped = untilStopped(proc, true);
    expect(await outcome(stopped)).toBe('pending');
    proc.connected = false;
    proc.emit('disconnect');
    expect(await outcome(stopped)).toBe('parent gone');
    expect(proc.eventNames()).toEqual([]);
  });

  it('without a channel, waits for a signal only', async () => {
    const proc = new FakeProcess(false);
    const stopped = untilStopped(proc, false);
    expect(await outcome(stopped)).toBe('pending');
    expect(proc.eventNames().sort()).toEqual(['SIGINT', 'SIGTERM']);
    proc.emit('SIGTERM');
    expect(await outcome(stopped)).toBe('SIGTERM');
    expect(proc.eventNames()).toEqual([]);
  });
});

// fix32b: an API's shutdown grace (src/cli/commands/serve.ts) waits in stoppedWithin: its time, or a second signal.
describe('stoppedWithin', () => {
  it('resolves with a second signal before its time, and stops listening', async () => {
    const proc = new FakeProcess(false);
    const again = stoppedWithin(60_000, proc, false);
    expect(await outcome(again)).toBe('pending');
    proc.emit('SIGINT');
    expect(await outcome(again)).toBe('SIGINT');
    expect(proc.eventNames()).toEqual([]);
  });

  it('resolves undefined when its time is up, and stops listening (a later signal ends the process as Node does)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const proc = new FakeProcess(true);
      const again = stoppedWithin(5000, proc, true);
      expect(proc.eventNames().sort()).toEqual(['SIGINT', 'SIGTERM', 'disconnect']);
      await vi.advanceTimersByTimeAsync(5000);
      expect(await outcome(again)).toBeUndefined();
      expect(proc.eventNames()).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
