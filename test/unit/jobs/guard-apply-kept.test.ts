/**
 * walk5 W5-12 (guard6): an approved snapshot hold said "37 deletions", applied 36, and did not say which one a later
 * word kept. Here a vendor snapshot omitting 15 of its school's 30 students is held; before the approval a vendor
 * delta rewrites one of the 15, another vendor delta carries one unchanged, a pull (hcm-csdl) rewrites one and its
 * page's tombstone deletes one. Approved, 11 of the 15 are applied and the hold says so — `applied` 11 of `appliedOf`
 * 15, and the 4 kept with their codes, why, when and by which batch or sync run (codes and ids only) — as the API
 * shows it (GET /v1/guard/holds/{id}), `truc holds show` prints it and the guard.applied audit entry keeps it. On a
 * real in-memory database.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { holdView, Hold, summaryView } from '../../../src/api/routes/guard/views.js';
import { showLines } from '../../../src/cli/commands/hold-show.js';
import { keptLine } from '../../../src/cli/commands/hold-kept.js';
import { decideHold, queueBatch } from '../../../src/jobs/contracts.js';
import { keptRecords } from '../../../src/jobs/guard-kept.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { S1, student } from '../../helpers/api.js';
import {
  drain,
  hcmStudent,
  holdOf,
  liveStudents,
  requestStudentsSync,
  runNextPull,
  useStudentsSource,
  vendorBatch,
} from './fixtures.js';

const codes = Array.from({ length: 30 }, (_, i) => `GK${String(i).padStart(2, '0')}`);

describe('an approved snapshot hold says what it applied of what it held, and what a newer word kept', () => {
  const { ctx, source } = useStudentsSource();

  it('applied 11 of 15: the 4 kept, each with why, when and by which batch or sync run', async () => {
    await vendorBatch(
      ctx,
      codes.map((c) => student(c)),
    );
    const snapshot = await vendorBatch(
      ctx,
      codes.slice(0, 15).map((c) => student(c)),
      'snapshot',
    );
    const hold = (await holdOf(ctx, snapshot.id))!;
    expect(hold).toBeDefined();

    // After the snapshot: a vendor delta rewrites GK15, another carries GK16 unchanged (with a new student), a pull's
    // page rewrites GK17 and its tombstone deletes GK18.
    const rewrite = await vendorBatch(ctx, [{ ...student('GK15'), fullName: 'Trần Văn Nam' }]);
    const carry = await vendorBatch(ctx, [student('GK16'), student('GK99')]);
    const runId = await requestStudentsSync(ctx, '79000001');
    source.pages.push({
      items: [hcmStudent('GK17', { name: 'Lê Thị Hoa' })],
      deletedKeys: ['GK18'],
      nextCursor: undefined,
      watermark: 'w1',
    });
    expect(await runNextPull(ctx)).toMatchObject({ records: 1, last: true });
    const [page] = await ctx.db.rows<{ id: string; created_at: Date }>(
      'truc.batches',
      `sync_run_id = ${runId}`,
    );
    const [gone] = await ctx.db.rows<{ deleted_at: Date }>('truc.students', `student_code = 'GK18'`);

    await ctx.db.tx((q) =>
      decideHold(q, { holdId: hold.id, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    expect(await drain(ctx, 'ingest')).toEqual([{ deleted: 11, skipped: null }]);
    expect(await liveStudents(ctx)).toEqual([...codes.slice(0, 18), 'GK99'].filter((c) => c !== 'GK18'));

    const kept = [
      { key: 'GK15', why: 'written', at: rewrite.createdAt.toISOString(), batchId: rewrite.id },
      { key: 'GK16', why: 'carried', at: carry.createdAt.toISOString(), batchId: carry.id },
      {
        key: 'GK17',
        why: 'written',
        at: page!.created_at.toISOString(),
        batchId: page!.id,
        syncRunId: runId,
      },
      {
        key: 'GK18',
        why: 'deleted',
        at: gone!.deleted_at.toISOString(),
        batchId: page!.id,
        syncRunId: runId,
      },
    ];
    // The API's view of the hold (GET /v1/guard/holds/{id}), as its schema says.
    const repo = createGuardHoldsRepo(ctx.db);
    const view = Hold.parse(holdView((await repo.summary(hold.id))!, [], []));
    expect(view).toMatchObject({ status: 'approved', applied: 11, appliedOf: 15, kept });
    // A list's summary (GET /v1/guard/holds) says "11 of 15" but carries no kept keys (review6: up to 5,000 a hold).
    const listed = (await repo.list({ limit: 10, offset: 0 })).items.find((h) => h.id === hold.id)!;
    expect(summaryView(listed)).toMatchObject({ applied: 11, appliedOf: 15 });
    expect(listed).not.toHaveProperty('kept');
    expect(summaryView(listed)).not.toHaveProperty('kept');

    // `truc holds show`: applied 11 of 15, each kept one with why, by whom, when.
    const lines = showLines((await repo.get(hold.id))!).join('');
    expect(lines).toContain('xoá 11 trên 15 bản ghi bị giữ, để nguyên 4');
    expect(lines).toContain('11 of 15 held deletions applied, 4 kept');
    expect(lines).toContain(`GK15: được ghi lại sau snapshot bởi lô ${rewrite.id} lúc`);
    expect(lines).toContain(`GK15: written after the snapshot by batch ${rewrite.id} at`);
    expect(lines).toContain(`GK16: carried unchanged after the snapshot by batch ${carry.id} at`);
    expect(lines).toContain(`GK17: written after the snapshot by sync run ${runId} (batch ${page!.id}) at`);
    expect(lines).toContain(`GK18: deleted after the snapshot by sync run ${runId} (batch ${page!.id}) at`);

    // The application's audit entry keeps the same, a line each (hash-chained with the rest).
    const inAudit = [
      `GK15 written batch=${rewrite.id} at=${kept[0]!.at}`,
      `GK16 carried batch=${carry.id} at=${kept[1]!.at}`,
      `GK17 written batch=${page!.id} run=${runId} at=${kept[2]!.at}`,
      `GK18 deleted batch=${page!.id} run=${runId} at=${kept[3]!.at}`,
    ];
    const audit = await ctx.db.rows<{ details: Record<string, unknown> }>(
      'truc.audit_log',
      `action = 'guard.applied'`,
    );
    expect(audit).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({ held: 15, deleted: 11, keptCount: 4, kept: inAudit }),
      }),
    ]);
  });

  // review6 R6-8: a held record truc holds no row of read as `deleted`, a word it cannot know
  it('a kept record truc holds no row of is unknown, not deleted', async () => {
    const held = { id: randomUUID(), entity: 'students' as const, schoolCode: S1, createdAt: new Date() };
    const [kept] = await keptRecords(ctx.db, held, ['GKNONE'], new Map());
    expect(kept).toEqual({ key: 'GKNONE', why: 'unknown', at: null });
    expect(keptLine(kept!)).toBe(
      'GKNONE: không rõ: truc không còn dòng nào của bản ghi này / GKNONE: unknown: truc holds no row of this record',
    );
  });

  // review6 R6-7: the batch that kept a record is found by its arrival; one that arrived at the very time of the held
  // snapshot (a clock that repeats) was told as the snapshot itself when the snapshot's id sorted first.
  it('a batch arrived at the very time of the held snapshot is told as what kept the record, not the snapshot', async () => {
    const writer = await vendorBatch(ctx, [{ ...student('GKSAME'), fullName: 'Phạm Văn Tư' }]);
    // The held snapshot: a batch of the school whose id sorts before the writer's, arrived at the same time.
    const held = {
      id: `00000000-${randomUUID().slice(9)}`,
      entity: 'students' as const,
      schoolCode: S1,
      createdAt: writer.createdAt,
    };
    await ctx.db.tx((q) =>
      queueBatch(q, { ...held, clientId: 'vendor-1', format: 'canonical', records: [student('GKSAME')] }),
    );
    await ctx.db.query('UPDATE truc.batches SET created_at = $2 WHERE id = $1', [held.id, writer.createdAt]);
    const [kept] = await keptRecords(ctx.db, held, ['GKSAME'], new Map());
    expect(kept).toEqual({
      key: 'GKSAME',
      why: 'written',
      at: writer.createdAt.toISOString(),
      batchId: writer.id,
    });
  });
});
