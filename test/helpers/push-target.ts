/**
 * A push target's stack as the overview's tests of a push target walk it (overview-last-success, overview-push-rate,
 * review27a): a stand-in for the city database answering as scripted (test/helpers/fake-hcm-csdl.ts), real PostgreSQL
 * with the queues in it (HCM_CSDL_BASE_URL the stand-in's), the API in process, a city admin's and a vendor's (of
 * SCHOOL) tokens. No worker: each test starts one for as long as it needs it (the overview is read with none running).
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildApp } from '../../src/app.js';
import { addClient } from '../../src/ops.js';
import { SCHOOL, student } from '../factories/records.js';
import { tokenFor } from './api.js';
import { makeDeps, PG_QUEUE, type MakeDepsOptions, type TestEnv } from './env.js';
import { startFakeHcmCsdl, type FakeHcmCsdl } from './fake-hcm-csdl.js';

export interface PushTarget {
  /** Filled by the `beforeAll`. */
  env: TestEnv;
  app: FastifyInstance;
  city: FakeHcmCsdl;
  /** The city admin's and the vendor's bearer tokens. */
  admin: string;
  vendor: string;
  /** `method url` as `token` (the admin's by default), `payload` as the JSON body. */
  send: (
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload?: unknown,
    token?: string,
  ) => Promise<LightMyRequestResponse>;
  /** The vendor sends a students batch of one student, `code`, for SCHOOL: accepted (202). */
  push: (code: string) => Promise<void>;
  /** The overview's systems (200 expected). */
  systems: <Row extends { system: string }>() => Promise<Row[]>;
}

/**
 * Call at the top of a `describe`: the stack started by its `beforeAll`, the stand-in answering its upserts from
 * `city` (`script`, then `fallback`), `deps` adding to the environment and configuration; closed by its `afterAll`.
 */
export function usePushTarget(
  city: { script?: number[]; fallback: number },
  deps: MakeDepsOptions = {},
): PushTarget {
  const w = {
    send: (method, url, payload, token) =>
      w.app.inject({
        method,
        url,
        headers: {
          authorization: `Bearer ${token ?? w.admin}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
      }),
    push: async (code) => {
      const res = await w.send(
        'POST',
        `/v1/schools/${SCHOOL}/batches`,
        { entity: 'students', records: [student(code)] },
        w.vendor,
      );
      expect(res.statusCode, res.body).toBe(202);
    },
    systems: async <Row>() => {
      const res = await w.send('GET', '/v1/ops/overview');
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ systems: Row[] }>().systems;
    },
  } as PushTarget;
  beforeAll(async () => {
    w.city = await startFakeHcmCsdl(city);
    w.env = await makeDeps(PG_QUEUE, { ...deps, env: { HCM_CSDL_BASE_URL: w.city.url, ...deps.env } });
    w.app = await buildApp(w.env.deps);
    await w.app.ready();
    w.admin = await tokenFor(w.app, await addClient(w.env.deps.db, { name: 'City', role: 'city-admin' }));
    w.vendor = await tokenFor(
      w.app,
      await addClient(w.env.deps.db, { name: 'Vendor', role: 'vendor', schools: [SCHOOL] }),
    );
  }, 180_000);
  afterAll(async () => {
    await w.app?.close();
    await w.env?.cleanup();
    await w.city?.close();
  });
  return w;
}
