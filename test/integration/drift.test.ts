/**
 * Generated files must be what their generators produce: the OpenAPI document and our API's types,
 * the external systems' wire types, the error-code documentation and the quality-rule catalogue.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const TSX = ['node_modules/tsx/dist/cli.mjs'];
/**
 * A generator's run: a process of its own that loads the source through tsx (export-openapi builds the whole app):
 * 44 s for export-openapi beside eight engineers' runs, near the integration project's 60 s. Each test waits as long
 * as its child may run, and a little more to read its answer.
 */
const CHILD_MS = 120_000;
const TEST_MS = CHILD_MS + 10_000;

async function check(script: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...TSX, script, '--check'], {
      timeout: CHILD_MS,
    });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('generated files match their generators', { timeout: TEST_MS }, () => {
  it('openapi/truc.v1.json and packages/client/src/generated/truc.v1.ts', async () => {
    const r = await check('scripts/export-openapi.ts');
    expect(r.out).toContain('match');
    expect(r.code).toBe(0);
  });
  it('wire types of every external system', async () => {
    const r = await check('scripts/gen-types.ts');
    expect(r.code, r.out).toBe(0);
  });
  it('docs/errors.md', async () => {
    const r = await check('scripts/gen-error-docs.ts');
    expect(r.code, r.out).toBe(0);
  });
  it('docs/quality-rules.md', async () => {
    const r = await check('scripts/gen-quality-docs.ts');
    expect(r.code, r.out).toBe(0);
  });
});
