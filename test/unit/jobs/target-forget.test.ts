/**
 * A push target removed from the configuration (issue 7, ops25): its undelivered rows (migration 810) and its
 * push sets' dead letters stayed for good: open in truc_dead_letters_open, the overview and the runs, and each
 * re-push of their schools judged in full (truc.school_changed_since reads truc.undelivered). `truc targets
 * forget <system>` (src/ops.ts forgetPushTarget) deletes the rows, abandons the letters (migration 850: no
 * longer open, not replayable, listed with the replayed ones) and audits it; other targets keep theirs. The CLI
 * refuses a target still configured (its records are delivered by a replay or the next re-push).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/cli/program.js';
import { forgetPushTarget } from '../../../src/ops.js';
import { createDeadLettersRepo } from '../../../src/store/dead-letters.js';
import { student } from '../../factories/records.js';
import { byQueue, deadLetterRow, fakeTarget, nextRow, useTestContext, vendorBatch } from './fixtures.js';

describe('truc targets forget', () => {
  const city = fakeTarget('hcm-csdl', ['students'], ['students']);
  const smas = fakeTarget('smas', ['students']);
  const ctx = useTestContext({ targets: { 'hcm-csdl': city, smas } });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("drops the target's undelivered rows, abandons its open letters, audits it; others keep theirs", async () => {
    await vendorBatch(
      ctx,
      ['TF01', 'TF02'].map((c) => student(c)),
    );
    const row = (await nextRow(ctx.db, byQueue('push.hcm-csdl')))!;
    await deadLetterRow(ctx, row);
    const undelivered = () =>
      ctx.db.rows<{ system: string; key: string }>('truc.undelivered', `true ORDER BY system, key`);
    expect((await undelivered()).filter((u) => u.system === 'hcm-csdl').map((u) => u.key)).toEqual([
      'TF01',
      'TF02',
    ]);
    // another target's undelivered row stays
    await ctx.db.query(
      `INSERT INTO truc.undelivered (system, entity, key, failed_set, school_code)
       SELECT 'smas', entity, 'TF09', failed_set, school_code FROM truc.undelivered LIMIT 1`,
    );
    const letters = createDeadLettersRepo(ctx.db);
    const openOf = async () =>
      (await letters.openByQueue()).find((o) => o.queue === 'push.hcm-csdl')?.open ?? 0;
    expect(await openOf()).toBe(1);

    expect(await forgetPushTarget(ctx.db, 'hcm-csdl', 'operator:cli:admin.q1', ctx.now)).toEqual({
      records: 2,
      deadLetters: 1,
    });
    expect(await undelivered()).toEqual([expect.objectContaining({ system: 'smas', key: 'TF09' })]);
    expect(await openOf()).toBe(0);
    expect(await letters.list({ queue: 'push.hcm-csdl' }, 10, 0)).toEqual([]);
    const [listed] = await letters.list({ queue: 'push.hcm-csdl', includeReplayed: true }, 10, 0);
    expect(listed).toMatchObject({
      outboxId: row.id,
      abandonedAt: expect.any(Date),
      abandonedReason: 'target-forgotten',
      resolvedAt: null,
    });
    const audit = await ctx.db.query<{ actor: string; subject: string; details: unknown }>(
      `SELECT actor, subject, details FROM truc.audit_log WHERE action = 'target.forgotten'`,
    );
    expect(audit.rows).toEqual([
      { actor: 'operator:cli:admin.q1', subject: 'target:hcm-csdl', details: { records: 2, deadLetters: 1 } },
    ]);
    // twice: nothing left to forget
    expect(await forgetPushTarget(ctx.db, 'hcm-csdl', 'operator:cli:admin.q1', ctx.now)).toEqual({
      records: 0,
      deadLetters: 0,
    });
  });

  it('the CLI refuses a target still configured, or not a push target (exit 2, bilingual, before any database)', async () => {
    vi.stubEnv('TRUC_PROFILE', 'test');
    vi.stubEnv('SMAS_BASE_URL', 'http://127.0.0.1:9/');
    vi.stubEnv('DATABASE_URL', 'postgres://nobody@127.0.0.1:9/none');
    let stderr = '';
    const out = { stdout: () => undefined, stderr: (t: string) => void (stderr += t) };
    expect(await runCli(['targets', 'forget', 'smas', '--as', 'admin.q1'], out)).toBe(2);
    expect(stderr.split('\n')[0]).toBe(
      'truc: smas vẫn còn trong cấu hình: bản ghi chưa gửi sẽ được gửi khi chạy lại việc lỗi hoặc lần gửi lại sau; gỡ nó khỏi cấu hình trước' +
        ' / smas is still configured: its undelivered records are sent by a replay or the next re-push; remove it from the configuration first',
    );
    stderr = '';
    expect(await runCli(['targets', 'forget', 'moet-pcgd'], out)).toBe(2);
    expect(stderr.split('\n')[0]).toMatch(/one of hcm-csdl, smas, vnedu$/);
  });
});
