/** `truc demo [--once] [--port P]`: simulators + truc on the embedded database, one full cycle. */
import { defineCommand, int, runs } from '../kit.js';
import { untilStopped } from '../stop-signals.js';

export const demoCommand = () =>
  runs<{ once?: boolean; port?: number }>(
    defineCommand(
      'demo',
      'simulators + truc on the embedded database, one full cycle, a summary; keeps serving',
    )
      .option('--once', 'exit after the cycle: 0 when everything checked out, 1 otherwise')
      .option('--port <port>', 'port of the API (default: PORT, or any free port when taken)', int(0, 65535)),
    async ({ once, port }) => {
      const { runDemo } = await import('../../demo/index.js');
      return runDemo({ once: once ?? false, until: untilStopped, ...(port !== undefined ? { port } : {}) });
    },
  );
