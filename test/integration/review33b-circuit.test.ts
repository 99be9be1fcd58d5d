/**
 * review33b: a dead letter replayed while its target's circuit is open, twice at once (PostgreSQL + Redis, a worker,
 * a stand-in hcm-csdl that refuses the first push for good, then accepts). The replay is taken once; the push waits
 * for the circuit (nothing sent while it is open), is delivered once with the first push's Idempotency-Key, and is
 * not dead-lettered again meanwhile. Findings: /work/briefs/review33b-findings.md.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { verifyAudit } from '../../src/audit/chain.js';
import { queueBatch } from '../../src/jobs/contracts.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { bearer, S1, student, tokenFor } from '../helpers/api.js';
import { countRows, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { startFakeHcmCsdl, type FakeHcmCsdl } from '../helpers/fake-hcm-csdl.js';

describe('review33b: a replay while the target’s circuit is open (postgres+redis)', () => {
  let env: TestEnv;
  let fake: FakeHcmCsdl;
  let worker: Running;
  let app: FastifyInstance;
  let admin = '';

  beforeAll(async () => {
    fake = await startFakeHcmCsdl({ script: [400], fallback: 200 });
    env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      { env: { HCM_CSDL_BASE_URL: fake.url } },
    );
    worker = startWorkerRole(env.deps);
    app = await buildApp(env.deps);
    await app.ready();
    admin = await tokenFor(app, await addClient(env.deps.db, { name: 'Sở IT', role: 'city-admin' }));
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await worker?.stop();
    await fake?.close();
    await env?.cleanup();
  });

  it('two replays at once of a letter whose target is open: one replay, nothing sent while open, delivered once', async () => {
    await env.deps.db.tx((q) =>
      queueBatch(q, {
        id: randomUUID(),
        clientId: 'test',
        schoolCode: S1,
        entity: 'students',
        format: 'canonical',
        records: [student('CB1')],
      }),
    );
    await waitFor(() => countRows(env.deps.db, 'truc.dead_letters'), { what: 'a dead letter' });
    // The target goes down meanwhile: its circuit opens for a few seconds.
    const opened = await env.deps.db.query<{ until: Date }>(
      `UPDATE truc.delivery_gates
          SET circuit = 'open', pause_reason = 'circuit-open', paused_until = now() + interval '3 seconds',
              opened_at = now(), failures = 5, openings = 1, last_error_code = 'ERR_ADAPTER_UNAVAILABLE'
        WHERE system = 'hcm-csdl' RETURNING paused_until AS until`,
    );
    expect(opened.rows).toHaveLength(1);
    const until = opened.rows[0]!.until.getTime();
    const replay = () =>
      app.inject({
        method: 'POST',
        url: '/v1/dead-letters/replay',
        headers: { ...bearer(admin), 'content-type': 'application/json' },
        payload: JSON.stringify({ queue: 'push.hcm-csdl' }),
      });
    const answers = await Promise.all([replay(), replay()]);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(answers.flatMap((r) => r.json<{ replayed: number[] }>().replayed)).toHaveLength(1);
    await waitFor(() => fake.puts.some((p) => p.status === 200), {
      what: 'the replayed delivery',
      timeoutMs: 30_000,
    });
    await waitFor(
      async () =>
        (await countRows(env.deps.db, 'truc.push_sets', 'delivered_at IS NOT NULL')) === 1 ? true : undefined,
      { what: 'the push set to be delivered' },
    );
    expect(fake.puts.map((p) => p.status)).toEqual([400, 200]);
    expect(fake.puts[1]!.key).toBe(fake.puts[0]!.key);
    expect(fake.puts[1]!.at).toBeGreaterThanOrEqual(until);
    expect(await countRows(env.deps.db, 'truc.dead_letters')).toBe(1);
    expect((await verifyAudit(env.deps.db)).ok).toBe(true);
  }, 60_000);
});
