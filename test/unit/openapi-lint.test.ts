/**
 * The committed API document passes Redocly (recommended) and Spectral (spectral:oas) with no errors
 * (issue 9), so CI runs the lint with the tests; `npm run openapi:lint` is the same by hand.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';

const run = promisify(execFile);
const bin = (name: string) => join(PROJECT_ROOT, 'node_modules', '.bin', name);
const SPEC = 'openapi/truc.v1.json';

async function exitOf(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
    const r = await run(cmd, args, { cwd: PROJECT_ROOT, timeout: 120_000, env });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('openapi/truc.v1.json lint', () => {
  it('Redocly: no errors', async () => {
    const r = await exitOf(bin('redocly'), ['lint', '--format=stylish', SPEC]);
    expect(r.code, r.out).toBe(0);
  }, 120_000);

  it('Spectral: no errors', async () => {
    const r = await exitOf(bin('spectral'), ['lint', '--fail-severity', 'error', SPEC]);
    expect(r.code, r.out).toBe(0);
  }, 120_000);
});

describe('openapi/truc.v1.json contract', () => {
  type Op = {
    operationId?: string;
    summary?: string;
    tags?: string[];
    security?: Array<Record<string, string[]>>;
    responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, unknown> }>;
  };
  const doc = JSON.parse(readFileSync(join(PROJECT_ROOT, SPEC), 'utf8')) as {
    paths: Record<string, Record<string, Op>>;
    components: { securitySchemes: Record<string, { type: string; flows?: unknown }> };
  };
  const ops = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, op]) => ({ path, method, op })),
  );

  it('every operation has a unique operationId, a summary and tags', () => {
    for (const { path, method, op } of ops) {
      expect(op.operationId, `${method} ${path}`).toBeTruthy();
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      expect(op.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
    }
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('/v1 operations use the oauth2 client-credentials scheme (Swagger UI Authorize), with their scope', () => {
    expect(doc.components.securitySchemes).toEqual({ oauth2: expect.objectContaining({ type: 'oauth2' }) });
    for (const { path, method, op } of ops.filter((o) => o.path.startsWith('/v1/'))) {
      // GET /v1/me: any valid token, no scope named (walk2 F5); every other operation names its scope
      const scopes = path === '/v1/me' ? [] : [expect.any(String)];
      expect(op.security, `${method} ${path}`).toEqual([{ oauth2: scopes }]);
      expect(op.responses['401'], `${method} ${path}`).toBeDefined();
      expect(op.responses['429']?.headers, `${method} ${path}`).toHaveProperty('Retry-After');
      // The database unreachable: 503 ERR_DEPENDENCY_UNAVAILABLE with Retry-After (README; review28 D3).
      expect(op.responses['503']?.headers, `${method} ${path}`).toHaveProperty('Retry-After');
    }
  });

  it('a push that takes an Idempotency-Key documents the Idempotent-Replayed header of its 202 (review28 D3)', () => {
    const push = ops.find((o) => o.method === 'post' && o.path === '/v1/schools/{schoolCode}/batches');
    expect(push?.op.responses['202']?.headers).toHaveProperty('Idempotent-Replayed');
  });

  it('errors are declared application/problem+json (RFC 6749 JSON at the token endpoint)', () => {
    for (const { path, method, op } of ops) {
      for (const [status, res] of Object.entries(op.responses)) {
        if (Number(status) < 400 || !res.content) continue;
        if (path === '/readyz') continue; // 503 is the readiness report itself, not a problem
        const type = path === '/oauth/token' ? 'application/json' : 'application/problem+json';
        expect(Object.keys(res.content), `${method} ${path} ${status}`).toEqual([type]);
      }
    }
  });
});
