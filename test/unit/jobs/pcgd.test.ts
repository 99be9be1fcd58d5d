/**
 * The PCGD report processors with a fake context: an in-memory database and a fake Ministry client
 * in place of moet-pcgd (test/integration/pcgd-jobs.test.ts runs them against the simulator). Each
 * test makes its own report version (a commune of its own), so they run alone and in any order.
 */
import { createDeliveryGates } from '../../../src/jobs/gates.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SubmitResult } from '../../../src/adapters/moet-pcgd/index.js';
import { communesOfProvince } from '../../../src/canonical/codes/admin-units.js';
import type { Config } from '../../../src/config.js';
import { AppError } from '../../../src/errors.js';
import { enqueue, pcgdCompute, pcgdSubmit } from '../../../src/jobs/contracts.js';
import { DeferJob, isPermanent } from '../../../src/jobs/define.js';
import { pcgdComputeJob } from '../../../src/jobs/pcgd-compute.js';
import { pcgdSubmitJob, submissionKey } from '../../../src/jobs/pcgd-submit.js';
import {
  approveReport,
  requestCompute,
  requestSubmit,
  type PcgdDeps,
} from '../../../src/reporting/pcgd/service.js';
import { createPcgdRepo } from '../../../src/store/pcgd.js';
import { YEAR } from '../../fixtures/pcgd/communes.js';
import { makeTempDir, type TempDir } from '../../helpers/env.js';
import { MEMORY_DB_TIMEOUT_MS } from '../../helpers/memory-db.js';
import { deferringRun as runOf, Deferred, seedCommunes } from '../../helpers/pcgd.js';
import { down, PROBE_LEASE_MS, probeGoesOut, probingGates } from '../../helpers/probe-out.js';
import { openWork, testContext, type TestContext } from './fixtures.js';

const IN_WINDOW = new Date('2026-09-20T03:00:00Z');

type Ministry = NonNullable<TestContext['ministry']>;

/** A Ministry that answers with a receipt (or what `next` says) and records what it was sent. */
function fakeMinistry(next?: () => never) {
  const calls: Array<{ unitCode: string; year: number; key: string }> = [];
  const ministry: Ministry = {
    async workingYear() {
      return {
        year: YEAR,
        schoolYear: `${YEAR}-${YEAR + 1}`,
        opensOn: `${YEAR}-09-01`,
        timeZone: 'Asia/Ho_Chi_Minh',
        dataPeriod: { from: `${YEAR - 1}-09-01`, to: `${YEAR}-08-31` },
        windows: [
          { unitLevel: 'commune', opensOn: `${YEAR}-09-01`, submitBefore: `${YEAR}-10-03`, open: true },
        ],
      };
    },
    async submitFigures(unitCode, year, _body, opts): Promise<SubmitResult> {
      calls.push({ unitCode, year, key: opts.idempotencyKey });
      if (next) next();
      return {
        receiptId: `R-${calls.length}`,
        unitCode,
        year,
        receivedAt: IN_WINDOW.toISOString(),
        checksum: 'c',
        replayed: false,
      };
    },
  };
  return { ministry, calls };
}

describe('PCGD job processors', () => {
  let base: TestContext;
  let keys: TempDir;
  let deps: PcgdDeps;
  const now = IN_WINDOW;
  // Communes of Ho Chi Minh City, one per report version a test makes.
  const communes = communesOfProvince('79')
    .slice(0, 10)
    .map((c) => c.code);
  let nextCommune = 0;

  beforeAll(async () => {
    base = await testContext();
    keys = await makeTempDir('truc-pcgd-unit-keys-');
    const config = structuredClone<Config>(base.config);
    config.pcgd.signing.dir = keys.path;
    base = { ...base, config, now: () => now };
    deps = { db: base.db, pcgd: config.pcgd, dataDir: keys.path, now: () => now };
    await seedCommunes(base.db, communes);
  }, MEMORY_DB_TIMEOUT_MS);

  // A Retry-After one test meets pauses the Ministry's delivery gate (its row, and this process's note of
  // it) for every later call, as it should: each test starts with a closed gate.
  afterEach(async () => {
    await base.db.query('DELETE FROM truc.delivery_gates');
    base = {
      ...base,
      gates: createDeliveryGates({
        db: base.db,
        config: base.config,
        logger: base.logger,
        metrics: base.metrics,
      }),
    };
  });

  afterAll(async () => {
    await base?.db.close();
    await keys?.remove();
  });

  const ctxWith = (ministry?: Ministry): TestContext => ({ ...base, ministry });
  const reportOf = async (id: number) => (await createPcgdRepo(base.db).get(id))!;
  const isOpen = async (outboxId: number) => (await openWork(base.db)).some((r) => r.id === outboxId);

  /** A pending version of a fresh commune's report and its compute job's outbox row. */
  async function pendingReport(): Promise<{ id: number; outboxId: number }> {
    const unitCode = communes[nextCommune++]!;
    return base.db.tx(async (q) => {
      const r = await requestCompute(deps, q, { unitCode, year: YEAR, actor: 'officer-1' });
      return { id: r.id, outboxId: await enqueue(q, pcgdCompute, { reportId: r.id }) };
    });
  }

  /** A computed, approved and submitted version, and its submit job's outbox row. */
  async function submittedReport(): Promise<{ id: number; outboxId: number }> {
    const { id, outboxId } = await pendingReport();
    await pcgdComputeJob.run(
      ctxWith(),
      { reportId: id },
      runOf(pcgdCompute.queue, pcgdCompute.name, outboxId),
    );
    await approveReport(deps, { reportId: id, actor: 'officer-1' });
    return base.db.tx(async (q) => {
      expect((await requestSubmit(q, { reportId: id, actor: 'officer-1', at: now })).queued).toBe(true);
      return { id, outboxId: await enqueue(q, pcgdSubmit, { reportId: id }) };
    });
  }

  const submit = (ctx: TestContext, r: { id: number; outboxId: number }) =>
    pcgdSubmitJob.run(ctx, { reportId: r.id }, runOf(pcgdSubmit.queue, pcgdSubmit.name, r.outboxId));

  it('compute: fills the pending version in, marks its outbox row done; a second run changes nothing', async () => {
    const r = await pendingReport();
    const result = await pcgdComputeJob.run(
      ctxWith(),
      { reportId: r.id },
      runOf(pcgdCompute.queue, pcgdCompute.name, r.outboxId),
    );
    const row = await reportOf(r.id);
    expect(result).toEqual({ reportId: r.id, status: row.status });
    expect(['computed', 'checked']).toContain(row.status);
    expect(await isOpen(r.outboxId)).toBe(false);
    const again = await pcgdComputeJob.run(
      ctxWith(),
      { reportId: r.id },
      runOf('pcgd', 'pcgd-compute', r.outboxId),
    );
    expect(again).toBeNull();
    expect((await reportOf(r.id)).lineage_digest).toBe(row.lineage_digest);
  });

  it('submit: sends once with the version key, stores the receipt, marks the row done', async () => {
    const r = await submittedReport();
    const { ministry, calls } = fakeMinistry();
    expect(await submit(ctxWith(ministry), r)).toEqual({ reportId: r.id, receiptId: 'R-1' });
    const key = submissionKey(await reportOf(r.id));
    expect(key).toMatch(new RegExp(`^truc-pcgd-report-${r.id}-[0-9a-f-]{36}$`));
    expect(calls).toEqual([{ unitCode: expect.any(String), year: YEAR, key }]);
    expect(await reportOf(r.id)).toMatchObject({ status: 'receipted', receipt: { receiptId: 'R-1' } });
    expect(await isOpen(r.outboxId)).toBe(false);
    expect(await submit(ctxWith(ministry), r)).toBeNull(); // receipted: nothing left to send
    expect(calls).toHaveLength(1);
  });

  it('submit without a Ministry configured: a transient error, nothing recorded as delivered', async () => {
    const r = await submittedReport();
    await expect(submit(ctxWith(undefined), r)).rejects.toMatchObject({ code: 'ERR_DEPENDENCY_UNAVAILABLE' });
    expect((await reportOf(r.id)).status).toBe('submitted');
    expect(await isOpen(r.outboxId)).toBe(true);
  });

  it('Retry-After from the Ministry: waits that long, the attempt is recorded, the version stays submitted', async () => {
    const r = await submittedReport();
    const { ministry } = fakeMinistry(() => {
      throw new AppError('ERR_ADAPTER_RATE_LIMITED', 'busy', { retryAfterSeconds: 7 });
    });
    const err = await submit(ctxWith(ministry), r).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Deferred);
    expect((err as Deferred).until).toBe(now.getTime() + 7000);
    expect(await reportOf(r.id)).toMatchObject({
      status: 'submitted',
      delivery_attempts: 1,
      delivery_error: 'ERR_ADAPTER_RATE_LIMITED',
    });
  });

  it("a send failing while another is out as the Ministry's probe: waits for the probe's outcome, no attempt recorded (fix33a)", async () => {
    const r = await submittedReport();
    const gates = probingGates(base);
    const ministry: Ministry = {
      ...fakeMinistry().ministry,
      async submitFigures() {
        await probeGoesOut(gates, 'moet-pcgd');
        throw down();
      },
    };
    const err = await submit({ ...ctxWith(ministry), gates }, r).catch((e: unknown) => e);
    // Handed back to the worker: the queue paused until the probe's lease ends, woken when the circuit closes.
    expect(err).toBeInstanceOf(DeferJob);
    expect(err).toMatchObject({ scope: 'queue', reason: 'probe' });
    expect((err as DeferJob).delayMs).toBeGreaterThan(PROBE_LEASE_MS / 2);
    expect(await reportOf(r.id)).toMatchObject({ status: 'submitted', delivery_attempts: 0 });
  });

  it('the Ministry refuses the figures: permanent, with its code', async () => {
    const r = await submittedReport();
    const { ministry } = fakeMinistry(() => {
      throw new AppError('ERR_ADAPTER_REJECTED', 'bad figures');
    });
    const err = await submit(ctxWith(ministry), r).catch((e: unknown) => e);
    expect(isPermanent(err)).toBe(true);
    expect(err).toMatchObject({ code: 'ERR_ADAPTER_REJECTED' });
    expect(await reportOf(r.id)).toMatchObject({
      status: 'submitted',
      delivery_error: 'ERR_ADAPTER_REJECTED',
    });
  });

  it('congestion without Retry-After: backs off, then is permanent once pcgd.delivery.maxAttempts are used', async () => {
    const r = await submittedReport();
    const { ministry } = fakeMinistry(() => {
      throw new AppError('ERR_ADAPTER_UNAVAILABLE', '503');
    });
    const max = 3;
    const { config } = base;
    const pcgd = { ...config.pcgd, delivery: { ...config.pcgd.delivery, maxAttempts: max } };
    const ctx = { ...ctxWith(ministry), config: { ...config, pcgd } };
    for (let i = 1; i < max; i++) {
      const err = await submit(ctx, r).catch((e: unknown) => e);
      expect(err, `attempt ${i}`).toBeInstanceOf(Deferred);
      expect((err as Deferred).until).toBeGreaterThan(now.getTime());
      expect((err as Deferred).until).toBeLessThanOrEqual(now.getTime() + 300_000);
    }
    const last = await submit(ctx, r).catch((e: unknown) => e);
    expect(isPermanent(last)).toBe(true);
    expect(last).toMatchObject({ code: 'ERR_ADAPTER_UNAVAILABLE' });
    expect((await reportOf(r.id)).delivery_attempts).toBe(max);
  });

  it('a closed window before the working year opens: waits until it opens; after the deadline: permanent', async () => {
    const r = await submittedReport();
    const { ministry } = fakeMinistry(() => {
      throw new AppError('ERR_ADAPTER_WINDOW_CLOSED', 'closed');
    });
    const early = { ...ctxWith(ministry), now: () => new Date(`${YEAR}-08-20T03:00:00Z`) };
    const waited = await submit(early, r).catch((e: unknown) => e);
    expect(waited).toBeInstanceOf(Deferred);
    expect((waited as Deferred).until).toBe(new Date(`${YEAR}-09-01T00:00:00+07:00`).getTime());
    const late = { ...ctxWith(ministry), now: () => new Date(`${YEAR}-10-05T03:00:00Z`) };
    const refused = await submit(late, r).catch((e: unknown) => e);
    expect(isPermanent(refused)).toBe(true);
    expect(refused).toMatchObject({ code: 'ERR_ADAPTER_WINDOW_CLOSED' });
  });
});
