/**
 * The operations routes (issue 11) answer admins and auditors only, refuse bad input with bilingual
 * problems, and the dashboard page is served with a strict CSP and no external resources.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import { expectProblem, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

const backend = backends().find((b) => b.name === 'pglite+pg-queue')!;

describe('operations routes and the dashboard page', () => {
  const h = useApiHarness(backend);
  let auditor: string;

  beforeAll(async () => {
    auditor = await h.tokenOf(await addClient(h.env.deps.db, { name: 'Auditor', role: 'auditor' }));
  });

  it('the overview needs an admin token', async () => {
    expectProblem(await h.get('/v1/ops/overview'), 401, 'ERR_UNAUTHENTICATED');
    expectProblem(await h.get('/v1/ops/overview', h.tokens.vendor), 403, 'ERR_FORBIDDEN_SCOPE');
    expectProblem(await h.get('/v1/ops/overview', auditor), 403, 'ERR_FORBIDDEN_SCOPE');
    const res = await h.get('/v1/ops/overview', h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{
      queues: Array<{ queue: string; counts: Record<string, number> }>;
      deadLetters: unknown[];
    }>();
    expect(body.queues.map((q) => q.queue)).toEqual(
      expect.arrayContaining(['ingest', 'pull', 'push.hcm-csdl']),
    );
    expect(body.queues[0]!.counts).toMatchObject({ waiting: 0, active: 0 });
    expect(body.deadLetters).toEqual([]);
  });

  it('bad input gets a problem and changes nothing', async () => {
    const before = await h.snapshot();
    expectProblem(await h.get('/v1/ops/schools?limit=0', h.tokens.admin), 400, 'ERR_VALIDATION');
    expectProblem(await h.get('/v1/ops/schools?colour=red', h.tokens.admin), 400, 'ERR_VALIDATION');
    expectProblem(await h.get('/v1/ops/sync-runs?status=sleeping', h.tokens.admin), 400, 'ERR_VALIDATION');
    expectProblem(await h.get('/v1/ops/schools/79999999', h.tokens.admin), 404, 'ERR_NOT_FOUND');
    expectProblem(await h.get('/v1/audit?from=yesterday', auditor), 400, 'ERR_VALIDATION');
    expect(await h.snapshot()).toEqual(before);
  });

  // fix11: the school page said 'no school <code>', every school-held route 'truc holds no school <code>'.
  it('the school page and a school-held route answer an unknown school in one wording', async () => {
    const page = expectProblem(await h.get('/v1/ops/schools/79999999', h.tokens.admin), 404, 'ERR_NOT_FOUND');
    const findings = await h.get('/v1/schools/79999999/quality/findings', h.tokens.admin);
    const held = expectProblem(findings, 404, 'ERR_NOT_FOUND');
    expect(page.detail).toContain('truc holds no school 79999999');
    expect(page.detail).toBe(held.detail);
  });

  it('the audit log is for auditors: search and chain verification', async () => {
    expectProblem(await h.get('/v1/audit', h.tokens.admin), 403, 'ERR_FORBIDDEN_SCOPE');
    const rows = await h.get('/v1/audit?action=client.created', auditor);
    expect(rows.statusCode, rows.body).toBe(200);
    const items = rows.json<{ items: Array<{ action: string; subject: string | null }> }>().items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((r) => r.action === 'client.created')).toBe(true);
    const verify = await h.get('/v1/audit/verify', auditor);
    expect(verify.json()).toMatchObject({ ok: true, brokenAt: null });
  });

  it('serves the dashboard page, its script and stylesheet, with a strict CSP; / leads there', async () => {
    const root = await h.app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/dashboard');
    const page = await h.app.inject({ method: 'GET', url: '/dashboard' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.body).toContain('<html lang="vi">');
    // nothing loaded from elsewhere: every src/href is a local path
    for (const m of page.body.matchAll(/(?:src|href)="([^"]+)"/g)) expect(m[1]).toMatch(/^\/dashboard\//);
    const js = await h.app.inject({ method: 'GET', url: '/dashboard/app.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.body).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const css = await h.app.inject({ method: 'GET', url: '/dashboard/app.css' });
    expect(css.statusCode).toBe(200);
    expect(css.body).not.toMatch(/url\(|@import/);
  });

  it('no dashboard route is in the API contract', async () => {
    const doc = (await h.get('/openapi.json')).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/dashboard') || p === '/')).toBe(false);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/ops/overview', '/v1/audit']));
  });
});
