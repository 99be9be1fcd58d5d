/**
 * A city's 168 communes delivered to the Ministry by the worker role (BullMQ on Redis, the outbox
 * relay, the moet-pcgd push queue with its rate limit) against the moet-pcgd simulator under
 * congestion (429 with Retry-After, 503 bursts, random 500s, latency): every commune's figures
 * arrive, each exactly once, every report ends receipted with its receipt, nothing is left in the
 * outbox or the dead letters. Submissions pass moet-pcgd's delivery gate: the 503 burst opens its
 * circuit (five in a row), and each probe meets one more of the burst, doubling the pause; the
 * circuit's times are scaled down here (200 ms, at most 1 s) so the burst is worked through in seconds.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { communesOfProvince } from '../../src/canonical/codes/admin-units.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { enqueue, pcgdSubmit } from '../../src/jobs/contracts.js';
import {
  approveReport,
  computeReport,
  requestSubmit,
  type PcgdDeps,
} from '../../src/reporting/pcgd/service.js';
import { generateSelfSigned } from '../../src/reporting/pcgd/signing.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { MoetPcgdSimulator } from '../../src/simulators/moet-pcgd/simulator.js';
import { createPcgdRepo } from '../../src/store/pcgd.js';
import {
  countRows,
  createTestDatabase,
  makeTempDir,
  randomSuffix,
  REDIS_TEST_URL,
  waitFor,
} from '../helpers/env.js';
import type { TempDir, TestDatabase } from '../helpers/env.js';
import { seedCommunes, startPcgdSimulator } from '../helpers/pcgd.js';
import { deleteRedisKeys } from '../helpers/redis.js';

const YEAR = 2026;
const COMMUNES = communesOfProvince('79').map((c) => c.code);

describe('168 communes delivered to the Ministry under congestion', () => {
  let sim: MoetPcgdSimulator;
  let database: TestDatabase;
  let dir: TempDir;
  let deps: Deps;
  let worker: Running | undefined;
  const prefix = `truc-t-${randomSuffix()}`;
  const ids: number[] = [];

  beforeAll(async () => {
    sim = await startPcgdSimulator(() => new Date('2026-09-25T03:00:00Z'), { rateLimit: { perSecond: 40 } });
    database = await createTestDatabase({ migrated: true });
    dir = await makeTempDir('truc-pcgd-168-');
    const base = loadConfig({
      env: {
        TRUC_PROFILE: 'test',
        DATABASE_URL: database.url,
        REDIS_URL: REDIS_TEST_URL,
        TRUC_QUEUE_PREFIX: prefix,
        DATA_DIR: dir.path,
        MOET_PCGD_BASE_URL: sim.url,
      },
    });
    const config = structuredClone<Config>(base);
    config.systems['moet-pcgd'].rateLimit = { max: 50, durationMs: 1000 };
    config.sync.delivery = { ...config.sync.delivery, openMs: 200, maxOpenMs: 1000 };
    deps = await createDeps(config);
    // One generated key for every unit (key generation is not what this test is about).
    const keys = join(dir.path, 'pcgd-keys');
    const made = await generateSelfSigned('79', 'test');
    mkdirSync(keys, { recursive: true });
    writeFileSync(join(keys, 'template.key.pem'), made.keyPem);
    writeFileSync(join(keys, 'template.cert.pem'), made.certPem);
    for (const code of COMMUNES) {
      copyFileSync(join(keys, 'template.key.pem'), join(keys, `${code}.key.pem`));
      copyFileSync(join(keys, 'template.cert.pem'), join(keys, `${code}.cert.pem`));
    }
    await seedCommunes(deps.db, COMMUNES, 3);
    const pcgd: PcgdDeps = { db: deps.db, pcgd: config.pcgd, dataDir: dir.path, now: deps.now };
    for (const code of COMMUNES) {
      const r = await computeReport(pcgd, { unitCode: code, year: YEAR, actor: 'officer' });
      await approveReport(pcgd, { reportId: r.id, actor: 'officer' });
      ids.push(r.id);
    }
  }, 300_000);

  afterAll(async () => {
    await worker?.stop();
    await deps?.close().catch(() => undefined);
    await deleteRedisKeys(REDIS_TEST_URL, prefix).catch(() => undefined);
    await database?.drop().catch(() => undefined);
    await dir?.remove();
    await sim?.close();
  });

  it('every commune arrives exactly once and is receipted', async () => {
    sim.faults.merge({
      latencyMs: 5,
      status429: { count: 15, retryAfterSeconds: 1 },
      status503Burst: 15,
      errorRate: 0.15,
      paths: ['/v1/units/'],
    });
    // Submitted all at once (and a second time: asking twice sends once).
    for (const round of [1, 2])
      await deps.db.tx(async (q) => {
        for (const id of ids) {
          const r = await requestSubmit(q, { reportId: id, actor: 'officer', at: new Date() });
          if (r.queued) await enqueue(q, pcgdSubmit, { reportId: id });
          expect(r.queued).toBe(round === 1);
        }
      });
    worker = startWorkerRole(deps);
    await waitFor(
      async () => (await countRows(deps.db, 'truc.pcgd_reports', `status = 'receipted'`)) === 168,
      {
        // Each 429's Retry-After now holds every submission (15 × 1 s), as the gate should.
        timeoutMs: 240_000,
        intervalMs: 250,
        what: '168 receipts',
      },
    );
    const received = sim.figures.all();
    const perUnit = new Map<string, number>();
    for (const f of received) perUnit.set(f.unitCode, (perUnit.get(f.unitCode) ?? 0) + 1);
    expect(perUnit.size).toBe(168);
    expect([...perUnit.values()].every((n) => n === 1)).toBe(true);
    expect(sim.stats().faultsApplied).toMatchObject({ status429: 15, status503Burst: 15 });
    const repo = createPcgdRepo(deps.db);
    for (const id of ids.slice(0, 5))
      expect((await repo.get(id))!.receipt).toMatchObject({ replayed: false });
    expect(await countRows(deps.db, 'truc.dead_letters')).toBe(0);
    await waitFor(
      async () => (await countRows(deps.db, 'truc.outbox', 'done_at IS NULL AND dead_at IS NULL')) === 0,
      {
        timeoutMs: 20_000,
        what: 'outbox drained',
      },
    );
  }, 300_000);
});
