/**
 * restoreguard (issue 7, found by the walk-through): a restore is a change. A vendor snapshot of a school of 40 that
 * keeps 1 (39 deletions) is held and approved; the next batch bringing all 39 back was accepted unheld (the guard
 * counted restores against nobody). Now it is held whole like any mass change, its diff lists the restores as their
 * own kind (count and codes), and approving it applies them, audited; a restore of 2 of 40 goes through as before.
 * The world of guard-vendor.test.ts (test/helpers/guard-api.ts).
 */
import { describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import { bearer, student } from '../helpers/api.js';
import { waitFor } from '../helpers/env.js';
import { guardCalls, useGuardWorld } from '../helpers/guard-api.js';

interface BatchView {
  batchId: string;
  status: string;
  counts: { accepted: number; deleted?: number };
  guard: { holdId: number; status: string; kinds: string[] } | null;
}

describe('restoreguard: a batch restoring most of a school is held like any mass change', () => {
  const w = useGuardWorld();
  const { get, post, tokenOf, live, auditOfHold } = guardCalls(w);

  /** A vendor of school `S`, and a push of its batches waiting until each is done, held or failed. */
  async function vendorOf(S: string) {
    const token = await tokenOf(
      await addClient(w.env.deps.db, { name: `Vendor ${S}`, role: 'vendor', schools: [S] }),
    );
    return async (records: unknown[], mode: 'snapshot' | 'delta' = 'delta'): Promise<BatchView> => {
      const res = await w.app.inject({
        method: 'POST',
        url: `/v1/schools/${S}/batches`,
        headers: { ...bearer(token), 'content-type': 'application/json' },
        payload: JSON.stringify({ entity: 'students', ...(mode === 'snapshot' ? { mode } : {}), records }),
      });
      expect(res.statusCode, res.body).toBe(202);
      const { batchId } = res.json<{ batchId: string }>();
      return waitFor(
        async () => {
          const b = (await get(`/v1/batches/${batchId}`, token)).json<Omit<BatchView, 'batchId'>>();
          return b.status === 'queued' || b.status === 'processing' ? undefined : { batchId, ...b };
        },
        { timeoutMs: 30_000, intervalMs: 200, what: 'the batch' },
      );
    };
  }

  /** School `S` with 40 students, then a snapshot keeping `kept` of them, applied (approved when held). */
  async function schoolLeftWith(S: string, kept: number) {
    const push = await vendorOf(S);
    const codes = Array.from({ length: 40 }, (_, i) => `${S.slice(-3)}R${String(i).padStart(2, '0')}`);
    expect((await push(codes.map((c) => student(c, S)))).status).toBe('done');
    const snap = await push(
      codes.slice(0, kept).map((c) => student(c, S)),
      'snapshot',
    );
    if (snap.status === 'held') {
      expect((await post(`/v1/guard/holds/${snap.guard!.holdId}/approve`)).statusCode).toBe(200);
      await waitFor(async () => ((await live(S)).length === kept ? true : undefined), {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'the approved snapshot deletions',
      });
    }
    expect(await live(S)).toEqual(codes.slice(0, kept));
    return { push, codes, gone: codes.slice(kept) };
  }

  it('holds a batch bringing back 39 of 40 after an approved snapshot deleted them; approving applies them', async () => {
    const S = '79663066';
    const { push, codes, gone } = await schoolLeftWith(S, 1);
    const back = await push(gone.map((c) => student(c, S)));
    expect(back).toMatchObject({
      status: 'held',
      counts: { accepted: 0 },
      // Held for its restores alone: the vendor reads restored (guard3 item 1; it read changed).
      guard: { status: 'held', kinds: ['restored'] },
    });
    expect(await live(S)).toEqual(codes.slice(0, 1));
    const holdId = back.guard!.holdId;
    const hold = (await get(`/v1/guard/holds/${holdId}`)).json<{
      kind: string;
      reasons: unknown[];
      diff: Array<Record<string, unknown>>;
    }>();
    expect(hold.kind).toBe('batch');
    // Weighed against the school with them: 39 restored of 40, over the changed-records threshold (50%); the reason
    // says all 39 are restores (guard2 item 2).
    expect(hold.reasons).toEqual([
      expect.objectContaining({
        school: S,
        kind: 'changed',
        count: 39,
        restored: 39,
        live: 40,
        threshold: 0.5,
      }),
    ]);
    expect(hold.diff).toEqual([
      expect.objectContaining({
        school: S,
        live: 1,
        changed: 0,
        restored: 39,
        keys: expect.objectContaining({ restored: gone, changed: [] }),
      }),
    ]);
    // Codes only, no personal data.
    expect(JSON.stringify(hold)).not.toContain(student(gone[0]!, S).fullName);

    expect((await post(`/v1/guard/holds/${holdId}/approve`)).statusCode).toBe(200);
    await waitFor(async () => ((await live(S)).length === 40 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'the approved restores',
    });
    expect(await live(S)).toEqual(codes);
    expect(await auditOfHold('guard.held', holdId)).toEqual([
      { actor: 'system:guard', subject: `guard-hold:${holdId}` },
    ]);
    expect(await auditOfHold('guard.approved', holdId)).toEqual([
      { actor: w.adminId, subject: `guard-hold:${holdId}` },
    ]);
  });

  it('lets a batch bringing back 2 of 40 through unheld', async () => {
    const S = '79663067';
    const { push, codes, gone } = await schoolLeftWith(S, 38);
    expect(await push(gone.map((c) => student(c, S)))).toMatchObject({
      status: 'done',
      guard: null,
      counts: { accepted: 2 },
    });
    expect(await live(S)).toEqual(codes);
  });
});
