/**
 * A child that takes argv[2] ports from freePort (./proc.ts) as a vitest worker of pool 1 would, prints them as one
 * JSON line and holds them (stays alive) until its parent goes, SIGTERM or 120 s pass.
 * Run with: VITEST_POOL_ID=1 node --import tsx test/helpers/free-ports-child.ts <n>
 */
import { freePort } from './proc.js';

const ports: number[] = [];
for (let i = 0; i < Number(process.argv[2]); i++) ports.push(await freePort());
process.stdout.write(`${JSON.stringify(ports)}\n`);
const guard = setTimeout(() => process.exit(0), 120_000);
for (const ended of ['disconnect', 'SIGTERM'] as const)
  process.on(ended, () => {
    clearTimeout(guard);
    process.exit(0);
  });
