/**
 * review18b R3: a SMAS vendor's batch (SMAS format) held whole by the mass-change guard, then approved after
 * the city corrected one of its students, keeps the city's correction (guard.ts `leaveNewer`: the newer state
 * stays) — but does not note the batch's own copy of that student as received from SMAS: the left record
 * becomes one of the plan's unchanged keys, noted with the stored (newer) row's fingerprint
 * (ingest-apply.ts `writeRecords`). SMAS holds its own copy (it refused the correction), which truc now does
 * not know: SMAS's next pull lists it, truc takes it for a change of SMAS's own, puts it over the correction
 * and sends it back to the city database. Had the batch not been held, its copy would have been noted and
 * the next pull's copy dropped as older (vendor-batch-older-copy.test.ts, second case). Checked: noting the
 * left rows' batch copies as received makes this pass. Real PostgreSQL and Redis, the worker role, the
 * hcm-csdl and SMAS simulators over HTTP.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmasClient } from '../../src/adapters/smas/index.js';
import type { Config, SystemName } from '../../src/config.js';
import { decideHold, queueBatch } from '../../src/jobs/contracts.js';
import { HCM_CSDL_MAPPINGS } from '../../src/mappings/hcm-csdl/index.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { startHcmCsdlSimulator, type HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startSmasSimulator, type SmasSimulator } from '../../src/simulators/smas/simulator.js';
import { makeDeps, type TestEnv } from '../helpers/env.js';
import { settledSync, settleOutbox } from '../helpers/settled-sync.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

const SIZE = { seed: 'held-copies18', schools: 2, studentsPerSchool: 6, staffPerSchool: 1 };

const toWire = (data: Record<string, unknown>) =>
  HCM_CSDL_MAPPINGS.students.fromCanonical!(data as never, { now: () => new Date() });

describe('an approved held SMAS vendor batch and SMAS’s older copy (review18b R3)', () => {
  let env: TestEnv;
  let hcm: HcmCsdlSimulator;
  let smas: SmasSimulator;
  let worker: Running | undefined;

  const sync = (system: SystemName, full: boolean) => settledSync(env.deps, system, full);
  const personalIdOf = async (key: string) =>
    (
      await env.deps.db.query<{ id: string | null }>(
        'SELECT personal_id AS id FROM truc.students WHERE student_code = $1',
        [key],
      )
    ).rows[0]?.id;
  const lastPushSet = async () =>
    (await env.deps.db.query<{ id: number }>('SELECT coalesce(max(id), 0)::int AS id FROM truc.push_sets'))
      .rows[0]!.id;
  const keysToCitySince = async (id: number) =>
    (
      await env.deps.db.query<{ keys: string[] }>(
        `SELECT keys FROM truc.push_sets WHERE id > $1 AND system = 'hcm-csdl'`,
        [id],
      )
    ).rows.flatMap((r) => r.keys);
  const smasStudents = async (school: string) => {
    const res = await fetch(`${smas.url}/schools/${school}/students?pageSize=500`, {
      headers: { 'X-Api-Key': env.config.systems.smas.apiKey! },
    });
    return ((await res.json()) as { Data: Array<Record<string, unknown>> }).Data;
  };

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    const c = env.config.systems;
    hcm = await startHcmCsdlSimulator({
      ...SIZE,
      clientId: c['hcm-csdl'].clientId!,
      clientSecret: c['hcm-csdl'].clientSecret!,
      tombstoneRate: 0,
    });
    smas = await startSmasSimulator({ ...SIZE, apiKey: c.smas.apiKey! });
    const config = structuredClone(env.config) as Mutable<Config>;
    config.systems['hcm-csdl'].baseUrl = hcm.url;
    config.systems.smas.baseUrl = smas.url;
    delete config.systems.vnedu.baseUrl;
    worker = startWorkerRole({ ...env.deps, config });
    await sync('hcm-csdl', true);
    await sync('smas', true);
    // From now on a school of 6 is guarded (the default leaves schools under 20 alone).
    await worker.stop();
    config.guard.minRecords = 1;
    worker = startWorkerRole({ ...env.deps, config });
  }, 180_000);
  afterAll(async () => {
    await worker?.stop();
    await Promise.all([hcm?.close(), smas?.close()]);
    await env?.cleanup();
  });

  it('keeps the city’s correction when SMAS lists its older copy after the approval', async () => {
    const school = smas.schoolCodes[0]!;
    const held = await smasStudents(school);
    // SMAS's staff edit every student of the school (a new personal ID each); SMAS keeps that copy.
    const edited = held.map((r, i) => ({ ...r, SoCCCD: `07920900${String(7700 + i)}` }));
    const key = String(held[0]!.MaHocSinh);
    const client = createSmasClient({
      baseURL: smas.url,
      apiKey: env.config.systems.smas.apiKey!,
      timeoutMs: 5000,
    });
    await client.upsert('students', school, edited as never, `r3-edit-${randomUUID()}`);
    // Its vendor pushes them (a delta batch in SMAS's format): every student changed, held whole.
    const batchId = randomUUID();
    await env.deps.db.tx((q) =>
      queueBatch(q, {
        id: batchId,
        clientId: 'vendor-smas',
        schoolCode: school,
        entity: 'students',
        format: 'smas',
        records: edited,
      }),
    );
    await settleOutbox(env.deps.db, 'the vendor batch');
    const hold = (
      await env.deps.db.query<{ id: number }>('SELECT id FROM truc.guard_holds WHERE batch_id = $1', [
        batchId,
      ])
    ).rows[0];
    expect(hold, 'the batch is held').toBeDefined();

    // Meanwhile the city corrects the first student; SMAS refuses that write (it keeps its own copy).
    const row = (
      await env.deps.db.query<{ data: Record<string, unknown> }>(
        'SELECT data FROM truc.students WHERE student_code = $1',
        [key],
      )
    ).rows[0]!;
    smas.faults.merge({ status400Burst: 1, paths: [`/schools/${school}/students/batch`] });
    hcm.received.put(
      'students',
      { ...toWire(row.data), soDinhDanhCaNhan: '079209008899' },
      new Date().toISOString(),
    );
    await sync('hcm-csdl', false);
    smas.faults.clear();
    expect(await personalIdOf(key)).toBe('079209008899');

    // A city admin approves the held batch: the correction, newer, stays.
    await env.deps.db.tx((q) =>
      decideHold(q, { holdId: hold!.id, decision: 'approved', by: 'city-admin', at: env.deps.now() }),
    );
    await settleOutbox(env.deps.db, 'the approved batch');
    expect(await personalIdOf(key), 'the approval keeps the newer correction').toBe('079209008899');

    // SMAS's next pull lists its own (older) copy of the student: no change.
    const before = await lastPushSet();
    await sync('smas', true);
    expect({
      personalId: await personalIdOf(key),
      sentBackToCity: (await keysToCitySince(before)).includes(key),
    }).toEqual({ personalId: '079209008899', sentBackToCity: false });
  });
});
