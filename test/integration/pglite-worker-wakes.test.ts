/**
 * A worker on the embedded database (PGlite, queues in it) fetches a job added while it waits for a later one
 * (walk3 W3-5). BullMQ's worker on the PostgreSQL backend, idle with a delayed job, waits until that job is due
 * (up to an hour) and counts on NOTIFY to wake it for any job added meanwhile; the embedded database's socket relays
 * no NOTIFY. The demo's `schedules` worker saw tomorrow's 01:00 fire first and slept an hour past the 01:40 and 02:00
 * ones. Here a job due in an hour is queued, the worker settles into its wait, then a job due in one second is
 * queued: it runs within seconds (without the cap src/deps.ts sets on PGlite,
 * src/jobs/pg-worker.ts BlockLimit, it waited the hour and the test timed out).
 */
import type { Job, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';

const QUEUE = 'w3-wakes';

describe('a worker on the embedded database (walk3 W3-5)', () => {
  let env: TestEnv;
  let worker: Worker | undefined;
  const ran: string[] = [];

  beforeAll(async () => {
    env = await makeDeps(backends().find((b) => b.name === 'pglite+pg-queue')!);
  }, 120_000);
  afterAll(async () => {
    await worker?.close().catch(() => undefined);
    await env?.cleanup();
  });

  it('runs a job due in a second though it was waiting for one due in an hour', async () => {
    const queue = env.deps.queues.queue(QUEUE);
    worker = env.deps.queues.worker(QUEUE, (job: Job) => Promise.resolve(void ran.push(job.name)), {
      concurrency: 1,
    });
    // The worker's reckoning of its wait (BullMQ's getBlockTimeout, given when its next delayed job is due), watched.
    const w = worker as unknown as { getBlockTimeout(blockUntil: number): number };
    const reckon = w.getBlockTimeout.bind(w);
    let waitsForTheHour = false;
    w.getBlockTimeout = (blockUntil) => {
      if (blockUntil > Date.now() + 1_800_000) waitsForTheHour = true;
      return reckon(blockUntil);
    };
    await queue.add('in-an-hour', {}, { delay: 3_600_000 });
    // The worker polls while nothing is delayed, finds the hour's job, and settles into its wait for it.
    await waitFor(() => waitsForTheHour, {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: "the worker to wait for the hour's job",
    });
    await queue.add('in-a-second', {}, { delay: 1_000 });
    await waitFor(() => ran.includes('in-a-second'), { timeoutMs: 20_000, intervalMs: 100 });
    expect(ran).toEqual(['in-a-second']);
  }, 60_000);
});
