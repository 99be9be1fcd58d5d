/**
 * The unit tier, the integration projects (the serial one too, ci9) and the end-to-end tier share one module graph per
 * worker (vitest.config.ts, `isolate: false`), where a `vi.mock` would leak into the files after it or miss a module
 * already loaded: every unit file that replaces a module is listed to run in a module graph of its own, and no
 * integration file of the shared projects nor end-to-end file replaces one. The tiers but the serial integration files
 * share one group (the integration files that need a module graph of their own but judge no time, ISOLATED_INTEGRATION,
 * in it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import config, { ISOLATED_INTEGRATION, MOCKED, SERIAL_INTEGRATION } from '../../vitest.config.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// A file mocks a module when it calls vi.mock, or imports test/helpers/cli-program.ts, which mocks the program's.
const MOCKS = /\bvi\.(do)?mock\(|helpers\/cli-program\.js/;

/** The test files under `folder`, by their path from the repository's root. */
const testFiles = (folder: string): string[] =>
  readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => relative(ROOT, join(ROOT, folder, f)));

it('every unit file that mocks a module runs in the unit-mocked project', () => {
  const mocking = testFiles('test/unit').filter((f) => MOCKS.test(readFileSync(join(ROOT, f), 'utf8')));
  expect(mocking.length).toBeGreaterThan(0);
  expect(mocking.sort()).toEqual([...MOCKED].sort());
});

it('no integration or end-to-end file that shares its worker’s module graph mocks a module', () => {
  const shared = testFiles('test/integration').filter((f) => !ISOLATED_INTEGRATION.includes(f));
  expect(shared.length).toBeGreaterThan(90);
  const e2e = testFiles('test/e2e');
  expect(e2e.length).toBeGreaterThan(30);
  const mocking = [...shared, ...e2e].filter((f) => MOCKS.test(readFileSync(join(ROOT, f), 'utf8')));
  expect(mocking).toEqual([]);
});

it('the unit, integration (serial ones too) and end-to-end files share their worker’s module graph', () => {
  const isolated = (config.test?.projects ?? []).flatMap((p) =>
    typeof p === 'object' && 'test' in p && p.test?.name && p.test.isolate === false ? [p.test.name] : [],
  );
  expect(isolated.sort()).toEqual(['e2e', 'integration', 'integration-serial', 'unit']);
});

it('the e2e, integration and unit files run in one group (the isolated integration files too), the serial integration files after it', () => {
  const groups = Object.fromEntries(
    (config.test?.projects ?? []).flatMap((p) =>
      typeof p === 'object' && 'test' in p && p.test?.name
        ? [[p.test.name, p.test.sequence?.groupOrder ?? 0] as const]
        : [],
    ),
  );
  // A group ends when its last file does: in one group, a worker that ends a tier takes the next tier's files.
  expect(groups).toEqual({
    unit: 0,
    'unit-mocked': 0,
    e2e: 0,
    integration: 0,
    'integration-isolated': 0,
    'integration-serial': 1,
  });
});

it('an isolated integration file is not also a serial one', () => {
  expect(ISOLATED_INTEGRATION.filter((f) => SERIAL_INTEGRATION.includes(f))).toEqual([]);
});

it('truc is compiled for a run (test/global-setup.ts) by the projects whose files start it, not for unit files', () => {
  const compiling = (config.test?.projects ?? []).flatMap((p) =>
    typeof p === 'object' && 'test' in p && p.test?.name && [p.test.globalSetup ?? []].flat().length > 0
      ? [p.test.name]
      : [],
  );
  expect(compiling.sort()).toEqual(['e2e', 'integration']);
  expect(config.test?.globalSetup).toBeUndefined();
  // The files that start `truc` (proc.ts trucArgs, faults.ts spawnTruc) are in those projects.
  const starting = [...testFiles('test/unit'), ...ISOLATED_INTEGRATION, ...SERIAL_INTEGRATION].filter((f) =>
    /\btrucArgs\(|\bspawnTruc\(|\bonStack\(/.test(readFileSync(join(ROOT, f), 'utf8')),
  );
  expect(starting).toEqual([]);
});
