/**
 * The ingest runs the whole quality engine (issue 8) on a real in-memory database: the city's policy
 * from config, catalogue findings from every format judged alike, repairs stored, store-backed rules
 * (a child active at two schools, a probable duplicate stored elsewhere) fed by a fixed number of
 * queries whatever the batch size, and the last verdict of every record kept for scorecards.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { queueBatch } from '../../../src/jobs/contracts.js';
import { ingestJob } from '../../../src/jobs/ingest.js';
import type { Queryable } from '../../../src/store/db.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { createQualityRepo } from '../../../src/store/quality.js';
import { twinKey } from '../../../src/quality/index.js';
import { smasStudent } from '../../factories/wire.js';
import { student, S1, S2 } from '../../helpers/api.js';
import { nextRow, ofBatch, runRow, useTestContext } from './fixtures.js';

/** A full, clean student (parents, phone, commune, personal ID matching sex and birth year). */
const full = (code: string, school = S1, personalId = '079219000001') => ({
  ...student(code, school),
  personalId,
  residenceCommuneCode: '26734',
  fatherName: 'Nguyễn Văn Hùng',
  motherName: 'Lê Thị Lan',
  phone: '0903123456',
  classCode: `${school}-1A`,
});

describe('ingest: the whole quality engine', () => {
  const ctx = useTestContext();
  let queries = 0;
  let statements: string[] = [];
  beforeAll(() => {
    // Counts the queries made inside the ingest's transaction.
    const tx = ctx.db.tx.bind(ctx.db);
    ctx.db.tx = (fn) =>
      tx((q: Queryable) =>
        fn({
          query: (sql: string, params?: readonly unknown[]) => {
            queries++;
            statements.push(sql);
            return q.query(sql, params);
          },
        }),
      );
  });

  async function ingest(
    records: unknown[],
    opts: {
      school?: string;
      format?: string;
      policy?: Record<string, Record<string, string>>;
      changeRatio?: number;
    } = {},
  ) {
    const batchId = randomUUID();
    await ctx.db.tx((q) =>
      queueBatch(q, {
        id: batchId,
        clientId: 'vendor-1',
        schoolCode: opts.school ?? S1,
        entity: 'students',
        format: opts.format ?? 'canonical',
        records,
      }),
    );
    const row = (await nextRow(ctx.db, ofBatch(batchId)))!;
    const config = opts.policy ? loadConfig({ env: { TRUC_PROFILE: 'test' } }) : ctx.config;
    const withPolicy = opts.policy
      ? { ...config, quality: { ...config.quality, policy: opts.policy } }
      : config;
    const { changeRatio } = opts;
    const run = {
      ...ctx,
      config:
        changeRatio === undefined
          ? withPolicy
          : { ...withPolicy, guard: { ...withPolicy.guard, changeRatio } },
    };
    queries = 0;
    statements = [];
    const result = await runRow(run, row, ingestJob);
    const findings = await createBatchesRepo(ctx.db).findings(batchId, 1000, 0);
    return { batchId, result, findings, queries, statements };
  }

  it('reports what the sender must learn: a name in upper case repaired and stored, age vs grade', async () => {
    const { result, findings } = await ingest([
      { ...full('Q1'), fullName: 'NGUYỄN VĂN AN' },
      { ...full('Q2', S1, '079224000002'), birthDate: '2024-02-02', grade: '12' },
    ]);
    expect(result).toMatchObject({ accepted: 2, rejected: 0 });
    const rules = findings.map((f) => [f.recordIndex, f.rule]);
    expect(rules).toContainEqual([0, 'SACH_NAME_CASE']);
    expect(rules).toContainEqual([1, 'DUNG_AGE_FOR_GRADE']);
    const stored = await ctx.db.rows<{ data: { fullName: string } }>('truc.students', "student_code = 'Q1'");
    expect(stored[0]!.data.fullName).toBe('Nguyễn Văn An');
    // Hints in both languages are stored with the finding; no personal data as a value.
    const nameCase = findings.find((f) => f.rule === 'SACH_NAME_CASE')!;
    expect(nameCase.hintVi && nameCase.hintEn).toBeTruthy();
    expect(nameCase.value).toBeNull();
  });

  it('a legacy ID is the same finding in canonical and SMAS format; the policy in config decides if it blocks', async () => {
    const smas = smasStudent('Q4', { SoCCCD: '023456789' });
    const canonical = await ingest([{ ...full('Q3'), personalId: '023 456 789' }]);
    const native = await ingest([smas], { format: 'smas' });
    for (const r of [canonical, native]) {
      expect(r.result).toMatchObject({ accepted: 1, rejected: 0 });
      expect(r.findings.find((f) => f.rule === 'DUNG_PERSONAL_ID_LEGACY')).toMatchObject({
        severity: 'warning',
        criterion: 'dung',
      });
    }
    const policy = { students: { DUNG_PERSONAL_ID_LEGACY: 'error' } };
    const strictCanonical = await ingest([{ ...full('Q5'), personalId: '023456789' }], { policy });
    const strictNative = await ingest([{ ...smas, MaHocSinh: 'Q6' }], { format: 'smas', policy });
    for (const r of [strictCanonical, strictNative]) {
      expect(r.result).toMatchObject({ accepted: 0, rejected: 1 });
      expect(r.findings.find((f) => f.rule === 'DUNG_PERSONAL_ID_LEGACY')?.severity).toBe('error');
    }
  });

  /**
   * A1 and A2 at S1, then B1 and B2 at S2 (A1 and B1 hold one personal ID; all four share a twin key),
   * stored once for the tests that read them, whichever runs first; S2's batch.
   */
  let twoSchools: ReturnType<typeof ingest> | undefined;
  const storeTwoSchools = () =>
    (twoSchools ??= ingest([
      full('A1', S1, '079219000111'),
      { ...full('A2', S1), personalId: undefined },
    ]).then(() =>
      ingest([{ ...full('B1', S2, '079219000111') }, { ...full('B2', S2, '079219000222') }], { school: S2 }),
    ));

  it('a child active at two schools, a probable duplicate stored elsewhere', async () => {
    const { findings, result } = await storeTwoSchools();
    expect(result).toMatchObject({ accepted: 2 });
    // Both rest on S1's records only: S2's sender is not told (review27b F1, F2), the city's verdicts hold them.
    const elsewhere = ['SACH_ACTIVE_AT_TWO_SCHOOLS', 'SACH_PROBABLE_DUPLICATE_STORED'];
    expect(findings.filter((f) => elsewhere.includes(f.rule))).toEqual([]);
    const verdicts = async (rule: string) =>
      (await createQualityRepo(ctx.db).schoolFindings(S2, { rule }, 100, 0)).items
        .map((i) => i.recordKey)
        .sort();
    expect(await verdicts('SACH_ACTIVE_AT_TWO_SCHOOLS')).toEqual(['B1']);
    // A2 (same name, birth date and father as both) has no personal ID: both are probable duplicates.
    expect(await verdicts('SACH_PROBABLE_DUPLICATE_STORED')).toEqual(['B1', 'B2']);
  });

  it("the store lookups leave out the asker's own row: a re-sent student is not its own holder or twin", async () => {
    // A1 (S1) and B1 (S2) hold the same personal ID; A1, A2, B1 and B2 share a twin key.
    await storeTwoSchools();
    const repo = createQualityRepo(ctx.db);
    type Asker = { personalId: string; key: string; schoolCode: string; scope: string };
    const asker = (key: string, school: string): Asker => ({
      personalId: '079219000111',
      key,
      schoolCode: school,
      scope: school,
    });
    const holdersOf = async (a: Asker) =>
      (await repo.facts({ activeHolders: { entity: 'students', askers: [a] } })).activeHolders;
    const holders = await holdersOf(asker('A1', S1));
    expect(holders?.get('079219000111')).toEqual([{ key: 'B1', schoolCode: S2 }]);
    // A holder at the asker's own school is left out too (the rule wants another school).
    expect(await holdersOf(asker('X9', S2))).toEqual(
      new Map([['079219000111', [{ key: 'A1', schoolCode: S1 }]]]),
    );
    const twin = twinKey(full('A1'))!;
    const twinsOf = async (hasId: boolean) =>
      (
        (await repo.facts({ bornOn: { dates: [], askers: [{ twinKey: twin, key: 'A1', hasId }] } })).bornOn ??
        []
      ).map((r) => r.key);
    const keys = await twinsOf(false);
    expect(keys).toEqual(expect.arrayContaining(['A2', 'B1', 'B2']));
    expect(keys).not.toContain('A1');
    // An asker holding a personal ID is a duplicate only of a twin holding none (A2): the twins holding one are left out.
    const withId = await twinsOf(true);
    expect(withId).toContain('A2');
    for (const key of ['A1', 'B1', 'B2']) expect(withId).not.toContain(key);
    // The holders of an asker's personal ID in its own school, but the asker itself.
    const scoped = async (a: Asker) =>
      (await repo.facts({ scopeHolders: { entity: 'students', askers: [a] } })).scopeHolders;
    expect(await scoped(asker('X9', S2))).toEqual(
      new Map([['079219000111', [{ key: 'B1', schoolCode: S2 }]]]),
    );
    expect(await scoped(asker('B1', S2))).toEqual(new Map());
    expect(await scoped(asker('A1', S1))).toEqual(new Map());
    // Both asked of the same askers: each answered as when asked alone.
    const askers = [asker('X9', S1)];
    const both = await repo.facts({
      activeHolders: { entity: 'students', askers },
      scopeHolders: { entity: 'students', askers },
    });
    expect(both.activeHolders).toEqual(new Map([['079219000111', [{ key: 'B1', schoolCode: S2 }]]]));
    expect(both.scopeHolders).toEqual(new Map([['079219000111', [{ key: 'A1', schoolCode: S1 }]]]));
  });

  it('answers both holder lookups of the same askers by one probe of the records per asker', async () => {
    const sent: string[] = [];
    const spy: Queryable = {
      query: <R>(sql: string, params?: readonly unknown[]) => {
        sent.push(sql);
        return ctx.db.query<R>(sql, params);
      },
    };
    const askers = [{ personalId: '079219000111', key: 'X9', schoolCode: S1, scope: S1 }];
    await createQualityRepo(spy).facts({
      activeHolders: { entity: 'students', askers },
      scopeHolders: { entity: 'students', askers },
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.match(/FROM truc\.students/g)).toHaveLength(1);
  });

  it('makes the same number of queries for 3 records and for 300', async () => {
    const small = await ingest(
      Array.from({ length: 3 }, (_, i) => full(`N${i}`, S1, `07921900${String(1000 + i)}`)),
    );
    const big = await ingest(
      Array.from({ length: 300 }, (_, i) => full(`M${i}`, S1, `07921900${String(2000 + i)}`)),
    );
    expect(small.result.accepted).toBe(3);
    expect(big.result.accepted).toBe(300);
    expect(big.queries).toBe(small.queries);
  });

  it("asks the store-backed rules' lookups in one statement (issue 7: one round trip per batch)", async () => {
    const { result, statements: sqls } = await ingest([full('L1', S1, '079219000333')]);
    expect(result.accepted).toBe(1);
    // A vendor's students need the school levels, the classes, the holders of the personal IDs, the
    // school's last syncs and year counts and the stored twins: one statement reads all. The city's
    // copies only of records stored from the city database (a new record has none: ingest-city-copies).
    const lookups = sqls.filter((sql) => /FROM truc\.(schools|classes|sync_runs)\b/.test(sql));
    expect(lookups).toHaveLength(1);
    for (const part of [
      /FROM truc\.schools/,
      /FROM truc\.classes/,
      /s\.personal_id = a\.id/,
      /s\.twin_key = a\.twin/,
      /truc\.sync_runs/,
    ])
      expect(lookups[0]).toMatch(part);
    expect(lookups[0]).not.toMatch(/source_system = /);
  });

  it('closes the batch in one statement: findings, verdicts, counts, audit entry, outbox row (issue 7)', async () => {
    const {
      result,
      findings,
      statements: sqls,
    } = await ingest([{ ...full('W1', S1, '079219000444'), fullName: 'NGUYỄN VĂN AN' }]);
    expect(result.accepted).toBe(1);
    expect(findings.length).toBeGreaterThan(0);
    const closing = sqls.filter((sql) =>
      /INSERT INTO truc\.(findings|quality_records|audit_pending)|UPDATE truc\.(batches|outbox) SET/.test(
        sql,
      ),
    );
    expect(closing).toHaveLength(1);
    for (const part of [
      /INSERT INTO truc\.findings/,
      /INSERT INTO truc\.quality_records/,
      /UPDATE truc\.batches SET status = 'done'/,
      /INSERT INTO truc\.audit_pending/,
      /UPDATE truc\.outbox SET done_at/,
    ])
      expect(closing[0]).toMatch(part);
  });

  it("weighs a vendor's changes for the guard with the stored copies' lookup: no second count (issue 7)", async () => {
    await ingest([full('V1', S1, '079219000555')]);
    const { result, statements: sqls } = await ingest([{ ...full('V1', S1, '079219000555'), grade: '3' }]);
    expect(result.accepted).toBe(1);
    const reads = sqls.filter((sql) => /FROM truc\.students\b/.test(sql) && !/^\s*(INSERT|UPDATE)/.test(sql));
    const copies = reads.filter((sql) => /student_code = ANY\(\$1::text\[\]\)/.test(sql));
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatch(/count\(\*\)::int AS n/);
    // The guard's own count of the schools' live records (records.ts liveCounts) is not sent.
    expect(reads.filter((sql) => /school_code = ANY\(\$1::text\[\]\) GROUP BY 1/.test(sql))).toEqual([]);
  });

  it("at a changed-records threshold of 1 (the rollover window's) counts no school for a vendor's changes (issue 7)", async () => {
    const four = ['GW1', 'GW2', 'GW3', 'GW4'].map((code, i) => full(code, S1, `07921900066${i}`));
    await ingest(four, { changeRatio: 1 });
    const changed = await ingest(
      four.map((r) => ({ ...r, grade: '3' })),
      { changeRatio: 1 },
    );
    expect(changed.result).toMatchObject({ accepted: 4 });
    expect(changed.statements.filter((sql) => /FROM truc\.students\b[\s\S]*count\(\*\)/.test(sql))).toEqual(
      [],
    );
  });

  it('keeps the last verdict of every record with its findings (no personal data)', async () => {
    const { batchId } = await ingest([
      // Personal IDs of their own: another live student of S1 holding one would refuse the record.
      { ...full('V1', S1, '079219000901'), fullName: 'NGUYỄN VĂN AN' },
      { ...full('V2', S1, '079219000902'), birthDate: '2019-02-30' },
    ]);
    const rows = await ctx.db.rows<{
      record_key: string;
      accepted: boolean;
      batch_id: string;
      findings: { rule: string }[];
    }>('truc.quality_records', "record_key IN ('V1', 'V2') ORDER BY record_key");
    expect(rows.map((r) => [r.record_key, r.accepted, r.batch_id])).toEqual([['V1', true, batchId]]);
    expect(rows[0]!.findings.map((f) => f.rule)).toContain('SACH_NAME_CASE');
    const listed = await createQualityRepo(ctx.db).schoolFindings(S1, { rule: 'SACH_NAME_CASE' }, 100, 0);
    expect(listed.items.map((i) => i.recordKey)).toContain('V1');
    expect(JSON.stringify(listed.items)).not.toContain('NGUYỄN');
  });
});
