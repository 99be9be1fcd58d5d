/**
 * A delivery gate whose circuit opens at the first transient failure and probes after 1 ms, its probe's lease far
 * beyond a test (10 min), and what a test needs to have a call fail while another call is out as the probe
 * (fix33a: a call on its way from before the circuit opened, failing after the probe went out).
 */
import { AppError } from '../../src/errors.js';
import { createDeliveryGates, type DeliveryGates } from '../../src/jobs/gates.js';
import type { WorkerContext } from '../../src/jobs/context.js';
import type { SystemName } from '../../src/config.js';

/** The probe's lease of {@link probingGates}. */
export const PROBE_LEASE_MS = 600_000;

/** `ctx`'s gates, with the circuit opening at once and probing after 1 ms. */
export function probingGates(
  ctx: Pick<WorkerContext, 'db' | 'config' | 'logger' | 'metrics'>,
): DeliveryGates {
  const config = structuredClone(ctx.config);
  config.sync.delivery = {
    ...config.sync.delivery,
    failureThreshold: 1,
    openMs: 1,
    maxOpenMs: 1,
    probeLeaseMs: PROBE_LEASE_MS,
  };
  return createDeliveryGates({ db: ctx.db, config, logger: ctx.logger, metrics: ctx.metrics });
}

/** A transient failure of the system (a 502). */
export const down = () => new AppError('ERR_ADAPTER_UNAVAILABLE', 'the system answered 502');

/**
 * Another call fails (the circuit opens) and, once its open time is over, another goes out as the probe and is
 * still out: called from inside a call that went out before, which then fails.
 */
export async function probeGoesOut(gates: DeliveryGates, system: SystemName): Promise<void> {
  const opened = await gates.failed(system, down());
  if (!opened.opened) throw new Error('the circuit did not open');
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 5));
    const pass = await gates.enter(system, { pace: false });
    if (pass.go && pass.probe) return;
  }
  throw new Error('no probe went out');
}
