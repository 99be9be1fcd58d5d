/**
 * walk5's PCGD findings (/work/briefs/walk5-findings.md, same numbering): the dead letter of a submission the Ministry
 * refused, closed by the officer's resubmission (W5-3) or by a reopen of its version (W5-10). Real PostgreSQL and
 * Redis, the worker role running, the moet-pcgd simulator as the Ministry over real HTTP on loopback (set up as
 * test/integration/review29.test.ts does).
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { MoetPcgdSimulator } from '../../src/simulators/moet-pcgd/simulator.js';
import { A, B, C, YEAR } from '../fixtures/pcgd/communes.js';
import { bearer, tokensFor } from '../helpers/api.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { seedFixture, startPcgdSimulator } from '../helpers/pcgd.js';

interface ReportBody {
  reportId: number;
  status: string;
  version: number;
  delivery: { attempts: number; lastError: string | null; notBefore: string | null };
  receipt: unknown;
}

describe("walk5 on postgres+redis: a refused submission's dead letter", () => {
  let env: TestEnv;
  let sim: MoetPcgdSimulator;
  let app: FastifyInstance;
  let worker: Running;
  const tokens: Record<'officerA' | 'officerB' | 'officerC' | 'admin', string> = {
    officerA: '',
    officerB: '',
    officerC: '',
    admin: '',
  };

  beforeAll(async () => {
    // The Ministry's clock inside the commune window of 2026 (truc's own clock is today's).
    sim = await startPcgdSimulator(() => new Date('2026-09-20T03:00:00Z'));
    env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      { env: { MOET_PCGD_BASE_URL: sim.url, TRUC_PCGD_DIFFICULT_COMMUNES: `${YEAR}:${B}` } },
    );
    await seedFixture(env.deps.db);
    app = await buildApp(env.deps);
    await app.ready();
    worker = startWorkerRole(env.deps);
    const clients: Record<keyof typeof tokens, { role: string; units?: string[] }> = {
      officerA: { role: 'pcgd-officer', units: [A] },
      officerB: { role: 'pcgd-officer', units: [B] },
      officerC: { role: 'pcgd-officer', units: [C] },
      admin: { role: 'city-admin' },
    };
    Object.assign(tokens, await tokensFor(app, env.deps.db, clients));
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    await env?.cleanup();
    await sim?.close();
  });

  const call = (
    who: keyof typeof tokens,
    method: 'GET' | 'POST',
    url: string,
    payload?: unknown,
  ): Promise<LightMyRequestResponse> =>
    app.inject({
      method,
      url,
      headers: bearer(tokens[who]),
      ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
    });

  const report = async (who: keyof typeof tokens, id: number) =>
    (await call(who, 'GET', `/v1/pcgd/reports/${id}`)).json<ReportBody>();

  /** The unit's figures computed, checked and approved by its own officer, through the API. */
  async function approved(who: keyof typeof tokens, unitCode: string): Promise<number> {
    const res = await call(who, 'POST', '/v1/pcgd/reports', { unitCode, year: YEAR });
    expect(res.statusCode, res.body).toBe(202);
    const { reportId } = res.json<{ reportId: number }>();
    const r = await waitFor(
      async () => {
        const b = await report(who, reportId);
        return ['checked', 'computed', 'failed'].includes(b.status) ? b : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `report ${reportId} computed` },
    );
    expect(r.status).toBe('checked');
    const ok = await call(who, 'POST', `/v1/pcgd/reports/${reportId}/approve`);
    expect(ok.statusCode, ok.body).toBe(200);
    return reportId;
  }

  /** The unit's approved figures submitted while the Ministry refuses the next figures PUT (a 400), its letter written. */
  async function refusedByMinistry(who: keyof typeof tokens, unitCode: string): Promise<number> {
    const reportId = await approved(who, unitCode);
    sim.faults.merge({ status400Burst: 1, paths: [`/v1/units/${unitCode}/figures`] });
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
