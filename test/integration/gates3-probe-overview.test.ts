/**
 * gates3 item 3: while a system's circuit is probing, GET /v1/ops/overview says what a failure of the probe will do
 * (`ifProbeFails`): refused credentials opened it (`city-admin`: every probe fails until a city admin fixes truc's
 * credentials, never handed over to one endpoint's circuit), or an outage (`retried`: truc probes again by itself),
 * with how long the circuit opens again and a message in both languages; null while it is not probing. It showed
 * `half-open` and `openedBy` alone, whose description promised a hand-over that refused credentials never get. The gate
 * driven through src/jobs/gates.ts; real PostgreSQL, the API in process.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createDeliveryGates } from '../../src/jobs/gates.js';
import { createLogger } from '../../src/observability/logger.js';
import { CONFIGURED_SYSTEMS_ENV, useApiHarness } from '../helpers/api.js';

const SYSTEM = 'hcm-csdl';
const STUDENTS = 'students:upsert';

describe('gates3 item 3, the overview foresees a failed probe (postgres)', () => {
  const h = useApiHarness(
    { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
    { env: CONFIGURED_SYSTEMS_ENV },
  );
  const gates = () =>
    createDeliveryGates({
      db: h.env.deps.db,
      config: h.env.config,
      logger: createLogger('silent'),
      metrics: h.env.deps.metrics,
    });
  const system = async () => {
    const res = await h.get('/v1/ops/overview', h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ systems: Array<Record<string, unknown>> }>().systems.find((s) => s.system === SYSTEM);
  };
  /** A fresh gate whose students' writes fail with `err` until its circuit opens; then its probe goes out. */
  async function probing(err: AppError) {
    const g = gates();
    await h.env.deps.db.query(`DELETE FROM truc.delivery_gates WHERE system = $1`, [SYSTEM]);
    let opened = false;
    while (!opened) {
      const write = await g.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
      expect(write.go).toBe(true);
      opened = (await g.failed(SYSTEM, err, write)).opened;
    }
    expect(await system()).toMatchObject({ circuit: 'open', ifProbeFails: null });
    await h.env.deps.db.query(
      `UPDATE truc.delivery_gates SET paused_until = now() - interval '1 second' WHERE system = $1`,
      [SYSTEM],
    );
    const probe = await g.enter(SYSTEM, { pace: false });
    expect(probe).toMatchObject({ go: true, probe: true });
    return { g, probe };
  }
  /** The circuit's second open time in a row (its first opening's probe failing), in whole seconds. */
  const reopens = () => {
    const { openMs, maxOpenMs } = h.env.config.sync.delivery;
    return Math.ceil(Math.min(maxOpenMs, openMs * 2) / 1000);
  };

  it('refused credentials: a failed probe needs a city admin', async () => {
    const { g, probe } = await probing(new AppError('ERR_ADAPTER_AUTH', 'POST /oauth/token: HTTP 401'));
    const seen = await system();
    // Red before: no ifProbeFails.
    expect(seen).toMatchObject({
      circuit: 'half-open',
      openedBy: [STUDENTS],
      ifProbeFails: { outcome: 'city-admin', openedFor: 'credentials', reopensForSeconds: reopens() },
    });
    const { message } = seen!.ifProbeFails as { message: { vi: string; en: string } };
    expect(message.en).toBe(
      `If the probe fails, the circuit opens again for ${reopens()} s, then truc probes again; but ${SYSTEM} refused ` +
        `truc's credentials: every probe fails until a city admin fixes them (${SYSTEM}'s client secret in the ` +
        'configuration, then restart truc)',
    );
    expect(message.vi).toMatch(
      /^Nếu lần thử thất bại, cầu dao mở lại \d+ giây rồi truc thử lại; nhưng hcm-csdl đã từ chối thông tin đăng nhập của truc: .*quản trị thành phố/,
    );
    await g.succeeded(SYSTEM, probe);
    expect(await system()).toMatchObject({ circuit: 'closed', ifProbeFails: null });
  });

  it('an outage: a failed probe is retried by truc', async () => {
    await probing(new AppError('ERR_ADAPTER_UNAVAILABLE', 'PUT /v1/students:batch: HTTP 503'));
    expect(await system()).toMatchObject({
      circuit: 'half-open',
      ifProbeFails: {
        outcome: 'retried',
        openedFor: 'outage',
        reopensForSeconds: reopens(),
        message: {
          vi: `Nếu lần thử thất bại, cầu dao mở lại ${reopens()} giây rồi truc thử lại, tự động; không cần ai làm gì`,
          en: `If the probe fails, the circuit opens again for ${reopens()} s, then truc probes again, by itself; nothing to do`,
        },
      },
    });
  });
});
