/**
 * The push job through the registry's shape, on a real in-memory database and a fake target: it
 * delivers the set's current records once, with a stable idempotency key, keeps the receipt, and
 * lets the target's permanent refusals through as permanent failures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { enqueue, pushSet } from '../../../src/jobs/contracts.js';
import { isPermanent } from '../../../src/jobs/define.js';
import { pushSetJob } from '../../../src/jobs/push.js';
import { createPushSetsRepo } from '../../../src/store/push-sets.js';
import { createRecordsRepo, fingerprint } from '../../../src/store/records.js';
import { MEMORY_DB_TIMEOUT_MS } from '../../helpers/memory-db.js';
import { fakeTarget, openWork, runOf, testContext, type FakeTarget, type TestContext } from './fixtures.js';

describe('push job', () => {
  let ctx: TestContext;
  let target: FakeTarget;
  const job = pushSetJob('hcm-csdl');

  beforeAll(async () => {
    target = fakeTarget('hcm-csdl', ['students']);
    ctx = await testContext({ targets: { 'hcm-csdl': target } });
    const rows = ['P1', 'P2'].map((key) => ({
      key,
      scope: 'S',
      data: { studentCode: key },
      fingerprint: fingerprint({ studentCode: key }),
    }));
    await createRecordsRepo(ctx.db).upsert('students', rows, { system: 'vendor:x', mappingVersion: 't@1' });
  }, MEMORY_DB_TIMEOUT_MS);
  afterAll(() => ctx?.db.close());

  async function queueSet(keys: string[]): Promise<{ pushSetId: number; outboxId: number }> {
    return ctx.db.tx(async (q) => {
      const pushSetId = await createPushSetsRepo(q).create({
        system: 'hcm-csdl',
        entity: 'students',
        keys,
        batchId: '00000000-0000-4000-8000-000000000001',
      });
      return { pushSetId, outboxId: await enqueue(q, pushSet('hcm-csdl'), { pushSetId }) };
    });
  }

  it('serves one queue per target, within the target rate limit', () => {
    expect(job.queue).toBe('push.hcm-csdl');
    expect(job.limiter?.(ctx.config)).toEqual({
      max: ctx.config.systems['hcm-csdl'].rateLimit.max,
      duration: ctx.config.systems['hcm-csdl'].rateLimit.durationMs,
    });
  });

  it('delivers the records once, with the set as idempotency key, and keeps the receipt', async () => {
    const { pushSetId, outboxId } = await queueSet(['P1', 'P2']);
    await job.run(ctx, { pushSetId }, runOf(job.queue, job.name, outboxId));
    expect(target.calls.at(-1)).toEqual({
      entity: 'students',
      records: [{ studentCode: 'P1' }, { studentCode: 'P2' }],
      idempotencyKey: `truc-push-${pushSetId}`,
    });
    const [set] = await ctx.db.rows<{ delivered_at: Date | null; receipt: unknown }>(
      'truc.push_sets',
      `id = ${pushSetId}`,
    );
    expect(set!.delivered_at).not.toBeNull();
    expect(set!.receipt).toEqual({ accepted: 2, rejected: 0, receiptId: expect.any(String) });
    expect((await openWork(ctx.db)).map((r) => r.id)).not.toContain(outboxId);

    const calls = target.calls.length;
    await job.run(ctx, { pushSetId }, runOf(job.queue, job.name, outboxId));
    expect(target.calls).toHaveLength(calls); // delivered sets are not sent again
  });

  it("a target's permanent refusal leaves the set undelivered and fails for good", async () => {
    const { pushSetId, outboxId } = await queueSet(['P1']);
    target.next = () => {
      throw new AppError('ERR_ADAPTER_REJECTED', 'HTTP 400');
    };
    try {
      const err = await job
        .run(ctx, { pushSetId }, runOf(job.queue, job.name, outboxId))
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_ADAPTER_REJECTED' });
      expect(isPermanent(err)).toBe(true);
    } finally {
      delete target.next;
    }
    expect(await createPushSetsRepo(ctx.db).get(pushSetId)).toMatchObject({ deliveredAt: null });
    expect((await openWork(ctx.db)).map((r) => r.id)).toContain(outboxId);
  });
});
