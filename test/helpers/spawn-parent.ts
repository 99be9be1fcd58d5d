/**
 * A parent process for test/e2e/parent-gone.test.ts: starts `truc <args…>` as the tests start truc
 * ({@link spawnProcess}), prints `child <pid>` once the child has written its first line, then waits
 * until it is killed. Run with `node --import tsx test/helpers/spawn-parent.ts <truc args…>`.
 */
import { ROOT, spawnProcess, trucArgs, trucEnv } from './proc.js';

const child = spawnProcess(process.execPath, trucArgs(process.argv.slice(2)), { cwd: ROOT, env: trucEnv() });
await child.waitForLine((line) => line.length > 0, 120_000);
process.stdout.write(`child ${child.child.pid}\n`);
setInterval(() => undefined, 60_000);
