/**
 * A Retry-After the Ministry (moet-pcgd) gives one report's submission stops every
 * call to it until it is over, as README Operations says of every external system ("Delivery to
 * external systems passes a gate per system shared by every worker … a Retry-After (on a read or a
 * write) stops every call to that system until it is over"). Found by review15 (BUG 5): the submit job
 * waited it out for that report only and did not pass the delivery gate, so the next report's job called
 * the Ministry at once, inside the wait, near the October deadline when it congests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueue, pcgdCompute, pcgdSubmit } from '../../src/jobs/contracts.js';
import type { WorkerContext } from '../../src/jobs/context.js';
import { pcgdComputeJob } from '../../src/jobs/pcgd-compute.js';
import { pcgdSubmitJob } from '../../src/jobs/pcgd-submit.js';
import {
  approveReport,
  requestCompute,
  requestSubmit,
  type PcgdDeps,
} from '../../src/reporting/pcgd/service.js';
import type { MoetPcgdSimulator } from '../../src/simulators/moet-pcgd/simulator.js';
import { createPcgdRepo } from '../../src/store/pcgd.js';
import { A, B, YEAR } from '../fixtures/pcgd/communes.js';
import type { TestStore } from '../helpers/env.js';
import { deferringRun as runOf, Deferred } from '../helpers/pcgd.js';
import { startPcgdJobsWorld, type PcgdJobsWorld } from '../helpers/pcgd-jobs.js';

const IN_WINDOW = new Date('2026-09-20T03:00:00Z');

describe('a Retry-After of the Ministry (postgres, moet-pcgd simulator)', () => {
  let world: PcgdJobsWorld | undefined;
  let store: TestStore;
  let sim: MoetPcgdSimulator;
  let ctx: WorkerContext;
  let deps: PcgdDeps;
  const now = IN_WINDOW;

  beforeAll(async () => {
    world = await startPcgdJobsWorld(() => now);
    ({ store, sim, ctx, deps } = world);
  }, 120_000);
  afterAll(() => world?.close());

  /** A unit's figures computed, approved and submitted: the submit job's outbox row. */
  async function submitted(unitCode: string): Promise<{ id: number; outboxId: number }> {
    const { id, outboxId } = await store.db.tx(async (q) => {
      const r = await requestCompute(deps, q, { unitCode, year: YEAR, actor: 'officer-1' });
      return { id: r.id, outboxId: await enqueue(q, pcgdCompute, { reportId: r.id }) };
    });
    await pcgdComputeJob.run(ctx, { reportId: id }, runOf(pcgdCompute.queue, pcgdCompute.name, outboxId));
    await approveReport(deps, { reportId: id, actor: 'officer-1' });
    const submitRow = await store.db.tx(async (q) => {
      expect((await requestSubmit(q, { reportId: id, actor: 'officer-1', at: now })).queued).toBe(true);
      return enqueue(q, pcgdSubmit, { reportId: id });
    });
    return { id, outboxId: submitRow };
  }

  it("stops the next report's submission until it is over", async () => {
    const [a, b] = [await submitted(A), await submitted(B)];
    // The Ministry is congested: the first submission is answered 429, Retry-After 30 s.
    sim.faults.merge({ status429: { count: 1, retryAfterSeconds: 30 } });
    const first = await pcgdSubmitJob
      .run(ctx, { reportId: a.id }, runOf(pcgdSubmit.queue, pcgdSubmit.name, a.outboxId))
      .catch((e: unknown) => e);
    expect(first).toBeInstanceOf(Deferred);
    expect(sim.stats().faultsApplied.status429).toBe(1);

    // The next report's job starts at once (the queue serves one at a time: the first is waiting).
    const second = await pcgdSubmitJob
      .run(ctx, { reportId: b.id }, runOf(pcgdSubmit.queue, pcgdSubmit.name, b.outboxId))
      .then(
        () => 'sent',
        () => 'waits',
      );
    // Inside the Ministry's 30 s, nothing more is sent to it: the second report waits too.
    expect(sim.figures.all().filter((f) => f.unitCode === B)).toEqual([]);
    expect(second).toBe('waits');
    expect((await createPcgdRepo(store.db).get(b.id))!.status).toBe('submitted');
  });
});
