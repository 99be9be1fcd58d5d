/**
 * Findings on both engines (the same SQL on PGlite and PostgreSQL): stored per batch, and the same findings as
 * before left as they are.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FindingRow } from '../../src/store/batch-findings.js';
import { createBatchesRepo } from '../../src/store/batches.js';
import { combinedWrites } from '../../src/store/combined.js';
import { useTestStore } from '../helpers/store-suite.js';

describe.each(['pglite', 'postgres'] as const)('store on %s', (kind) => {
  const store = useTestStore(kind); // migrated: records and outbox

  describe('findings', () => {
    it('filing findings runs no trigger per finding: no foreign key to the batch (migration 321)', async () => {
      const res = await store.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = 'truc.findings'::regclass`,
      );
      expect(res.rows[0]!.n).toBe(0);
    });

    it("a batch's findings are indexed once, by batch and record (migration 322)", async () => {
      const res = await store.db.query<{ def: string }>(
        `SELECT indexdef AS def FROM pg_indexes WHERE schemaname = 'truc' AND tablename = 'findings'
          AND indexname <> 'findings_pkey'`,
      );
      expect(res.rows.map((r) => r.def.replace(/.*USING btree /, ''))).toEqual(['(batch_id, record_index)']);
    });

    it("a batch's findings read back as filed: shared rule texts, own pointers, values and details", async () => {
      const batchId = randomUUID();
      const batches = createBatchesRepo(store.db);
      await batches.insert({
        id: batchId,
        clientId: 'c',
        schoolCode: 'S',
        entity: 'students',
        format: 'canonical',
        records: [],
      });
      const rule = {
        criterion: 'song',
        rule: 'SONG_X',
        severity: 'warning' as const,
        messageVi: 'cũ',
        messageEn: 'old',
      };
      const filed: FindingRow[] = [
        {
          recordIndex: 0,
          recordKey: 'K0',
          ...rule,
          pointer: '/a',
          value: '1',
          hintVi: 'gợi ý',
          hintEn: 'hint',
          detailVi: null,
          detailEn: null,
        },
        {
          recordIndex: 0,
          recordKey: 'K0',
          criterion: 'dung',
          rule: 'DUNG_Y',
          severity: 'error',
          pointer: '/b',
          messageVi: 'sai',
          messageEn: 'wrong',
          value: null,
          hintVi: null,
          hintEn: null,
          detailVi: 'chi tiết',
          detailEn: 'detail',
        },
        {
          recordIndex: 1,
          recordKey: null,
          ...rule,
          pointer: '/c',
          value: '2',
          hintVi: 'gợi ý',
          hintEn: 'hint',
          detailVi: null,
          detailEn: null,
        },
        {
          recordIndex: 2,
          recordKey: 'K2',
          ...rule,
          messageEn: 'old, in other words',
          pointer: '/a',
          value: null,
          hintVi: null,
          hintEn: null,
          detailVi: null,
          detailEn: null,
        },
      ];
      await batches.insertFindings(batchId, filed);
      expect(await batches.findings(batchId, 10, 0)).toEqual(filed);
    });
  });

  describe('findings the same as before', () => {
    const finding = (recordIndex: number, pointer: string): FindingRow => ({
      recordIndex,
      recordKey: `F${recordIndex}`,
      criterion: 'song',
      rule: 'SONG_NOT_CURRENT_YEAR',
      severity: 'info',
      messageVi: 'không thuộc năm học hiện tại',
      messageEn: 'not in the current school year',
      pointer,
      value: null,
      hintVi: null,
      hintEn: null,
      detailVi: null,
      detailEn: null,
    });
    /** A batch of school `school` closed as the ingest closes it: findings and finish in one statement. */
    async function closed(school: string, findings: FindingRow[]): Promise<string> {
      const id = randomUUID();
      await createBatchesRepo(store.db).insert({
        id,
        clientId: 'c',
        schoolCode: school,
        entity: 'students',
        format: 'canonical',
        records: [],
      });
      await store.db.tx(async (q) => {
        const closing = combinedWrites(q);
        const repo = createBatchesRepo(closing);
        const digest = await repo.insertFindings(id, findings);
        await repo.finish(
          id,
          { accepted: findings.length, rejected: 0, unchanged: 0 },
          { findingsDigest: digest },
        );
        await closing.flush();
      });
      return id;
    }
    const own = async (id: string) =>
      (
        await store.db.query<{ n: number; of: string | null }>(
          `SELECT (SELECT count(*)::int FROM truc.findings WHERE batch_id = $1) AS n, findings_of AS of
             FROM truc.batches WHERE id = $1`,
          [id],
        )
      ).rows[0];

    it("a batch whose findings are an earlier batch's of its school shows those, filing none (issue 7); other findings are filed", async () => {
      const same = [finding(0, ''), finding(1, '')];
      const first = await closed('SF1', same);
      const again = await closed('SF1', same);
      const third = await closed('SF1', same);
      const batches = createBatchesRepo(store.db);
      expect(await own(first)).toEqual({ n: 2, of: null });
      expect(await own(again)).toEqual({ n: 0, of: first });
      expect(await own(third)).toEqual({ n: 0, of: first });
      expect(await batches.findings(again, 10, 0)).toEqual(same);
      // A finding that disappeared (or changed): the batch files its own.
      const fewer = await closed('SF1', [finding(0, '')]);
      expect(await own(fewer)).toEqual({ n: 1, of: null });
      expect(await batches.findings(fewer, 10, 0)).toEqual([finding(0, '')]);
      // Another school's batch with the same findings files its own.
      const elsewhere = await closed('SF2', same);
      expect(await own(elsewhere)).toEqual({ n: 2, of: null });
      // No findings: nothing to refer to.
      expect(await own(await closed('SF1', []))).toEqual({ n: 0, of: null });
    });
  });
});
