/**
 * review23 (it.fails: README Known limits): issue 7 item 4 — "a vendor's batch says `done` even when its delivery
 * to the city database ended dead-lettered; the vendor never learns that the city did not get its data"; a batch
 * now shows the delivery state of its changes per target (src/store/push-sets.ts `deliveriesOf`). But only of the
 * push sets the batch itself made. A vendor whose first batch's delivery failed (a dead letter: the city refused
 * it, or an outage outlasted the attempts) and who pushes the same records again (a retry, the next night's push)
 * gets a batch that is `done`, every record `unchanged`, `deliveries: []`: nothing is sent (the records did not
 * change in truc) and nothing says the city still does not have them. The vendor reads success; the data stays
 * undelivered until an admin replays the letter.
 * Expected: a batch's deliveries show, per target, the state of its records there — here the earlier set's
 * `failed` (with its code) or, once replayed, `pending` — not an empty list that reads as "nothing to deliver".
 */
import { describe, expect, it } from 'vitest';
import { createPushSetsRepo } from '../../../src/store/push-sets.js';
import { student } from '../../factories/records.js';
import { fakeTarget, useTestContext, vendorBatch } from './fixtures.js';

describe('a vendor re-pushes records whose delivery to the city was dead-lettered (review23)', () => {
  const city = fakeTarget('hcm-csdl', ['students'], ['students']);
  const ctx = useTestContext({ targets: { 'hcm-csdl': city } });
  const records = ['RD01', 'RD02', 'RD03'].map((c) => student(c));

  it.fails('the second batch does not read as delivered: its deliveries show the failed set', async () => {
    const first = await vendorBatch(ctx, records);
    const sets = createPushSetsRepo(ctx.db);
    const [set] = await ctx.db.rows<{ id: number }>('truc.push_sets', `batch_id = '${first.id}'`);
    // Its push set dead-lettered (what src/jobs/dead-letters.ts recordDeadLetter does to it).
    await sets.fail(set!.id, 'ERR_ADAPTER_REJECTED');
    expect(await sets.deliveriesOf(first.id)).toMatchObject([{ system: 'hcm-csdl', state: 'failed' }]);

    // The vendor pushes the same records again: nothing changed in truc, so nothing is sent.
    const again = await vendorBatch(ctx, records);
    expect(again).toMatchObject({ status: 'done', unchanged: 3 });
    expect(city.calls).toHaveLength(0);
    // Fails: [] — nothing tells the vendor the city still lacks these records.
    expect(await sets.deliveriesOf(again.id)).toMatchObject([
      { system: 'hcm-csdl', state: 'failed', errorCode: 'ERR_ADAPTER_REJECTED' },
    ]);
  });
});
