/**
 * Issue 7: the stored-duplicate lookup of a batch reads each stored twin (same name key and birth date) once, not
 * once per record of the batch asking for it. 3,000 stored students of one name and birth date, then a vendor's
 * batch of 300 more ingested on PostgreSQL: the rows the facts statement reads from the students, counted from its
 * EXPLAIN ANALYZE (rows × loops of each node over the table), grow as stored + batch. A probe per asker read
 * 300 × 3,000 (src/store/quality-facts.ts `twinsSql`; at 12,800 stored and 400 a batch: 5.1 M rows, ~70 s).
 */
import { describe, expect, it } from 'vitest';
import { createWorkerContext } from '../../src/jobs/context.js';
import { ingestJob } from '../../src/jobs/ingest.js';
import { twinKey } from '../../src/quality/index.js';
import { createQualityRepo } from '../../src/store/quality.js';
import { createRecordsRepo, fingerprint, type UpsertRow } from '../../src/store/records.js';
import { student } from '../factories/records.js';
import { OTHER, S1 } from '../helpers/api.js';
import { usePostgresEnv } from '../helpers/env.js';
import { explaining } from '../helpers/store-suite.js';
import { queueVendorBody } from '../helpers/vendor-batch.js';

const STORED = 3000;
const BATCH = 300;
const TWIN = { fullName: 'Nguyễn Văn An', birthDate: '2019-03-04', fatherName: 'Nguyễn Văn Nam' };

type PlanNode = {
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
};

/** Rows read from `relation` by every node of `plan` (EXPLAIN ANALYZE, JSON): rows × loops, summed. */
function rowsRead(plan: PlanNode, relation: string): number {
  const own =
    plan['Relation Name'] === relation ? (plan['Actual Rows'] ?? 0) * (plan['Actual Loops'] ?? 0) : 0;
  return (plan.Plans ?? []).reduce((n, child) => n + rowsRead(child, relation), own);
}

describe('the stored twins of a batch (issue 7)', () => {
  const env = usePostgresEnv();

  it('are read once a batch, not once per record of the batch sharing their name and birth date', async () => {
    const { db } = env().deps;
    // Stored twins holding no personal ID: both probes read them (an asker holding an ID meets only those).
    const rows: UpsertRow[] = Array.from({ length: STORED }, (_, i) => {
      const data = student(`TW${String(i).padStart(5, '0')}`, { ...TWIN, schoolCode: OTHER });
      return {
        key: data.studentCode,
        scope: OTHER,
        data,
        fingerprint: fingerprint(data),
        twinKey: twinKey(data),
      };
    });
    await createRecordsRepo(db).upsert('students', rows, { system: 'hcm-csdl', mappingVersion: 'test' });
    // A vendor's batch of more of them at its school, half holding a personal ID.
    const batch = Array.from({ length: BATCH }, (_, i) =>
      student(`TB${String(i).padStart(5, '0')}`, {
        ...TWIN,
        schoolCode: S1,
        ...(i % 2 === 0 ? { personalId: `0792190${String(i).padStart(5, '0')}` } : {}),
      }),
    );
    const { batchId } = await queueVendorBody(db, batch);
    const outbox = await db.query<{ id: number }>(
      `SELECT id FROM truc.outbox WHERE payload->>'batchId' = $1 AND done_at IS NULL`,
      [batchId],
    );
    const job = {
      id: 'j',
      queue: ingestJob.queue,
      name: ingestJob.name,
      attempt: 1,
      outboxId: outbox.rows[0]!.id,
    };
    const { plans, result } = await explaining(
      'SELECT (SELECT coalesce(json_agg',
      'EXPLAIN (ANALYZE, FORMAT JSON)',
      () => ingestJob.run(createWorkerContext(env().deps), { batchId }, job),
    );
    expect(result).toMatchObject({ accepted: BATCH, rejected: 0 });
    expect(plans).toHaveLength(1);
    const read = rowsRead((JSON.parse(plans[0]!) as { Plan: PlanNode }[])[0]!.Plan, 'students');
    // Each distinct twin key probed once per class of askers (with an ID, without): 2 × 3,000; per asker 900,000.
    expect(read).toBeGreaterThanOrEqual(STORED);
    expect(read).toBeLessThanOrEqual(2 * (STORED + BATCH));
    // Every record of the batch is a probable duplicate of stored twins, all at another school (in its verdict: the
    // city's to see, not the sender's).
    const findings = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM truc.quality_records r, jsonb_array_elements(r.findings) f
        WHERE r.batch_id = $1 AND f ->> 'rule' = 'SACH_PROBABLE_DUPLICATE_STORED' AND f ->> 'elsewhere' = 'true'`,
      [batchId],
    );
    expect(findings.rows[0]!.n).toBe(BATCH);
  }, 120_000);

  it("leave out a stored row only where it is its twin key's sole asker", async () => {
    const { db } = env().deps;
    const key = '2018-01-02|lê thị hoa';
    const stored = (code: string, personalId?: string): UpsertRow => {
      const data = student(code, {
        schoolCode: OTHER,
        birthDate: '2018-01-02',
        fullName: 'Lê Thị Hoa',
        personalId,
      });
      return { key: code, scope: OTHER, personalId, data, fingerprint: fingerprint(data), twinKey: key };
    };
    await createRecordsRepo(db).upsert(
      'students',
      [stored('SA'), stored('SB'), stored('SC', '079218000003')],
      {
        system: 'hcm-csdl',
        mappingVersion: 'test',
      },
    );
    const twinsOf = async (askers: { key: string; hasId: boolean }[]) => {
      const facts = await db.tx((q) =>
        createQualityRepo(q).facts({
          bornOn: { dates: ['2018-01-02'], askers: askers.map((a) => ({ ...a, twinKey: key })) },
        }),
      );
      return (facts.bornOn ?? []).map((r) => r.key).sort();
    };
    // One asker (sent once or twice): its own row is not its twin.
    expect(await twinsOf([{ key: 'SA', hasId: false }])).toEqual(['SB', 'SC']);
    expect(
      await twinsOf([
        { key: 'SA', hasId: false },
        { key: 'SA', hasId: false },
      ]),
    ).toEqual(['SB', 'SC']);
    // Two askers: each is the other's twin, every row of the key comes back.
    expect(
      await twinsOf([
        { key: 'SA', hasId: false },
        { key: 'SB', hasId: false },
      ]),
    ).toEqual(['SA', 'SB', 'SC']);
    // An asker holding a personal ID meets only those holding none; each class of askers on its own (SA holding an
    // ID meets SB; SB holding none meets SA and SC).
    expect(await twinsOf([{ key: 'SA', hasId: true }])).toEqual(['SB']);
    expect(
      await twinsOf([
        { key: 'SA', hasId: true },
        { key: 'SB', hasId: false },
      ]),
    ).toEqual(['SA', 'SB', 'SC']);
    expect(await twinsOf([{ key: 'SB', hasId: true }])).toEqual(['SA']);
    expect(
      await twinsOf([
        { key: 'NEW', hasId: true },
        { key: 'SB', hasId: true },
      ]),
    ).toEqual(['SA', 'SB']);
  });
});
