/**
 * review32 F2: `truc_circuit_open_since_timestamp_seconds{system,last_error_code}` mirrors the delivery gate's
 * stored circuit at each scrape (src/jobs/state-metrics.ts): present from the opening (refused credentials here)
 * through a probe out (half-open), gone once the probe closes it; what TrucExternalSystemUnavailable reads
 * (ops/prometheus/alerts.yml, its promtool case in alerts.test.yml).
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { decideFailure } from '../../src/jobs/gate-failure.js';
import { decideEnter, decideSuccess } from '../../src/jobs/gate-rules.js';
import { registerStateMetrics } from '../../src/jobs/state-metrics.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createDeliveryGatesRepo } from '../../src/store/delivery-gates.js';
import { usePostgresEnv } from '../helpers/env.js';

describe('the circuit-open gauge from the stored gate (postgres)', () => {
  const env = usePostgresEnv();

  it('is there while the circuit is open or probing, with when it opened and the last code; gone once closed', async () => {
    const metrics = createMetrics();
    const refresh = registerStateMetrics({ ...env().deps, metrics, logger: pino({ level: 'silent' }) });
    const series = async () =>
      (await metrics.circuitOpenSince.get()).values.map((v) => ({ labels: v.labels, value: v.value }));
    const gates = createDeliveryGatesRepo(env().deps.db);
    const settings = env().config.sync.delivery;

    await gates.update('hcm-csdl', (s, now) => decideEnter(s, now, { intervalMs: 0, probeLeaseMs: 1000 }));
    await refresh();
    expect(await series()).toEqual([]);

    const refused = { code: 'ERR_ADAPTER_AUTH', transient: true, credentials: true, probe: false };
    await gates.update('hcm-csdl', (s, now) => decideFailure(s, now, refused, settings));
    const openedAt = (await gates.peek('hcm-csdl'))!.state.openedAt!;
    await refresh();
    const open = [
      {
        labels: { system: 'hcm-csdl', last_error_code: 'ERR_ADAPTER_AUTH' },
        value: openedAt.getTime() / 1000,
      },
    ];
    expect(await series()).toEqual(open);

    // A probe goes out (half-open): still the same series, since the same opening.
    await env().deps.db.query(
      `UPDATE truc.delivery_gates SET paused_until = now() - interval '1 second' WHERE system = 'hcm-csdl'`,
    );
    const probe = await gates.update('hcm-csdl', (s, now) =>
      decideEnter(s, now, { intervalMs: 0, probeLeaseMs: 60_000 }),
    );
    expect(probe).toMatchObject({ go: true, probe: true });
    await refresh();
    expect(await series()).toEqual(open);

    await gates.update('hcm-csdl', decideSuccess);
    await refresh();
    expect(await series()).toEqual([]);
  });
});
