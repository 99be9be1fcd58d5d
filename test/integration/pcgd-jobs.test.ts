/**
 * The PCGD report jobs on PostgreSQL against the moet-pcgd simulator (real HTTP on loopback): the
 * compute job fills in a pending version once; the submit job delivers the signed figures once and
 * stores the receipt, waits for a window that has not opened yet and for Retry-After without using
 * attempts, and fails for good after the deadline. The jobs run through their registry shape with a
 * JobRun whose deferral is recorded (the worker's BullMQ deferral is exercised in pcgd-delivery.test.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/chain.js';
import { enqueue, pcgdCompute, pcgdSubmit } from '../../src/jobs/contracts.js';
import type { WorkerContext } from '../../src/jobs/context.js';
import { DeferJob, isPermanent } from '../../src/jobs/define.js';
import { pcgdComputeJob } from '../../src/jobs/pcgd-compute.js';
import { pcgdSubmitJob, submissionKey } from '../../src/jobs/pcgd-submit.js';
import { figuresFromCanonical, type FigureIndicatorCode } from '../../src/mappings/moet-pcgd/figures.js';
import { readPackage } from '../../src/reporting/pcgd/package.js';
import {
  approveReport,
  requestCompute,
  requestSubmit,
  type PcgdDeps,
} from '../../src/reporting/pcgd/service.js';
import type { MoetPcgdSimulator } from '../../src/simulators/moet-pcgd/simulator.js';
import { LOCKED_STATUSES } from '../../src/reporting/pcgd/compute.js';
import { createPcgdRepo } from '../../src/store/pcgd.js';
import { A, B, C, YEAR } from '../fixtures/pcgd/communes.js';
import { deferringRun as runOf, Deferred, seedCommunes } from '../helpers/pcgd.js';
import type { TestStore } from '../helpers/env.js';
import { startPcgdJobsWorld, withNewGates, type PcgdJobsWorld } from '../helpers/pcgd-jobs.js';

const IN_WINDOW = new Date('2026-09-20T03:00:00Z');

describe('PCGD jobs on postgres against the moet-pcgd simulator', () => {
  let world: PcgdJobsWorld | undefined;
  let store: TestStore;
  let sim: MoetPcgdSimulator;
  let ctx: WorkerContext;
  let deps: PcgdDeps;
  let now = IN_WINDOW;

  beforeAll(async () => {
    world = await startPcgdJobsWorld(() => now);
    ({ store, sim, ctx, deps } = world);
  }, 120_000);

  // A Retry-After one test meets pauses the Ministry's delivery gate (its row, and this process's note of
  // it) for every later call, as it should: each test starts with a closed gate.
  /** The Ministry's gate closed again (its row, and this process's note of a Retry-After). */
  async function gateClosed(): Promise<void> {
    await store.db.query('DELETE FROM truc.delivery_gates');
    ctx = withNewGates(ctx);
  }

  afterEach(gateClosed);

  afterAll(() => world?.close());

  /** A new version of the unit's figures, computed (reopening the unit first if another test locked it). */
  async function computed(unitCode: string) {
    const current = await createPcgdRepo(store.db).current(unitCode, YEAR);
    const locked = current !== undefined && LOCKED_STATUSES.includes(current.status);
    const reopen = locked ? { reopen: { reason: 'a new version for this test' } } : {};
    const { id, outboxId } = await store.db.tx(async (q) => {
      const r = await requestCompute(deps, q, { unitCode, year: YEAR, actor: 'officer-1', ...reopen });
      return { id: r.id, outboxId: await enqueue(q, pcgdCompute, { reportId: r.id }) };
    });
    expect((await createPcgdRepo(store.db).get(id))!.status).toBe('pending');
    await pcgdComputeJob.run(ctx, { reportId: id }, runOf(pcgdCompute.queue, pcgdCompute.name, outboxId));
    return id;
  }

  async function submitted(reportId: number) {
    await approveReport(deps, { reportId, actor: 'officer-1' });
    return store.db.tx(async (q) => {
      const r = await requestSubmit(q, { reportId, actor: 'officer-1', at: now });
      expect(r.queued).toBe(true);
      return enqueue(q, pcgdSubmit, { reportId });
    });
  }

  const openOutbox = async (id: number) =>
    (
      await store.db.query<{ done: boolean }>(
        'SELECT done_at IS NOT NULL AS done FROM truc.outbox WHERE id = $1',
        [id],
      )
    ).rows[0]!.done;

  it('compute: the pending version is filled in once; a second run changes nothing', async () => {
    const id = await computed(A);
    const row = (await createPcgdRepo(store.db).get(id))!;
    expect(row.status).toBe('checked');
    expect(row.persons).toBeGreaterThan(0);
    const again = await pcgdComputeJob.run(ctx, { reportId: id }, runOf('pcgd', 'pcgd-compute', 1));
    expect(again).toBeNull();
    expect((await createPcgdRepo(store.db).get(id))!.lineage_digest).toBe(row.lineage_digest);
  });

  it('submit: the signed figures arrive once, the receipt is stored, asking again sends nothing', async () => {
    // The compute test's version of A if it ran first, else one computed here (any order, issue 6).
    const id = (await createPcgdRepo(store.db).current(A, YEAR))?.id ?? (await computed(A));
    const outboxId = await submitted(id);
    await pcgdSubmitJob.run(ctx, { reportId: id }, runOf(pcgdSubmit.queue, pcgdSubmit.name, outboxId));
    const row = (await createPcgdRepo(store.db).get(id))!;
    expect(row.status).toBe('receipted');
    const received = sim.figures.all().filter((f) => f.unitCode === A);
    expect(received).toHaveLength(1);
    expect(received[0]!.idempotencyKey).toBe(submissionKey(row));
    expect(received[0]!.idempotencyKey).toMatch(new RegExp(`^truc-pcgd-report-${id}-[0-9a-f-]{36}$`));
    expect(row.receipt).toMatchObject({ receiptId: received[0]!.receipt.receiptId, replayed: false });
    expect(await openOutbox(outboxId)).toBe(true);
    // the figures sent are the package's
    const ev = (await createPcgdRepo(store.db).evidence(id))!;
    const pkg = JSON.parse(ev.package.toString('utf8')) as { indicators: { numerator: number }[] };
    expect(received[0]!.body.indicators.map((i) => i.numerator)).toEqual(
      pkg.indicators.map((i) => i.numerator),
    );
    // again: the job and the request are no-ops
    await pcgdSubmitJob.run(ctx, { reportId: id }, runOf(pcgdSubmit.queue, pcgdSubmit.name, outboxId));
    const again = await store.db.tx((q) => requestSubmit(q, { reportId: id, actor: 'officer-1', at: now }));
    expect(again.queued).toBe(false);
    expect(sim.figures.all().filter((f) => f.unitCode === A)).toHaveLength(1);
  });

  it('a window not open yet is waited for (no attempt used), then the figures arrive', async () => {
    const id = await computed(B);
    const outboxId = await submitted(id);
    now = new Date('2026-08-20T03:00:00Z');
    const run = runOf(pcgdSubmit.queue, pcgdSubmit.name, outboxId);
    const err = await pcgdSubmitJob.run(ctx, { reportId: id }, run).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Deferred);
    expect((err as Deferred).until).toBe(new Date('2026-09-01T00:00:00+07:00').getTime());
    let row = (await createPcgdRepo(store.db).get(id))!;
    expect(row).toMatchObject({ status: 'submitted', delivery_error: 'ERR_ADAPTER_WINDOW_CLOSED' });
    expect(row.delivery_not_before?.toISOString()).toBe('2026-08-31T17:00:00.000Z');
    // Retry-After of a congested system is honoured the same way
    now = IN_WINDOW;
    sim.faults.merge({ status429: { count: 1, retryAfterSeconds: 7 } });
    const err2 = await pcgdSubmitJob.run(ctx, { reportId: id }, run).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(Deferred);
    expect((err2 as Deferred).until).toBe(IN_WINDOW.getTime() + 7000);
    // Inside those 7 s the gate holds the job back before any call (review15 BUG 5): no attempt
    const held = await pcgdSubmitJob.run(ctx, { reportId: id }, run).catch((e: unknown) => e);
    expect(held).toBeInstanceOf(DeferJob);
    expect((await createPcgdRepo(store.db).get(id))!.delivery_attempts).toBe(2);
    // and once they are over, the figures go
    await gateClosed();
    await pcgdSubmitJob.run(ctx, { reportId: id }, run);
    row = (await createPcgdRepo(store.db).get(id))!;
    expect(row).toMatchObject({ status: 'receipted', delivery_attempts: 3, delivery_error: null });
    expect(sim.figures.all().filter((f) => f.unitCode === B)).toHaveLength(1);
  });

  // fix32a: the key was `truc-pcgd-report-<id>` alone. A database restored from a backup hands the ids after the
  // backup again: a new version gets an id whose key the Ministry already holds with the lost version's figures, and
  // its own figures were refused (IDEMPOTENCY_KEY_REUSED, for good) or answered with the lost version's receipt.
  it('a version whose id the Ministry saw before a database restore is delivered with a key of its own (fix32a)', async () => {
    now = IN_WINDOW;
    const D = '27667'; // a commune no other test of this file submits
    await seedCommunes(store.db, [D]);
    const id = await computed(D);
    const outboxId = await submitted(id);
    const row = (await createPcgdRepo(store.db).get(id))!;
    expect(row.submission_uuid).toMatch(/^[0-9a-f-]{36}$/);
    // Before the restore, the lost version with this id sent other figures under the key its id made.
    const pkg = readPackage((await createPcgdRepo(store.db).evidence(id))!.package);
    const lost = figuresFromCanonical({
      unitCode: D,
      unitLevel: 'commune',
      year: YEAR,
      indicators: pkg.indicators.map((i) => ({
        code: i.code as FigureIndicatorCode,
        numerator: i.numerator,
        denominator: i.denominator + 1,
      })),
    });
    const before = await ctx.ministry!.submitFigures(D, YEAR, lost.body, {
      idempotencyKey: `truc-pcgd-report-${id}`,
    });
    await pcgdSubmitJob.run(ctx, { reportId: id }, runOf(pcgdSubmit.queue, pcgdSubmit.name, outboxId));
    const after = (await createPcgdRepo(store.db).get(id))!;
    expect(after.status).toBe('receipted');
    const received = sim.figures.all().filter((f) => f.unitCode === D);
    expect(received.map((f) => f.idempotencyKey)).toStrictEqual([
      `truc-pcgd-report-${id}`,
      submissionKey(row),
    ]);
    expect(after.receipt).toMatchObject({ replayed: false });
    expect((after.receipt as { receiptId: string }).receiptId).not.toBe(before.receiptId);
    expect(received[1]!.body.indicators.map((i) => i.denominator)).toStrictEqual(
      pkg.indicators.map((i) => i.denominator),
    );
  });

  it('after the deadline the failure is permanent, with its code', async () => {
    const id = await computed(C);
    const outboxId = await submitted(id);
    now = new Date('2026-10-05T03:00:00Z');
    const err = await pcgdSubmitJob
      .run(ctx, { reportId: id }, runOf(pcgdSubmit.queue, pcgdSubmit.name, outboxId))
      .catch((e: unknown) => e);
    now = IN_WINDOW;
    expect(isPermanent(err)).toBe(true);
    expect(err).toMatchObject({ code: 'ERR_ADAPTER_WINDOW_CLOSED' });
    expect((await createPcgdRepo(store.db).get(id))!.status).toBe('submitted');
    expect(sim.figures.all().filter((f) => f.unitCode === C)).toHaveLength(0);
    expect((await verifyAudit(store.db)).ok).toBe(true);
  });
});
