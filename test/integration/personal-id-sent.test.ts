/**
 * review31: a vendor batch whose student carries a malformed personal ID (11 digits, a letter) or a legacy 9-digit
 * CMND gets the one finding saying so, not also DU_PERSONAL_ID_MISSING / SONG_MASTER_DATA_LATE for a field it did
 * send; a student sent without an ID still gets DU_PERSONAL_ID_MISSING. A real push: PostgreSQL, Redis, the worker
 * role, the API (fastify's inject), the batch's findings as the vendor reads them.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { bearer, student, tokenFor } from '../helpers/api.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';

const S = '79000083';

interface Item {
  readonly recordIndex: number;
  readonly rule: string;
  readonly pointer: string;
}

describe('a personal ID sent but refused is one finding, not also missing', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let worker: Running;
  let vendor: string;

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    app = await buildApp(env.deps);
    await app.ready();
    worker = startWorkerRole(env.deps);
    vendor = await tokenFor(
      app,
      await addClient(env.deps.db, { name: 'Vendor 83', role: 'vendor', schools: [S] }),
    );
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    await env?.cleanup();
  });

  it('malformed and legacy IDs: their own finding only; no ID: missing', async () => {
    const records = [
      { ...student('ID11', S), personalId: '07931901234' },
      { ...student('IDX', S), personalId: '07931901234X' },
      { ...student('CMND', S), personalId: '023456789' },
      student('NOID', S),
    ];
    const res = await app.inject({
      method: 'POST',
      url: `/v1/schools/${S}/batches`,
      headers: { ...bearer(vendor), 'content-type': 'application/json' },
      payload: JSON.stringify({ entity: 'students', mode: 'delta', records }),
    });
    expect(res.statusCode, res.body).toBe(202);
    const { batchId } = res.json<{ batchId: string }>();
    await waitFor(
      async () => {
        const b = (
          await app.inject({ method: 'GET', url: `/v1/batches/${batchId}`, headers: bearer(vendor) })
        ).json<{ status: string }>();
        return b.status === 'done' ? b : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the batch' },
    );
    const { items } = (
      await app.inject({
        method: 'GET',
        url: `/v1/batches/${batchId}/findings?limit=100`,
        headers: bearer(vendor),
      })
    ).json<{ items: Item[] }>();
    const aboutId = (index: number) =>
      items.filter((f) => f.recordIndex === index && f.pointer === '/personalId').map((f) => f.rule);
    // Without the fix: DU_PERSONAL_ID_MISSING (and SONG_MASTER_DATA_LATE past the deadline) beside each.
    expect(aboutId(0)).toEqual(['DUNG_PERSONAL_ID_FORMAT']);
    expect(aboutId(1)).toEqual(['DUNG_PERSONAL_ID_FORMAT']);
    expect(aboutId(2)).toEqual(['DUNG_PERSONAL_ID_LEGACY']);
    expect(aboutId(3)).toContain('DU_PERSONAL_ID_MISSING');
  });
});
