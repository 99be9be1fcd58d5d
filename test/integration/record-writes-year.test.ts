/**
 * year24 (review23's Known limit "Last year's record of a student overwrites this year's"): a student is one row
 * per code whatever its school year, and a record of an earlier school year than the stored row's does not
 * overwrite it, compared in the write statement itself (src/store/record-writes.ts `upsert`, src/store/year-order.ts)
 * on every write path — a vendor batch's `UPDATE … FROM` and `ON CONFLICT DO UPDATE`, a pull's the same two (whose
 * update of stored rows counts a row left so as found) — and the statement answers which it left so (`earlier`).
 * A record of the same school year, or a later one, is written as before; so is a tombstone's (last year's record
 * does not bring back a student deleted this year). Both databases.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Student } from '../../src/canonical/student.js';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createRecordsRepo, fingerprint, type UpsertRow } from '../../src/store/records.js';
import { student } from '../factories/records.js';
import { openTestStore, type TestStore } from '../helpers/env.js';

const SCHOOL = '79000091';
const PULL = { system: 'test', mappingVersion: 'test@1' };

const row = (code: string, schoolYear: string, grade: Student['grade']): UpsertRow => {
  const data = student(code, { schoolCode: SCHOOL, schoolYear, grade });
  return { key: code, scope: SCHOOL, personalId: undefined, data, fingerprint: fingerprint(data) };
};

describe.each(['pglite', 'postgres'] as const)('school years order the writes of a student on %s', (kind) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => {
    await store?.cleanup();
  });

  /** A vendor batch of the school that arrived now (its id). */
  const batch = async () => {
    const id = randomUUID();
    await createBatchesRepo(store.db).insert({
      id,
      clientId: 'vendor-year',
      schoolCode: SCHOOL,
      entity: 'students',
      format: 'canonical',
      records: [],
    });
    return id;
  };
  const vendor = (batchId: string, stored = false) => ({
    system: 'vendor:year',
    mappingVersion: 'test@1',
    stored,
    arrival: { batchId, school: SCHOOL },
  });
  const held = async (codes: string[]) =>
    (
      await store.db.query<{ k: string; y: string; g: string; d: boolean }>(
        `SELECT student_code AS k, data ->> 'schoolYear' AS y, data ->> 'grade' AS g, deleted_at IS NOT NULL AS d
           FROM truc.students WHERE student_code = ANY($1::text[]) ORDER BY 1`,
        [codes],
      )
    ).rows.map((r) => `${r.k} ${r.y} grade ${r.g}${r.d ? ' deleted' : ''}`);

  it("a vendor batch's record of an earlier school year is left, on either write path, and answered", async () => {
    const repo = createRecordsRepo(store.db);
    await repo.upsert(
      'students',
      [row('Y1', '2025-2026', '2'), row('Y2', '2025-2026', '2'), row('Y3', '2024-2025', '1')],
      PULL,
    );
    // Every row stored: the update in place. Y1 last year's (left), Y2 the same year's, Y3 a later year's (written).
    const stored = await repo.upsert(
      'students',
      [row('Y1', '2024-2025', '1'), row('Y2', '2025-2026', '3'), row('Y3', '2025-2026', '2')],
      vendor(await batch(), true),
    );
    expect(stored).toEqual({ left: ['Y1'], earlier: ['Y1'] });
    // A new row with them: the insert path (ON CONFLICT DO UPDATE … WHERE).
    const mixed = await repo.upsert(
      'students',
      [row('Y4', '2024-2025', '1'), row('Y1', '2023-2024', '1'), row('Y2', '2025-2026', '4')],
      vendor(await batch()),
    );
    expect(mixed).toEqual({ left: ['Y1'], earlier: ['Y1'] });
    expect(await held(['Y1', 'Y2', 'Y3', 'Y4'])).toEqual([
      'Y1 2025-2026 grade 2',
      'Y2 2025-2026 grade 4',
      'Y3 2025-2026 grade 2',
      'Y4 2024-2025 grade 1',
    ]);
    // All written: nothing answered.
    expect(await repo.upsert('students', [row('Y4', '2025-2026', '2')], vendor(await batch(), true))).toEqual(
      {
        left: [],
        earlier: [],
      },
    );
  });

  it("a pull's record of an earlier school year is left and answered; its update of stored rows finds it", async () => {
    const repo = createRecordsRepo(store.db);
    await repo.upsert('students', [row('P1', '2025-2026', '2'), row('P2', '2024-2025', '1')], PULL);
    const stored = await repo.upsert('students', [row('P1', '2024-2025', '1'), row('P2', '2025-2026', '2')], {
      ...PULL,
      stored: true,
    });
    expect(stored).toEqual({ left: [], earlier: ['P1'] });
    const mixed = await repo.upsert(
      'students',
      [row('P3', '2025-2026', '1'), row('P1', '2024-2025', '5')],
      PULL,
    );
    expect(mixed).toEqual({ left: [], earlier: ['P1'] });
    expect(await held(['P1', 'P2', 'P3'])).toEqual([
      'P1 2025-2026 grade 2',
      'P2 2025-2026 grade 2',
      'P3 2025-2026 grade 1',
    ]);
    // A row not stored still fails the update of stored rows (migration 380).
    await expect(
      repo.upsert('students', [row('P1', '2025-2026', '3'), row('P9', '2025-2026', '1')], {
        ...PULL,
        stored: true,
      }),
    ).rejects.toThrow(/1 of 2 rows to update not found/);
  });

  it("last year's record does not restore a tombstone of this year's", async () => {
    const repo = createRecordsRepo(store.db);
    await repo.upsert('students', [row('T1', '2025-2026', '2'), row('T2', '2025-2026', '2')], PULL);
    await repo.tombstone('students', ['T1', 'T2']);
    expect(await repo.upsert('students', [row('T1', '2024-2025', '1')], { ...PULL, stored: true })).toEqual({
      left: [],
      earlier: ['T1'],
    });
    // This year's record comes back: restored as ever.
    await repo.upsert('students', [row('T2', '2025-2026', '3')], vendor(await batch(), true));
    expect(await held(['T1', 'T2'])).toEqual(['T1 2025-2026 grade 2 deleted', 'T2 2025-2026 grade 3']);
  });
});
