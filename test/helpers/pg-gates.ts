/**
 * The delivery gates (src/jobs/gates.ts) on a PostgreSQL database of their own, with its queues in it: the world of
 * the gate tests that read and set `truc.delivery_gates` directly (fix34d-write-circuit, fix35f-endpoint-circuit).
 */
import { afterAll, beforeAll } from 'vitest';
import { createDeliveryGates, type DeliveryGates } from '../../src/jobs/gates.js';
import { createLogger } from '../../src/observability/logger.js';
import { makeDeps, type TestEnv } from './env.js';

export interface PgGates {
  readonly env: TestEnv;
  readonly gates: DeliveryGates;
}

/** Registers the world's set-up and clean-up in the calling `describe`; read it inside tests only. */
export function usePgGates(): PgGates {
  let env: TestEnv | undefined;
  let gates: DeliveryGates | undefined;
  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' });
    gates = createDeliveryGates({
      db: env.deps.db,
      config: env.config,
      logger: createLogger('silent'),
      metrics: env.deps.metrics,
    });
  }, 120_000);
  afterAll(async () => {
    await env?.cleanup();
  });
  return {
    get env() {
      if (!env) throw new Error('usePgGates: read inside a test');
      return env;
    },
    get gates() {
      if (!gates) throw new Error('usePgGates: read inside a test');
      return gates;
    },
  };
}
