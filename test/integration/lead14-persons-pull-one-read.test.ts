/**
 * pcgd14 left: `GET /v1/pcgd/communes/{code}/persons-pull` read the commune's state and its newest pull in two
 * statements; a pull finishing between them answered `personsPulling: false` beside a `lastPull` still `queued`. Now
 * one statement (src/store/persons-pulls.ts stateOf): whatever finishes meanwhile, the two agree. The pull is finished
 * here right after the route's first read of the sync runs, where the old code's second read saw it.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { addClient } from '../../src/ops.js';
import type { Db } from '../../src/store/db.js';
import type { MoetPcgdSimulator } from '../../src/simulators/moet-pcgd/simulator.js';
import { A } from '../fixtures/pcgd/communes.js';
import { bearer, tokenFor } from '../helpers/api.js';
import { makeDeps, type TestEnv } from '../helpers/env.js';
import { startPcgdSimulator } from '../helpers/pcgd.js';

interface PullState {
  personsPulledAt: string | null;
  personsPulling: boolean;
  lastPull: { syncRunId: number; status: string } | null;
}

describe('a commune’s persons-pull state and its newest pull are read together (pcgd14 left)', () => {
  let env: TestEnv;
  let sim: MoetPcgdSimulator;
  let app: FastifyInstance;
  let token = '';
  /** Run once after the route's first statement that reads the sync runs, then cleared. */
  let afterFirstRunsRead: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    sim = await startPcgdSimulator(() => new Date('2026-09-20T03:00:00Z'), {
      personsPerCommune: 5,
      communes: [A],
    });
    env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      { env: { MOET_PCGD_BASE_URL: sim.url } },
    );
    const db = env.deps.db;
    const watched = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
        return async (...args: Parameters<Db['query']>) => {
          const res = await target.query(...args);
          const hook = afterFirstRunsRead;
          if (hook && typeof args[0] === 'string' && args[0].includes('truc.sync_runs')) {
            afterFirstRunsRead = undefined;
            await hook();
          }
          return res;
        };
      },
    });
    app = await buildApp({ ...env.deps, db: watched });
    await app.ready();
    token = await tokenFor(app, await addClient(db, { name: 'officer', role: 'pcgd-officer', units: [A] }));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    await sim?.close();
  });

  it('a pull finishing while the state is read: pulling and the newest pull’s status agree', async () => {
    const asked = await app.inject({
      method: 'POST',
      url: `/v1/pcgd/communes/${A}/persons-pull`,
      headers: bearer(token),
    });
    expect(asked.statusCode, asked.body).toBe(202);
    const { syncRunId } = asked.json<{ syncRunId: number }>();
    afterFirstRunsRead = async () => {
      await env.deps.db.query(
        `UPDATE truc.sync_runs SET status = 'done', finished_at = now() WHERE id = $1`,
        [syncRunId],
      );
    };
    const res = await app.inject({
      method: 'GET',
      url: `/v1/pcgd/communes/${A}/persons-pull`,
      headers: bearer(token),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(afterFirstRunsRead).toBeUndefined(); // the pull did finish during the request
    const state = res.json<PullState>();
    expect(state.lastPull?.syncRunId).toBe(syncRunId);
    const underWay = ['queued', 'running'].includes(state.lastPull?.status ?? '');
    expect({ pulling: state.personsPulling, pulled: state.personsPulledAt !== null }).toEqual({
      pulling: underWay,
      pulled: !underWay,
    });
    // read again: the pull done, as stored
    const after = await app.inject({
      method: 'GET',
      url: `/v1/pcgd/communes/${A}/persons-pull`,
      headers: bearer(token),
    });
    expect(after.json<PullState>()).toMatchObject({
      personsPulling: false,
      lastPull: { syncRunId, status: 'done' },
    });
    expect(after.json<PullState>().personsPulledAt).not.toBeNull();
  });
});
