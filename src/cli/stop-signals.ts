/**
 * How a long-running command (`truc api`, `worker`, `all`, `demo` …) hears that it is to stop: SIGTERM or SIGINT, or
 * its parent gone when it was started with an IPC channel, and a second such word within a grace period.
 */

/** What {@link untilStopped} listens to: the process (a fake in tests). */
export interface StopSignals {
  readonly connected: boolean;
  once(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
}

/**
 * Whether this process was started with an IPC channel to its parent, read when the CLI loads: once the
 * channel has closed, `process.connected` is false as for a process that never had one.
 */
const STARTED_WITH_CHANNEL = process.channel != null;

/**
 * Resolves when a long-running command is told to stop, with what told it: SIGTERM or SIGINT, or, for
 * a process started with an IPC channel (child_process `stdio: [..., 'ipc']`, as the tests start truc),
 * that channel closing (`parent gone`): the parent ended, even by SIGKILL, and the command stops instead
 * of living on as an orphan. Production starts truc without a channel: signals only.
 */
export function untilStopped(
  proc: StopSignals = process,
  withChannel: boolean = STARTED_WITH_CHANNEL,
): Promise<string> {
  return new Promise((resolve) => {
    onStop(proc, withChannel, resolve);
  });
}

/**
 * Resolves after `ms` with undefined, or sooner with what told the command to stop again (a second SIGTERM or
 * SIGINT, the parent gone: as {@link untilStopped}); its listeners are gone once it resolves, so a signal after it
 * ends the process as Node does (an API's shutdown grace, src/cli/commands/serve.ts).
 */
export function stoppedWithin(
  ms: number,
  proc: StopSignals = process,
  withChannel: boolean = STARTED_WITH_CHANNEL,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(undefined);
    }, ms);
    const off = onStop(proc, withChannel, (why) => {
      clearTimeout(timer);
      resolve(why);
    });
  });
}

/** Calls `done` once with what told the command to stop (see {@link untilStopped}); returns what stops listening. */
function onStop(proc: StopSignals, withChannel: boolean, done: (why: string) => void): () => void {
  // The channel closed while the command started (a database migrated, servers bound: seconds on a
  // loaded machine): its 'disconnect' has been emitted already, and waiting for it kept an orphan.
  if (withChannel && !proc.connected) {
    done('parent gone');
    return () => undefined;
  }
  const on: Record<string, () => void> = {};
  const off = (): void => {
    for (const [event, listener] of Object.entries(on)) proc.off(event, listener);
  };
  const stop = (why: string) => () => {
    off();
    done(why);
  };
  on.SIGTERM = stop('SIGTERM');
  on.SIGINT = stop('SIGINT');
  if (proc.connected) on.disconnect = stop('parent gone');
  for (const [event, listener] of Object.entries(on)) proc.once(event, listener);
  return off;
}
