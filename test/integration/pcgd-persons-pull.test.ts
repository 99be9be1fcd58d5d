/**
 * fix30a (review29 F6): a commune's PCGD-XMC officer pulls its own commune's survey persons before computing, through
 * the sync machinery an admin's `POST /v1/syncs` uses (one sync run of moet-pcgd persons, its first page queued,
 * audited `sync.requested` under the officer's client id), never another commune's (403, nothing changes); and reads
 * when the commune's persons were last pulled and whether a pull is under way where it looks before computing: the
 * pull's own read, the deadlines and the report. On PostgreSQL + Redis with the worker role (started when a test
 * needs the pull to run) and the moet-pcgd simulator as the Ministry.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { MoetPcgdSimulator } from '../../src/simulators/moet-pcgd/simulator.js';
import { A, B, C, YEAR } from '../fixtures/pcgd/communes.js';
import { bearer, expectProblem, tokenFor } from '../helpers/api.js';
import { countRows, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { startPcgdSimulator } from '../helpers/pcgd.js';
import { settleOutbox } from '../helpers/settled-sync.js';

interface PullState {
  communeCode: string;
  personsPulledAt: string | null;
  personsPulling: boolean;
  lastPull: { syncRunId: number; status: string; full: boolean; finishedAt: string | null } | null;
}
interface Accepted {
  communeCode: string;
  syncRunId: number;
  status: string;
  queued: boolean;
  statusUrl: string;
}
interface DeadlineUnit {
  unitCode: string;
  personsPulledAt: string | null;
  personsPulling: boolean;
}

describe('review29 F6: a commune officer pulls its own commune’s persons and sees when they were pulled', () => {
  let env: TestEnv;
  let sim: MoetPcgdSimulator;
  let app: FastifyInstance;
  let worker: Running | undefined;
  const ids: Record<'officerA' | 'province' | 'vendor', string> = { officerA: '', province: '', vendor: '' };
  const tokens: Record<keyof typeof ids, string> = { officerA: '', province: '', vendor: '' };

  beforeAll(async () => {
    sim = await startPcgdSimulator(() => new Date('2026-09-20T03:00:00Z'), {
      personsPerCommune: 30,
      communes: [A, B, C],
    });
    env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      { env: { MOET_PCGD_BASE_URL: sim.url } },
    );
    app = await buildApp(env.deps);
    await app.ready();
    const clients: Record<keyof typeof ids, { role: string; units?: string[]; schools?: string[] }> = {
      officerA: { role: 'pcgd-officer', units: [A] },
      province: { role: 'pcgd-officer', units: ['79'] },
      vendor: { role: 'vendor', schools: ['79000001'] },
    };
    for (const [name, c] of Object.entries(clients)) {
      const made = await addClient(env.deps.db, { name, ...c });
      ids[name as keyof typeof ids] = made.clientId;
      tokens[name as keyof typeof ids] = await tokenFor(app, made);
    }
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    await env?.cleanup();
    await sim?.close();
  });

  const call = (who: keyof typeof ids, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({
      method,
      url,
      headers: bearer(tokens[who]),
      ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
    });
  const pullOf = async (code: string, who: keyof typeof ids = 'officerA') => {
    const res = await call(who, 'GET', `/v1/pcgd/communes/${code}/persons-pull`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<PullState>();
  };
  const deadlines = async (who: keyof typeof ids = 'province') => {
    const res = await call(who, 'GET', `/v1/pcgd/deadlines?year=${YEAR}`);
    expect(res.statusCode, res.body).toBe(200);
    return new Map(res.json<{ units: DeadlineUnit[] }>().units.map((u) => [u.unitCode, u]));
  };
  /** What a refused request must leave as it was. */
  const changes = async () => ({
    runs: await countRows(env.deps.db, 'truc.sync_runs'),
    outbox: await countRows(env.deps.db, 'truc.outbox'),
    audit: await countRows(env.deps.db, 'truc.audit_log'),
  });
  const runOf = async (id: number) =>
    (
      await env.deps.db.query<{ system: string; entity: string; scope: string; requested_by: string }>(
        'SELECT system, entity, scope, requested_by FROM truc.sync_runs WHERE id = $1',
        [id],
      )
    ).rows[0];

  it('another commune, a vendor, an ill-formed code: refused bilingually, nothing changes', async () => {
    const before = await changes();
    const refused = expectProblem(
      await call('officerA', 'POST', `/v1/pcgd/communes/${B}/persons-pull`),
      403,
      'ERR_FORBIDDEN_UNIT',
    );
    expect(refused.detail).toContain(B);
    expect(refused.detail).toMatch(/ \/ /); // Vietnamese / English
    expectProblem(
      await call('officerA', 'GET', `/v1/pcgd/communes/${B}/persons-pull`),
      403,
      'ERR_FORBIDDEN_UNIT',
    );
    expectProblem(
      await call('vendor', 'POST', `/v1/pcgd/communes/${A}/persons-pull`),
      403,
      'ERR_FORBIDDEN_SCOPE',
    );
    expectProblem(
      await call('officerA', 'POST', '/v1/pcgd/communes/2766/persons-pull'),
      400,
      'ERR_VALIDATION',
    );
    expectProblem(
      await call('officerA', 'POST', `/v1/pcgd/communes/${A}/persons-pull`, { full: 'yes' }),
      400,
      'ERR_VALIDATION',
    );
    expect(await changes()).toEqual(before);
  });

  it('the officer pulls its commune: one sync run of its persons, audited as the officer; a second request while it is queued queues none', async () => {
    const before = await pullOf(A);
    expect(before).toMatchObject({
      communeCode: A,
      personsPulledAt: null,
      personsPulling: false,
      lastPull: null,
    });
    const audited = await countRows(env.deps.db, 'truc.audit_log', `action = 'sync.requested'`);
    const res = await call('officerA', 'POST', `/v1/pcgd/communes/${A}/persons-pull`);
    expect(res.statusCode, res.body).toBe(202);
    const accepted = res.json<Accepted>();
    expect(accepted).toMatchObject({ communeCode: A, status: 'queued', queued: true });
    expect(res.headers.location).toBe(`/v1/pcgd/communes/${A}/persons-pull`);
    expect(await runOf(accepted.syncRunId)).toEqual({
      system: 'moet-pcgd',
      entity: 'persons',
      scope: A,
      requested_by: ids.officerA,
    });
    const entry = await env.deps.db.query<{ actor: string; details: Record<string, unknown> }>(
      `SELECT actor, details FROM truc.audit_log WHERE action = 'sync.requested' AND subject = $1`,
      [`sync:${accepted.syncRunId}`],
    );
    expect(entry.rows).toEqual([
      {
        actor: ids.officerA,
        details: expect.objectContaining({ system: 'moet-pcgd', entity: 'persons', scope: A }),
      },
    ]);
    // asked again while queued (no worker yet): the same run, nothing more queued or audited
    const runs = await countRows(env.deps.db, 'truc.sync_runs');
    const again = await call('officerA', 'POST', `/v1/pcgd/communes/${A}/persons-pull`, { full: true });
    expect(again.statusCode, again.body).toBe(202);
    expect(again.json<Accepted>()).toMatchObject({ syncRunId: accepted.syncRunId, queued: false });
    expect(await countRows(env.deps.db, 'truc.sync_runs')).toBe(runs);
    expect(await countRows(env.deps.db, 'truc.audit_log', `action = 'sync.requested'`)).toBe(audited + 1);
    // where the officer looks: the pull is under way
    expect(await pullOf(A)).toMatchObject({
      personsPulledAt: null,
      personsPulling: true,
      lastPull: { syncRunId: accepted.syncRunId, status: 'queued', full: true },
    });
    expect((await deadlines('officerA')).get(A)).toMatchObject({
      personsPulledAt: null,
      personsPulling: true,
    });
    // held for a city admin's decision: still unfinished (the sync runs' one rule), answered, nothing more queued
    const held = `UPDATE truc.sync_runs SET status = $2 WHERE id = $1`;
    await env.deps.db.query(held, [accepted.syncRunId, 'held']);
    const whileHeld = await call('officerA', 'POST', `/v1/pcgd/communes/${A}/persons-pull`);
    expect(whileHeld.json<Accepted>()).toMatchObject({
      syncRunId: accepted.syncRunId,
      status: 'held',
      queued: false,
    });
    expect(await countRows(env.deps.db, 'truc.sync_runs')).toBe(runs);
    await env.deps.db.query(held, [accepted.syncRunId, 'queued']);
  });

  it('once the pull is done: personsPulledAt on the pull, the deadlines and the report computed from it', async () => {
    let pending = await pullOf(A);
    if (!pending.personsPulling && pending.personsPulledAt === null) {
      expect((await call('officerA', 'POST', `/v1/pcgd/communes/${A}/persons-pull`)).statusCode).toBe(202);
      pending = await pullOf(A);
    }
    worker ??= startWorkerRole(env.deps);
    await settleOutbox(env.deps.db, 'the persons pull');
    const pulled = await pullOf(A);
    expect(pulled.personsPulling).toBe(false);
    expect(pulled.lastPull).toMatchObject({ status: 'done' });
    expect(pulled.personsPulledAt).toBe(pulled.lastPull!.finishedAt);
    expect(Date.parse(pulled.personsPulledAt!)).toBeGreaterThan(Date.now() - 120_000);
    const rows = await deadlines();
    expect(rows.get(A)).toMatchObject({ personsPulledAt: pulled.personsPulledAt, personsPulling: false });
    expect(rows.get(B)).toMatchObject({ personsPulledAt: null, personsPulling: false });
    expect(rows.get('79')).toMatchObject({ personsPulledAt: null, personsPulling: false });
    // computed from the persons pulled: the report says when they were
    const computed = await call('officerA', 'POST', '/v1/pcgd/reports', { unitCode: A, year: YEAR });
    expect(computed.statusCode, computed.body).toBe(202);
    const reportId = computed.json<{ reportId: number }>().reportId;
    const report = await waitFor(
      async () => {
        const r = (await call('officerA', 'GET', `/v1/pcgd/reports/${reportId}`)).json<{
          status: string;
          personsPulledAt: string | null;
          personsPulling: boolean;
        }>();
        return r.status === 'pending' ? undefined : r;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `report ${reportId} computed` },
    );
    expect(report).toMatchObject({ personsPulledAt: pulled.personsPulledAt, personsPulling: false });
  });

  it('a province officer pulls a commune of its province, as it computes one', async () => {
    const res = await call('province', 'POST', `/v1/pcgd/communes/${C}/persons-pull`);
    expect(res.statusCode, res.body).toBe(202);
    expect((await runOf(res.json<Accepted>().syncRunId))?.requested_by).toBe(ids.province);
  });
});
