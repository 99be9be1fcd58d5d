/**
 * review24 (was it.fails; fixed by the lead, runerr24: src/store/dead-letters.ts `OPEN`, `resolvedAt`; a resolved letter
 * is listed, like a replayed one, only with `includeReplayed`): undel24 settles a dead-lettered push set once another set delivered its
 * records (a vendor's re-push) and marks its letter resolved (`truc.dead_letters.resolved_at`, src/store/push-sets.ts
 * `markDelivered`); the README says the letter "stays listed but is marked resolved". But nothing a city admin reads
 * shows that mark: the letters' list (`GET /v1/dead-letters`, `truc dead-letters list`, the dashboard; src/store/
 * dead-letters.ts `list`) has no `resolvedAt`, and the open letters the gauge `truc_dead_letters_open`, the
 * dashboard's overview and a sync run's error summary count (`replayed_at IS NULL`) still count it. The admin sees
 * an open failure for data the city already has, and a replay of it that "sends nothing".
 * Expected: a resolved letter is not counted open, and its list item says it is resolved (and since when).
 */
import { describe, expect, it } from 'vitest';
import { createDeadLettersRepo } from '../../../src/store/dead-letters.js';
import { student } from '../../factories/records.js';
import {
  byQueue,
  drain,
  fakeTarget,
  nextRow,
  useTestContext,
  vendorBatch,
  deadLetterRow,
} from './fixtures.js';

const PUSH = 'push.hcm-csdl';

describe('a dead letter resolved by a re-push’s delivery (review24)', () => {
  const city = fakeTarget('hcm-csdl', ['students'], ['students']);
  const ctx = useTestContext({ targets: { 'hcm-csdl': city } });

  it('is neither counted open nor listed as if it still stood', async () => {
    const records = ['RL01', 'RL02'].map((c) => student(c));
    await vendorBatch(ctx, records);
    const row = (await nextRow(ctx.db, byQueue(PUSH)))!;
    await deadLetterRow(ctx, row);
    // The vendor pushes the same records again: they are sent and delivered, the failed set settled.
    await vendorBatch(ctx, records);
    await drain(ctx, PUSH);
    const [stored] = await ctx.db.rows<{ resolved_at: Date | null }>(
      'truc.dead_letters',
      `outbox_id = ${row.id}`,
    );
    expect(stored!.resolved_at).not.toBeNull();

    const letters = createDeadLettersRepo(ctx.db);
    // Was: the list item had no resolvedAt, and the gauge's count was 1. Now it waits for no one: listed with the
    // replayed ones, and says since when it is resolved.
    expect(await letters.list({ queue: PUSH }, 10, 0)).toEqual([]);
    const [listed] = await letters.list({ queue: PUSH, includeReplayed: true }, 10, 0);
    expect(listed).toMatchObject({ outboxId: row.id, resolvedAt: expect.any(Date) });
    expect((await letters.openByQueue()).find((o) => o.queue === PUSH)?.open ?? 0).toBe(0);
  });
});
