/**
 * review18b R4: README (Deletes and reconciliation) promises that a vendor's snapshot does not delete a record
 * the city changed since that vendor last carried it, "until the vendor or its system has had the change".
 * The city corrects a student of a SMAS school; SMAS refuses the correction (it keeps its own copy). The SMAS
 * vendor's nightly delta batch carries SMAS's copy: an older copy, rightly no change — but it is *touched*
 * (ingest-apply.ts `writeRecords`: "A vendor's older copies are touched too"), and precedence (b)'s rule (ii)
 * reads a touch after the last write (`last_seen_at > updated_at`, record-tables.ts `carriedAfterWrite`) as
 * "its sender carried the record as it is now". The vendor's next snapshot leaves the student out: it is
 * deleted (and the deletion sent to the city) though neither the vendor nor SMAS ever had the correction.
 * Checked: not touching older copies (`touch` of `unchangedKeys` less `olderCopies`) makes this pass, but
 * vendor-batch-older-copy.test.ts asserts that touch (liveness, "sống"): the two readings of `last_seen_at`
 * need telling apart. Real PostgreSQL and Redis, the worker role, the hcm-csdl and SMAS simulators over HTTP.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config, SystemName } from '../../src/config.js';
import { queueBatch } from '../../src/jobs/contracts.js';
import { HCM_CSDL_MAPPINGS } from '../../src/mappings/hcm-csdl/index.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { startHcmCsdlSimulator, type HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startSmasSimulator, type SmasSimulator } from '../../src/simulators/smas/simulator.js';
import { makeDeps, type TestEnv } from '../helpers/env.js';
import { settledSync, settleOutbox } from '../helpers/settled-sync.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

const SIZE = { seed: 'older-copy-snap18', schools: 2, studentsPerSchool: 6, staffPerSchool: 1 };

const toWire = (data: Record<string, unknown>) =>
  HCM_CSDL_MAPPINGS.students.fromCanonical!(data as never, { now: () => new Date() });

describe('a vendor snapshot after its delta carried an older copy (review18b R4)', () => {
  let env: TestEnv;
  let hcm: HcmCsdlSimulator;
  let smas: SmasSimulator;
  let worker: Running | undefined;

  const sync = (system: SystemName, full: boolean) => settledSync(env.deps, system, full);
  const smasStudents = async (school: string) => {
    const res = await fetch(`${smas.url}/schools/${school}/students?pageSize=500`, {
      headers: { 'X-Api-Key': env.config.systems.smas.apiKey! },
    });
    return ((await res.json()) as { Data: Array<Record<string, unknown>> }).Data;
  };
  const vendorPushes = async (
    school: string,
    records: Array<Record<string, unknown>>,
    mode: 'delta' | 'snapshot',
  ) => {
    await env.deps.db.tx((q) =>
      queueBatch(q, {
        id: randomUUID(),
        clientId: 'vendor-smas',
        schoolCode: school,
        entity: 'students',
        format: 'smas',
        records,
        mode,
      }),
    );
    await settleOutbox(env.deps.db, `the vendor's ${mode} batch`);
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
  }, 180_000);
  afterAll(async () => {
    await worker?.stop();
    await Promise.all([hcm?.close(), smas?.close()]);
    await env?.cleanup();
  });

  it.fails(
    'keeps a student the city corrected when the vendor only ever carried its older copy',
    async () => {
      const school = smas.schoolCodes[0]!;
      const held = await smasStudents(school);
      const key = String(held[0]!.MaHocSinh);
      const row = (
        await env.deps.db.query<{ data: Record<string, unknown> }>(
          'SELECT data FROM truc.students WHERE student_code = $1',
          [key],
        )
      ).rows[0]!;
      // The city corrects the student; SMAS refuses that write (it keeps its copy).
      smas.faults.merge({ status400Burst: 1, paths: [`/schools/${school}/students/batch`] });
      hcm.received.put(
        'students',
        { ...toWire(row.data), soDinhDanhCaNhan: '079209008866' },
        new Date().toISOString(),
      );
      await sync('hcm-csdl', false);
      smas.faults.clear();

      // The SMAS vendor's nightly delta carries every student as SMAS holds them: the corrected one is an older copy.
      await vendorPushes(school, held, 'delta');
      // The next night its snapshot leaves that student out.
      await vendorPushes(school, held.slice(1), 'snapshot');
      const state = (
        await env.deps.db.query<{ deleted: boolean; id: string }>(
          'SELECT deleted_at IS NOT NULL AS deleted, personal_id AS id FROM truc.students WHERE student_code = $1',
          [key],
        )
      ).rows[0]!;
      // Neither the vendor nor SMAS ever had the correction: the omission is kept (and audited), not a deletion.
      expect(state).toEqual({ deleted: false, id: '079209008866' });
    },
  );
});
