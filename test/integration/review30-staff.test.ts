/**
 * review30 (session 30), walked as the city's IT staff on a Monday morning: the alerts, and `truc sync run` /
 * `truc schedules run` beside a running truc. An `it.fails` is an open finding; it passes once the finding is
 * fixed, and then becomes an `it`. Real PostgreSQL and Redis. Findings are described in
 * /work/briefs/review30-findings.md (same numbering); the vendor's: review30.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole } from '../../src/roles.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { bearer, tokenFor } from '../helpers/api.js';
import { makeDeps, type TestEnv } from '../helpers/env.js';
import { stubOperatorShell, truc } from '../helpers/cli-in-process.js';
import { hasPromtool } from '../helpers/promtool.js';
import { exportedSeries, staleAlertsAt } from '../helpers/stale-alert.js';

describe('review30, the IT staff: alerts', () => {
  let env: TestEnv;
  const SCHEDULE = 'hcm-csdl-students-nightly';

  beforeAll(async () => {
    env = await makeDeps(
      { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
      {
        env: { HCM_CSDL_BASE_URL: 'http://127.0.0.1:9' },
        configure: (c) => ({
          ...c,
          sync: {
            ...c.sync,
            schedules: {
              [SCHEDULE]: {
                cron: '0 1 * * *',
                tz: 'Asia/Ho_Chi_Minh',
                system: 'hcm-csdl',
                entity: 'students',
                full: false,
              },
            },
          },
        }),
      },
    );
  }, 120_000);

  afterAll(async () => {
    await env?.cleanup();
  });

  // F2 (IT staff, README "Prometheus": the alert for "no successful sync for 26 h of a system and entity that a
  // schedule not paused pulls"): TrucSyncStale is `time() - max by (system, entity)
  // (truc_sync_last_success_timestamp_seconds) > 26 * 3600 and on (system, entity) truc_schedule_pulls`, and the
  // gauge has a series only for a (system, entity) that has had a successful run (src/jobs/state-metrics.ts, from
  // store/overview lastSyncSuccess). A nightly pull that has never succeeded (its first night failed, and every
  // night since: wrong credentials given at installation, a URL mistyped, a city database that refuses the scope)
  // has no series, so the alert never fires for it, however many nights pass; the dead-letter alert fires only
  // while the count grows (30 min), and a run waiting on an open circuit makes no dead letter at all. Expected:
  // a pull a schedule makes that has not succeeded for 26 h (ever) raises TrucSyncStale like one whose last
  // success is 26 h old. Seen through the exported series: a configured system (hcm-csdl), its nightly schedule,
  // one failed run, and promtool evaluating alerts.yml 27 h later.
  it.runIf(hasPromtool())(
    'review30 F2: a scheduled pull that never succeeded raises TrucSyncStale after 26 h',
    async () => {
      const runs = createSyncRunsRepo(env.deps.db);
      const run = await runs.create({
        system: 'hcm-csdl',
        entity: 'students',
        scope: '',
        since: null,
        requestedBy: `schedule:${SCHEDULE}`,
      });
      await runs.fail(run, 'ERR_ADAPTER_AUTH');
      const series = await exportedSeries(env.deps);
      expect(series.join('\n')).toContain(`truc_schedule_pulls{job="truc-worker",schedule="${SCHEDULE}"`);
      // Expecting no alert: promtool must fail and show the alert it got for hcm-csdl students.
      const tested = staleAlertsAt(series, '29h');
      expect(tested.ok, tested.output).toBe(false);
      expect(tested.output).toMatch(/TrucSyncStale/);
      expect(tested.output).toMatch(/entity="students"[^}]*system="hcm-csdl"/);
    },
  );
});

describe('review30, the IT staff: truc sync run beside a running truc', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let worker: ReturnType<typeof startWorkerRole>;
  let admin: string;

  beforeAll(async () => {
    // The running truc (API and worker) is configured for hcm-csdl (its URL in the service's environment).
    env = await makeDeps(
      { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
      { env: { HCM_CSDL_BASE_URL: 'http://127.0.0.1:9' } },
    );
    app = await buildApp(env.deps);
    await app.ready();
    worker = startWorkerRole(env.deps);
    await worker.served; // what it serves is recorded (a running truc's systems, asked by the CLI below)
    admin = await tokenFor(app, await addClient(env.deps.db, { name: 'City', role: 'city-admin' }));
    // The operator's shell: the service's database, not the service's environment (no HCM_CSDL_BASE_URL).
    stubOperatorShell(env);
  }, 120_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await worker?.stop();
    await app?.close();
    await env?.cleanup();
  });

  // F6 (IT staff, README Operations: `sync run <system> <entity>` "request a pull (as POST /v1/syncs does) for the
  // workers of a running truc"; `schedules run` likewise; "Beside a running `npm run demo` … operator commands take
  // TRUC_PROFILE=demo"): the CLI refuses a pull of a system its OWN shell's environment does not configure
  // (ERR_SYSTEM_NOT_CONFIGURED, review26a F1's check, src/jobs/request-checks.ts with the CLI's config), whatever the
  // running truc is configured for. Beside `npm run demo` (its simulators' URLs exist only in the demo's process),
  // `truc sync run hcm-csdl students` and `truc schedules run hcm-csdl-students-nightly` are refused "truc is not
  // configured for hcm-csdl" while the demo's own POST /v1/syncs of the same pull is 202; on a server, a shell without
  // the service's environment file is refused the same. `truc targets forget` already asks the running truc
  // (truc.served_targets) as well as the shell. Expected: a pull the running truc's workers can make is requested
  // (exit 0), as POST /v1/syncs does; refused only when neither the shell nor a running truc is configured for it.
  it('review30 F6: truc sync run requests a pull the running truc is configured for', async () => {
    const api = await app.inject({
      method: 'POST',
      url: '/v1/syncs',
      headers: { ...bearer(admin), 'content-type': 'application/json' },
      payload: JSON.stringify({ system: 'hcm-csdl', entity: 'schools' }),
    });
    expect(api.statusCode, api.body).toBe(202);
    const cli = await truc('sync', 'run', 'hcm-csdl', 'schools');
    expect(cli.stderr).not.toContain('ERR_SYSTEM_NOT_CONFIGURED');
    expect(cli.code, cli.stderr).toBe(0);
  });

  // fix30g: `truc schedules run` asks the same (src/jobs/schedule-control.ts runScheduleNow), and the shell's
  // refusal stays when no running truc is configured for the system either (vnedu: none here).
  it('fix30g F6: truc schedules run likewise; a system neither configures is still refused', async () => {
    const none = await truc('sync', 'run', 'vnedu', 'students');
    expect(none.stderr).toContain('ERR_SYSTEM_NOT_CONFIGURED');
    // The shell's profile with the schedule (test.yaml has none), still without hcm-csdl's URL.
    const configDir = mkdtempSync(join(tmpdir(), 'truc-review30-f6-'));
    const testProfile = readFileSync(join(import.meta.dirname, '..', '..', 'config', 'test.yaml'), 'utf8');
    writeFileSync(
      join(configDir, 'test.yaml'),
      `${testProfile}\nsync:\n  schedules:\n    hcm-csdl-students-nightly: { cron: '10 1 * * *', system: hcm-csdl, entity: students }\n`,
    );
    vi.stubEnv('TRUC_CONFIG_DIR', configDir);
    const run = await truc('schedules', 'run', 'hcm-csdl-students-nightly');
    rmSync(configDir, { recursive: true, force: true });
    expect(run.code, run.stderr).toBe(0);
  });
});
