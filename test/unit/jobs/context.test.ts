/**
 * The worker context builds each system's adapter once, from configuration, and hands it only what it
 * uses. Guards the OAuth token cache: the worker's own clock returns a Date, and when it reached the
 * adapters a token was fetched before every call (88 token requests for 20 pushes under the fault
 * tests of the sync issue). Two pulls now share one token.
 */
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { createWorkerContext } from '../../../src/jobs/context.js';
import type { Db } from '../../../src/store/db.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';

const BASE = 'http://hcm-csdl.test';

afterEach(() => {
  nock.cleanAll();
});

describe('worker context', () => {
  it('pulls twice from hcm-csdl with one token', async () => {
    const config = loadConfig({ env: { TRUC_PROFILE: 'test', HCM_CSDL_BASE_URL: BASE } });
    const ctx = createWorkerContext({
      config,
      db: {} as Db,
      logger: createLogger('silent'),
      metrics: createMetrics(),
      now: () => new Date(),
    });
    const token = nock(BASE).post('/oauth/token').once().reply(200, { access_token: 'T1', expires_in: 900 });
    const pages = nock(BASE, { reqheaders: { authorization: 'Bearer T1' } })
      .get('/v1/schools')
      .query(true)
      .twice()
      .reply(200, { data: [], watermark: '2026-01-01T00:00:00Z' });
    const source = ctx.sources['hcm-csdl']!;
    await source.page('schools', { pageSize: 10 });
    await source.page('schools', { pageSize: 10 });
    expect(token.isDone()).toBe(true);
    expect(pages.isDone()).toBe(true);
    expect(Object.keys(ctx.targets)).toEqual(['hcm-csdl']);
    expect(ctx.routes('students', 'smas')).toEqual(['hcm-csdl']);
    expect(ctx.routes('students', 'hcm-csdl')).toEqual([]);
  });
});
