/**
 * fix34c item 3, on PostgreSQL: while a page of a run that left a school out is being stored, what it read of its
 * records' schools cannot change under it. The page's transaction holds the left-out school's vendor lock (no
 * vendor batch of that school writes, a new record included) and its records' rows `FOR SHARE` (no other writer
 * moves, changes or deletes one) until it ends. Shown from a second connection, without waiting: the school's lock
 * is not free and the row cannot be locked for a write (NOWAIT) while the page's transaction is open; both are once
 * it ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutRejected } from '../../src/jobs/run-except.js';
import { SCHOOL_LOCK_SPACE } from '../../src/store/school-lock.js';
import { makeDeps, type TestEnv } from '../helpers/env.js';

const LEFT_OUT = '79000002';
const KEPT = '79000001';

describe('a page of a run with a school left out, on PostgreSQL', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    await env.deps.db.query(
      `INSERT INTO truc.students (student_code, school_code, data, fingerprint, source_system, mapping_version)
       VALUES ('LK01', $1, '{}', 'fp', 'hcm-csdl', 'v1')`,
      [KEPT],
    );
  }, 60_000);
  afterAll(async () => {
    await env?.cleanup();
  });

  /** From another connection, at once: whether the school's lock is free, and whether the row can be locked. */
  const probe = async () => {
    // Each its own statement (its own transaction): a lock taken is let go at once.
    const school = await env.deps.db.query<{ free: boolean }>(
      `SELECT pg_try_advisory_xact_lock($1, hashtext($2::text)) AS free`,
      [SCHOOL_LOCK_SPACE, LEFT_OUT],
    );
    const row = await env.deps.db
      .query(`SELECT 1 FROM truc.students WHERE student_code = 'LK01' FOR UPDATE NOWAIT`)
      .then(
        () => 'locked by us',
        (err: { code?: string }) => err.code,
      );
    return { schoolFree: school.rows[0]!.free, row };
  };

  it('holds the left-out school and its records while the page is stored, then lets go', async () => {
    const run = { system: 'hcm-csdl' as const, entity: 'students' as const, rejectedSchools: [LEFT_OUT] };
    const page = {
      items: [
        {
          maDinhDanh: 'LK01',
          maTruong: KEPT,
          namHoc: '2025-2026',
          khoiLop: '1',
          hoTen: 'Nguyễn Thị Mai',
          ngaySinh: '2019-03-14',
          gioiTinh: 'Nữ',
          maDanToc: '01',
          trangThai: 'Đang học',
          updatedAt: '2025-10-01T02:00:00.000Z',
        },
      ],
      deletedKeys: [],
      nextCursor: undefined,
      watermark: undefined,
    };
    const during = await env.deps.db.tx(async (q) => {
      const kept = await withoutRejected(q, { now: () => new Date() }, run, page, undefined);
      // Nothing of the school left out on this page: kept whole, mapped once (its mapping handed on).
      expect(kept.page.items).toHaveLength(1);
      expect(kept.ahead?.results).toHaveLength(1);
      return probe();
    });
    expect(during).toEqual({ schoolFree: false, row: '55P03' });
    expect(await probe()).toEqual({ schoolFree: true, row: 'locked by us' });
  });
});
