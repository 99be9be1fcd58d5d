/**
 * fixes26b item 4: a push target removed from the configuration leaves its undelivered records (migration 810) and
 * its push sets' open dead letters for good, until `truc targets forget <system>` (ops25); nothing said so. Now a
 * worker's start (`truc worker`, `truc all`: src/roles.ts) logs one warning naming the systems, their counts and
 * the command (no record key or personal data), and the operations overview (GET /v1/ops/overview, the
 * dashboard's first page) lists them with what to do, in both languages. A target still configured, or one
 * forgotten, is not named. On a real in-memory database.
 */
import { describe, expect, it } from 'vitest';
import { composeOverview } from '../../../src/api/routes/ops/overview.js';
import type { Config } from '../../../src/config.js';
import { removedTargetsLeft, warnRemovedTargets } from '../../../src/jobs/dead-letters.js';
import { forgetPushTarget } from '../../../src/ops.js';
import { student } from '../../factories/records.js';
import { byQueue, deadLetterRow, fakeTarget, nextRow, useTestContext, vendorBatch } from './fixtures.js';

/** A logger that keeps its warnings. */
function warnings() {
  const seen: Array<{ fields: Record<string, unknown>; message: string }> = [];
  return {
    seen,
    logger: {
      warn: (fields: Record<string, unknown>, message: string) => void seen.push({ fields, message }),
    },
  };
}

describe('a push target removed from the configuration, with work left', () => {
  const city = fakeTarget('hcm-csdl', ['students'], ['students']);
  const ctx = useTestContext({ targets: { 'hcm-csdl': city } });
  /** The configuration with hcm-csdl's URL given (configured) or not (removed: the test profile gives none). */
  const configWith = (cityUrl: string | undefined): Config => {
    const config = structuredClone<Config>(ctx.config);
    config.systems['hcm-csdl'].baseUrl = cityUrl;
    return config;
  };

  it('is named at a worker’s start and on the overview, counts only, with the command; not once forgotten', async () => {
    const removed = configWith(undefined);
    const log = warnings();
    // Nothing left yet: no warning, an empty list.
    expect(await warnRemovedTargets({ db: ctx.db, config: removed, logger: log.logger })).toEqual([]);
    expect(log.seen).toEqual([]);

    // Two students that never reached the city database: their push set dead-lettered.
    await vendorBatch(
      ctx,
      ['RT01', 'RT02'].map((c) => student(c)),
    );
    await deadLetterRow(ctx, (await nextRow(ctx.db, byQueue('push.hcm-csdl')))!);
    const left = [{ system: 'hcm-csdl', records: 2, deadLetters: 1 }];
    expect(await removedTargetsLeft(ctx.db, removed)).toEqual(left);
    // Still configured: its records are delivered by a replay or the next re-push, nothing to say.
    expect(await removedTargetsLeft(ctx.db, configWith('http://127.0.0.1:9/'))).toEqual([]);

    expect(await warnRemovedTargets({ db: ctx.db, config: removed, logger: log.logger })).toEqual(left);
    expect(log.seen).toHaveLength(1);
    expect(log.seen[0]!.fields).toEqual({ targets: left, command: 'truc targets forget <system>' });
    expect(log.seen[0]!.message).toContain('truc targets forget <system>');
    // No record key (nor anything personal) in it.
    expect(JSON.stringify(log.seen)).not.toMatch(/RT0/);

    // Where the city's IT staff look: the overview lists it with what to do, in both languages.
    const overview = await composeOverview({ db: ctx.db, metrics: ctx.metrics, config: removed }, ctx.now());
    expect(overview.removedTargets).toEqual([
      {
        system: 'hcm-csdl',
        records: 2,
        deadLetters: 1,
        hint: {
          vi: 'hcm-csdl đã gỡ khỏi cấu hình: 2 bản ghi chưa gửi, 1 việc lỗi còn mở; khi đã gỡ hẳn, chạy truc targets forget hcm-csdl',
          en: 'hcm-csdl is no longer configured: 2 records undelivered, 1 dead letter open; once it is gone for good, run truc targets forget hcm-csdl',
        },
      },
    ]);
    const configured = configWith('http://127.0.0.1:9/');
    expect(
      (await composeOverview({ db: ctx.db, metrics: ctx.metrics, config: configured }, ctx.now()))
        .removedTargets,
    ).toEqual([]);

    // Forgotten: nothing left to name.
    await forgetPushTarget(ctx.db, 'hcm-csdl', 'operator:cli:admin.q1', ctx.now);
    const after = warnings();
    expect(await warnRemovedTargets({ db: ctx.db, config: removed, logger: after.logger })).toEqual([]);
    expect(after.seen).toEqual([]);
    expect(
      (await composeOverview({ db: ctx.db, metrics: ctx.metrics, config: removed }, ctx.now()))
        .removedTargets,
    ).toEqual([]);
  });
});
