/**
 * The whole pipeline on every backend combination: a vendor batch through the API (inject), the
 * worker role (outbox relay → ingest → push) with the hcm-csdl simulator as the real target: counts,
 * findings, what reaches the city, and a batch sent again. The reliability rules of DESIGN §7 on the
 * same world: pipeline-reliability.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { SCHOOL, student } from '../factories/records.js';
import { backends, countRows } from '../helpers/env.js';
import { usePipeline } from '../helpers/pipeline-world.js';

/**
 * Two good students (with personal IDs that match their sex), one with an impossible birth date, and
 * one of another school (tenancy is checked per record, not only on the URL).
 */
const firstBatch = () => [
  student('P1', { personalId: '079219000123' }),
  student('P2', { fullName: 'Trần Thị Bình', sex: 'female', personalId: '079319000124' }),
  student('BAD1', { birthDate: '2019-02-30' }),
  student('FOREIGN1', { schoolCode: '79000099' }),
];

describe.each(backends())('pipeline on $name', (backend) => {
  const w = usePipeline(backend);
  const { startWorker, push, findingsOf, auditActionsOf, view, waitDone, waitQuiet, putsToSim } = w;

  it('a batch flows through: counts, findings, accepted students delivered to hcm-csdl', async () => {
    startWorker();
    const receivedBefore = w.sim.received.size('students');
    const batchId = await push(firstBatch());
    const done = await waitDone(batchId);
    expect(done).toMatchObject({
      status: 'done',
      counts: { received: 4, accepted: 2, rejected: 2, unchanged: 0 },
      errorCode: null,
    });

    const items = await findingsOf(batchId);
    expect(items.length).toBeGreaterThan(0);
    // The accepted records may carry warnings (the quality engine tells the sender), never an error.
    expect(
      items.every((f) => f.recordIndex >= 2 || f.severity !== 'error'),
      JSON.stringify(items),
    ).toBe(true);
    expect(items).toContainEqual(
      expect.objectContaining({ recordIndex: 2, severity: 'error', pointer: '/birthDate' }),
    );
    expect(items).toContainEqual(
      expect.objectContaining({ recordIndex: 3, severity: 'error', rule: 'TENANCY_OTHER_SCHOOL' }),
    );
    for (const f of items) expect(f.message.vi && f.message.en && f.message.vi !== f.message.en).toBeTruthy();

    await waitQuiet();
    expect(w.sim.received.get('students', 'P1')).toMatchObject({
      maDinhDanh: 'P1',
      maTruong: SCHOOL,
      hoTen: 'Nguyễn Văn An',
      gioiTinh: 'Nam',
    });
    expect(w.sim.received.get('students', 'P2')).toMatchObject({ hoTen: 'Trần Thị Bình', gioiTinh: 'Nữ' });
    expect(w.sim.received.has('students', 'BAD1')).toBe(false);
    expect(w.sim.received.has('students', 'FOREIGN1')).toBe(false);
    expect(w.sim.received.size('students') - receivedBefore).toBe(2);
    const sets = await w.env.deps.db.query<{
      id: number;
      system: string;
      keys: string[];
      delivered: boolean;
      receipt: unknown;
    }>(
      'SELECT id, system, keys, delivered_at IS NOT NULL AS delivered, receipt FROM truc.push_sets WHERE batch_id = $1',
      [batchId],
    );
    expect(sets.rows).toEqual([
      {
        id: expect.any(Number),
        system: 'hcm-csdl',
        keys: ['P1', 'P2'],
        delivered: true,
        receipt: expect.objectContaining({ accepted: 2, rejected: 0 }),
      },
    ]);
    // The vendor reads its batch's delivery per target (issue 7): delivered, with when.
    expect((await view(batchId)).deliveries).toEqual([
      {
        system: 'hcm-csdl',
        state: 'delivered',
        errorCode: null,
        rejected: 0,
        refused: [],
        upserts: { delivered: 2, pending: 0, failed: 0 },
        deletes: { delivered: 0, pending: 0, failed: 0 },
        deadLetters: [],
        deliveredAt: expect.any(String),
        waiting: null,
      },
    ]);
    // Audited: the batch accepted and ingested, its push set delivered.
    expect(await auditActionsOf(`batch:${batchId}`)).toEqual(['batch.accepted', 'batch.ingested']);
    expect(await auditActionsOf(`push-set:${sets.rows[0]!.id}`)).toContain('push.delivered');
  });

  // Guards src/mappings/canonical/index.ts zodFindings: the Vietnamese text uses the canonical
  // schema's registered Vietnamese message, not zod's English one.
  it('the Vietnamese text of a schema finding is Vietnamese', async () => {
    startWorker();
    const batchId = await push([student('VI1', { birthDate: '2019-02-30' })]);
    await waitDone(batchId);
    const badDate = (await findingsOf(batchId)).find((f) => f.pointer === '/birthDate')?.message;
    expect(badDate).toBeDefined();
    expect(badDate!.vi).not.toContain(badDate!.en.replace(/^Schema violation: /, ''));
  });

  it('re-sending the same records: all unchanged, no second push', async () => {
    startWorker();
    const batch = [student('U1'), student('U2'), student('U3', { birthDate: '2019-02-30' })];
    const first = await push(batch);
    expect((await waitDone(first)).counts).toMatchObject({ accepted: 2, rejected: 1 });
    await waitQuiet();
    const setsBefore = await countRows(w.env.deps.db, 'truc.push_sets');
    const putsBefore = putsToSim();
    const batchId = await push(batch);
    expect(await waitDone(batchId)).toMatchObject({
      status: 'done',
      counts: { received: 3, accepted: 0, rejected: 1, unchanged: 2 },
    });
    await waitQuiet();
    expect(await countRows(w.env.deps.db, 'truc.push_sets')).toBe(setsBefore);
    expect(putsToSim()).toBe(putsBefore);
  });
});
