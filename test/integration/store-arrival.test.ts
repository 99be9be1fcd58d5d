/**
 * Records in the order they arrive, on both engines (the same SQL on PGlite and PostgreSQL): vendor batches'
 * arrival order (migration 600, order20) and a pulled page stored outside a transaction (issue 7).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBatchesRepo } from '../../src/store/batches.js';
import { combinedWrites } from '../../src/store/combined.js';
import { type Queryable } from '../../src/store/db.js';
import { createOutboxRepo } from '../../src/store/outbox.js';
import { createSyncRunsRepo, isPageNotDue } from '../../src/store/sync-runs.js';
import { createRecordsRepo, fingerprint, type UpsertRow } from '../../src/store/records.js';
import { student as aStudent } from '../factories/records.js';
import { aFullRun, explaining, SOURCE, useTestStore } from '../helpers/store-suite.js';

describe.each(['pglite', 'postgres'] as const)('store on %s', (kind) => {
  const store = useTestStore(kind); // migrated: records and outbox

  describe('records: arrival order of vendor batches (migration 600, order20)', () => {
    const school = '79000061';
    const row = (code: string, fullName: string): UpsertRow => {
      const data = aStudent(code, { fullName, schoolCode: school });
      return { key: code, scope: school, personalId: undefined, data, fingerprint: fingerprint(data) };
    };
    /** A vendor batch of `school` stored as arrived at `at` (its created_at), its id. */
    const arrivedAt = async (at: string, extra: { sameAs?: string; bodySha256?: string } = {}) => {
      const id = randomUUID();
      await createBatchesRepo(store.db).insert({
        id,
        clientId: 'vendor-arrival',
        schoolCode: school,
        entity: 'students',
        format: 'canonical',
        records: [],
        ...extra,
      });
      await store.db.query('UPDATE truc.batches SET created_at = $2 WHERE id = $1', [id, at]);
      return id;
    };
    const vendor = (batchId: string, stored = false) => ({
      system: 'vendor:arrival',
      mappingVersion: 'test@1',
      stored,
      arrival: { batchId, school },
    });
    const names = async (codes: string[]) =>
      (
        await store.db.query<{ k: string; n: string | null }>(
          `SELECT student_code AS k, CASE WHEN deleted_at IS NULL THEN data->>'fullName' END AS n
             FROM truc.students WHERE student_code = ANY($1::text[]) ORDER BY 1`,
          [codes],
        )
      ).rows.map((r) => `${r.k}:${r.n ?? 'deleted'}`);

    it('a batch writes a record only where no word that arrived after it is: written, deleted, carried or re-pushed since; the rows left are answered', async () => {
      const repo = createRecordsRepo(store.db);
      const [older, mid, newer] = [
        await arrivedAt('2026-12-01T10:00:00.000001Z'),
        await arrivedAt('2026-12-01T10:00:00.000002Z'),
        await arrivedAt('2026-12-01T10:00:00.000003Z'),
      ];
      // The newer batch writes A1 and A2 (new: the insert path), carries A3, and a newer snapshot deletes A4.
      expect(
        (await repo.upsert('students', [row('WA1', 'Mới'), row('WA2', 'Mới')], vendor(newer))).left,
      ).toEqual([]);
      expect(
        (
          await repo.upsert(
            'students',
            [row('WA3', 'Gốc'), row('WA4', 'Gốc'), row('WA5', 'Gốc')],
            vendor(older),
          )
        ).left,
      ).toEqual([]);
      await repo.touch('students', ['WA3'], 'vendor:arrival', [], newer);
      expect(await repo.tombstone('students', ['WA4'], { arrival: { batchId: newer, school } })).toEqual([
        'WA4',
      ]);
      // The older batch (microseconds older) is ingested last: it writes only A5, on either write path.
      const all = ['WA1', 'WA2', 'WA3', 'WA4', 'WA5'];
      const olderRows = all.map((c) => row(c, 'Cũ'));
      expect((await repo.upsert('students', olderRows, vendor(mid, true))).left).toEqual([
        'WA1',
        'WA2',
        'WA3',
        'WA4',
      ]);
      expect(await names(all)).toEqual(['WA1:Mới', 'WA2:Mới', 'WA3:Gốc', 'WA4:deleted', 'WA5:Cũ']);
      expect(
        (await repo.upsert('students', [row('WA1', 'Cũ 2'), row('WA6', 'Mới')], vendor(older))).left,
      ).toEqual(['WA1']);
      // The older snapshot's deletion does not delete what a newer word holds; the newer batch's is its own.
      expect(
        await repo.tombstone('students', ['WA1', 'WA5'], { arrival: { batchId: older, school } }),
      ).toEqual([]);
      expect(await repo.tombstone('students', ['WA5'], { arrival: { batchId: newer, school } })).toEqual([
        'WA5',
      ]);
      // The newer batch writes over its own word and over older ones (an equal arrival: the later ingest).
      expect(
        (await repo.upsert('students', [row('WA1', 'Mới 2'), row('WA5', 'Mới')], vendor(newer))).left,
      ).toEqual([]);
      expect(await names(['WA1', 'WA5'])).toEqual(['WA1:Mới 2', 'WA5:Mới']);
    });

    it('a re-push judged at once that arrived after the batch keeps the keys its body carried (carried_keys of a batch of that body)', async () => {
      const repo = createRecordsRepo(store.db);
      const older = await arrivedAt('2026-12-02T10:00:00Z');
      const first = await arrivedAt('2026-12-02T09:00:00Z', { bodySha256: 'sha-arrival' });
      await store.db.query(
        `UPDATE truc.batches SET status = 'done', carried_keys = ARRAY['WB1'] WHERE id = $1`,
        [first],
      );
      const repush = await arrivedAt('2026-12-02T11:00:00Z', { bodySha256: 'sha-arrival', sameAs: first });
      await store.db.query(
        `UPDATE truc.batches SET status = 'done', accepted = 0, rejected = 0, unchanged = 1 WHERE id = $1`,
        [repush],
      );
      await repo.upsert('students', [row('WB1', 'Hoa'), row('WB2', 'Hoa')], vendor(first));
      expect(
        (await repo.upsert('students', [row('WB1', 'Hồng'), row('WB2', 'Hồng')], vendor(older, true))).left,
      ).toEqual(['WB1']);
      expect(await names(['WB1', 'WB2'])).toEqual(['WB1:Hoa', 'WB2:Hồng']);
    });

    it("a pull's write and the city's tombstone arrive when written: an older vendor batch leaves them", async () => {
      const repo = createRecordsRepo(store.db);
      const older = await arrivedAt('2026-12-03T10:00:00Z');
      await repo.upsert('students', [row('WC1', 'Thành phố'), row('WC2', 'Thành phố')], SOURCE);
      await repo.tombstone('students', ['WC2']);
      expect(
        (await repo.upsert('students', [row('WC1', 'Cũ'), row('WC2', 'Cũ')], vendor(older, true))).left,
      ).toEqual(['WC1', 'WC2']);
      expect(await names(['WC1', 'WC2'])).toEqual(['WC1:Thành phố', 'WC2:deleted']);
    });

    it("reads the newer carries of a batch's keys once, not by a subquery at each row it writes (issue 7, perf21)", async () => {
      const repo = createRecordsRepo(store.db);
      const [first, carried, batch, newest] = [
        await arrivedAt('2026-12-04T08:00:00Z'),
        await arrivedAt('2026-12-04T09:00:00Z'),
        await arrivedAt('2026-12-04T10:00:00Z'),
        await arrivedAt('2026-12-04T11:00:00Z'),
      ];
      const codes = Array.from({ length: 300 }, (_, i) => `WD${String(i).padStart(3, '0')}`);
      await repo.upsert(
        'students',
        codes.map((c) => row(c, 'Một')),
        vendor(first),
      );
      // Every record carried since, by a batch older than the one written; WD007 and WD100 by a newer one.
      await repo.touch('students', codes, 'vendor:arrival', [], carried);
      await repo.touch('students', ['WD007', 'WD100'], 'vendor:arrival', [], newest);
      const { plans, result } = await explaining(
        'WITH u AS (UPDATE truc.students',
        'EXPLAIN (FORMAT JSON)',
        () =>
          repo.upsert(
            'students',
            codes.map((c) => row(c, 'Hai')),
            vendor(batch, true),
          ),
      );
      expect(result.left).toEqual(['WD007', 'WD100']);
      expect(await names(['WD006', 'WD007', 'WD100'])).toEqual(['WD006:Hai', 'WD007:Một', 'WD100:Một']);
      expect(plans).toHaveLength(1);
      // The carries are read with the re-pushes' keys into one list (a hashed subplan), not probed at each stored
      // row (`key = r.student_code`: ~27 % of a changed batch's UPDATE where every student had a carry).
      expect(plans[0]).toContain('"Relation Name":"record_seen"');
      expect(plans[0]).toContain('hashed SubPlan');
      expect(plans[0]).not.toContain('key = r.student_code');
    });
  });

  describe('a pulled page stored outside a transaction (issue 7)', () => {
    /** A run at page `pages`, with one open outbox row (its page's job); the advance of that page with `due`. */
    async function runAt(pages: number) {
      const id = await aFullRun(store.db);
      await store.db.query("UPDATE truc.sync_runs SET status = 'running', pages = $2 WHERE id = $1", [
        id,
        pages,
      ]);
      const job = await createOutboxRepo(store.db).add('pull', 'pull-page', { syncRunId: id, page: pages });
      const advance = (due: number, q: Queryable = store.db) => {
        const closing = combinedWrites(q);
        void createSyncRunsRepo(closing).recordSeen(id, randomUUID(), {
          keys: [`k${due}`],
          unkeyed: 0,
          schools: [],
        });
        return createSyncRunsRepo(q).advance(
          id,
          {
            last: false,
            cursor: `c${due + 1}`,
            records: 1,
            tombstones: 0,
            watermark: null,
            mappingVersion: null,
            due,
          },
          {
            done: job,
            next: { queue: 'pull', name: 'pull-page', payload: { syncRunId: id, page: due + 1 } },
          },
          closing,
        );
      };
      /** What the page's statement would have written: the run's pages, seen rows, the job's row done, next rows. */
      const written = async () => {
        const r = await store.db.query<{ pages: number; seen: number; done: boolean; next: number }>(
          `SELECT r.pages,
                  (SELECT count(*)::int FROM truc.sync_run_seen s WHERE s.sync_run_id = r.id) AS seen,
                  (SELECT done_at IS NOT NULL FROM truc.outbox WHERE id = $2) AS done,
                  (SELECT count(*)::int FROM truc.outbox o WHERE o.queue = 'pull' AND o.id > $2
                      AND o.payload ->> 'syncRunId' = r.id::text) AS next
             FROM truc.sync_runs r WHERE r.id = $1`,
          [id, job],
        );
        return r.rows[0]!;
      };
      return { id, advance, written };
    }

    it('writes the page while the run is at it, running and unpinned; else writes nothing and fails', async () => {
      const at3 = await runAt(3);
      expect(await at3.advance(3)).toBeGreaterThan(0);
      expect(await at3.written()).toEqual({ pages: 4, seen: 1, done: true, next: 1 });

      const moved = await runAt(4); // a duplicate job: the page was stored meanwhile
      const refused = await moved.advance(3).catch((e: unknown) => e);
      expect(isPageNotDue(refused)).toBe(true);
      expect(await moved.written()).toEqual({ pages: 4, seen: 0, done: false, next: 0 });

      for (const change of ["status = 'held'", "status = 'done'", "mapping_pin = 'hcm-csdl.students@1'"]) {
        const stopped = await runAt(2);
        await store.db.query(`UPDATE truc.sync_runs SET ${change} WHERE id = $1`, [stopped.id]);
        expect(isPageNotDue(await stopped.advance(2).catch((e: unknown) => e))).toBe(true);
        expect(await stopped.written()).toMatchObject({ pages: 2, seen: 0, done: false, next: 0 });
      }
    });

    it.skipIf(kind === 'pglite')(
      'waits for a transaction storing the same page, then writes nothing',
      async () => {
        const run = await runAt(5);
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        let locked!: () => void;
        const lockTaken = new Promise<void>((r) => (locked = r));
        const other = store.db.tx(async (q) => {
          await createSyncRunsRepo(q).lockForPage(run.id);
          locked();
          await held;
          await run.advance(5, q);
        });
        await lockTaken;
        const quick = run.advance(5).catch((e: unknown) => e);
        // The statement waits on the run's lock.
        for (let i = 0; i < 200; i++) {
          const w = await store.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          if (w.rows[0]!.n > 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        release();
        await other;
        expect(isPageNotDue(await quick)).toBe(true);
        expect(await run.written()).toEqual({ pages: 6, seen: 1, done: true, next: 1 });
      },
    );
  });
});
