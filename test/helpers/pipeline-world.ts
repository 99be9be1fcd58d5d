/**
 * The world of the pipeline tests (integration pipeline*.test.ts): for one backend combination, the
 * hcm-csdl simulator as the real target, the app (inject), a vendor client of SCHOOL and a worker role
 * the tests start and stop; with the reads they share (the batch view, its findings, audit actions,
 * the open outbox). Call `usePipeline` at the top of a `describe`.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { buildApp } from '../../src/app.js';
import { acceptBatch } from '../../src/api/batch-intake.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import type { OutboxRow } from '../../src/store/outbox.js';
import { SCHOOL } from '../factories/records.js';
import { tokenFor } from './api.js';
import { startCitySimulator } from './city-sim.js';
import { countRows, makeDeps, waitFor, type Backend, type TestEnv } from './env.js';

export interface BatchView {
  status: string;
  counts: { received: number; accepted: number; rejected: number; unchanged: number };
  errorCode: string | null;
  deliveries: Array<{ system: string; state: string; errorCode: string | null; deliveredAt: string | null }>;
}

export interface Finding {
  recordIndex: number;
  rule: string;
  severity: string;
  pointer: string;
  message: { vi: string; en: string };
}

export interface PipelineWorld {
  readonly env: TestEnv;
  readonly sim: HcmCsdlSimulator;
  startWorker: (deps?: TestEnv['deps']) => void;
  stopWorker: () => Promise<void>;
  /** Pushes `records` through the API as the vendor; expects 202 and returns the batch's id. */
  push: (records: unknown[]) => Promise<string>;
  /**
   * A batch accepted as the push route accepts one (src/api/batch-intake.ts), with no worker running: its job left
   * to the relay, or with `handOver`, its row written handed over and given there (nothing added).
   */
  acceptedForTheRelay: (records: unknown[], handOver?: (row: OutboxRow) => void) => Promise<string>;
  findingsOf: (batchId: string) => Promise<Finding[]>;
  auditActionsOf: (subject: string) => Promise<string[]>;
  view: (batchId: string) => Promise<BatchView>;
  waitDone: (batchId: string, timeoutMs?: number) => Promise<BatchView>;
  openOutbox: () => Promise<number>;
  waitQuiet: (timeoutMs?: number) => Promise<unknown>;
  putsToSim: () => number;
}

interface State {
  env: TestEnv;
  sim: HcmCsdlSimulator;
  app: FastifyInstance;
  token: string;
  clientId: string;
  worker: Running | undefined;
}

function reads(s: State): Pick<PipelineWorld, 'findingsOf' | 'auditActionsOf' | 'view' | 'waitDone'> {
  const get = (url: string) =>
    s.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${s.token}` } });
  const view = async (batchId: string): Promise<BatchView> =>
    (await get(`/v1/batches/${batchId}`)).json<BatchView>();
  return {
    findingsOf: async (batchId) =>
      (await get(`/v1/batches/${batchId}/findings`)).json<{ items: Finding[] }>().items,
    auditActionsOf: async (subject) =>
      (
        await s.env.deps.db.query<{ action: string }>(
          // Chained, or recorded and waiting for the chainer (hot paths record theirs off the chain's lock).
          `SELECT DISTINCT action FROM (SELECT action, subject FROM truc.audit_log
                                        UNION ALL SELECT action, subject FROM truc.audit_pending) a
            WHERE subject = $1 ORDER BY action`,
          [subject],
        )
      ).rows.map((r) => r.action),
    view,
    waitDone: (batchId, timeoutMs = 30_000) =>
      waitFor(
        async () => {
          const v = await view(batchId);
          return v.status === 'done' || v.status === 'failed' ? v : undefined;
        },
        { timeoutMs, intervalMs: 100, what: `batch ${batchId} to finish` },
      ),
  };
}

function writes(s: State): Pick<PipelineWorld, 'push' | 'acceptedForTheRelay'> {
  return {
    async push(records) {
      const res = await s.app.inject({
        method: 'POST',
        url: `/v1/schools/${SCHOOL}/batches`,
        headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
        payload: { entity: 'students', records },
      });
      expect(res.statusCode, res.body).toBe(202);
      return res.json<{ batchId: string }>().batchId;
    },
    async acceptedForTheRelay(records, handOver) {
      const { response } = await acceptBatch(
        s.env.deps.db,
        {
          clientId: s.clientId,
          schoolCode: SCHOOL,
          body: { entity: 'students', format: 'canonical', records: records as Record<string, unknown>[] },
          bodySha256: undefined,
          sameAs: null,
          idempotency: undefined,
          at: s.env.deps.now(),
        },
        undefined,
        undefined,
        handOver,
      );
      return response.body.batchId;
    },
  };
}

function world(s: State): PipelineWorld {
  const openOutbox = () => countRows(s.env.deps.db, 'truc.outbox', 'done_at IS NULL AND dead_at IS NULL');
  const stopWorker = async (): Promise<void> => {
    await s.worker?.stop();
    s.worker = undefined;
  };
  return {
    get env() {
      return s.env;
    },
    get sim() {
      return s.sim;
    },
    startWorker: (deps = s.env.deps) => {
      s.worker = startWorkerRole(deps);
    },
    stopWorker,
    ...writes(s),
    ...reads(s),
    openOutbox,
    waitQuiet: (timeoutMs = 30_000) =>
      waitFor(async () => (await openOutbox()) === 0, {
        timeoutMs,
        intervalMs: 100,
        what: 'every outbox row to be done or dead',
      }),
    putsToSim: () =>
      Object.values(s.sim.stats().byRoute['PUT /v1/students:batch'] ?? {}).reduce((a, b) => a + b, 0),
  };
}

/** The pipeline world of `backend` for the enclosing `describe`: started before its tests, the worker stopped after each. */
export function usePipeline(backend: Backend): PipelineWorld {
  const s = { worker: undefined } as State;
  const w = world(s);
  beforeAll(async () => {
    s.sim = await startCitySimulator({ seed: 7, schools: 2, studentsPerSchool: 2 });
    s.env = await makeDeps(backend, { env: { HCM_CSDL_BASE_URL: s.sim.url } });
    s.app = await buildApp(s.env.deps);
    await s.app.ready();
    const client = await addClient(s.env.deps.db, { name: 'Vendor', role: 'vendor', schools: [SCHOOL] });
    s.token = await tokenFor(s.app, client);
    s.clientId = client.clientId;
  }, 120_000);
  afterEach(async () => {
    await w.stopWorker();
  });
  afterAll(async () => {
    await w.stopWorker();
    await s.app?.close();
    await s.env?.cleanup();
    await s.sim?.close();
  });
  return w;
}
