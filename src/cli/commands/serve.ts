/** `truc all | api | worker | scheduler`: the long-running roles, served until SIGTERM/SIGINT (or the parent is gone). */
import type { Command } from 'commander';
import { ConfigError, loadConfig, redactConfig, systemConfigured, type Config } from '../../config.js';
import type { Deps } from '../../deps.js';
import type * as RoleStarters from '../../roles.js';
import type { Running } from '../../roles.js';
import { both, defineCommand, runs } from '../kit.js';
import { stoppedWithin, untilStopped } from '../stop-signals.js';

export type Role = 'all' | 'api' | 'worker' | 'scheduler';

const SUMMARY: Record<Role, string> = {
  all: 'API + workers + outbox relay + scheduler in one process (npm start)',
  api: 'the HTTP API only',
  worker: 'workers and the outbox relay only',
  scheduler: 'the schedules only (sync.schedules; fire once across replicas)',
};

/**
 * Waits until told to stop (SIGTERM/SIGINT, or the parent gone: {@link untilStopped}); an API then answers /readyz
 * 503 and serves on for server.shutdownGraceMs (or until told again), so that a load balancer drains it first; then
 * stops taking work, finishes in-flight work and closes pools.
 */
async function serveUntilStopped(deps: Deps, roles: Running[]): Promise<void> {
  const why = await untilStopped();
  // With the parent gone nobody reads stdout (a write would fail with EPIPE).
  let parentGone = why === 'parent gone';
  const say = (line: string): void => {
    if (!parentGone) process.stdout.write(`truc: ${line}\n`);
  };
  say(both(`nhận ${why}, đang dừng`, `${why} received, shutting down`));
  for (const r of roles) r.drain?.();
  const graceMs = deps.config.server.shutdownGraceMs;
  // fix32b: the API closed at once, and a load balancer still sent it requests until its next /readyz.
  if (graceMs > 0 && why !== 'parent gone' && roles.some((r) => r.drain !== undefined)) {
    say(
      both(
        `/readyz trả 503; vẫn phục vụ thêm ${graceMs} ms rồi đóng (nhận ${why} lần nữa: đóng ngay)`,
        `/readyz answers 503; serving ${graceMs} ms more, then closing (${why} again: closing now)`,
      ),
    );
    const again = await stoppedWithin(graceMs);
    parentGone = again === 'parent gone';
    if (again !== undefined)
      say(both(`nhận ${again} lần nữa, đóng ngay`, `${again} received again, closing now`));
  }
  const deadline = setTimeout(() => {
    process.stderr.write(
      `truc: ${both('dừng quá 25 s, thoát', 'shutdown took longer than 25 s, exiting')}\n`,
    );
    process.exit(1);
  }, 25_000);
  deadline.unref();
  for (const r of roles) await r.stop().catch(() => undefined);
  await deps.close().catch(() => undefined);
}

/**
 * The roles that sign PCGD-XMC evidence (api, all: an approval signs) check pkcs12 signing before anything starts
 * (sec29 item 4): a problem refuses the start as a configuration's does (exit 2); the warning is logged once started.
 */
async function checkSigning(role: Role, config: Config): Promise<string | undefined> {
  if (role !== 'all' && role !== 'api') return undefined;
  const { checkSigningSetup } = await import('../../reporting/pcgd/signing-setup.js');
  const required = systemConfigured(config, 'moet-pcgd');
  const check = await checkSigningSetup(config.pcgd.signing, config.database.dataDir, required);
  if (check.problems.length > 0) throw new ConfigError(check.problems);
  return check.warning;
}

type Starters = Pick<
  typeof RoleStarters,
  'startApi' | 'startMetricsServer' | 'startSchedulerRole' | 'startWorkerRole'
>;

/**
 * Starts a role's parts, its ports first (ops14 left): a port it cannot listen on refuses the start (exit 2) before
 * the worker takes a job or the scheduler fires, so nothing taken waits out its lock in a process that is exiting.
 * Returns the parts in the order they stop (the API first: stop taking requests first) and the start line's parts.
 */
export async function startServing(
  role: Role,
  deps: Deps,
  starters: Starters,
): Promise<{ roles: Running[]; vi: string[]; en: string[] }> {
  const config = deps.config;
  const roles: Running[] = [];
  // The line, in Vietnamese and in English (scripts read the English part's `listening on <url>`).
  const vi = [
    deps.db.kind === 'pglite' ? `cơ sở dữ liệu nhúng trong ${config.database.dataDir}` : 'PostgreSQL',
    `hàng đợi trên ${deps.queues.backend}`,
  ];
  const en = [
    deps.db.kind === 'pglite' ? `embedded database in ${config.database.dataDir}` : 'PostgreSQL',
    `queues on ${deps.queues.backend}`,
  ];
  // No API here: a worker or a scheduler alone serves /metrics, /healthz and /readyz on a port of its own (issue 11).
  const metricsPort =
    role === 'scheduler'
      ? config.observability.schedulerMetricsPort
      : role === 'worker'
        ? config.observability.workerMetricsPort
        : undefined;
  if (metricsPort !== undefined) {
    const ops = await starters.startMetricsServer(deps, {
      port: metricsPort,
      host: config.server.host,
      metricsToken: config.metrics.token,
      setting: role === 'scheduler' ? 'TRUC_SCHEDULER_METRICS_PORT' : 'TRUC_WORKER_METRICS_PORT',
    });
    roles.push(ops);
    vi.push(`số liệu tại ${ops.url}/metrics`);
    en.push(`metrics on ${ops.url}/metrics`);
  }
  if (role === 'all' || role === 'api') {
    const api = await starters.startApi(deps);
    roles.unshift(api); // stop taking requests first
    vi.push(`nghe tại ${api.url} (tài liệu ${api.url}/docs)`);
    en.push(`listening on ${api.url} (docs ${api.url}/docs)`);
  }
  if (role === 'all' || role === 'worker') roles.push(starters.startWorkerRole(deps));
  if (role === 'all' || role === 'scheduler') roles.push(starters.startSchedulerRole(deps));
  return { roles, vi, en };
}

async function serve(role: Role): Promise<number> {
  const config = loadConfig();
  const signingWarning = await checkSigning(role, config);
  const { createDeps } = await import('../../deps.js');
  const starters = await import('../../roles.js');
  const deps = await createDeps(config);
  deps.logger.info({ role, config: redactConfig(config) }, 'truc starting');
  if (signingWarning) deps.logger.warn({ code: 'ERR_PCGD_SIGNING_UNAVAILABLE' }, signingWarning);
  const { roles, vi, en } = await startServing(role, deps, starters);
  process.stdout.write(`truc ${role}: ${both(vi.join(', '), en.join(', '))}\n`);
  await serveUntilStopped(deps, roles);
  return 0;
}

export const serveCommands = (): Command[] =>
  (['all', 'api', 'worker', 'scheduler'] as const).map((role) =>
    runs(defineCommand(role, SUMMARY[role]), () => serve(role)),
  );
