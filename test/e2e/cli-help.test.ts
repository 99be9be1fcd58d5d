/**
 * `truc <command> --help` as an operator runs it: a real process prints the command's usage and
 * exits 0 without starting anything — the long-running roles and the demo leave the data directory
 * untouched (no embedded database, no lock) instead of serving. Every command and subcommand is
 * covered in process by test/unit/cli/program.test.ts; these are the ones that would start servers.
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../helpers/env.js';
import { runProcess } from '../helpers/proc.js';

describe('truc <command> --help in a real process', () => {
  let data: TempDir;
  beforeAll(async () => {
    data = await makeTempDir('truc-help-');
  });
  afterAll(() => data?.remove());

  for (const argv of [
    ['all', '--help'],
    ['demo', '--help'],
    ['worker', '-h'],
    ['clients', '--help'],
  ]) {
    it(`truc ${argv.join(' ')}: usage, exit 0, nothing started`, async () => {
      const e = await runProcess(
        process.execPath,
        ['node_modules/tsx/dist/cli.mjs', 'src/main.ts', ...argv],
        {
          env: { ...process.env, DATA_DIR: data.path, DATABASE_URL: '', REDIS_URL: '', PORT: '0' },
          timeoutMs: 60_000,
        },
      );
      expect(e.code, e.stderr).toBe(0);
      expect(e.stdout).toContain(`Usage: truc ${argv[0]}`);
      expect(readdirSync(data.path)).toEqual([]);
    });
  }

  it('truc --version: the package version, exit 0', async () => {
    const e = await runProcess(process.execPath, [
      'node_modules/tsx/dist/cli.mjs',
      'src/main.ts',
      '--version',
    ]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
