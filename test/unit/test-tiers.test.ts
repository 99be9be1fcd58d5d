/**
 * The unit tier shares one module graph per worker (vitest.config.ts, `isolate: false`), where a
 * `vi.mock` would leak into the files after it or miss a module already loaded: every unit file that
 * replaces a module is listed to run in a module graph of its own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { MOCKED } from '../../vitest.config.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

it('every unit file that mocks a module runs in the unit-mocked project', () => {
  const files = readdirSync(join(ROOT, 'test/unit'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => relative(ROOT, join(ROOT, 'test/unit', f)));
  const mocking = files.filter((f) => /\bvi\.(do)?mock\(/.test(readFileSync(join(ROOT, f), 'utf8')));
  expect(mocking.length).toBeGreaterThan(0);
  expect(mocking.sort()).toEqual([...MOCKED].sort());
});
