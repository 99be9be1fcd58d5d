/**
 * The API's /readyz is what a load balancer reads to send it requests (fix31c): unready only when the
 * process cannot serve them (its database or queue backend does not answer, or it is shutting down), not
 * when the workers are behind. An outbox row waiting ten minutes (no worker running) is reported
 * (`checks.outbox.ok: false`, its lag and what waits) and the process stays ready: workers behind is
 * TrucOutboxLagHigh's alert, and taking every API process out of the balancer for it would refuse the
 * vendors' pushes that the outbox keeps for the workers. A database that does not answer makes it unready, for how
 * long said in Retry-After and in words (words6 item 3).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { startMetricsServer } from '../../src/roles.js';
import { createPgDb } from '../../src/store/db.js';
import { createOutboxRepo } from '../../src/store/outbox.js';
import { usePostgresEnv } from '../helpers/env.js';

describe('/readyz of the API', () => {
  const env = usePostgresEnv();
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildApp(env().deps);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('stays ready while the workers are behind, and says how far', async () => {
    const id = await createOutboxRepo(env().deps.db).add('ingest', 'ingest-batch', { batchId: 'b-late' });
    await env().deps.db.query(
      `UPDATE truc.outbox SET created_at = now() - interval '10 minutes' WHERE id = $1`,
      [id],
    );
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ status: string; checks: { outbox: Record<string, unknown> } }>();
    expect(body.status).toBe('ready');
    expect(body.checks.outbox).toMatchObject({ ok: false, pending: 1 });
    expect(body.checks.outbox.lagSeconds).toBeGreaterThanOrEqual(600);
    expect(body.checks.outbox.detail).toMatch(/TrucOutboxLagHigh/);
  });

  it('is not ready when its database does not answer', async () => {
    const gone = createPgDb(env().databaseUrl!, 'postgres', { max: 1 });
    await gone.close();
    const cut = await buildApp({ ...env().deps, db: gone });
    try {
      const res = await cut.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({
        status: 'not_ready',
        checks: { database: { ok: false }, queue: { ok: true }, outbox: { ok: false } },
      });
      // words6 item 3: how long to wait, in Retry-After and in words.
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json<{ detail: string }>().detail).toMatch(/thử lại sau 5 giây \/ .*try again in 5 s$/);
    } finally {
      await cut.close();
    }
  });

  it('a worker’s /readyz says how long to wait as well (words6 item 3)', async () => {
    const gone = createPgDb(env().databaseUrl!, 'postgres', { max: 1 });
    await gone.close();
    const server = await startMetricsServer({ ...env().deps, db: gone }, { port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch(`${server.url}/readyz`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      const body = (await res.json()) as { status: string; detail: string };
      expect(body.status).toBe('not_ready');
      expect(body.detail).toMatch(/thử lại sau 5 giây \/ .*try again in 5 s$/);
    } finally {
      await server.stop();
    }
  });

  it('a worker’s operations port refuses other paths and methods in both languages (walk6 W6-4)', async () => {
    const server = await startMetricsServer(env().deps, { port: 0, host: '127.0.0.1' });
    try {
      const missing = await fetch(`${server.url}/nope`);
      expect(missing.status).toBe(404);
      const body = (await missing.json()) as { detail: string; endpoints: string[] };
      expect(body.detail).toMatch(/^cổng vận hành .* \/ no such path .*\/metrics, \/healthz and \/readyz$/);
      expect(body.endpoints).toEqual(['/metrics', '/healthz', '/readyz']);
      const posted = await fetch(`${server.url}/healthz`, { method: 'POST' });
      expect(posted.status).toBe(405);
      expect(posted.headers.get('allow')).toBe('GET, HEAD');
      expect(((await posted.json()) as { detail: string }).detail).toMatch(
        /GET và HEAD \/ .*GET and HEAD only$/,
      );
    } finally {
      await server.stop();
    }
  });
});
