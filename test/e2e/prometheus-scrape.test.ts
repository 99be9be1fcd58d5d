/**
 * Issue 11: a Prometheus started from ops/prometheus (the real `prometheus` binary, Debian's package;
 * `.ci/run` installs it) scrapes every truc role. The api, worker and scheduler run as separate
 * processes on loopback ports, sharing a PostgreSQL database and a Redis key prefix of their own; the
 * config is ops/prometheus/prometheus.yml with each compose service name replaced by the loopback
 * address of the process that plays it, and a 1 s scrape interval. Every target must be `up` in
 * Prometheus's own API, and the alert rules must load and evaluate.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import {
  createTestDatabase,
  makeTempDir,
  randomSuffix,
  REDIS_TEST_URL,
  waitFor,
  type TempDir,
  type TestDatabase,
} from '../helpers/env.js';
import { freePort, ROOT, spawnProcess, trucArgs, trucEnv, type Spawned } from '../helpers/proc.js';
import { deleteRedisKeys } from '../helpers/redis.js';

const hasPrometheus = spawnSync('prometheus', ['--version']).status === 0;

interface ScrapeConfig {
  job_name: string;
  static_configs: Array<{ targets: string[]; labels?: Record<string, string> }>;
}
interface PromConfig {
  global: Record<string, unknown>;
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}
interface Target {
  labels: Record<string, string>;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

/** The environment of a truc role: the test profile on this file's database and Redis prefix. */
function roleEnv(dataDir: string, databaseUrl: string, prefix: string): NodeJS.ProcessEnv {
  return trucEnv({
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    REDIS_URL: REDIS_TEST_URL,
    TRUC_QUEUE_PREFIX: prefix,
    HOST: '127.0.0.1',
    PORT: '0',
    TRUC_WORKER_METRICS_PORT: '0',
    TRUC_SCHEDULER_METRICS_PORT: '0',
  });
}

/** `truc <role>` (node itself, so signals reach it); resolves with the host:port it serves on. */
async function startRole(role: string, env: NodeJS.ProcessEnv, procs: Spawned[]): Promise<string> {
  const p = spawnProcess(process.execPath, trucArgs([role]), { cwd: ROOT, env });
  procs.push(p);
  const line = await p.waitForLine((l) => /(listening on|metrics on) http:\/\//.test(l), 90_000);
  const m = /(?:listening on|metrics on) http:\/\/(127\.0\.0\.1:\d+)/.exec(line);
  if (!m) throw new Error(`truc ${role}: no address in "${line}"`);
  return m[1]!;
}

describe.runIf(hasPrometheus)('Prometheus started from ops/ scrapes every truc role', () => {
  let dir: TempDir;
  let db: TestDatabase;
  const prefix = `truc-t-${randomSuffix()}`;
  const procs: Spawned[] = [];

  beforeAll(async () => {
    dir = await makeTempDir('truc-e2e-prom-');
    // A copy of the migrated template (ci9: a `truc migrate` process was tsx and the 200-odd migrations; `truc migrate`
    // is cli-operator.test.ts's, the migrations on a fresh PostgreSQL database store.test.ts's).
    db = await createTestDatabase({ migrated: true });
  });
  afterAll(async () => {
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.exited));
    await deleteRedisKeys(REDIS_TEST_URL, prefix).catch(() => undefined);
    await db?.drop();
    await dir?.remove();
  });

  it('every target in ops/prometheus/prometheus.yml is up, and the alert rules evaluate', async () => {
    const env = roleEnv(dir.path, db.url, prefix);
    // compose service name → the loopback address of the process playing it
    const address: Record<string, string> = {};
    for (const role of ['api', 'worker', 'scheduler']) address[role] = await startRole(role, env, procs);
    const promPort = await freePort();
    address.localhost = `127.0.0.1:${promPort}`;

    const ops = join(ROOT, 'ops/prometheus');
    const config = parseYaml(readFileSync(join(ops, 'prometheus.yml'), 'utf8')) as PromConfig;
    config.global = { ...config.global, scrape_interval: '1s', evaluation_interval: '1s' };
    config.rule_files = config.rule_files.map((f) => join(ops, f));
    const expected = new Map<string, string>(); // job → loopback target
    for (const sc of config.scrape_configs)
      for (const s of sc.static_configs)
        s.targets = s.targets.map((t) => {
          const [host] = t.split(':');
          const loopback = address[host!];
          if (!loopback) throw new Error(`no process plays "${t}" of job ${sc.job_name}`);
          expected.set(sc.job_name, loopback);
          return loopback;
        });
    expect([...expected.keys()]).toEqual(
      expect.arrayContaining(['truc-api', 'truc-worker', 'truc-scheduler']),
    );
    const configFile = join(dir.path, 'prometheus.yml');
    writeFileSync(configFile, stringify(config));

    const prometheus = spawnProcess('prometheus', [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir.path, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    procs.push(prometheus);
    // raw fetch below: Prometheus's HTTP API, not truc's (the typed client is truc's)
    const api = `http://127.0.0.1:${promPort}/api/v1`;
    let last: Target[] = [];
    await waitFor(
      async () => {
        const res = await fetch(`${api}/targets?state=active`);
        if (!res.ok) return false;
        const body = (await res.json()) as { data: { activeTargets: Target[] } };
        last = body.data.activeTargets;
        return last.length === expected.size && last.every((t) => t.health === 'up');
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'every Prometheus target up' },
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}; targets: ${JSON.stringify(last)}; ${prometheus.stderr().slice(-1500)}`,
      );
    });
    expect(Object.fromEntries(last.map((t) => [t.labels.job, t.labels.instance]))).toEqual(
      Object.fromEntries(expected),
    );
    expect(new Set(last.map((t) => t.labels.role).filter(Boolean))).toEqual(
      new Set(['api', 'worker', 'scheduler']),
    );

    // The scraped series arrive: each role's build info, through PromQL.
    const query = async (q: string) => {
      const res = await fetch(`${api}/query?query=${encodeURIComponent(q)}`);
      return ((await res.json()) as { data: { result: Array<{ metric: Record<string, string> }> } }).data
        .result;
    };
    const built = await waitFor(
      async () => {
        const r = await query('truc_build_info');
        return r.length === 3 ? r : false;
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'truc_build_info from the three roles' },
    );
    expect(built.map((r) => r.metric.role).sort()).toEqual(['api', 'scheduler', 'worker']);

    // The alert rules loaded, and each evaluated without error.
    const rules = await waitFor(
      async () => {
        const res = await fetch(`${api}/rules`);
        const body = (await res.json()) as {
          data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> };
        };
        const all = body.data.groups.flatMap((g) => g.rules);
        return all.length > 0 && all.every((r) => r.health !== 'unknown') ? all : false;
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'every alert rule evaluated' },
    );
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
    expect(rules.map((r) => r.name)).toContain('TrucTargetDown');
  });
});
