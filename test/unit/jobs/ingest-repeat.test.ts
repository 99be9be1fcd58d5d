/**
 * A vendor pushing the same batch again (issue 7, unchanged re-push): the same body bytes for the same
 * school are stored once (the repeat points at the batch that keeps them) and, while the school's
 * records are as the first judgment left them on the same day, judged unchanged at once with the same
 * findings and nothing written to the records. Anything changed since is judged in full: a deleted
 * record comes back, another source's change is overwritten, another day runs the rules again.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { acceptKnownRepeat, acceptRepeat, queueBatch } from '../../../src/jobs/contracts.js';
import { inboundMapping } from '../../../src/jobs/inbound.js';
import { tagAfter } from '../../../src/jobs/ingest-finish.js';
import type { Loaded } from '../../../src/jobs/judge.js';
import { DEFAULT_QUALITY_CONFIG } from '../../../src/quality/index.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { createOverviewRepo } from '../../../src/store/overview.js';
import type { Queryable } from '../../../src/store/db.js';
import { createRecordsRepo } from '../../../src/store/records.js';
import { student, S1, S2 } from '../../helpers/api.js';
import { nextRow, ofBatch, runRow, useTestContext } from './fixtures.js';
import { repeatPushes, withoutParents } from './repeat-push.js';

describe('ingest of a repeated vendor batch', () => {
  const ctx = useTestContext();
  const { store, push, findingsOf, versions, repeatBody, acceptAtOnce } = repeatPushes(ctx);

  it('the same body again is unchanged at once, with the same findings and no record written', async () => {
    // A record accepted with a warning (no parent or guardian named) keeps its finding on the repeat.
    const noParents = withoutParents('R2');
    const records = [student('R1'), noParents];
    const first = await push(records);
    expect(first.result).toMatchObject({ accepted: 2, rejected: 0, unchanged: 0 });
    const warnings = await findingsOf(first.batchId);
    expect(warnings.length).toBeGreaterThan(0);
    const before = await versions(['R1', 'R2']);

    const again = await push(records);
    expect(again.result).toEqual({ accepted: 0, rejected: 0, unchanged: 2, pushSets: [] });
    expect(again.sameAs).toBe(first.batchId); // the records are stored once
    expect(again.storedRecords).toEqual([]);
    expect(await findingsOf(again.batchId)).toEqual(warnings);
    expect(await versions(['R1', 'R2'])).toEqual(before);
    // Recorded off the chain's global lock, as a batch judged in full is.
    const audit = await ctx.db.rows<{ details: Record<string, unknown> }>(
      'truc.audit_pending',
      `subject = 'batch:${again.batchId}' AND action = 'batch.ingested'`,
    );
    expect(audit[0]!.details).toMatchObject({ unchanged: 2, repeatOf: `batch:${first.batchId}` });
    // And a third time, judged against the second.
    const third = await push(records);
    expect(third.result).toMatchObject({ unchanged: 2 });
    expect(await findingsOf(third.batchId)).toEqual(warnings);
  });

  it("a repeat shows the earlier batch's findings without copying them, as every reader counts them", async () => {
    // A school of its own: the school's findings below are those of these three batches only.
    const records = [student('B1', S2), withoutParents('B2', S2)];
    const batches = createBatchesRepo(ctx.db);
    const total = async () => (await batches.findingCounts()).reduce((n, r) => n + r.n, 0);
    const before = await total();
    const first = await push(records, ctx, S2);
    const second = await push(records, ctx, S2);
    const third = await push(records, ctx, S2);
    expect([second.result, third.result]).toMatchObject([{ unchanged: 2 }, { unchanged: 2 }]);
    // By reference (migration 170): the rows stay with the first batch, a repeat of a repeat names it too.
    const own = await ctx.db.query<{ id: string; n: number; findings_of: string | null }>(
      `SELECT b.id, b.findings_of, (SELECT count(*)::int FROM truc.findings f WHERE f.batch_id = b.id) AS n
         FROM truc.batches b WHERE b.id = ANY($1::uuid[])`,
      [[second.batchId, third.batchId]],
    );
    expect(own.rows.map(({ n, findings_of }) => ({ n, findings_of }))).toEqual([
      { n: 0, findings_of: first.batchId },
      { n: 0, findings_of: first.batchId },
    ]);
    const counts = await batches.batchFindingCounts(first.batchId);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(await batches.batchFindingCounts(third.batchId)).toEqual(counts);
    // The school's findings count each batch's as if it kept its own: three batches, three times.
    const byRule = await createOverviewRepo(ctx.db).schoolFindingsByRule(S2);
    const firsts = await findingsOf(first.batchId);
    const once = new Map<unknown, { findings: number; records: Set<unknown> }>();
    for (const [index, rule] of firsts) {
      const r = once.get(rule) ?? { findings: 0, records: new Set() };
      r.findings++;
      r.records.add(index);
      once.set(rule, r);
    }
    expect(once.size).toBeGreaterThan(0);
    expect(new Map(byRule.map((r) => [r.rule, { findings: r.findings, records: r.records }]))).toEqual(
      new Map(
        [...once].map(([rule, r]) => [rule, { findings: 3 * r.findings, records: 3 * r.records.size }]),
      ),
    );
    expect((await total()) - before).toBe(3 * firsts.length);
  });

  /** All a finished batch shows: its row, findings and audit entry (the earlier batch it repeats aside). */
  async function outcomeOf(batchId: string) {
    const [row] = await ctx.db
      .query<Record<string, unknown>>(
        `SELECT status, received, accepted, rejected, unchanged, deleted, error_code, mode, same_as, repeat_tag,
              findings_of, records, finished_at IS NOT NULL AS finished
         FROM truc.batches WHERE id = $1`,
        [batchId],
      )
      .then((r) => r.rows);
    const findings = await ctx.db.query<Record<string, unknown>>(
      `SELECT record_index, record_key, criterion, rule, severity, pointer, message_vi, message_en, value,
              hint_vi, hint_en, detail_vi, detail_en
         FROM truc.findings
        WHERE batch_id = (SELECT coalesce(findings_of, id) FROM truc.batches WHERE id = $1) ORDER BY id`,
      [batchId],
    );
    const audit = await ctx.db.rows<{ actor: string; details: Record<string, unknown> }>(
      'truc.audit_pending',
      `subject = 'batch:${batchId}' AND action = 'batch.ingested'`,
    );
    const entries = audit.map(({ actor, details: { repeatOf: _, ...details } }) => ({ actor, details }));
    return { row, findings: findings.rows, audit: entries };
  }

  it('a repeat judged when accepted ends as the ingest would judge it, with no ingest job', async () => {
    const noParents = withoutParents('F2');
    const records = [student('F1'), noParents];
    await push(records);
    const slow = await push(records); // judged by the ingest job
    const fast = await store(records, ctx, S1, ctx); // judged in the accepting transaction
    expect(fast.judged).toEqual({ accepted: 0, rejected: 0, unchanged: 2 });
    expect(fast.job).toBeUndefined();
    const once = await acceptAtOnce(records); // judged in one statement of its own (the API, no key)
    expect(once.judged).toEqual({ accepted: 0, rejected: 0, unchanged: 2 });
    expect(await nextRow(ctx.db, ofBatch(once.id))).toBeUndefined();
    const [slowOutcome, fastOutcome] = [await outcomeOf(slow.batchId), await outcomeOf(fast.batchId)];
    expect(fastOutcome.findings.length).toBeGreaterThan(0);
    expect(fastOutcome.audit).toHaveLength(1);
    expect(fastOutcome).toEqual(slowOutcome);
    expect(await outcomeOf(once.id)).toEqual(slowOutcome);
    const audit = await ctx.db.query<{ action: string; at: Date }>(
      'SELECT action, at FROM truc.audit_pending WHERE subject = $1 ORDER BY id',
      [`batch:${once.id}`],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['batch.accepted', 'batch.ingested']);
    // At the time of the deps' clock (the one the repeat's tag is judged by), not the machine's.
    expect(audit.rows.map((r) => r.at.toISOString())).toEqual(
      [ctx.now(), ctx.now()].map((d) => d.toISOString()),
    );
  });

  it("the API's look-up of a body and its one-statement repeat are prepared statements", async () => {
    // Both run for every repeat a vendor pushes, the same text each time: PostgreSQL parses and plans
    // them once per connection (../store/db.ts `QueryOptions.prepared`).
    const records = [student('P1'), student('P2')];
    await push(records);
    const asked: boolean[] = [];
    const recording: Queryable = {
      query: (sql, params, opts) => {
        asked.push(opts?.prepared === true);
        return ctx.db.query(sql, params, opts);
      },
    };
    const { batch } = await repeatBody(records);
    const held = (await createBatchesRepo(recording).heldAndJudged('vendor-1', S1, batch.bodySha256))!;
    const accepted = { actor: 'vendor-1', action: 'batch.accepted' as const };
    const id = randomUUID();
    expect(await acceptRepeat(recording, { ...batch, id }, held.judged!, accepted, ctx)).toEqual({
      accepted: 0,
      rejected: 0,
      unchanged: 2,
    });
    expect(asked).toEqual([true, true]);
  });

  it("the route's look-up of a body judges a repeat in the same prepared statement, leaving what acceptRepeat leaves", async () => {
    // perfu23 (issue 7): one round trip a re-push where the look-up and the judgment took two.
    const records = [student('L1'), withoutParents('L2')];
    await push(records);
    const once = await acceptAtOnce(records);
    expect(once.judged).toEqual({ accepted: 0, rejected: 0, unchanged: 2 });
    const { held, batch } = await repeatBody(records);
    const asked: boolean[] = [];
    const recording: Queryable = {
      query: (sql, params, opts) => {
        asked.push(opts?.prepared === true);
        return ctx.db.query(sql, params, opts);
      },
    };
    const id = randomUUID();
    const push1 = {
      id,
      clientId: 'vendor-1',
      schoolCode: S1,
      bodySha256: batch.bodySha256,
      maxRecords: 1000,
    };
    const found = await acceptKnownRepeat(recording, ctx, push1);
    expect(asked).toEqual([true]);
    expect(found).toEqual({ ...held, inserted: true });
    expect(await outcomeOf(id)).toEqual(await outcomeOf(once.id));
    const ingested = await ctx.db.rows<{ at: Date; details: Record<string, unknown> }>(
      'truc.audit_pending',
      `subject = 'batch:${id}' AND action = 'batch.ingested'`,
    );
    expect(ingested.map((r) => r.details.repeatOf)).toEqual([`batch:${held.judged!.id}`]);
    expect(ingested.map((r) => r.at.toISOString())).toEqual([ctx.now().toISOString()]);
    // Not a repeat judged at once: more records than the route takes now, or a new body (nothing written).
    const before = (await ctx.db.rows('truc.batches')).length;
    const over = await acceptKnownRepeat(ctx.db, ctx, { ...push1, id: randomUUID(), maxRecords: 1 });
    expect(over).toMatchObject({ id: held.id, inserted: false });
    const other = { ...push1, id: randomUUID(), bodySha256: 'f'.repeat(64) };
    expect(await acceptKnownRepeat(ctx.db, ctx, other)).toBeUndefined();
    expect((await ctx.db.rows('truc.batches')).length).toBe(before);
  });

  /** Student rows read so far in the transaction of `q` (scans and index fetches). */
  const studentReads = async (q: Queryable) =>
    Number(
      (
        await q.query<{ n: string }>(
          `SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS n
             FROM pg_stat_xact_user_tables WHERE relid = 'truc.students'::regclass`,
        )
      ).rows[0]!.n,
    );

  it("judging a repeat reads none of the school's records: the change feed since the judgment's snapshot", async () => {
    // Migration 280: the school's state was a digest of its every live record, read on every repeat.
    const records = [student('Q1'), student('Q2')];
    await push(records);
    const { held, batch } = await repeatBody(records);
    const judgedAtOnce = (judge: (q: Queryable, id: string) => Promise<unknown>) =>
      ctx.db.tx(async (q) => {
        const before = await studentReads(q);
        const judged = await judge(q, randomUUID());
        return { judged, read: (await studentReads(q)) - before };
      });
    // In the API's one statement, and in the accepting transaction.
    const accepted = { actor: 'vendor-1', action: 'batch.accepted' as const };
    expect(
      await judgedAtOnce((q, id) => acceptRepeat(q, { ...batch, id }, held.judged!, accepted, ctx)),
    ).toEqual({ judged: { accepted: 0, rejected: 0, unchanged: 2 }, read: 0 });
    expect(await judgedAtOnce((q, id) => queueBatch(q, { ...batch, id }, { repeats: ctx }))).toEqual({
      judged: { accepted: 0, rejected: 0, unchanged: 2 },
      read: 0,
    });
  });

  it('a repeat that cannot be judged when accepted is queued and judged in full', async () => {
    const records = [student('G1'), student('G2')];
    await push(records);
    await createRecordsRepo(ctx.db).tombstone('students', ['G2']);
    // Nor in one statement of its own: nothing is written.
    const once = await acceptAtOnce(records);
    expect(once.judged).toBeUndefined();
    expect(await ctx.db.rows('truc.batches', `id = '${once.id}'`)).toEqual([]);
    expect(await ctx.db.rows('truc.audit_pending', `subject = 'batch:${once.id}'`)).toEqual([]);
    const again = await store(records, ctx, S1, ctx);
    expect(again.judged).toBeUndefined();
    const result = await runRow(ctx, again.job!);
    expect(result).toMatchObject({ accepted: 1, unchanged: 1 });
  });
});

describe('the tag a judged vendor batch leaves', () => {
  const judged = { today: '2026-10-01', config: DEFAULT_QUALITY_CONFIG };
  const loaded = (school = S1) =>
    ({
      batch: { schoolCode: school, bodySha256: 'ab'.repeat(32), mode: 'delta', mappingPin: null },
      entity: 'students',
      mapping: inboundMapping('canonical', 'students'),
      trusted: false,
      snapshot: '1:1:',
    }) as unknown as Loaded;
  const row = (key: string, scope = S1) => ({ key, scope, data: {}, fingerprint: `fp-${key}` });
  const existing = new Map([
    ['B', { key: 'B', scope: S1, fingerprint: 'fp-B', deleted: false, sourceFp: null }],
  ]);

  it('checks only the records it left unchanged: the changed are its own writes, locked until it commits', () => {
    const tag = tagAfter(
      judged,
      loaded(),
      { toWrite: [row('A')], unchangedKeys: ['B'], rejected: 0 },
      existing,
    );
    expect(tag && [...tag.expected]).toEqual([['B', 'fp-B']]);
  });

  it('is none when a record was written into another school', () => {
    const plan = { toWrite: [row('A', S2)], unchangedKeys: ['B'], rejected: 0 };
    expect(tagAfter(judged, loaded(), plan, existing)).toBeNull();
  });
});
