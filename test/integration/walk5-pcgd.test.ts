/**
 * walk5's PCGD findings (/work/briefs/walk5-findings.md, same numbering): the dead letter of a submission the Ministry
 * refused, closed by the officer's resubmission (W5-3) or by a reopen of its version (W5-10). Real PostgreSQL and
 * Redis, the worker role running, the moet-pcgd simulator as the Ministry over real HTTP on loopback: the stack of
 * test/helpers/pcgd-stack.ts, as test/integration/review29.test.ts has it.
 */
import { describe, expect, it } from 'vitest';
import { A, C } from '../fixtures/pcgd/communes.js';
import { waitFor } from '../helpers/env.js';
import { usePcgdStack } from '../helpers/pcgd-stack.js';

describe("walk5 on postgres+redis: a refused submission's dead letter", () => {
  const w = usePcgdStack({
    officerA: { role: 'pcgd-officer', units: [A] },
    officerC: { role: 'pcgd-officer', units: [C] },
    admin: { role: 'city-admin' },
  });
  const { call, report, approved } = w;

  /** The unit's approved figures submitted while the Ministry refuses the next figures PUT (a 400), its letter written. */
  async function refusedByMinistry(who: keyof typeof w.tokens, unitCode: string): Promise<number> {
    const reportId = await approved(who, unitCode);
    w.sim.faults.merge({ status400Burst: 1, paths: [`/v1/units/${unitCode}/figures`] });
    const res = await call(who, 'POST', `/v1/pcgd/reports/${reportId}/submit`);
    expect(res.statusCode, res.body).toBe(202);
    await waitFor(async () => (await lettersOf(reportId)).some((l) => l.replayedAt === null), {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: `report ${reportId}'s dead letter`,
    });
    return reportId;
  }

  interface Letter {
    id: number;
    replayedAt: string | null;
    replayedBy: string | null;
    replayedById: string | null;
    abandonedAt: string | null;
    abandonedReason: string | null;
    refs: { reportId?: number };
  }

  /** The dead letters of a report's delivery, open or closed. */
  async function lettersOf(reportId: number): Promise<Letter[]> {
    const res = await call('admin', 'GET', '/v1/dead-letters?queue=push.moet-pcgd&includeReplayed=true');
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ items: Letter[] }>().items.filter((l) => l.refs.reportId === reportId);
  }

  // W5-3: the letter the officer's resubmission closes says who resubmitted, as a replay's says who replayed.
  it('W5-3: a letter closed by the officer resubmitting says replayed by the officer', async () => {
    const reportId = await refusedByMinistry('officerC', C);
    const again = await call('officerC', 'POST', `/v1/pcgd/reports/${reportId}/submit`);
    expect(again.statusCode, again.body).toBe(202);
    await waitFor(async () => (await report('officerC', reportId)).status === 'receipted', {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: `report ${reportId} receipted after the second submit`,
    });
    const me = await call('officerC', 'GET', '/v1/me');
    const letters = await lettersOf(reportId);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      replayedBy: 'officerC',
      replayedById: me.json<{ clientId: string }>().clientId,
    });
    expect(letters[0]!.replayedAt).not.toBeNull();
  });

  // W5-10: reopening a version whose submission the Ministry refused closes that submission's open letter (a replay
  // would send nothing: the new version is the one to submit), so nothing offers a replay that does nothing.
  it("W5-10: a reopen abandons the superseded version's open letter, report-superseded", async () => {
    const reportId = await refusedByMinistry('officerA', A);
    const reopened = await call('admin', 'POST', `/v1/pcgd/reports/${reportId}/reopen`, {
      reason: 'Sửa số liệu / correct the figures',
    });
    expect(reopened.statusCode, reopened.body).toBe(202);
    const letters = await lettersOf(reportId);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ replayedAt: null, abandonedReason: 'report-superseded' });
    expect(letters[0]!.abandonedAt).not.toBeNull();
    const replay = await call('admin', 'POST', '/v1/dead-letters/replay', { ids: [letters[0]!.id] });
    expect(replay.statusCode, replay.body).toBe(200);
    expect(replay.json()).toMatchObject({
      replayed: [],
      skipped: [{ id: letters[0]!.id, reason: 'abandoned' }],
    });
  });
});
