/**
 * Dead letters are listed and replayed by the city's IT staff (DESIGN §7): a push the target refused
 * for good is a dead letter with its code; once the target is fixed, a replay by filter queues the
 * same work again (same idempotency key), it is delivered, and the letter is marked replayed.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/api/auth/tokens.js';
import { buildApp } from '../../src/app.js';
import { queueBatch } from '../../src/jobs/contracts.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { student, S1 } from '../helpers/api.js';
import { backends, countRows, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { startFakeHcmCsdl, type FakeHcmCsdl } from '../helpers/fake-hcm-csdl.js';

const backend = backends().find((b) => b.name === 'postgres+pg-queue')!;

describe('dead letters: list and replay', () => {
  let env: TestEnv;
  let fake: FakeHcmCsdl;
  let worker: Running;
  let app: FastifyInstance;
  let admin: string;
  let vendor: string;

  beforeAll(async () => {
    // The city database refuses the first delivery for good (400), then accepts.
    fake = await startFakeHcmCsdl({ script: [400], fallback: 200 });
    env = await makeDeps(backend, { env: { HCM_CSDL_BASE_URL: fake.url } });
    worker = startWorkerRole(env.deps);
    app = await buildApp(env.deps);
    const a = await addClient(env.deps.db, { name: 'Sở IT', role: 'city-admin' });
    const v = await addClient(env.deps.db, { name: 'Vendor', role: 'vendor', schools: [S1] });
    admin = (
      await issueToken(env.deps.tokens, {
        clientId: a.clientId,
        role: a.role,
        scopes: a.scopes,
      })
    ).token;
    vendor = (
      await issueToken(env.deps.tokens, {
        clientId: v.clientId,
        role: v.role,
        scopes: v.scopes,
      })
    ).token;
  });
  afterAll(async () => {
    await app?.close();
    await worker?.stop();
    await fake?.close();
    await env?.cleanup();
  });

  const get = (url: string, token = admin) =>
    app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  const replay = (payload: object, token = admin) =>
    app.inject({
      method: 'POST',
      url: '/v1/dead-letters/replay',
      payload,
      headers: { authorization: `Bearer ${token}` },
    });

  it('a refused push becomes a dead letter; a replay delivers it with the same idempotency key', async () => {
    const batchId = randomUUID();
    await env.deps.db.tx((q) =>
      queueBatch(q, {
        id: batchId,
        clientId: 'test',
        schoolCode: S1,
        entity: 'students',
        format: 'canonical',
        records: [student('DL1')],
      }),
    );
    await waitFor(() => countRows(env.deps.db, 'truc.dead_letters'), { what: 'a dead letter' });

    await waitFor(
      async () =>
        (await env.deps.metrics.registry.metrics()).includes(
          'truc_dead_letters_open{queue="push.hcm-csdl"} 1',
        )
          ? true
          : undefined,
      { what: 'the open dead letter to show in /metrics' },
    );
    const listed = await get('/v1/dead-letters');
    expect(listed.statusCode, listed.body).toBe(200);
    const items = listed.json<{
      items: Array<{ id: number; queue: string; errorCode: string; refs: Record<string, unknown> }>;
    }>().items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ queue: 'push.hcm-csdl', errorCode: 'ERR_ADAPTER_REJECTED' });
    // ids only, no records; walk (issue 7): the batch, school and entity it came from, not the push set's id alone
    expect(items[0]!.refs).toEqual({
      pushSetId: expect.any(Number),
      batchId,
      schoolCode: S1,
      entity: 'students',
    });
    expect(
      (await get('/v1/dead-letters?errorCode=ERR_ADAPTER_TIMEOUT')).json<{ items: unknown[] }>().items,
    ).toHaveLength(0);

    expect((await replay({})).statusCode).toBe(400); // no filter: nothing replayed by accident
    expect((await get('/v1/dead-letters', vendor)).statusCode).toBe(403);
    expect((await replay({ all: true }, vendor)).statusCode).toBe(403);

    const r = await replay({ queue: 'push.hcm-csdl' });
    expect(r.statusCode, r.body).toBe(200);
    // A push maps nothing inbound: no mapping version to pin.
    expect(r.json()).toEqual({
      replayed: [items[0]!.id],
      mapping: 'current',
      items: [{ id: items[0]!.id, mappingVersion: null, pinned: false }],
      closed: [],
      skipped: [], // none asked for by id (runs item 3)
    });
    await waitFor(() => fake.puts.some((p) => p.status === 200), { what: 'the replayed delivery' });
    expect(fake.puts.map((p) => p.status)).toEqual([400, 200]);
    expect(fake.puts[1]!.key).toBe(fake.puts[0]!.key); // one effect at the target
    await waitFor(
      async () =>
        (await countRows(env.deps.db, 'truc.push_sets', 'delivered_at IS NOT NULL')) === 1 ? true : undefined,
      { what: 'the push set to be delivered' },
    );

    expect((await get('/v1/dead-letters')).json<{ items: unknown[] }>().items).toHaveLength(0);
    await waitFor(
      async () =>
        !(await env.deps.metrics.registry.metrics()).includes(
          'truc_dead_letters_open{queue="push.hcm-csdl"} 1',
        )
          ? true
          : undefined,
      { what: 'the replayed letter to leave the gauge' },
    );
    const all = (await get('/v1/dead-letters?includeReplayed=true')).json<{
      items: Array<{ replayedAt: string | null }>;
    }>();
    expect(all.items[0]!.replayedAt).not.toBeNull();
    expect((await replay({ all: true })).json()).toMatchObject({ replayed: [], items: [] }); // a letter is replayed once
    expect(await countRows(env.deps.db, 'truc.audit_log', `action = 'dead_letters.replayed'`)).toBe(1);
  });
});
