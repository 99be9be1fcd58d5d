/**
 * `truc sync run <system> <entity> --follow` as an operator runs it beside a running `truc all` (a real
 * process; embedded database, reached through it): the run is queued, the workers of `all` pull it from a
 * real SMAS simulator over HTTP, and the command follows it to the end with progress lines on stderr (no
 * TTY here: plain lines) and the finished run on stdout. Bad usage is exit 2 and queues nothing. The
 * commands run in process (`runCli` in the operator's shell); the binary's own start-up and output split:
 * test/e2e/cli.test.ts.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSmasSimulator, type SmasSimulator } from '../../src/simulators/smas/simulator.js';
import { stubShell, truc as runTruc } from '../helpers/cli-in-process.js';
import { makeTempDir, type TempDir } from '../helpers/env.js';
import { seedPgliteDir } from '../helpers/pglite-template.js';
import { ROOT, spawnProcess, trucArgs, trucEnv, type Spawned } from '../helpers/proc.js';

describe('truc sync run --follow', () => {
  let dir: TempDir;
  let sim: SmasSimulator;
  let all: Spawned | undefined;
  /** `truc <args…>` in process, in the operator's shell beside `all` (its data folder, the simulator). */
  const truc = async (args: string[]) => {
    stubShell({ DATA_DIR: dir.path, SMAS_BASE_URL: sim.url });
    try {
      return await runTruc(...args);
    } finally {
      vi.unstubAllEnvs();
    }
  };

  beforeAll(async () => {
    dir = await makeTempDir('truc-e2e-sync-');
    // A copy of the migrated cluster: `all` starts without initdb and the migrations (a fresh directory's
    // start, migrations included: cli-operator.test.ts and demo.test.ts).
    await seedPgliteDir(join(dir.path, 'pgdata'), 'migrated');
    sim = await startSmasSimulator({
      seed: 11,
      schools: 4,
      studentsPerSchool: 60,
      apiKey: 'test-smas-api-key',
    });
    const env = trucEnv({ DATA_DIR: dir.path, SMAS_BASE_URL: sim.url });
    all = spawnProcess(process.execPath, trucArgs(['all']), { cwd: ROOT, env });
    await all.waitForLine((l) => l.includes('listening on'), 170_000);
  }, 180_000);
  afterAll(async () => {
    all?.kill();
    await all?.exited;
    await sim?.close();
    await dir?.remove();
  });

  it('queues the pull, follows it with progress on stderr, prints the finished run and exits 0', async () => {
    const e = await truc(['sync', 'run', 'smas', 'students', '--follow', '--interval-ms', '100']);
    expect(e.code, e.stderr).toBe(0);
    const [queued, finished, ...more] = e.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(more).toEqual([]);
    const id = queued!.syncRunId as number;
    expect(Number.isInteger(id)).toBe(true);
    expect(finished).toMatchObject({
      syncRunId: id,
      system: 'smas',
      entity: 'students',
      status: 'done',
      errorCode: null,
    });
    const records = finished!.records as number;
    expect(records).toBeGreaterThan(0);
    // the closing progress line: count, time, rate and the outcome
    const lines = e.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^lượt đồng bộ ${id} smas học sinh: ${records.toLocaleString('vi-VN')} bản ghi trong \\d+s \\([\\d.]+/s\\); xong / ` +
          `sync ${id} smas students: ${records.toLocaleString('en-US')} records in \\d+s \\([\\d,]+/s\\); done$`,
      ),
    );
  });

  it('without --follow prints the run id and returns at once; the run is there to follow', async () => {
    const e = await truc(['sync', 'run', 'smas', 'staff']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout.trim()).toMatch(/^\{"syncRunId":\d+\}$/);
    expect(e.stderr).toBe('');
  });

  it('bad usage is exit 2 with the reason first and nothing on stdout', async () => {
    const unknown = await truc(['sync', 'run', 'smas', 'pupils']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^truc: loại dữ liệu "pupils": phải là một trong .* \/ entity "pupils": one of /,
    );
    const unsupported = await truc(['sync', 'run', 'smas', 'persons']);
    expect(unsupported.code).toBe(2);
    expect(unsupported.stderr).toMatch(
      /^truc: smas không có người trong điều tra PCGD \(persons\) để kéo \/ smas has no persons to pull/,
    );
    const noCommune = await truc(['sync', 'run', 'moet-pcgd', 'persons']);
    expect(noCommune.code).toBe(2);
    expect(noCommune.stderr).toMatch(
      /^truc: moet-pcgd kéo người trong điều tra PCGD \(persons\) theo từng xã: .* \/ moet-pcgd persons are pulled per commune/,
    );
    for (const e of [unknown, unsupported, noCommune]) expect(e.stdout).toBe('');
  });
});
