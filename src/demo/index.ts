/**
 * `truc demo`: starts the simulators of all four systems, runs truc (API + workers) on the embedded
 * database with queues in the same database, and runs one full cycle through the real HTTP API:
 *
 * 1. two vendors push students of their schools (truc's canonical format and their native SMAS /
 *    vnEdu formats, read from their simulators) — `vendor-pushes.ts`;
 * 2. the accepted students are delivered to the simulated city database — `pulls.ts`;
 * 3. a city admin pulls schools and students from the city database and survey persons from the
 *    Ministry system — `pulls.ts`;
 * 4. the audit chain is verified and a summary with links is printed — `summary.ts`;
 * 5. one commune's PCGD-XMC figures are computed, approved (signed), submitted to the simulated
 *    Ministry system and its receipt printed — `pcgd.ts`;
 * 6. what the dashboard shows the city's IT staff: quality scorecards computed, and one dead letter
 *    (a staff delivery the city database refuses once, on purpose) left to replay — `operations.ts`.
 *
 * It then keeps serving (or exits with --once: 0 when everything checked out). `stack.ts` starts and
 * stops what runs; `actors.ts` makes the demo's clients; `http.ts` is how the demo talks to truc.
 */
import { both } from '../errors.js';
import { createDemoActors } from './actors.js';
import { armDeadLetter, operationsLines, runOperationsStep } from './operations.js';
import { pcgdLines, runPcgdStep } from './pcgd.js';
import { runPulls, studentsAtCityDatabase } from './pulls.js';
import { startDemoStack, type DemoStack } from './stack.js';
import { acceptedStudents, printSummary } from './summary.js';
import { pushVendorBatches } from './vendor-pushes.js';

export interface DemoOptions {
  once: boolean;
  port?: number;
  /** Without `once`: keeps serving until this resolves (the CLI's: SIGINT/SIGTERM, or the parent gone). */
  until: () => Promise<unknown>;
}

/** Steps 1–6 on a running stack; true when everything checked out. */
async function runCycle(stack: DemoStack): Promise<boolean> {
  const actors = await createDemoActors(stack);
  armDeadLetter(stack);
  const batches = await pushVendorBatches(stack, actors);
  const atSim = await studentsAtCityDatabase(stack, acceptedStudents(batches));
  const syncs = await runPulls(stack, actors);
  const pcgd = await runPcgdStep(stack, actors);
  const ops = await runOperationsStep(stack, actors);
  const ok = await printSummary(stack, actors, { batches, atSim, syncs });
  process.stdout.write(
    `${[...pcgdLines(pcgd, stack.base), ...operationsLines(ops, stack.base)].join('\n')}\n`,
  );
  return ok && pcgd.ok && ops.deadLetters === 1 && ops.scorecards.length > 0;
}

export async function runDemo(opts: DemoOptions): Promise<number> {
  const stack = await startDemoStack(opts);
  try {
    const ok = await runCycle(stack);
    if (opts.once) {
      await stack.stop();
      process.stdout.write(
        `${ok ? both('demo: mọi bước đều đạt', 'demo: OK') : both('demo: THẤT BẠI', 'demo: FAILED')}\n`,
      );
      return ok ? 0 : 1;
    }
    process.stdout.write(
      `${both('truc đang chạy; nhấn Ctrl+C để dừng.', 'truc is serving; press Ctrl+C to stop.')}\n`,
    );
    await opts.until();
    await stack.stop();
    return 0;
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
