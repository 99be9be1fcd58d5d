/**
 * review26a (stop 46, walked as the city's IT staff and a PCGD-XMC officer: schedules, sync runs, holds, dead
 * letters, the dashboard's data, hostile admin input): findings reproduced here. An `it.fails` is an open finding;
 * it passes once the finding is fixed, and then becomes an `it`. Real PostgreSQL, the API in process.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/app.js';
import { runCli } from '../../src/cli/program.js';
import type { Config } from '../../src/config.js';
import { recordDeadLetter } from '../../src/jobs/dead-letters.js';
import { addClient } from '../../src/ops.js';
import { tokenFor } from '../helpers/api.js';
import { makeDeps, type TestEnv } from '../helpers/env.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { heldRunPage } from '../helpers/held-run.js';

/** `truc <argv>` in process (as test/integration/cli-admin.test.ts runs it): exit code and output. */
async function truc(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** The city's nightly smas pull, as config/default.yaml has it. */
const SMAS_NIGHTLY = 'smas-students-nightly';

describe('review26a on postgres', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let token: string;
  let config: Config;

  const send = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${token}`,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
  const count = async (sql: string, params: unknown[] = []) =>
    (await env.deps.db.query<{ n: number }>(sql, params)).rows[0]!.n;

  beforeAll(async () => {
    // A deployment with the city database configured and no SMAS (SMAS_BASE_URL unset: "not used", README
    // Configuration), with the default profile's smas nightly schedule (config/default.yaml).
    env = await makeDeps(
      { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
      {
        env: { HCM_CSDL_BASE_URL: 'http://127.0.0.1:9' },
        configure: (c) => ({
          ...c,
          sync: {
            ...c.sync,
            schedules: {
              [SMAS_NIGHTLY]: {
                cron: '0 2 * * *',
                tz: 'Asia/Ho_Chi_Minh',
                system: 'smas',
                entity: 'students',
                full: false,
              },
            },
          },
        }),
      },
    );
    config = env.config;
    app = await buildApp({ ...env.deps, config });
    await app.ready();
    const admin = await addClient(env.deps.db, { name: 'City', role: 'city-admin' });
    token = await tokenFor(app, admin);
    // The CLI beside it, on the same database (its own process's environment: the test profile).
    const cliEnv = {
      TRUC_PROFILE: 'test',
      DATABASE_URL: env.databaseUrl!,
      DATA_DIR: env.dataDir,
      HCM_CSDL_BASE_URL: 'http://127.0.0.1:9',
      TRUC_OPERATOR: 'admin.q1',
    };
    for (const [k, v] of Object.entries(cliEnv)) vi.stubEnv(k, v);
  }, 180_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await app?.close();
    await env?.cleanup();
  });

  // F1: a pull from a system truc is not configured for (its URL or credentials unset: README says "unset = not
  // used") is accepted (202) and stored; its pull job then fails for good (ERR_ENTITY_UNSUPPORTED, "not a
  // configured source"): a failed run and an open dead letter. The default profile's smas and vnedu nightly
  // schedules do the same every night at 02:00 in a city that has not configured them. Expected: a bilingual
  // 4xx naming the system, nothing stored (and a schedule's fire of such a system requests no run).
  it('F1: POST /v1/syncs refuses a system truc is not configured for; nothing is stored', async () => {
    const runs = 'SELECT count(*)::int AS n FROM truc.sync_runs';
    const before = await count(runs);
    const res = await send('POST', '/v1/syncs', { system: 'smas', entity: 'students' });
    expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'ERR_SYSTEM_NOT_CONFIGURED' });
    expect(res.json().detail).toMatch(/chưa được cấu hình cho smas.* \/ truc is not configured for smas/);
    expect(await count(runs)).toBe(before);
    // The CLI refuses it the same way (one line, both languages, naming the system); nothing stored.
    const cli = await truc('sync', 'run', 'smas', 'students');
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/ERR_SYSTEM_NOT_CONFIGURED: .*truc is not configured for smas/);
    expect(await count(runs)).toBe(before);
  });

  it('F1: run now of a schedule whose system is not configured is refused; no run requested', async () => {
    const runs = 'SELECT count(*)::int AS n FROM truc.sync_runs';
    const before = await count(runs);
    const res = await send('POST', `/v1/schedules/${SMAS_NIGHTLY}/run`);
    expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(await count(runs)).toBe(before);
  });

  it('F1 (the configured system, for contrast): a pull from the city database is accepted', async () => {
    const res = await send('POST', '/v1/syncs', { system: 'hcm-csdl', entity: 'schools' });
    expect(res.statusCode, res.body).toBe(202);
  });

  // F2: a job the scheduler role queues (a schedule's fire, the website probe, the change feed's purge) has no outbox
  // row; when it fails for good the worker records its dead letter with outbox_id NULL (worker.ts onFailed). Such a
  // letter is listed open and counted (overview, truc_dead_letters_open) for good, yet a replay of it, by id or in
  // bulk, skips it without a word (jobs/dead-letters.ts: `continue`): 200 `replayed: []` (the CLI: "no dead letter
  // not yet replayed matches", which is false), and nothing else can close it. Expected: the replay says it cannot
  // replay that letter (a bilingual 4xx naming it, or the letter closed as not replayable), never an open letter a
  // replay silently leaves open.
  it('F2: a dead letter of a scheduler-queued job is not left open by a replay that skips it silently', async () => {
    await recordDeadLetter(env.deps.db, {
      outboxId: undefined,
      queue: 'website-probe',
      name: 'website-probe',
      jobId: 'repeat:website-probe:1764892200000',
      payload: { requestedBy: 'schedule' },
      code: 'ERR_JOB_STARTS_EXHAUSTED',
      message: 'job stalled more than allowable limit',
      attempts: 1,
      at: new Date(),
    });
    const listed = await send('GET', '/v1/dead-letters?queue=website-probe');
    expect(listed.statusCode, listed.body).toBe(200);
    const [letter] = listed.json<{ items: Array<{ id: number }> }>().items;
    expect(letter).toBeDefined();
    const res = await send('POST', '/v1/dead-letters/replay', { ids: [letter!.id] });
    const open = await count(
      `SELECT count(*)::int AS n FROM truc.dead_letters
        WHERE id = $1 AND replayed_at IS NULL AND resolved_at IS NULL AND abandoned_at IS NULL`,
      [letter!.id],
    );
    // Either refused with a reason, or no longer open: not "200, replayed nothing" with the letter still open.
    const refused = res.statusCode >= 400 && res.statusCode < 500;
    expect(refused || open === 0, `${res.statusCode} ${res.body}; open: ${open}`).toBe(true);
    // fixes26c: closed without a replay (it runs again at its next fire), and the answer says so.
    expect(res.json()).toMatchObject({ replayed: [], closed: [letter!.id] });
    const after = await send('GET', '/v1/dead-letters?queue=website-probe');
    expect(after.json<{ items: unknown[] }>().items).toEqual([]);
    // fix33c: listed with the closed ones, it says it was closed by its replay (not that a target was forgotten).
    const closed = await send('GET', '/v1/dead-letters?queue=website-probe&includeReplayed=true');
    expect(closed.json<{ items: unknown[] }>().items).toEqual([
      expect.objectContaining({ id: letter!.id, abandonedReason: 'closed-by-replay' }),
    ]);
  });

  // F4: `truc sync run` takes any `--scope` text, where POST /v1/syncs (the same request, README: "as POST /v1/syncs
  // does") refuses all but 1-32 of [A-Za-z0-9._-] with a 400. An empty one (a script's unset $SCHOOL) silently
  // widens the run to everything the system serves (a `--full` one then reconciles the whole city); spaces, slashes,
  // control characters or 300 characters are stored as the run's scope. (A schools pull skips the "school truc
  // holds" check, so nothing else stops it.) Expected: bad usage (exit 2, one bilingual line), no run stored.
  it('F4: truc sync run refuses a --scope the API refuses (empty, spaces, too long); no run stored', async () => {
    const runs = 'SELECT count(*)::int AS n FROM truc.sync_runs';
    for (const scope of ['', '79000001 ', 'a/b', 'x'.repeat(300)]) {
      const before = await count(runs);
      const r = await truc('sync', 'run', 'hcm-csdl', 'schools', '--scope', scope);
      expect({ scope, code: r.code, runs: await count(runs) }).toEqual({ scope, code: 2, runs: before });
    }
  });

  it('F4 (the API, for contrast): POST /v1/syncs refuses the same scopes with a 400', async () => {
    for (const scope of ['', '79000001 ', 'a/b', 'x'.repeat(300)]) {
      const res = await send('POST', '/v1/syncs', { system: 'hcm-csdl', entity: 'schools', scope });
      expect(res.statusCode, `${scope}: ${res.body}`).toBe(400);
    }
  });

  // F5: `truc dead-letters list|replay --ids` reads each id with Number() (cli/commands/dead-letters.ts `ids`), not
  // with the CLI's one rule for an id (kit.ts `positiveId`, digits only, a safe integer, as `holds show` and
  // `sync show` read theirs): `--ids 0x10` is letter 16 and `--ids 1e1` letter 10 (another letter than typed, and a
  // replay acts on it), and `--ids 99999999999999999999` reaches PostgreSQL ("out of range for type bigint") and
  // ends as "unexpected error", exit 1. Expected: bad usage, exit 2, one bilingual line, nothing replayed.
  it('F5: truc dead-letters --ids refuses what is not a positive id in digits (exit 2)', async () => {
    for (const ids of ['0x10', '1e1', '99999999999999999999']) {
      const listed = await truc('dead-letters', 'list', '--ids', ids);
      const replayed = await truc('dead-letters', 'replay', '--ids', ids);
      expect({ ids, list: listed.code, replay: replayed.code }).toEqual({ ids, list: 2, replay: 2 });
    }
  });

  // F9: a guard decision's reason is "one line, 1–500 characters, no control characters" (README guard paragraph,
  // jobs/requests.ts `isDecisionReason`, the API's body and `truc holds reject --reason` alike), but the check looks
  // only below U+0020 and at U+007F: a Unicode line break (U+2028 LINE SEPARATOR, U+2029, U+0085 NEXT LINE), a C1
  // control (U+0080–U+009F) or a bidi override (U+202E, which shows the rest of the reason reversed: "Trojan Source")
  // is kept in the audit entry of the decision as the admin's reason. Expected: 400 that decides nothing, as for
  // "a\nb".
  it('F9: a decision reason with a Unicode line break, C1 control or bidi override is a 400; the hold stays held', async () => {
    const db = env.deps.db;
    const { holdId: id } = await heldRunPage(db, { system: 'hcm-csdl' });
    const reasons = {
      'U+2028 line separator': 'a\u2028b',
      'U+2029 paragraph separator': 'a\u2029b',
      'U+0085 next line': 'a\u0085b',
      'U+009B C1 control': 'a\u009bb',
      'U+202E bidi override': 'duyệt \u202etồi',
    };
    const answers: Record<string, number> = {};
    for (const [what, reason] of Object.entries(reasons)) {
      const res = await send('POST', `/v1/guard/holds/${id}/reject`, { reason });
      answers[what] = res.statusCode;
      if (res.statusCode === 200) break; // decided: the next would be a 409
    }
    expect(answers).toEqual(Object.fromEntries(Object.keys(reasons).map((k) => [k, 400])));
    expect((await createGuardHoldsRepo(db).get(id))?.status).toBe('held');
  });

  it('F9 (the same rule): a client name with a line separator or bidi override is refused, API and CLI', async () => {
    for (const name of ['a\u2028b', 'a\u202eb', 'a\u0085b']) {
      const res = await send('POST', '/v1/admin/clients', { name, role: 'city-admin' });
      const cli = await truc('clients', 'add', '--name', name, '--role', 'city-admin');
      expect({ name, api: res.statusCode, cli: cli.code === 0 }).toEqual({ name, api: 400, cli: false });
    }
  });

  // F7: README (Operations): "an error with a code reads `CODE: vi / en: detail` (an unknown id: `ERR_NOT_FOUND`,
  // exit 1)", as `pcgd approve|submit`, `holds show`, `sync show`, `schedules pause` answer. `truc pcgd export <id>` of
  // an id that does not exist answers as bad usage instead: exit 2, no code, and "See 'truc pcgd export --help'" (the
  // same for a report not yet approved, which is no usage error either). Expected: ERR_NOT_FOUND, exit 1 (a report
  // with no signed package: its own code, exit 1).
  it('F7: truc pcgd export of an unknown report is ERR_NOT_FOUND, exit 1, as the other commands', async () => {
    const r = await truc('pcgd', 'export', '999999', '--out', `${env.dataDir}/export-999999`);
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 1,
      stderr: expect.stringMatching(/^truc: ERR_NOT_FOUND: /),
    });
  });

  it('F7 (the other commands, for contrast): an unknown id is ERR_NOT_FOUND, exit 1', async () => {
    for (const argv of [
      ['pcgd', 'approve', '999999'],
      ['holds', 'show', '999999'],
      ['sync', 'show', '999999'],
    ]) {
      const r = await truc(...argv);
      expect({ argv, code: r.code, stderr: r.stderr }).toEqual({
        argv,
        code: 1,
        stderr: expect.stringMatching(/^truc: ERR_NOT_FOUND: /),
      });
    }
  });
});

// F8: `truc targets forget <system>` refuses a target "still configured", but asks its own process's configuration
// (cli/commands/targets.ts: loadConfig() + systemConfigured), not the running truc's. An operator command beside a
// running truc whose targets are set where the service is started (compose, a systemd unit, `npm run demo`, whose
// simulators' URLs are set in process) sees none of them, so it forgets a target truc is delivering to right now:
// its undelivered rows are deleted (no re-push sends those records again) and its open dead letters abandoned (no
// longer replayable). Seen on `npm run demo`: `TRUC_PROFILE=demo truc targets forget smas` → "smas forgotten", exit
// 0, while the demo pushes to its smas simulator. Expected: refused (exit 2, bilingual) while a running truc serves
// the target (e.g. its workers record the targets they serve in the database), nothing deleted.
describe('review26a F8 on postgres: targets forget beside a running worker', () => {
  let env: TestEnv;
  let worker: Running | undefined;

  beforeAll(async () => {
    // The running truc: vnEdu configured (the test profile has its token), a worker serving push.vnedu.
    env = await makeDeps(
      { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
      { env: { VNEDU_BASE_URL: 'http://127.0.0.1:9' } },
    );
    const running = startWorkerRole(env.deps);
    worker = running;
    await running.served; // it has said which targets it serves
    // The operator's shell: the same database, without the service's VNEDU_BASE_URL.
    for (const [k, v] of Object.entries({
      TRUC_PROFILE: 'test',
      DATABASE_URL: env.databaseUrl!,
      DATA_DIR: env.dataDir,
      TRUC_OPERATOR: 'admin.q1',
    }))
      vi.stubEnv(k, v);
  }, 180_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await worker?.stop();
    await env?.cleanup();
  });

  it('F8: truc targets forget refuses a target the running truc is configured for; nothing dropped', async () => {
    const db = env.deps.db;
    // A vnEdu delivery that failed for good earlier: its undelivered record and its open dead letter.
    const set = (
      await db.query<{ id: string }>(
        `INSERT INTO truc.push_sets (system, entity, keys, failed_at, error_code, schools)
         VALUES ('vnedu', 'students', ARRAY['HS1'], now(), 'ERR_ADAPTER_UNAVAILABLE', ARRAY['79000001']) RETURNING id`,
      )
    ).rows[0]!.id;
    await db.query(
      `INSERT INTO truc.undelivered (system, entity, key, failed_set, school_code)
       VALUES ('vnedu', 'students', 'HS1', $1, '79000001')`,
      [set],
    );
    const undelivered = async () =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM truc.undelivered WHERE system = 'vnedu'`,
        )
      ).rows[0]!.n;
    expect(await undelivered()).toBe(1);
    const r = await truc('targets', 'forget', 'vnedu');
    expect({ code: r.code, undelivered: await undelivered() }).toEqual({ code: 2, undelivered: 1 });
  });

  it('F8 (after): once the worker serving vnedu stopped cleanly, forget goes through', async () => {
    await worker?.stop();
    worker = undefined;
    const r = await truc('targets', 'forget', 'vnedu');
    const left = await env.deps.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM truc.undelivered WHERE system = 'vnedu'`,
    );
    expect({ code: r.code, undelivered: left.rows[0]!.n }).toEqual({ code: 0, undelivered: 0 });
  });
});
