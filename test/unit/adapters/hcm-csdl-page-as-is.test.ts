/**
 * hcm-csdl pages taken as they are (src/adapters/hcm-csdl/page-as-is.ts, issue 7): a page the wire schema would
 * return unchanged but for its records' key order is not copied record by record, and whatever it returns is
 * zod's value field for field; anything else is left to zod.
 */
import { describe, expect, it } from 'vitest';
import type { ZodType } from 'zod';
import { pageAsIs } from '../../../src/adapters/hcm-csdl/page-as-is.js';
import { ENTITY_SCHEMAS, HCM_CSDL_ENTITIES } from '../../../src/adapters/hcm-csdl/schema.js';

const student = {
  maDinhDanh: '7900000101',
  maTruong: '79000001',
  maLop: '7900000101A',
  namHoc: '2026-2027',
  khoiLop: '3',
  soDinhDanhCaNhan: '079215000001',
  hoTen: 'Nguyễn Văn An',
  ngaySinh: '2015-03-04',
  gioiTinh: 'Nam',
  maDanToc: '01',
  trangThai: 'Đang học',
  ngayTrangThai: '2026-09-05',
  hoTenMe: 'Trần Thị Bình',
  dienThoaiLienHe: '0901234567',
  updatedAt: '2026-12-01T00:00:00Z',
};
const staff = {
  maDinhDanh: 'GV0001',
  maTruong: '79000001',
  hoTen: 'Lê Văn Cường',
  ngaySinh: '1980-01-02',
  gioiTinh: 'Nam',
  viTriViecLam: 'Giáo viên',
  monDay: ['Toán', 'Vật lý'],
  trangThai: 'Đang làm việc',
  updatedAt: '2026-12-01T00:00:00Z',
};
const tombstone = { maDinhDanh: '7900000102', updatedAt: '2026-12-01T00:00:00Z', deleted: true };
const page = (data: unknown[], rest: Record<string, unknown> = { nextCursor: 'c2', watermark: 'w' }) => ({
  data,
  ...rest,
});

const pageSchema = (entity: (typeof HCM_CSDL_ENTITIES)[number]) =>
  ENTITY_SCHEMAS[entity].page as unknown as ZodType<{ data: Record<string, unknown>[] }>;
const schema = pageSchema('students');
const staffSchema = pageSchema('staff');

/** The fast path gives zod's value (each record's fields and values, the page's keys in order) or nothing. */
function sameAsZod(s: typeof schema, body: unknown): unknown {
  const fast = pageAsIs(s, body);
  if (fast === undefined) return undefined;
  const r = s.safeParse(body);
  expect(r.success).toBe(true);
  expect(fast).toEqual(r.data);
  expect(Object.keys(fast)).toEqual(Object.keys(r.data!));
  fast.data.forEach((rec, i) =>
    expect(Object.keys(rec).sort()).toEqual(Object.keys(r.data!.data[i]!).sort()),
  );
  return fast;
}

describe('an hcm-csdl page taken as it is', () => {
  it('is the records themselves, not copies, and what zod returns (issue 7)', () => {
    const { hoTenMe: _m, ...noMother } = student;
    const body = JSON.parse(
      JSON.stringify(page([student, noMother, tombstone, { ...student, deleted: false }])),
    ) as { data: unknown[] };
    const fast = sameAsZod(schema, body) as { data: unknown[] } | undefined;
    expect(fast).toBeDefined();
    fast!.data.forEach((rec, i) => expect(rec).toBe(body.data[i]));
    expect(sameAsZod(staffSchema, page([staff, tombstone]))).toBeDefined();
  });

  it("takes records with their keys in another order than the schema's (as the simulator sends them)", () => {
    const { updatedAt, maDinhDanh, ...rest } = student;
    const body = page([
      { updatedAt, ...rest, maDinhDanh },
      { deleted: true, updatedAt: tombstone.updatedAt, maDinhDanh: tombstone.maDinhDanh },
    ]);
    const fast = sameAsZod(schema, body) as { data: unknown[] } | undefined;
    expect(fast?.data[0]).toBe(body.data[0]);
  });

  it("keeps the page's own fields in the schema's order, without the ones it does not know", () => {
    const body = { watermark: 'w', other: 1, data: [student] };
    const fast = sameAsZod(schema, body);
    expect(Object.keys(fast as object)).toEqual(['data', 'watermark']);
    expect(sameAsZod(schema, page([student], { watermark: 'w' }))).toBeDefined();
    expect(sameAsZod(schema, page([]))).toBeDefined();
  });

  it('leaves to zod every record it would not return as it is', () => {
    const { hoTen: _h, ...noName } = student;
    const bad: unknown[] = [
      { ...student, extra: 'x' }, // stripped by zod: another object
      noName,
      { ...student, hoTen: 7 },
      { ...student, maLop: null },
      { ...student, maLop: undefined },
      { ...student, deleted: true },
      { ...tombstone, hoTen: 'x' },
      { ...tombstone, deleted: 'true' },
      JSON.parse('{"__proto__": 1}') as unknown,
      Object.assign(Object.create({ inherited: 1 }) as object, student),
      [student],
      'text',
      null,
    ];
    for (const rec of bad) {
      expect(pageAsIs(schema, page([student, rec]))).toBeUndefined();
      sameAsZod(schema, page([rec]));
    }
    const staffBad = [
      { ...staff, monDay: ['Toán', 3] },
      { ...staff, monDay: 'Toán' },
    ];
    for (const rec of staffBad) expect(pageAsIs(staffSchema, page([rec]))).toBeUndefined();
  });

  it('leaves to zod a page not of its form', () => {
    for (const body of [
      { data: [student] }, // no watermark
      { data: [student], watermark: 1 },
      { data: [student], watermark: 'w', nextCursor: null },
      { data: 'x', watermark: 'w' },
      null,
      [student],
    ])
      expect(pageAsIs(schema, body)).toBeUndefined();
  });

  it('reads every hcm-csdl page schema', () => {
    for (const entity of HCM_CSDL_ENTITIES)
      expect(sameAsZod(pageSchema(entity), page([tombstone]))).toBeDefined();
  });
});
