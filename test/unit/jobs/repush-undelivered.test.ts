/**
 * review23 (was it.fails: README Known limits): issue 7 item 4 — "a vendor's batch says `done` even when its delivery
 * to the city database ended dead-lettered; the vendor never learns that the city did not get its data"; a batch
 * shows the delivery state of its changes per target (src/store/push-sets.ts `deliveriesOf`). But only of the
 * push sets the batch itself made. A vendor whose first batch's delivery failed (a dead letter: the city refused
 * it, or an outage outlasted the attempts) and who pushed the same records again got a batch that was `done`,
 * every record `unchanged`, `deliveries: []`: nothing was sent and nothing said the city still lacked them.
 * Fixed by undel24: a dead-lettered set's records are undelivered to its target (migration 810); a re-push of
 * them is judged in full and sends them again in a push set of its own (src/jobs/resend-undelivered.ts), which
 * its deliveries show; when that set delivers, the failed set is settled as delivered and its letter resolved
 * (src/store/push-sets.ts `markDelivered`). The API's one-statement repeat path: test/integration/api-repeat-undelivered.
 */
import { describe, expect, it } from 'vitest';
import { replayDeadLetters } from '../../../src/jobs/dead-letters.js';
import { createPushSetsRepo } from '../../../src/store/push-sets.js';
import { student } from '../../factories/records.js';
import {
  byQueue,
  drain,
  fakeTarget,
  nextRow,
  useTestContext,
  vendorBatch,
  type OutboxRow,
  type TestContext,
  deadLetterRow,
} from './fixtures.js';

const PUSH = 'push.hcm-csdl';

/** Dead-letters the oldest open push job (as the worker does when its attempts are spent). */
async function deadLetterPush(ctx: TestContext, code = 'ERR_ADAPTER_REJECTED'): Promise<OutboxRow> {
  const row = (await nextRow(ctx.db, byQueue(PUSH)))!;
  expect(row).toBeDefined();
  await deadLetterRow(ctx, row, { code });
  return row;
}

describe('a vendor re-pushes records whose delivery to the city was dead-lettered (review23, undel24)', () => {
  const city = fakeTarget('hcm-csdl', ['students'], ['students']);
  const ctx = useTestContext({ targets: { 'hcm-csdl': city } });
  const sets = () => createPushSetsRepo(ctx.db);
  const undelivered = async () => (await ctx.db.rows('truc.undelivered', 'true')).length;
  const sentCodes = () =>
    city.calls.flatMap((c) => c.records.map((r) => (r as { studentCode: string }).studentCode));

  it('the re-push sends the undelivered records again; once delivered, both batches read delivered', async () => {
    city.calls.length = 0;
    const records = ['RD01', 'RD02', 'RD03'].map((c) => student(c));
    const first = await vendorBatch(ctx, records);
    const letter = await deadLetterPush(ctx);
    expect(await sets().deliveriesOf(first.id)).toMatchObject([
      { system: 'hcm-csdl', state: 'failed', errorCode: 'ERR_ADAPTER_REJECTED' },
    ]);
    expect(await undelivered()).toBe(3);

    const again = await vendorBatch(ctx, records);
    expect(again).toMatchObject({ status: 'done', unchanged: 3, accepted: 0 });
    // Not "nothing to deliver": its own set, pending until the push runs.
    expect(await sets().deliveriesOf(again.id)).toMatchObject([{ system: 'hcm-csdl', state: 'pending' }]);
    await drain(ctx, PUSH);
    expect(sentCodes().sort()).toEqual(['RD01', 'RD02', 'RD03']);
    expect(await sets().deliveriesOf(again.id)).toMatchObject([{ system: 'hcm-csdl', state: 'delivered' }]);
    // The failed set is settled by it; its letter stays, marked resolved.
    expect(await sets().deliveriesOf(first.id)).toMatchObject([
      { system: 'hcm-csdl', state: 'delivered', errorCode: null },
    ]);
    const [dead] = await ctx.db.rows<{ resolved_at: Date | null }>(
      'truc.dead_letters',
      `outbox_id = ${letter.id}`,
    );
    expect(dead!.resolved_at).not.toBeNull();
    expect(await undelivered()).toBe(0);

    // A re-push after the delivery: nothing to send, done, no deliveries.
    const third = await vendorBatch(ctx, records);
    expect(third).toMatchObject({ status: 'done', unchanged: 3 });
    expect(await sets().deliveriesOf(third.id)).toEqual([]);
    expect(await nextRow(ctx.db, byQueue(PUSH))).toBeUndefined();
    expect(city.calls).toHaveLength(1);
  });

  it('a replayed letter makes the first batch pending, then delivered; a re-push after sends nothing', async () => {
    city.calls.length = 0;
    const records = ['RP01', 'RP02'].map((c) => student(c));
    const first = await vendorBatch(ctx, records);
    await deadLetterPush(ctx, 'ERR_ADAPTER_UNAVAILABLE');
    expect(await sets().deliveriesOf(first.id)).toMatchObject([
      { state: 'failed', errorCode: 'ERR_ADAPTER_UNAVAILABLE' },
    ]);
    await replayDeadLetters(ctx.db, { queue: PUSH }, { actor: 'admin', at: ctx.now() });
    expect(await sets().deliveriesOf(first.id)).toMatchObject([{ state: 'pending', errorCode: null }]);
    await drain(ctx, PUSH);
    expect(sentCodes().sort()).toEqual(['RP01', 'RP02']);
    expect(await sets().deliveriesOf(first.id)).toMatchObject([{ state: 'delivered' }]);
    expect(await undelivered()).toBe(0);

    const again = await vendorBatch(ctx, records);
    expect(again).toMatchObject({ status: 'done', unchanged: 2 });
    expect(await sets().deliveriesOf(again.id)).toEqual([]);
    expect(city.calls).toHaveLength(1);
  });

  it('records delivered by another batch: the failed batch reads delivered, its re-push sends nothing', async () => {
    city.calls.length = 0;
    const records = ['RO01', 'RO02'].map((c) => student(c));
    const first = await vendorBatch(ctx, records);
    const letter = await deadLetterPush(ctx);
    // Another body carrying them unchanged, and a new record: the new one sent, the undelivered ones sent again.
    const other = await vendorBatch(ctx, [...records, student('RO03')]);
    expect(other).toMatchObject({ status: 'done', accepted: 1, unchanged: 2 });
    await drain(ctx, PUSH);
    expect(sentCodes().sort()).toEqual(['RO01', 'RO02', 'RO03']);
    expect(await sets().deliveriesOf(other.id)).toMatchObject([{ system: 'hcm-csdl', state: 'delivered' }]);
    expect(await sets().deliveriesOf(first.id)).toMatchObject([{ state: 'delivered', errorCode: null }]);

    const again = await vendorBatch(ctx, records);
    expect(again).toMatchObject({ status: 'done', unchanged: 2 });
    expect(await sets().deliveriesOf(again.id)).toEqual([]);
    // The letter, replayed after all, sends nothing: its set is delivered.
    await replayDeadLetters(ctx.db, { queue: PUSH }, { actor: 'admin', at: ctx.now() });
    await drain(ctx, PUSH);
    expect(city.calls).toHaveLength(2);
    const [dead] = await ctx.db.rows<{ resolved_at: Date | null }>(
      'truc.dead_letters',
      `outbox_id = ${letter.id}`,
    );
    expect(dead!.resolved_at).not.toBeNull();
  });
});
