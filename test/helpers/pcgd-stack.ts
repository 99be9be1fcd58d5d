/**
 * The PCGD stack the API tests walk (pcgd-api, review29, walk5-pcgd): PostgreSQL and Redis, the fixture's communes seeded, the
 * moet-pcgd simulator as the Ministry with its clock in the commune window of 2026 (truc's own clock is today's),
 * the API and the worker role running, and a token for each named client.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildApp } from '../../src/app.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { MoetPcgdSimulator } from '../../src/simulators/moet-pcgd/simulator.js';
import { B, YEAR } from '../fixtures/pcgd/communes.js';
import { bearer, tokensFor } from './api.js';
import { makeDeps, waitFor, type TestEnv } from './env.js';
import { seedFixture, startPcgdSimulator } from './pcgd.js';

/** A report as `GET /v1/pcgd/reports/{id}` answers it (the fields these tests read). */
export interface ReportBody {
  reportId: number;
  status: string;
  version: number;
  delivery: { attempts: number; lastError: string | null; notBefore: string | null };
  receipt: unknown;
}

export type PcgdClients<W extends string> = Record<W, { role: string; units?: string[]; schools?: string[] }>;

export interface PcgdStack<W extends string> {
  /** Filled by the `beforeAll`. */
  env: TestEnv;
  sim: MoetPcgdSimulator;
  app: FastifyInstance;
  /** Each client's bearer token, by name. */
  tokens: Record<W, string>;
  /** `who` calls the API (`payload` as the JSON body). */
  call: (who: W, method: 'GET' | 'POST', url: string, payload?: unknown) => Promise<LightMyRequestResponse>;
  /** Report `id` as `who` reads it. */
  report: (who: W, id: number) => Promise<ReportBody>;
  /** The unit's figures computed, checked and approved by its own officer `who`, through the API: the report's id. */
  approved: (who: W, unitCode: string) => Promise<number>;
}

/** Call at the top of a `describe`: the stack started by its `beforeAll` (commune B difficult), closed by its `afterAll`. */
export function usePcgdStack<W extends string>(clients: PcgdClients<W>): PcgdStack<W> {
  let worker: Running | undefined;
  const stack = {
    tokens: {} as Record<W, string>,
    call: (who, method, url, payload) =>
      stack.app.inject({
        method,
        url,
        headers: bearer(stack.tokens[who]),
        ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
      }),
    report: async (who, id) => (await stack.call(who, 'GET', `/v1/pcgd/reports/${id}`)).json<ReportBody>(),
    approved: async (who, unitCode) => {
      const res = await stack.call(who, 'POST', '/v1/pcgd/reports', { unitCode, year: YEAR });
      expect(res.statusCode, res.body).toBe(202);
      const { reportId } = res.json<{ reportId: number }>();
      const r = await waitFor(
        async () => {
          const b = await stack.report(who, reportId);
          return ['checked', 'computed', 'failed'].includes(b.status) ? b : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100, what: `report ${reportId} computed` },
      );
      expect(r.status).toBe('checked');
      const ok = await stack.call(who, 'POST', `/v1/pcgd/reports/${reportId}/approve`);
      expect(ok.statusCode, ok.body).toBe(200);
      return reportId;
    },
  } as PcgdStack<W>;
  beforeAll(async () => {
    stack.sim = await startPcgdSimulator(() => new Date('2026-09-20T03:00:00Z'));
    stack.env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      { env: { MOET_PCGD_BASE_URL: stack.sim.url, TRUC_PCGD_DIFFICULT_COMMUNES: `${YEAR}:${B}` } },
    );
    await seedFixture(stack.env.deps.db);
    stack.app = await buildApp(stack.env.deps);
    await stack.app.ready();
    worker = startWorkerRole(stack.env.deps);
    Object.assign(stack.tokens, await tokensFor(stack.app, stack.env.deps.db, clients));
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await stack.app?.close();
    await stack.env?.cleanup();
    await stack.sim?.close();
  });
  return stack;
}
