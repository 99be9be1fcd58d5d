/**
 * The city admin's command line against real PostgreSQL and Redis (test/integration/cli-admin.test.ts,
 * cli-schedules.test.ts): the API harness, `truc` run in process with a config of two schedules, the operator
 * `admin.q1`, and runs seeded for the lists (one done, one failed, one held by the mass-change guard with its
 * hold); how a human line and a `--json` answer are read.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, vi } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { createRunGuardRepo } from '../../src/store/run-guard.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { CONFIGURED_SYSTEMS_ENV, useApiHarness, type ApiHarness } from './api.js';
import { REDIS_TEST_URL } from './env.js';
import { ROOT } from './proc.js';
import { seedListedRuns } from './sync-run-seed.js';
import { englishKeysInVietnamese } from './vietnamese-half.js';

const SCHEDULES = `
sync:
  schedules:
    smas-students-nightly: { cron: '0 2 * * *', system: smas, entity: students }
    hcm-csdl-students-weekly-full: { cron: '0 3 * * 0', system: hcm-csdl, entity: students, full: true }
`;

/**
 * Every non-empty line reads `vi / en`, its Vietnamese half with a letter outside ASCII and no English key of a
 * status, kind or entity (review25 N3: `lệnh giữ 3 (run, …) held`).
 */
export function expectBilingual(text: string): void {
  for (const line of text.trim().split('\n')) {
    const [vi, ...en] = line.split(' / ');
    expect({ vi: /[^ -~]/.test(vi!), en: en.length > 0 }, line).toEqual({ vi: true, en: true });
    expect(englishKeysInVietnamese(line), line).toEqual([]);
  }
}

export const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** The seeded world's config and ids (filled in before the suite's tests). */
export interface CliAdminWorld {
  config: Config;
  /** A done run, a failed one, and one held with its hold (`holdId`). */
  doneRun: number;
  failedRun: number;
  heldRun: number;
  holdId: number;
}

/** The API harness and the seeded world, for the enclosing suite: call at the top of its `describe`. */
export function useCliAdminWorld(): { h: ApiHarness; w: CliAdminWorld } {
  const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  const w = {} as CliAdminWorld;
  let configDir: string;

  beforeAll(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'truc-cli-admin-'));
    const testProfile = await readFile(join(ROOT, 'config', 'test.yaml'), 'utf8');
    await writeFile(join(configDir, 'test.yaml'), `${testProfile}\n${SCHEDULES}`);
    const env = {
      TRUC_PROFILE: 'test',
      TRUC_CONFIG_DIR: configDir,
      DATABASE_URL: h.env.databaseUrl!,
      REDIS_URL: REDIS_TEST_URL,
      TRUC_QUEUE_PREFIX: h.env.redisPrefix!,
      DATA_DIR: h.env.dataDir,
      // who acts, for the audit log (kit.ts operatorActor): `--as` wins over it, the OS user is the default
      TRUC_OPERATOR: 'admin.q1',
      // a pull is requested only from a configured system (the workers are played here: nothing is called)
      ...CONFIGURED_SYSTEMS_ENV,
    };
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    w.config = loadConfig();

    const db = h.env.deps.db;
    Object.assign(w, await seedListedRuns(db));
    const runs = createSyncRunsRepo(db);
    w.heldRun = await runs.create({
      system: 'smas',
      entity: 'students',
      scope: '',
      since: 'w0',
      requestedBy: 'x',
    });
    expect(await createRunGuardRepo(db).hold(w.heldRun)).toBe(true);
    w.holdId = await createGuardHoldsRepo(db).create({
      kind: 'run',
      syncRunId: w.heldRun,
      entity: 'students',
      diff: [
        {
          school: '79000001',
          live: 100,
          deleted: 40,
          moved: 2,
          changed: 5,
          keys: {
            deleted: Array.from({ length: 40 }, (_, i) => `HS${String(i).padStart(3, '0')}`),
            moved: ['HS900', 'HS901'],
            changed: [],
          },
        },
      ],
      reasons: [{ school: '79000001', kind: 'deleted', count: 40, live: 100, ratio: 0.4, threshold: 0.2 }],
    });
  }, 120_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await rm(configDir, { recursive: true, force: true });
  });

  return { h, w };
}
