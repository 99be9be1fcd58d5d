/**
 * `truc <command> --help` as an operator runs it: the command's usage, exit 0, nothing started — the long-running
 * roles and the demo leave the data directory untouched (no embedded database, no lock) instead of serving. Every
 * command and subcommand is covered in process, its starts mocked, by test/unit/cli/program.test.ts; these are the
 * ones that would start servers, with truc's real modules: `truc all --help` in a real process (src/main.ts, as the
 * shell runs it), the others in process (`runCli`, as src/main.ts calls it) in an operator's shell pointed at an
 * empty data directory (issue 7, ci7b: a process each was ~3 s of tsx loading the CLI).
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stubShell, truc } from '../helpers/cli-in-process.js';
import { makeTempDir, type TempDir } from '../helpers/env.js';
import { runProcess } from '../helpers/proc.js';

const SHELL = (dataDir: string) => ({ DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', PORT: '0' });

describe('truc <command> --help starts nothing', () => {
  let data: TempDir;
  beforeAll(async () => {
    data = await makeTempDir('truc-help-');
    stubShell(SHELL(data.path));
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    return data?.remove();
  });

  it('truc all --help in a real process: usage, exit 0, nothing started', async () => {
    const e = await runProcess(
      process.execPath,
      ['node_modules/tsx/dist/cli.mjs', 'src/main.ts', 'all', '--help'],
      { env: { ...process.env, ...SHELL(data.path) }, timeoutMs: 60_000 },
    );
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toContain('Usage: truc all');
    expect(readdirSync(data.path)).toEqual([]);
  });

  for (const argv of [
    ['demo', '--help'],
    ['worker', '-h'],
    ['clients', '--help'],
  ]) {
    it(`truc ${argv.join(' ')}: usage, exit 0, nothing started`, async () => {
      const e = await truc(...argv);
      expect(e.code, e.stderr).toBe(0);
      expect(e.stdout).toContain(`Usage: truc ${argv[0]}`);
      expect(readdirSync(data.path)).toEqual([]);
    });
  }

  it('truc --version: the package version, exit 0', async () => {
    const e = await truc('--version');
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
