/**
 * review28 (stop 48, walked as the city's new operator deploying from README.md, and as a vendor's developer
 * integrating from docs/integration-guide.md and the OpenAPI spec): the findings that need no database. An
 * `it.fails` is an open finding; it passes once the finding is fixed, and then becomes an `it`. The findings on
 * PostgreSQL and Redis are in test/integration/review28.test.ts; the numbering (F1, F2, …, in the order found; the report ranks them) is shared.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, redactConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { listMigrations } from '../../src/store/migrate.js';
import { hasPromtool, promtool, PROMTOOL_TIMEOUT_MS } from '../helpers/promtool.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'truc-review28-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('review28, no database', () => {
  // F1 (operator, secrets in logs): README Configuration offers two ways to give the ES256 token-signing keys:
  // `TRUC_JWT_KEYS` seeds "(or `privateKey` PEM entries in the profile YAML)". With a `privateKey` entry (what a
  // city whose keys are issued as PEM files does), every role logs the private key in clear at every start: `truc
  // api|worker|scheduler|all` log `{ role, config: redactConfig(config) }, 'truc starting'`
  // (src/cli/commands/serve.ts), and redactConfig (src/config.ts) hides `secret`, `clientSecret`, `apiKey`,
  // `token`, `url`, `redisUrl`, `pkcs12Password`, not `privateKey`; the logger's redact paths
  // (src/observability/logger.ts) do not reach config.auth.jwtKeys[n] either. Seen: `truc worker` with such a
  // profile (PostgreSQL + Redis) wrote "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG…" into its first log line. Whoever
  // reads the logs (a log shipper, a support ticket) can sign admin tokens every API process accepts. Expected:
  // no key material in the start-up line (nor in any log). Likely place: redactConfig's list (and a test that
  // every secret-bearing config field is redacted). Fixed by the lead (lead28): redactConfig hides any key naming a
  // secret, password, private key, API key, token or credential (src/config.ts SECRET_KEY).
  it('F1: the start-up log line never carries the token-signing private key', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const dir = tempDir();
    writeFileSync(
      join(dir, 'prod.yaml'),
      `auth:\n  jwtKeys:\n    - kid: prod-1\n      privateKey: |\n${pem
        .trim()
        .split('\n')
        .map((l) => `        ${l}`)
        .join('\n')}\n`,
    );
    const config = loadConfig({ env: { TRUC_PROFILE: 'prod' }, configDir: dir });
    expect(config.auth.jwtKeys[0]).toMatchObject({
      kid: 'prod-1',
      privateKey: expect.stringContaining('PRIVATE KEY'),
    });
    // What serve.ts logs, through the service's own logger.
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    logger.info({ role: 'worker', config: redactConfig(config) }, 'truc starting');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('PRIVATE KEY');
    expect(lines[0]).not.toContain(pem.split('\n')[1]!);
  });

  // F9 (operator, configuration: a demo default in production): README Configuration: TRUC_CONFIG_DIR is "the folder
  // holding `<profile>.yaml`", and .env.example: "Values in config/<TRUC_PROFILE>.yaml are the defaults". A city that
  // keeps its settings outside the image (TRUC_CONFIG_DIR=/etc/truc, its own `default.yaml` or `prod.yaml` with what
  // it changes: the port, its ĐBKK communes) gets the schema's fallbacks for the rest, not config/default.yaml's, and
  // the schema's are the demo's: pcgd.signing.mode `self-signed` with organisation "Sở Giáo dục và Đào tạo (demo)"
  // (src/config/pcgd.ts), where default.yaml says pkcs12. Its PCGD-XMC evidence packages are then signed with a
  // certificate truc made up, submitted to the Ministry as the unit's, and nothing says so at start; its
  // `sync.schedules` are `{}` (no nightly pull) as quietly. Expected: a profile that does not choose gets the
  // production-safe choice (pkcs12, no "(demo)"), or the start refuses it (exit 2) naming pcgd.signing.mode; and
  // README says a profile is whole (not merged with default.yaml). Likely place: src/config/pcgd.ts signing default,
  // README Configuration.
  it('F9: a city profile that says nothing of signing does not sign PCGD evidence as the demo', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'prod.yaml'),
      'server:\n  port: 8080\npcgd:\n  difficultCommunes:\n    "2026": ["27676"]\n',
    );
    let config: ReturnType<typeof loadConfig>;
    try {
      config = loadConfig({ env: { TRUC_PROFILE: 'prod' }, configDir: dir });
    } catch {
      return; // refused at start: fixed
    }
    expect(config.pcgd.signing.mode).toBe('pkcs12');
    expect(config.pcgd.signing.organisation).not.toMatch(/demo/i);
  });

  // F4 (operator, configuration): README Configuration says "Every variable is documented in
  // config/.env.example", and the file opens with "Every environment variable truc reads". The operator who
  // builds the deployment's environment from it does not find TRUC_DB_IDLE_TX_TIMEOUT_MS (review27c F3's
  // database.idleInTransactionTimeoutMs, README's table names it), which src/config/env.ts ENV_MAP reads.
  // Expected: every variable ENV_MAP reads (its own rows; the per-system ones as the example lists them) is in
  // .env.example. Likely place: config/.env.example (and a test like this one, so the next variable is not missed).
  // Fixed by the lead (lead28): the variable in config/.env.example; this test keeps the next one from being missed.
  it('F4: config/.env.example documents every environment variable truc reads', () => {
    const example = read('config/.env.example');
    const read_ = [...read('src/config/env.ts').matchAll(/\['([A-Z][A-Z0-9_]+)', '[a-zA-Z.]+', '/g)].map(
      (m) => m[1]!,
    );
    expect(read_.length).toBeGreaterThan(20);
    const missing = read_.filter((name) => !new RegExp(`^#?${name}=`, 'm').test(example));
    expect(missing).toEqual([]);
  });

  // F5 (upgrades, schema): migrations are `NNN_name.sql`, three digits (src/store/migrate.ts listMigrations keeps
  // only files matching /^\d{3}_[a-z0-9_]+\.sql$/ and sorts them as text). The highest is 970 and this stop's
  // briefs hand out 980–997: the next stops' migrations cannot be numbered. A `1000_next.sql` (or any file that
  // misses the pattern: `0990_x.sql`, `991-x.sql`, `992_X.sql`) is silently left out: `truc migrate` says "database
  // is up to date", the new version starts on the old schema and fails at its first query on the missing table or
  // column (or, worse, works and writes what the migration would have changed otherwise). Expected: a file in the
  // migrations folder that is not a migration it can apply is an error at `truc migrate` / start (or the numbering
  // grows past 999 in numeric order). Likely place: src/store/migrate.ts listMigrations.
  it('F5: a migration numbered past 999 is applied (or refused loudly), never silently skipped', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '970_last_today.sql'), 'SELECT 1;');
    writeFileSync(join(dir, '1000_next.sql'), 'SELECT 2;');
    let names: string[] | undefined;
    try {
      names = listMigrations(dir).map((m) => m.name);
    } catch {
      return; // refused loudly: fixed
    }
    expect(names).toEqual(['970_last_today', '1000_next']);
  });
  // Fixed by the lead (lead28): src/store/migrate.ts listMigrations orders by number, 1000 after 999, and refuses
  // a .sql file that is no migration name or a version given twice.
  it.each([['0990_x.sql'], ['991-x.sql'], ['992_X.sql'], ['970_again.sql']])(
    'F5: a migrations folder holding %s is refused at once',
    (file) => {
      const dir = tempDir();
      writeFileSync(join(dir, '970_last_today.sql'), 'SELECT 1;');
      writeFileSync(join(dir, file), 'SELECT 2;');
      expect(() => listMigrations(dir)).toThrow(/migrations: /);
    },
  );

  // F3 (operator, alerts): ops/prometheus/alerts.yml TrucSyncStale is
  // `time() - max by (system, entity) (truc_sync_last_success_timestamp_seconds) > 26 * 3600`, over every
  // (system, entity) that ever had a successful run (src/jobs/state-metrics.ts from store overview
  // lastSyncSuccess). A pull that has no nightly schedule — moet-pcgd persons, which PCGD officers pull per
  // commune once a survey season (README PCGD-XMC figures; the demo pulls them once), or any one-off pull a city
  // admin requests (`truc sync run smas staff`) — makes the alert fire 26 h later and stay firing for good:
  // "no successful sync for over 26 hours" with a runbook that has nothing to fix. Expected: a pull that no
  // schedule makes (nothing is due) is not stale. Likely place: alerts.yml's expression (e.g. only the
  // (system, entity) of a configured, unpaused schedule: a metric of the schedules' system and entity to join on)
  // and its promtool test. Fixed by the lead (lead28): TrucSyncStale only for a (system, entity) a schedule that is
  // not paused pulls (`truc_schedule_pulls`, src/jobs/state-metrics.ts); alerts-stale.test.yml has both sides.
  it.runIf(hasPromtool())(
    'F3: a pull made once (moet-pcgd persons, no schedule) does not raise TrucSyncStale forever',
    () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'alerts.yml'), read('ops/prometheus/alerts.yml'));
      // The persons of a commune pulled once, at 60 s (the gauge exported every minute since), no schedule of
      // moet-pcgd; read two days later.
      writeFileSync(
        join(dir, 'stale.test.yml'),
        [
          'rule_files: [alerts.yml]',
          'evaluation_interval: 1m',
          'tests:',
          '  - interval: 1m',
          '    input_series:',
          `      - series: 'truc_sync_last_success_timestamp_seconds{job="truc-worker",system="moet-pcgd",entity="persons"}'`,
          "        values: '60x3000'",
          '    alert_rule_test:',
          '      - eval_time: 48h',
          '        alertname: TrucSyncStale',
          '        exp_alerts: []',
          '',
        ].join('\n'),
      );
      const tested = promtool(['test', 'rules', join(dir, 'stale.test.yml')]);
      expect(tested.ok, tested.output).toBe(true);
    },
    PROMTOOL_TIMEOUT_MS + 30_000,
  );
});
