/**
 * Generated files must be what their generators produce: the OpenAPI document and our API's types,
 * the external systems' wire types, the error-code documentation and the quality-rule catalogue.
 * Each generator's output is made in process (its script exports it) and compared with the committed
 * files as `--check` compares them (scripts/generated.ts staleFiles); one generator also runs as
 * `npm run` runs it, a process of its own through tsx, so that a script's `--check` still answers
 * by its exit code (issue 7, ci7b: four processes were ~77 s of this file at load 17).
 */
import { execFile } from 'node:child_process';
import { relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { openapiOutputs } from '../../scripts/export-openapi.js';
import { errorDocs } from '../../scripts/gen-error-docs.js';
import { qualityDocs } from '../../scripts/gen-quality-docs.js';
import { wireTypes } from '../../scripts/gen-types.js';
import { staleFiles, type Generated } from '../../scripts/generated.js';

const run = promisify(execFile);
/** The one real process: tsx loads the script and the error table, well under the integration project's 60 s. */
const CHILD_MS = 60_000;
/**
 * export-openapi builds the whole app (and openapi-typescript and prettier run on its spec): beside the first group's
 * files (ISOLATED_INTEGRATION), 90 s was met at load 34 (ci9).
 */
const TEST_MS = 180_000;

const stale = (outputs: readonly Generated[]): string[] =>
  staleFiles(outputs).map((f) => relative(PROJECT_ROOT, f));

describe('generated files match their generators', { timeout: TEST_MS }, () => {
  it('openapi/truc.v1.json and packages/client/src/generated/truc.v1.ts', async () => {
    const outputs = await openapiOutputs();
    expect(outputs).toHaveLength(2);
    expect(stale(outputs), 'run npm run openapi:export').toEqual([]);
  });
  it('wire types of every external system', async () => {
    const outputs = await wireTypes();
    expect(outputs.length).toBeGreaterThanOrEqual(4);
    expect(stale(outputs), 'run npm run gen:types').toEqual([]);
  });
  it('docs/quality-rules.md', () => {
    expect(stale(qualityDocs()), 'run npm run gen:quality-rules').toEqual([]);
  });
  it('docs/errors.md, by the script in a process of its own: --check exits 0', async () => {
    expect(stale(errorDocs()), 'run npx tsx scripts/gen-error-docs.ts').toEqual([]);
    const { stdout, stderr } = await run(
      process.execPath,
      ['node_modules/tsx/dist/cli.mjs', 'scripts/gen-error-docs.ts', '--check'],
      { timeout: CHILD_MS },
    );
    expect(stdout + stderr).toBe('');
  });
});
