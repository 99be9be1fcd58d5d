/**
 * A target down for a long while (issue 7): the hcm-csdl simulator is stopped (connections refused)
 * while pushes wait, and started again on the same port once the outage is over. Nothing is
 * dead-lettered during the outage, the circuit opens, and once the target is back every record is
 * delivered and the circuit closes. A vendor's batch pushed during the outage reads, through the typed
 * client, as ingested (`done`) with its delivery to the city `pending` all through the outage, then
 * `delivered` (its `failed` state with the dead-letter code: test/integration/pipeline.test.ts). Real
 * PostgreSQL and Redis, the api and worker roles; the work is small.
 *
 * What it proves does not depend on the wall clock, only on the outage being far longer than the
 * retries alone would last: the retry and circuit timings (production: 8 attempts from 1 s, circuit
 * opening after 5 failures, probes from 5 s doubling to 60 s) are scaled by outage / 5 minutes.
 * `TRUC_OUTAGE_SECONDS=300` is the proof as stated (five minutes, production timings exactly);
 * CI runs 30 s with every timing a tenth of production (retries alone would be spent after ~13 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { addClient } from '../../src/ops.js';
import { startApi, startWorkerRole, type Running } from '../../src/roles.js';
import { startHcmCsdlSimulator, type HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { SCHOOL, student } from '../factories/records.js';
import { countRows, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { queueStudentSets } from '../helpers/push-sets.js';
import { clientAs, onTheWire, type TrucClient } from '../helpers/truc-client.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

const OUTAGE_MS = Number(process.env.TRUC_OUTAGE_SECONDS ?? 30) * 1000;
if (!Number.isInteger(OUTAGE_MS) || OUTAGE_MS < 20_000)
  throw new Error('TRUC_OUTAGE_SECONDS: a whole number ≥ 20');
/** Production timings at a five-minute outage; the same proportions for a shorter one. */
const SCALE = OUTAGE_MS / 300_000;
const scaled = (ms: number) => Math.max(1, Math.round(ms * SCALE));
const ATTEMPTS = 8;
const BACKOFF_MS = scaled(1000);
/** The longest the retries alone last (exponential backoff, 7 waits): the outage must outlast it. */
const RETRIES_ALONE_MS = BACKOFF_MS * (2 ** (ATTEMPTS - 1) - 1);
if (OUTAGE_MS < 2 * RETRIES_ALONE_MS) throw new Error('the outage must outlast the retries alone');
const KEYS = Array.from({ length: 20 }, (_, i) => `OUT${i}`);
/** Students a vendor pushes through the API while the target is down. */
const VENDOR_KEYS = Array.from({ length: 4 }, (_, i) => `VOUT${i}`);

describe(`a target down for ${OUTAGE_MS / 1000} s (postgres+redis)`, () => {
  let env: TestEnv;
  let worker: Running | undefined;
  let api: (Running & { url: string }) | undefined;
  let sim: HcmCsdlSimulator | undefined;
  const simOptions = { seed: 'outage', schools: 1, studentsPerSchool: 1, staffPerSchool: 1 };

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  });
  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await sim?.close();
    await env?.cleanup();
  });

  const gate = async () =>
    (
      await env.deps.db.query<{ circuit: string; openings: number }>(
        `SELECT circuit, openings FROM truc.delivery_gates WHERE system = 'hcm-csdl'`,
      )
    ).rows[0];

  /** The vendor's batch as the vendor reads it (typed client). */
  const batchOf = async (truc: TrucClient, batchId: string) => {
    const { data, response } = await truc.api.GET('/v1/batches/{batchId}', { params: { path: { batchId } } });
    expect(response.status).toBe(200);
    return data!;
  };

  it(
    'no dead letter during the outage; everything delivered once it returns; the circuit opened and closed',
    async () => {
      const creds = { clientId: 'truc-test', clientSecret: 'test-secret-hcm-csdl' };
      sim = await startHcmCsdlSimulator({ ...simOptions, ...creds });
      const port = sim.port;
      const config = structuredClone(env.config) as Mutable<Config>;
      config.systems['hcm-csdl'].baseUrl = sim.url;
      // Production retries and circuit (the test profile's 50 ms backoff is for fast tests), scaled.
      config.jobs = { ...config.jobs, attempts: ATTEMPTS, backoffMs: BACKOFF_MS };
      config.sync.delivery = {
        ...config.sync.delivery,
        failureThreshold: 5,
        openMs: scaled(5_000),
        maxOpenMs: scaled(60_000),
      };
      await sim.close(); // down: connections refused
      sim = undefined;
      worker = startWorkerRole({ ...env.deps, config: config });
      const sets = Array.from({ length: KEYS.length / 4 }, (_, i) => KEYS.slice(4 * i, 4 * i + 4));
      await queueStudentSets(env.deps.db, sets, '00000000-0000-4000-8000-000000000005');
      // A vendor pushes a batch while the target is down: ingested, its delivery pending.
      api = await startApi(env.deps, { port: 0, host: '127.0.0.1' });
      const vendor = clientAs(
        api.url,
        await addClient(env.deps.db, { name: 'Outage vendor', role: 'vendor', schools: [SCHOOL] }),
      );
      const pushed = await vendor.api.POST('/v1/schools/{schoolCode}/batches', {
        params: { path: { schoolCode: SCHOOL }, header: { 'idempotency-key': 'outage-vendor-1' } },
        body: {
          entity: 'students',
          format: 'canonical',
          records: onTheWire<'CanonicalStudentsRecord'>(VENDOR_KEYS.map((k) => student(k))),
        },
      });
      expect(pushed.response.status).toBe(202);
      if (!pushed.data || !('batchId' in pushed.data)) throw new Error('no batch id in the 202');
      const { batchId } = pushed.data;
      const pending = {
        status: 'done',
        counts: { accepted: VENDOR_KEYS.length },
        errorCode: null,
        deliveries: [
          { system: 'hcm-csdl', state: 'pending', errorCode: null, rejected: 0, deliveredAt: null },
        ],
      };
      await waitFor(async () => (await batchOf(vendor, batchId)).status === 'done', {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: "the vendor's batch to be ingested",
      });
      const downAt = Date.now();
      await waitFor(async () => ((await gate())?.openings ?? 0) >= 1, {
        timeoutMs: 60_000,
        intervalMs: 500,
        what: 'the circuit to open',
      });
      // The whole outage, checked every tenth of it: nothing is dead-lettered; the delivery says what holds it at the
      // target (vendorwait, src/jobs/delivery-waiting.ts): its circuit open, or its probe out (null only between a
      // pause's end and the next probe taken).
      const waitingSeen = new Set<string>();
      while (Date.now() - downAt < OUTAGE_MS) {
        expect(await countRows(env.deps.db, 'truc.dead_letters')).toBe(0);
        const during = await batchOf(vendor, batchId);
        expect(during).toMatchObject(pending);
        const waiting = during.deliveries[0]?.waiting;
        if (waiting) {
          waitingSeen.add(waiting.reason);
          expect(Date.parse(waiting.until)).not.toBeNaN();
        }
        await new Promise((r) => setTimeout(r, Math.min(OUTAGE_MS / 10, OUTAGE_MS - (Date.now() - downAt))));
      }
      const openings = (await gate())?.openings ?? 0;
      expect(openings).toBeGreaterThanOrEqual(1);
      expect(waitingSeen).toContain('circuit-open');
      expect([...waitingSeen].filter((r) => r !== 'circuit-open' && r !== 'probe')).toEqual([]);
      sim = await startHcmCsdlSimulator({ ...simOptions, ...creds, port });
      const backAt = Date.now();
      await waitFor(
        async () => (await countRows(env.deps.db, 'truc.push_sets', 'delivered_at IS NULL')) === 0,
        { timeoutMs: 150_000, intervalMs: 500, what: 'every push set to be delivered after the outage' },
      );
      console.log(
        `[faults] target down ${Math.round((backAt - downAt) / 1000)} s (${openings} circuit openings): ` +
          `delivered ${Date.now() - backAt} ms after it came back`,
      );
      for (const k of [...KEYS, ...VENDOR_KEYS]) expect(sim.received.has('students', k)).toBe(true);
      expect(await countRows(env.deps.db, 'truc.dead_letters')).toBe(0);
      expect(await gate()).toMatchObject({ circuit: 'closed' });
      expect(await batchOf(vendor, batchId)).toMatchObject({
        ...pending,
        deliveries: [
          {
            system: 'hcm-csdl',
            state: 'delivered',
            errorCode: null,
            rejected: 0,
            deliveredAt: expect.any(String),
            waiting: null,
          },
        ],
      });
    },
    OUTAGE_MS + 240_000,
  );
});
