/**
 * review24 (fixed here: packages/client/src/client.ts `waitForBatch`, docs/integration-guide.md step 3): issue 7
 * items 3 and 4 — a vendor's batch can be `held` by the mass-change guard (nothing of it applied, or a snapshot's
 * deletions waiting) until a city admin decides, hours or days later. `@truc/client`'s `waitForBatch` (and
 * `pushAndWait`, which the vendors' integration guide and the package README show) polled until `done` or `failed`
 * only: on a held batch it polled for its whole timeout (ten minutes by default) and then threw a plain `Error`
 * ("still held after 600000 ms"), which a vendor's integration reads as truc being slow or down; the `guard` field
 * that says why was never seen. Now waiting ends at `held` too (a state that waits for a person, not for truc),
 * answering the status with its `guard`.
 */
import { describe, expect, it } from 'vitest';
import { createTrucClient } from '../../../packages/client/src/index.js';

const BATCH = '00000000-0000-4000-8000-0000000000b4';
const held = {
  batchId: BATCH,
  schoolCode: '79000001',
  entity: 'students',
  format: 'canonical',
  status: 'held',
  counts: { received: 3, accepted: 0, rejected: 0, unchanged: 0, deleted: 0 },
  mode: 'delta',
  errorCode: null,
  createdAt: '2026-12-04T18:30:00.000Z',
  finishedAt: null,
  findingsUrl: `/v1/batches/${BATCH}/findings`,
  deliveries: [],
  guard: { holdId: 7, status: 'held', kinds: ['changed'], decidedAt: null, appliedAt: null },
};

describe('@truc/client waitForBatch on a batch the guard holds (review24)', () => {
  it('answers the held status instead of polling until its timeout', async () => {
    let polls = 0;
    const truc = createTrucClient({
      baseUrl: 'http://truc.invalid',
      token: 'a-token',
      fetch: async () => {
        polls += 1;
        return new Response(JSON.stringify(held), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      },
      sleep: async () => undefined,
    });
    // Failed before: polled until the timeout (here at once: timeoutMs 0), then `Error: … still held after 0 ms`.
    const status = await truc.waitForBatch(BATCH, { timeoutMs: 0 });
    expect(status).toMatchObject({ status: 'held', guard: { holdId: 7, status: 'held' } });
    expect(polls).toBe(1);
  });
});
