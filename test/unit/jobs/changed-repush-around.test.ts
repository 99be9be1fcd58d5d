/**
 * A changed vendor re-push (issue 7, perf30a): a stored student sent again with only a status date changed, its
 * personal ID, name, birth date and school as stored, is judged again against what changed around it since its
 * last verdict, not given that verdict back. Each case here is one where the stored answer is stale although the
 * record's own identity fields are not: another school's pupil took its personal ID, that pupil left, a twin
 * without an ID arrived at another school, a holder of its ID in its own school was stored while the city's policy
 * had the rule off, the school year turned. A shortcut that skipped the store-backed checks (the personal-ID and
 * twin probes) or the verdict of such a record would fail them (README Operations, "A changed record is judged
 * whole").
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { queueBatch } from '../../../src/jobs/contracts.js';
import { ingestJob } from '../../../src/jobs/ingest.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { student, S1, S2 } from '../../helpers/api.js';
import { NOW, nextRow, ofBatch, runRow, useTestContext } from './fixtures.js';

/** A full, clean student (parents, phone, commune, personal ID matching sex and birth year). */
const full = (code: string, school: string, personalId: string | undefined, over: object = {}) => ({
  ...student(code, school),
  ...(personalId === undefined ? {} : { personalId }),
  residenceCommuneCode: '26734',
  fatherName: 'Nguyễn Văn Hùng',
  motherName: 'Lê Thị Lan',
  phone: '0903123456',
  ...over,
});

interface VerdictRow {
  accepted: boolean;
  findings: { rule: string; elsewhere?: true }[];
}

describe('a changed re-push is judged against what changed around it since its last verdict', () => {
  const ctx = useTestContext();

  async function push(
    records: unknown[],
    opts: { school?: string; policy?: Record<string, Record<string, string>>; now?: Date } = {},
  ) {
    const batchId = randomUUID();
    await ctx.db.tx((q) =>
      queueBatch(q, {
        id: batchId,
        clientId: 'vendor-1',
        schoolCode: opts.school ?? S1,
        entity: 'students',
        format: 'canonical',
        records,
      }),
    );
    const row = (await nextRow(ctx.db, ofBatch(batchId)))!;
    const config = opts.policy ? loadConfig({ env: { TRUC_PROFILE: 'test' } }) : ctx.config;
    const run = {
      ...ctx,
      ...(opts.now ? { now: () => opts.now! } : {}),
      config: opts.policy ? { ...config, quality: { ...config.quality, policy: opts.policy } } : config,
    };
    const result = await runRow(run, row, ingestJob);
    const findings = await createBatchesRepo(ctx.db).findings(batchId, 1000, 0);
    return { result, findings };
  }

  const verdict = async (key: string): Promise<VerdictRow> =>
    (
      await ctx.db.rows<VerdictRow>('truc.quality_records', `entity = 'students' AND record_key = '${key}'`)
    )[0]!;
  const rulesOf = async (key: string) => (await verdict(key)).findings.map((f) => f.rule);
  const changesOf = async (key: string) =>
    (await ctx.db.rows('truc.record_changes', `entity = 'students' AND '${key}' = ANY(record_keys)`)).length;

  it("another school's pupil took its personal ID since, then left: the two-schools finding comes, then goes", async () => {
    await push([full('T1', S1, '079219000501')]);
    expect(await rulesOf('T1')).not.toContain('SACH_ACTIVE_AT_TWO_SCHOOLS');
    await push([full('T2', S2, '079219000501')], { school: S2 });
    // T1 again, only its status date changed: written, and its verdict holds the finding now (the city's).
    const changed = await push([full('T1', S1, '079219000501', { statusDate: '2026-01-10' })]);
    expect(changed.result).toMatchObject({ accepted: 1, unchanged: 0 });
    expect((await verdict('T1')).findings).toContainEqual(
      expect.objectContaining({ rule: 'SACH_ACTIVE_AT_TWO_SCHOOLS', elsewhere: true }),
    );
    // Its sender is not told (review27b F1).
    expect(changed.findings.map((f) => f.rule)).not.toContain('SACH_ACTIVE_AT_TWO_SCHOOLS');
    // T2 leaves; T1's next change loses the finding.
    await push([full('T2', S2, '079219000501', { status: 'transferred_out', statusDate: '2026-01-11' })], {
      school: S2,
    });
    await push([full('T1', S1, '079219000501', { statusDate: '2026-01-12' })]);
    expect(await rulesOf('T1')).not.toContain('SACH_ACTIVE_AT_TWO_SCHOOLS');
  });

  it('a twin without a personal ID arrived at another school since: a probable duplicate', async () => {
    const mai = { fullName: 'Trần Thị Mai', sex: 'female', birthDate: '2019-05-06' };
    await push([full('U1', S1, '079319000601', mai)]);
    expect(await rulesOf('U1')).not.toContain('SACH_PROBABLE_DUPLICATE_STORED');
    await push([full('U2', S2, undefined, mai)], { school: S2 });
    await push([full('U1', S1, '079319000601', { ...mai, statusDate: '2026-01-10' })]);
    expect((await verdict('U1')).findings).toContainEqual(
      expect.objectContaining({ rule: 'SACH_PROBABLE_DUPLICATE_STORED', elsewhere: true }),
    );
  });

  it("a holder of its personal ID in its own school, stored while the city's policy had the rule off: refused", async () => {
    const lan = { fullName: 'Phạm Thị Lan', sex: 'female', birthDate: '2019-07-08' };
    const hoa = { fullName: 'Võ Thị Hoa', sex: 'female', birthDate: '2019-07-08' };
    await push([full('V1', S1, '079319000701', lan)]);
    const off = { students: { SACH_DUPLICATE_PERSONAL_ID_STORED: 'off' } };
    expect((await push([full('V2', S1, '079319000701', hoa)], { policy: off })).result).toMatchObject({
      accepted: 1,
    });
    const fed = await changesOf('V1');
    const again = await push([full('V1', S1, '079319000701', { ...lan, statusDate: '2026-01-10' })]);
    expect(again.result).toMatchObject({ accepted: 0, rejected: 1 });
    expect(again.findings.map((f) => f.rule)).toContain('SACH_DUPLICATE_PERSONAL_ID_STORED');
    expect(await verdict('V1')).toMatchObject({ accepted: false });
    // Not written: the stored copy is the one before, and the change feed shows nothing new of it.
    const [stored] = await ctx.db.rows<{ data: { statusDate?: string } }>(
      'truc.students',
      "student_code = 'V1'",
    );
    expect(stored!.data.statusDate).toBeUndefined();
    expect(await changesOf('V1')).toBe(fed);
  });

  it('the school year turned since: the same record is of a past school year', async () => {
    await push([full('W1', S1, '079219000801')]);
    expect(await rulesOf('W1')).not.toContain('SONG_NOT_CURRENT_YEAR');
    const september = new Date(NOW.getTime() + 245 * 86_400_000); // 2026-09-17: school year 2026-2027
    await push([full('W1', S1, '079219000801', { statusDate: '2026-01-10' })], { now: september });
    expect(await rulesOf('W1')).toContain('SONG_NOT_CURRENT_YEAR');
  });
});
