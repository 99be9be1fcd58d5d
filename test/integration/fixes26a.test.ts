/**
 * fixes26a (review25's N-findings and the lead's), walked as the city's IT admin through the API on PostgreSQL:
 * a filter of a closed set refuses a value outside it (was: an empty 200 read as "none"); the overview's last
 * failure and its code agree; refusals' `detail` reads Vietnamese / English. Each test fails on the code before.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createDeliveryGates } from '../../src/jobs/gates.js';
import { createLogger } from '../../src/observability/logger.js';
import { createDeliveryGatesRepo } from '../../src/store/delivery-gates.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { CONFIGURED_SYSTEMS_ENV, expectProblem, useApiHarness, type ProblemBody } from '../helpers/api.js';

/** A refusal's own words: `vi / en`, the Vietnamese half with a letter outside ASCII. */
function expectBilingualDetail(p: ProblemBody, what: string): void {
  const [vi, ...en] = (p.detail ?? '').split(' / ');
  expect({ vi: /[^ -~]/.test(vi!), en: en.length > 0 }, `${what}: ${p.detail}`).toEqual({
    vi: true,
    en: true,
  });
}

describe('fixes26a on postgres', () => {
  const h = useApiHarness(
    { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
    { env: CONFIGURED_SYSTEMS_ENV }, // a pull is requested only from a configured system
  );

  // Item 1: GET /v1/dead-letters took any lowercase word as a queue and any code-like word as an error code, so a
  // typo answered an empty list (read as "no dead letters"), and a replay by such a filter replayed nothing, 200.
  it('dead letters: a queue or error code that does not exist is a 400 (list and replay), nothing replayed', async () => {
    for (const filter of ['queue=ingestt', 'queue=push.smass', 'errorCode=ERR_NOPE'])
      expectProblem(await h.get(`/v1/dead-letters?${filter}`, h.tokens.admin), 400, 'ERR_VALIDATION');
    for (const body of [{ queue: 'ingestt' }, { errorCode: 'ERR_NOPE' }])
      expectProblem(
        await h.send('POST', '/v1/dead-letters/replay', h.tokens.admin, body),
        400,
        'ERR_VALIDATION',
      );
    const known = await h.get('/v1/dead-letters?queue=push.hcm-csdl&errorCode=ERR_INTERNAL', h.tokens.admin);
    expect(known.statusCode, known.body).toBe(200);
  });

  // Item 3: the overview took a system's lastErrorCode from its delivery gate when no sync run had failed, beside
  // lastFailureAt null: the gate kept the code of its last failed call, not when it failed.
  it("the overview's last failure and its code agree: the gate's failed call, then a later failed run", async () => {
    const db = h.env.deps.db;
    const systemOf = async (system: string) => {
      const res = await h.get('/v1/ops/overview', h.tokens.admin);
      expect(res.statusCode, res.body).toBe(200);
      const systems = res.json<{
        systems: Array<{ system: string; lastFailureAt: string | null; lastErrorCode: string | null }>;
      }>().systems;
      for (const s of systems) expect(s.lastFailureAt === null, s.system).toBe(s.lastErrorCode === null);
      return systems.find((s) => s.system === system);
    };
    const gates = createDeliveryGates({
      db,
      config: h.env.deps.config,
      logger: createLogger('silent'),
      metrics: h.env.deps.metrics,
    });
    await gates.failed('vnedu', new AppError('ERR_ADAPTER_UNAVAILABLE'));
    const gate = (await createDeliveryGatesRepo(db).peek('vnedu'))!.state;
    const byGate = await systemOf('vnedu');
    expect(byGate).toMatchObject({
      lastErrorCode: 'ERR_ADAPTER_UNAVAILABLE',
      lastFailureAt: gate.lastErrorAt?.toISOString(),
    });
    const runs = createSyncRunsRepo(db);
    const run = await runs.create({
      system: 'vnedu',
      entity: 'students',
      scope: '',
      since: 'w0',
      requestedBy: 'fixes26a',
    });
    await runs.fail(run, 'ERR_ADAPTER_RESPONSE_INVALID');
    const byRun = await systemOf('vnedu');
    expect(byRun?.lastErrorCode).toBe('ERR_ADAPTER_RESPONSE_INVALID');
    expect(Date.parse(byRun!.lastFailureAt!)).toBeGreaterThanOrEqual(Date.parse(byGate!.lastFailureAt!));
  });

  // Item 4 (review25 N5): a refusal's `detail` was English only (title and messages are bilingual).
  it("a refusal's detail reads Vietnamese / English", async () => {
    const admin = h.tokens.admin;
    const cases: Array<
      [string, () => ReturnType<typeof h.get>, number, Parameters<typeof expectProblem>[2]]
    > = [
      [
        'replay without a filter',
        () => h.send('POST', '/v1/dead-letters/replay', admin, {}),
        400,
        'ERR_VALIDATION',
      ],
      [
        'a pull of a school truc does not hold',
        () =>
          h.send('POST', '/v1/syncs', admin, { system: 'hcm-csdl', entity: 'students', scope: '79009999' }),
        400,
        'ERR_SCOPE_UNKNOWN',
      ],
      [
        'persons pulled without a commune',
        () => h.send('POST', '/v1/syncs', admin, { system: 'moet-pcgd', entity: 'persons' }),
        400,
        'ERR_VALIDATION',
      ],
      [
        'a system with no such entity',
        () => h.send('POST', '/v1/syncs', admin, { system: 'smas', entity: 'persons' }),
        400,
        'ERR_ENTITY_UNSUPPORTED',
      ],
      ['an unknown school', () => h.get('/v1/ops/schools/NOPE404', admin), 404, 'ERR_NOT_FOUND'],
      ['an unknown hold', () => h.get('/v1/guard/holds/999999', admin), 404, 'ERR_NOT_FOUND'],
      [
        "an unknown school's system",
        () => h.get('/v1/admin/school-systems/NOPE404', admin),
        404,
        'ERR_NOT_FOUND',
      ],
      [
        'a vendor without a school',
        () => h.send('POST', '/v1/admin/clients', admin, { name: 'V', role: 'vendor' }),
        400,
        'ERR_VALIDATION',
      ],
      [
        'a scope the token lacks',
        () => h.get('/v1/ops/overview', h.tokens.vendor),
        403,
        'ERR_FORBIDDEN_SCOPE',
      ],
    ];
    // A field's message in errors[] too (it was zod's English): zod's own words with its Vietnamese locale's.
    const field = expectProblem(
      await h.get('/v1/dead-letters?queue=ingestt&bogus=1', admin),
      400,
      'ERR_VALIDATION',
    );
    for (const e of field.errors ?? []) expectBilingualDetail({ ...field, detail: e.message }, e.pointer);
    expect(field.errors?.map((e) => e.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Tùy chọn không hợp lệ: .* \/ Invalid option: /),
        'trường không xác định: bogus / unknown field(s): bogus',
      ]),
    );
    for (const [what, call, status, code] of cases)
      expectBilingualDetail(expectProblem(await call(), status, code), what);
  });
});
