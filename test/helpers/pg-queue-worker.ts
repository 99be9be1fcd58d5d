/**
 * A process for test/integration/pg-queue-start.test.ts: one worker of truc's PostgreSQL queue factory
 * (src/jobs/queues.ts, queues in the database) on queue `q` of the database at argv[2]. It prints
 * `alive <n>` every 100 ms while its event loop turns, `error <code>` the first time its worker reports an
 * error of that code (a spinning worker would report it millions of times a second) and `done <job id>`
 * for each job it runs. Run with `node --import tsx test/helpers/pg-queue-worker.ts <database url>`; it
 * ends with its parent's IPC channel.
 */
import { postgresQueueFactory } from '../../src/jobs/queues.js';

const DEFAULTS = { attempts: 1, backoffMs: 100, keepCompleted: 10, keepFailed: 10 };

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

const factory = postgresQueueFactory(
  { connectionString: process.argv[2]!, schema: 'bullmq' },
  DEFAULTS,
  () => Promise.resolve(),
  0.5,
);
const worker = factory.worker(
  'q',
  async function runJob(job) {
    say(`done ${job.id}`);
    return null;
  },
  { concurrency: 1 },
);
const reported = new Set<string>();
worker.on('error', function reportOnce(err: Error & { code?: string }) {
  const code = err.code ?? err.message;
  if (reported.has(code)) return;
  reported.add(code);
  say(`error ${code}`);
});
let beats = 0;
setInterval(function beat() {
  say(`alive ${++beats}`);
}, 100);
process.on('disconnect', function parentGone() {
  process.exit(0);
});
