/**
 * A batch pushed and ingested before its repeat is pushed (issue 7's repeated bodies:
 * test/integration/api-repeat*.test.ts).
 */
import { startWorkerRole } from '../../src/roles.js';
import { S1, type ApiHarness } from './api.js';
import { countRows, waitFor } from './env.js';

/** Batches waiting for the ingest or in it: those other tests pushed without running a worker. */
const unfinished = (h: ApiHarness) =>
  countRows(h.env.deps.db, 'truc.batches', `status IN ('queued', 'processing')`);

/**
 * Pushes `body` to S1 through `h` and runs a worker until that batch is ingested; returns its id. The batches other
 * tests left queued are ingested first, so none of their changes commits after this one is judged (a
 * change the judgment did not see makes its repeat judged in full).
 */
export async function pushIngested(h: ApiHarness, body: unknown): Promise<string> {
  const worker = startWorkerRole(h.env.deps);
  try {
    await waitFor(async () => (await unfinished(h)) === 0, {
      timeoutMs: 40_000,
      what: 'the batches queued before to be ingested',
    });
    const first = (await h.pushBatch(h.tokens.vendor, S1, body)).json<{ batchId: string }>().batchId;
    await waitFor(
      async () => (await h.get(`/v1/batches/${first}`, h.tokens.vendor)).json().status === 'done',
      { timeoutMs: 40_000, what: 'the first batch to be ingested' },
    );
    return first;
  } finally {
    await worker.stop();
  }
}
