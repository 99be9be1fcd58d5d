/**
 * A `truc` a test started ends with the test process, even when that is killed (issue 6: orphaned
 * `truc api`/`truc worker` processes with ppid 1 were left behind by killed test runs and loaded the
 * shared machine): test/helpers/proc.ts gives every node child an IPC channel, and a long-running
 * command stops when it closes (src/cli/stop-signals.ts untilStopped). `truc sim` is the long-running command
 * cheapest to start; `truc all|api|worker|scheduler` and `truc demo` wait the same way.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/env.js';
import { killTree, ROOT, spawnProcess, trucEnv, type Spawned } from '../helpers/proc.js';

/** Running: /proc has it and it is not a zombie waiting for its new parent to reap it. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('a truc started by a test ends when its parent is killed', () => {
  let parent: Spawned | undefined;
  let childPid: number | undefined;
  afterAll(() => {
    parent?.kill();
    if (childPid !== undefined && running(childPid)) killTree(childPid);
  });

  it('truc sim, its parent killed with SIGKILL, exits', async () => {
    parent = spawnProcess(
      process.execPath,
      ['--import', 'tsx', 'test/helpers/spawn-parent.ts', 'sim', 'hcm-csdl', '--port', '0'],
      { cwd: ROOT, env: trucEnv() },
    );
    const line = await parent.waitForLine((l) => /^child \d+$/.test(l), 170_000);
    childPid = Number(line.split(' ')[1]);
    expect(running(childPid)).toBe(true);
    parent.child.kill('SIGKILL');
    await parent.exited;
    await waitFor(() => !running(childPid!), {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: `truc sim (pid ${childPid}) to exit after its parent was killed`,
    });
  }, 300_000);
});
