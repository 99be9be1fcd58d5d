/**
 * review15's wrong (b) (README "Transfers are the city's"): a vendor's `snapshot` batch of a school deleted a
 * student the city moved into that school before the school's system heard of the move. A snapshot now
 * deletes a record it omits only when its sender is known to have held it as it is (src/jobs/snapshot-missing.ts):
 * (i) the sender wrote it last, (ii) a batch of the sender carried it unchanged since its last write, or
 * (iii) the school's own system is known to hold this very copy as of the snapshot's arrival: it acknowledged
 * it, or gave it to truc, before then, and nothing truc sent there since (a delete, another send) is newer.
 * The others are kept and named in the batch's audit entry. Each test uses keys of its own (the file shares one database).
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { queueBatch } from '../../../src/jobs/contracts.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { createRecordsRepo, fingerprint } from '../../../src/store/records.js';
import { createSchoolSystemsRepo } from '../../../src/store/school-systems.js';
import { createSystemCopiesRepo } from '../../../src/store/system-copies.js';
import { student } from '../../factories/records.js';
import { S1 } from '../../helpers/api.js';
import { drain, useTestContext } from './fixtures.js';

describe("a vendor's snapshot against a city transfer into its school (review15 (b))", () => {
  const ctx = useTestContext();
  // The cases share S1, whose vendor snapshots together delete more than `deleteRatio` of it within the guard's
  // vendor window (split23): each case's snapshot is weighed alone here, as the cases are about what it deletes
  // (./vendor-batch-split-guard.test.ts guards the window).
  beforeAll(() => {
    Object.assign(ctx, { config: { ...ctx.config, guard: { ...ctx.config.guard, vendorWindowHours: 0 } } });
  });

  /**
   * Queues a batch of `clientId` (vendor-1) for S1 (`between`: done after it arrived, before it is ingested);
   * ingests it.
   */
  async function studentBatch(
    records: unknown[],
    mode: 'delta' | 'snapshot',
    between?: () => Promise<void>,
    clientId = 'vendor-1',
  ) {
    const id = randomUUID();
    await ctx.db.tx((q) =>
      queueBatch(q, {
        id,
        clientId,
        schoolCode: S1,
        entity: 'students',
        format: 'canonical',
        records,
        mode,
      }),
    );
    await between?.();
    await drain(ctx, 'ingest');
    return (await createBatchesRepo(ctx.db).get(id))!;
  }
  /** Which of `keys` are live at S1. */
  const live = async (keys: string[]) =>
    (
      await ctx.db.rows<{ student_code: string }>(
        'truc.students',
        `school_code = '${S1}' AND deleted_at IS NULL AND student_code IN (${keys.map((k) => `'${k}'`).join(', ')})
         ORDER BY student_code`,
      )
    ).map((r) => r.student_code);
  /** The batch's `batch.ingested` audit details (chained, or still pending). */
  const audited = async (batchId: string) => {
    const where = `action = 'batch.ingested' AND subject = 'batch:${batchId}'`;
    const rows = [
      ...(await ctx.db.rows<{ details: Record<string, unknown> }>('truc.audit_log', where)),
      ...(await ctx.db.rows<{ details: Record<string, unknown> }>('truc.audit_pending', where)),
    ];
    expect(rows).toHaveLength(1);
    return rows[0]!.details;
  };
  /** The keys the batch's snapshot kept, of the test's own (`C1`…`F9` for test `C`: letters from `from` to `to`). */
  const keptOf = async (batchId: string, from: string, to = 'H') =>
    (((await audited(batchId)).snapshotKeptKeys ?? []) as string[]).filter((k) => k >= from && k < to);
  /**
   * Lets the clock pass the current millisecond. A batch's arrival reaches the job as a JS Date (whole
   * milliseconds) while rows and copies carry PostgreSQL's microseconds, so what happened in the snapshot's own
   * millisecond just before it counts as not before it: the record is kept (the safe side), and the next
   * snapshot deletes it. The cases below are about order, not that rounding.
   */
  const nextMillisecond = async () => {
    const now = Date.now();
    while (Date.now() <= now) await new Promise((resolve) => setTimeout(resolve, 1));
  };
  /** The city database moves `code` into S1 (truc follows its pull; the vendor has not heard): its row's fingerprint. */
  async function cityMovesIn(code: string): Promise<string> {
    const moved = student(code, { schoolCode: S1 });
    const fp = fingerprint(moved);
    await createRecordsRepo(ctx.db).upsert(
      'students',
      [{ key: code, scope: S1, data: moved, fingerprint: fp }],
      {
        system: 'hcm-csdl',
        mappingVersion: 'hcm-csdl/students@test',
      },
    );
    return fp;
  }

  it('keeps a student the city moved into the school that the snapshot does not carry yet', async () => {
    const own = [student('HS1', { schoolCode: S1 }), student('HS2', { schoolCode: S1 })];
    expect(await studentBatch(own, 'delta')).toMatchObject({ status: 'done', accepted: 2 });
    await cityMovesIn('HS9');
    expect(await live(['HS1', 'HS2', 'HS9'])).toEqual(['HS1', 'HS2', 'HS9']);
    await nextMillisecond();
    // The vendor's snapshot of its school, as its system holds it: the moved student is not in it yet.
    const snap = await studentBatch(own, 'snapshot');
    expect(snap).toMatchObject({ status: 'done', unchanged: 2, deleted: 0 });
    expect(await live(['HS1', 'HS2', 'HS9']), 'after the snapshot').toEqual(['HS1', 'HS2', 'HS9']);
    // Kept, counted and named (keys only) in the batch's audit entry; no delete travels.
    expect(await audited(snap.id)).toMatchObject({ deleted: 0, snapshotKept: 1, snapshotKeptKeys: ['HS9'] });
    expect(await ctx.db.rows('truc.push_sets', `operation = 'delete' AND batch_id = '${snap.id}'`)).toEqual(
      [],
    );
  });

  it('(i) deletes what the snapshot leaves out of what its sender wrote last', async () => {
    const own = [student('A1', { schoolCode: S1 }), student('A2', { schoolCode: S1 })];
    await studentBatch(own, 'delta');
    const snap = await studentBatch([own[0]], 'snapshot');
    expect(snap).toMatchObject({ status: 'done', deleted: expect.any(Number) });
    expect(await live(['A1', 'A2'])).toEqual(['A1']);
    expect(await keptOf(snap.id, 'A')).toEqual([]);
  });

  /** The row version (xmin) of a student: the same while nothing rewrote its row. */
  const version = async (code: string) =>
    (
      await ctx.db.query<{ v: string }>('SELECT xmin::text AS v FROM truc.students WHERE student_code = $1', [
        code,
      ])
    ).rows[0]?.v;

  it('(ii) deletes a student the city moved in once a batch of its sender carried it unchanged', async () => {
    await cityMovesIn('B9');
    const before = await version('B9');
    // The vendor heard: its next delta batch carries the student as the city has it (unchanged).
    expect(await studentBatch([student('B9', { schoolCode: S1 })], 'delta')).toMatchObject({
      accepted: 0,
      unchanged: 1,
    });
    // Noted in truc.record_seen (migration 550), the student's row not rewritten.
    expect(await version('B9')).toBe(before);
    const snap = await studentBatch([student('B1', { schoolCode: S1 })], 'snapshot');
    expect(await live(['B1', 'B9'])).toEqual(['B1']);
    expect(snap).toMatchObject({ deleted: expect.any(Number) });
    expect(await keptOf(snap.id, 'B')).toEqual([]);
  });

  it('(ii) keeps a student the city moved in that only a batch of another vendor carried unchanged', async () => {
    await cityMovesIn('G9');
    // vendor-2 (another system of the school) heard of the move; vendor-1, the snapshot's sender, did not.
    expect(
      await studentBatch([student('G9', { schoolCode: S1 })], 'delta', undefined, 'vendor-2'),
    ).toMatchObject({ accepted: 0, unchanged: 1 });
    await nextMillisecond();
    const snap = await studentBatch([student('G1', { schoolCode: S1 })], 'snapshot');
    expect(await live(['G1', 'G9'])).toEqual(['G1', 'G9']);
    expect(await keptOf(snap.id, 'G')).toEqual(['G9']);
    // Once vendor-1 carries it, its next snapshot deletes it.
    await studentBatch([student('G9', { schoolCode: S1 })], 'delta');
    await studentBatch([student('G1', { schoolCode: S1 })], 'snapshot');
    expect(await live(['G1', 'G9'])).toEqual(['G1']);
  });

  it("(iii) deletes a student the city moved in once the school's own system acknowledged that copy before the snapshot", async () => {
    await createSchoolSystemsRepo(ctx.db).learn('smas', [S1], 'pull');
    const copies = createSystemCopiesRepo(ctx.db);
    const fpC = await cityMovesIn('C9');
    const fpD = await cityMovesIn('D9');
    const fpE = await cityMovesIn('E9');
    const fpF = await cityMovesIn('F9');
    // C9: sent to SMAS and acknowledged. D9: sent, not acknowledged (the call failed or is under way).
    // E9: acknowledged by a system that does not serve the school. F9: SMAS acknowledged an older copy.
    await copies.noteSending('smas', 'students', [
      { key: 'C9', school: S1, fp: fpC },
      { key: 'D9', school: S1, fp: fpD },
      { key: 'F9', school: S1, fp: 'older' },
    ]);
    await copies.noteSending('vnedu', 'students', [{ key: 'E9', school: S1, fp: fpE }]);
    await copies.acknowledged('smas', 'students', [
      { key: 'C9', school: S1, fp: fpC },
      { key: 'F9', school: S1, fp: 'older' },
    ]);
    await copies.acknowledged('vnedu', 'students', [{ key: 'E9', school: S1, fp: fpE }]);
    expect(fpF).not.toBe('older');
    await nextMillisecond();
    const snap = await studentBatch([student('C1', { schoolCode: S1 })], 'snapshot');
    expect(await live(['C1', 'C9', 'D9', 'E9', 'F9'])).toEqual(['C1', 'D9', 'E9', 'F9']);
    expect(await keptOf(snap.id, 'C')).toEqual(['D9', 'E9', 'F9']);

    // Acknowledged only after the snapshot arrived: the snapshot is older than the system's knowledge.
    const snap2 = await studentBatch([student('C1', { schoolCode: S1 })], 'snapshot', () =>
      copies.acknowledged('smas', 'students', [{ key: 'D9', school: S1, fp: fpD }]),
    );
    expect(await live(['C1', 'D9'])).toEqual(['C1', 'D9']);
    expect(await keptOf(snap2.id, 'C')).toEqual(['D9', 'E9', 'F9']);
    // The next snapshot, sent after the system had it, deletes it.
    await studentBatch([student('C1', { schoolCode: S1 })], 'snapshot');
    expect(await live(['C1', 'D9'])).toEqual(['C1']);
  });

  it("(iii) deletes a record the school's own system gave truc (pulled) before the snapshot, as it is", async () => {
    await createSchoolSystemsRepo(ctx.db).learn('smas', [S1], 'pull');
    const copies = createSystemCopiesRepo(ctx.db);
    // G9: SMAS gave truc this very copy. G8: SMAS gave an older one. G7: SMAS gives it only after the snapshot arrived.
    const fp9 = await cityMovesIn('G9');
    await cityMovesIn('G8');
    const fp7 = await cityMovesIn('G7');
    await copies.noteReceived('smas', 'students', [
      { key: 'G9', school: S1, fp: fp9 },
      { key: 'G8', school: S1, fp: 'older' },
    ]);
    await nextMillisecond();
    const snap = await studentBatch([student('G1', { schoolCode: S1 })], 'snapshot', () =>
      copies.noteReceived('smas', 'students', [{ key: 'G7', school: S1, fp: fp7 }]),
    );
    expect(await live(['G1', 'G7', 'G8', 'G9'])).toEqual(['G1', 'G7', 'G8']);
    expect(await keptOf(snap.id, 'G')).toEqual(['G7', 'G8']);
  });

  it("(iii) does not count a copy SMAS gave truc once truc's delete there came after it, nor while a send is unanswered", async () => {
    await createSchoolSystemsRepo(ctx.db).learn('smas', [S1], 'pull');
    const copies = createSystemCopiesRepo(ctx.db);
    const at = (key: string, fp: string) => [{ key, school: S1, fp }];
    const fps = new Map<string, string>();
    for (const key of ['J6', 'J7', 'J8', 'J9']) fps.set(key, await cityMovesIn(key));
    // SMAS gave truc each of them as it is now.
    await copies.noteReceived(
      'smas',
      'students',
      [...fps].flatMap(([key, fp]) => at(key, fp)),
    );
    await nextMillisecond();
    // Each moved away from S1 (truc's delete to SMAS at S1) and back with the same copy (the city's pull):
    // J9: the delete acknowledged, the write back not sent yet. J8: the write back sent, not acknowledged.
    // J7: the delete not answered yet. J6: the delete and the write back both acknowledged (SMAS holds it).
    const away = (keys: string[]) => keys.map((key) => ({ key, school: S1 }));
    await copies.noteDeleting('smas', 'students', away(['J6', 'J7', 'J8', 'J9']));
    await copies.deletionsAcknowledged('smas', 'students', away(['J6', 'J8', 'J9']));
    await copies.noteSending('smas', 'students', [...at('J6', fps.get('J6')!), ...at('J8', fps.get('J8')!)]);
    await copies.acknowledged('smas', 'students', at('J6', fps.get('J6')!));
    await nextMillisecond();
    const snap = await studentBatch([student('J1', { schoolCode: S1 })], 'snapshot');
    expect(await live(['J1', 'J6', 'J7', 'J8', 'J9'])).toEqual(['J1', 'J7', 'J8', 'J9']);
    expect(await keptOf(snap.id, 'J', 'K')).toEqual(['J7', 'J8', 'J9']);
  });
});
