/**
 * The `truc` processes the tests start run truc compiled to JavaScript once for the run (test/global-setup.ts,
 * test/helpers/built-truc.ts; ci10: tsx's loader was ~1 CPU-s of each start), from every current source file, and
 * find beside their code what the program reads (package.json, config/, the migrations, the admin-unit lists).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_TRUC_VARIABLE, ROOT, runProcess, trucArgs, trucEnv } from '../helpers/proc.js';

const sources = (folder: string, ext: string): string[] =>
  readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ext) && !f.endsWith(`.test${ext}`) && !f.includes('migrations'))
    .map((f) => f.slice(0, -ext.length))
    .sort();

describe('truc compiled for the test run', () => {
  it('trucArgs runs the run’s compiled program, built from every source file', () => {
    const main = process.env[BUILT_TRUC_VARIABLE];
    expect(main, `${BUILT_TRUC_VARIABLE} (test/global-setup.ts)`).toBeDefined();
    expect(trucArgs(['worker'])).toEqual([main, 'worker']);
    const built = dirname(main!);
    expect(built.startsWith(ROOT)).toBe(false);
    expect(sources(built, '.js')).toEqual(sources(join(ROOT, 'src'), '.ts'));
    for (const beside of ['store/migrations', 'canonical/data'])
      expect(readdirSync(join(built, beside)).sort()).toEqual(readdirSync(join(ROOT, 'src', beside)).sort());
    expect(existsSync(join(built, '..', 'config', 'test.yaml'))).toBe(true);
  });

  it('the compiled program answers as the sources do (its version from package.json)', async () => {
    const e = await runProcess(process.execPath, trucArgs(['--version']), {
      cwd: ROOT,
      env: trucEnv(),
      timeoutMs: 120_000,
    });
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout.trim()).toBe(version);
  });

  it('no test starts `truc` through tsx but the operator’s own commands (cli.test.ts, cli-help.test.ts)', () => {
    const tests = readdirSync(join(ROOT, 'test'), { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.ts') && !f.startsWith('bench') && f !== join('helpers', 'proc.ts'),
    );
    const through = tests.filter((f) =>
      /'--import',\s*'tsx',\s*'src\/main\.ts'/.test(readFileSync(join(ROOT, 'test', f), 'utf8')),
    );
    expect(through).toEqual([]);
  });
});
