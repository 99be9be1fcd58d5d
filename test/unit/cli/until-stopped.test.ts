/**
 * A long-running command (`truc all|api|worker|scheduler|sim|demo`) waits in `untilStopped`
 * (src/cli/kit.ts) for SIGTERM/SIGINT or, when a test started it with an IPC channel, for its parent to
 * be gone. A parent that went while the command was still starting (migrations, servers: seconds on a
 * loaded machine) closed the channel before anyone listened: its 'disconnect' was never seen and the
 * process lived on as an orphan (issue 6: orphans loaded the shared machine). The process is a fake.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { untilStopped } from '../../../src/cli/kit.js';

class FakeProcess extends EventEmitter {
  constructor(public connected: boolean) {
    super();
  }
}

/** What `p` resolved with, or 'pending' after the microtasks ran. */
async function outcome(p: Promise<string>): Promise<string> {
  return Promise.race([p, new Promise<string>((r) => setImmediate(() => r('pending')))]);
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
