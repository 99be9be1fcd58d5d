/**
 * Unchanged records of a pulled page are skipped before mapping (issue 7, speed): a record whose
 * stored, live row was made from the very same source record (source fingerprint: wire record, mapping
 * version, quality catalogue) is counted unchanged and seen, and nothing else is done for it. A changed
 * record, a deleted one that comes back, and one a vendor rewrote since are judged and written as before;
 * a full run still reconciles with the skipped keys counted as seen; findings keep the page's index.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inboundMapping } from '../../../src/jobs/inbound.js';
import { CATALOGUE_VERSION } from '../../../src/quality/index.js';
import { createRecordsRepo, fingerprint } from '../../../src/store/records.js';
import { S1 } from '../../helpers/api.js';
import {
  drain,
  fullStudentsRun,
  hcmStudent as wire,
  requestFullStudentsSync,
  useStudentsSource,
} from './fixtures.js';

describe('pulled pages skip unchanged source records', () => {
  const { ctx, source } = useStudentsSource();

  const fullRun = (pages: unknown[][]) => fullStudentsRun(ctx, source, pages);
  const row = async (key: string) =>
    (
      await ctx.db.rows<{ data: { fullName: string }; source_fp: string | null; deleted_at: Date | null }>(
        'truc.students',
        `student_code = '${key}'`,
      )
    )[0];

  it('skips what the source did not change and judges the rest as before', async () => {
    const first = await fullRun([[wire('K1'), wire('K2')], [wire('K3')]]);
    expect(first.map((b) => [b.accepted, b.unchanged])).toEqual([
      [2, 0],
      [1, 0],
    ]);
    expect((await row('K1'))?.source_fp).toMatch(/^[0-9a-f]{64}$/);
    const xmin = async (key: string) =>
      (
        await ctx.db.query<{ x: string }>(
          'SELECT xmin::text AS x FROM truc.students WHERE student_code = $1',
          [key],
        )
      ).rows[0]?.x;
    const k3 = await xmin('K3');

    // K1 deleted in truc (it comes back), K2 changed at the source, K4 rewritten by a vendor since.
    await createRecordsRepo(ctx.db).tombstone('students', ['K1']);
    await createRecordsRepo(ctx.db).upsert(
      'students',
      [{ key: 'K4', scope: S1, data: { v: 1 }, fingerprint: fingerprint({ v: 1 }) }],
      { system: 'vendor:v1', mappingVersion: 'canonical@1' },
    );
    const second = await fullRun([
      [wire('K1'), wire('K2', { name: 'Trần Văn Nam' })],
      [wire('K3'), { maDinhDanh: 'BAD' }, wire('K4')],
    ]);
    expect(second.map((b) => [b.accepted, b.rejected, b.unchanged])).toEqual([
      [2, 0, 0],
      [1, 1, 1],
    ]);
    expect((await row('K1'))?.deleted_at).toBeNull();
    expect((await row('K2'))?.data.fullName).toBe('Trần Văn Nam');
    expect((await row('K4'))?.source_fp).toMatch(/^[0-9a-f]{64}$/);
    // K3 was skipped: its row was not written at all, and the run's reconciliation saw it.
    expect(await xmin('K3')).toBe(k3);
    expect((await row('K3'))?.deleted_at).toBeNull();
    // Findings keep the record's index in the page: the refused record 1 and K4 at 2 (K3, skipped, is 0).
    const findings = await ctx.db.rows<{ record_index: number; record_key: string | null }>(
      'truc.findings',
      `batch_id = '${second[1]!.id}'`,
    );
    expect(new Set(findings.map((f) => `${f.record_index}:${f.record_key}`))).toEqual(
      new Set(['1:null', '2:K4']),
    );

    // Nothing changed: every record is skipped.
    const third = await fullRun([
      [wire('K1'), wire('K2', { name: 'Trần Văn Nam' })],
      [wire('K3'), wire('K4')],
    ]);
    expect(third.map((b) => [b.accepted, b.unchanged])).toEqual([
      [0, 2],
      [0, 2],
    ]);
  });

  it('fingerprints a record by its bytes as received when the source tells them: other bytes are judged again', async () => {
    const version = inboundMapping('hcm-csdl', 'students').version;
    const fpOf = (bytes: string) =>
      createHash('sha256').update(`${version}\n${CATALOGUE_VERSION}\nas-received\n${bytes}`).digest('hex');
    const [b1, b2] = [wire('B1'), wire('B2')];
    const texts = [JSON.stringify(b1), JSON.stringify(b2)];
    const run = async (bytes: string[]) => {
      await requestFullStudentsSync(ctx);
      const itemBytes = bytes.map((t) => Buffer.from(t));
      source.pages = [
        { items: [b1, b2], itemBytes, deletedKeys: [], nextCursor: undefined, watermark: undefined },
      ];
      await drain(ctx, 'pull');
      return ctx.db.rows<{ accepted: number; unchanged: number }>(
        'truc.batches',
        `sync_run_id = (SELECT max(id) FROM truc.sync_runs)`,
      );
    };
    expect((await run(texts)).map((b) => [b.accepted, b.unchanged])).toEqual([[2, 0]]);
    expect((await row('B1'))?.source_fp).toBe(fpOf(texts[0]!));
    expect((await row('B2'))?.source_fp).toBe(fpOf(texts[1]!));
    // B1 sent again in other bytes (the same record, spaced out): judged again, unchanged, its new
    // fingerprint kept; B2 in the same bytes: skipped.
    const spaced = JSON.stringify(b1, null, 2);
    expect((await run([spaced, texts[1]!])).map((b) => [b.accepted, b.unchanged])).toEqual([[0, 2]]);
    expect((await row('B1'))?.source_fp).toBe(fpOf(spaced));
    expect((await row('B2'))?.source_fp).toBe(fpOf(texts[1]!));
  });

  it('a run pinned to an earlier mapping skips by that mapping, not by the current one', async () => {
    // The page's read goes out with the run's lock, made with the current mapping (issue 7): a pinned
    // run's page is read again with its own, so its records keep the source fingerprint of the mapping
    // that made them.
    const runId = await requestFullStudentsSync(ctx);
    await ctx.db.query('UPDATE truc.sync_runs SET mapping_pin = $2 WHERE id = $1', [
      runId,
      'hcm-csdl/students@1',
    ]);
    // Read by the current mapping only (the father's name): the two make different records of it.
    const pin1 = { ...wire('PIN1'), hoTenCha: 'Nguyễn Văn Hùng' };
    source.pages = [{ items: [pin1], deletedKeys: [], nextCursor: undefined, watermark: undefined }];
    await drain(ctx, 'pull');
    const version = async () =>
      (
        await ctx.db.query<{ v: string }>(
          'SELECT mapping_version AS v FROM truc.students WHERE student_code = $1',
          ['PIN1'],
        )
      ).rows[0]?.v;
    expect(await version()).toBe('hcm-csdl/students@1');
    // The current mapping did not make it: a run with it judges and writes the record again.
    const current = await fullRun([[pin1]]);
    expect(current.map((b) => [b.accepted, b.unchanged])).toEqual([[1, 0]]);
    expect(await version()).toBe('hcm-csdl/students@2');
  });
});
