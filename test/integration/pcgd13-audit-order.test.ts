/**
 * pcgd13: the audit list has one order, the chain's (seq descending), and says so: an event a hot path records
 * (`recordAudit`) is chained after it happened, so an entry with a later seq may carry an earlier `at` (found once in
 * the log). The list does not re-sort by `at`; its `from`/`to` filter by `at`.
 */
import { describe, expect, it } from 'vitest';
import { appendAudit, chainPending, recordAudit } from '../../src/audit/chain.js';
import { addClient } from '../../src/ops.js';
import { bearer, useApiHarness } from '../helpers/api.js';
import { PG_QUEUE } from '../helpers/env.js';

describe("pcgd13: the audit list's order is the chain's", () => {
  const h = useApiHarness(PG_QUEUE);

  it('lists a later-chained entry first even when it happened earlier', async () => {
    const db = h.env.deps.db;
    const event = (subject: string) => ({
      actor: 'system:pcgd13',
      action: 'sync.requested' as const,
      subject,
      details: {},
    });
    await db.tx((q) => recordAudit(q, [event('early-happened')], new Date('2031-01-01T00:00:00.000Z')));
    await db.tx((q) => appendAudit(q, [event('chained-first')], new Date('2031-01-01T00:00:05.000Z')));
    await db.tx((q) => chainPending(q));
    const auditor = await h.tokenOf(await addClient(db, { name: 'Auditor', role: 'auditor' }));
    const res = await h.app.inject({
      method: 'GET',
      url: '/v1/audit?actor=system:pcgd13',
      headers: bearer(auditor),
    });
    expect(res.statusCode).toBe(200);
    const items = res.json<{ items: Array<{ seq: number; at: string; subject: string }> }>().items;
    expect(items.map((i) => i.subject)).toEqual(['early-happened', 'chained-first']);
    expect(items[0]!.seq).toBeGreaterThan(items[1]!.seq);
    expect(items[0]!.at < items[1]!.at).toBe(true);
  });
});
