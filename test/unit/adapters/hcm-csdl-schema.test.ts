/** The hcm-csdl wire page schemas (src/adapters/hcm-csdl/schema.ts): records and tombstones in one page. */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ENTITY_SCHEMAS, HCM_CSDL_ENTITIES } from '../../../src/adapters/hcm-csdl/schema.js';

const student = {
  maDinhDanh: '7900000101',
  maTruong: '79000001',
  namHoc: '2026-2027',
  hoTen: 'Nguyễn Văn An',
  ngaySinh: '2015-03-04',
  gioiTinh: 'Nam',
  maDanToc: '01',
  trangThai: 'Đang học',
  updatedAt: '2026-12-01T00:00:00Z',
};
const tombstone = { maDinhDanh: '7900000102', updatedAt: '2026-12-01T00:00:00Z', deleted: true };

describe('hcm-csdl pages', () => {
  it('take records and tombstones, each as it is', () => {
    const page = { data: [student, tombstone, { ...student, deleted: false }], watermark: 'w' };
    expect(ENTITY_SCHEMAS.students.page.parse(page)).toEqual(page);
  });

  it('refuse a tombstone with more than its key and a record marked deleted', () => {
    for (const bad of [
      { ...tombstone, hoTen: 'x' },
      { ...student, deleted: true },
    ])
      expect(ENTITY_SCHEMAS.students.page.safeParse({ data: [bad], watermark: 'w' }).success).toBe(false);
  });

  it("try the record's schema before the tombstone's (issue 7: a record failed the tombstone's first)", () => {
    for (const entity of HCM_CSDL_ENTITIES) {
      const data = ENTITY_SCHEMAS[entity].page.shape.data as unknown as z.ZodArray<
        z.ZodUnion<[z.ZodObject, z.ZodObject]>
      >;
      const [first, second] = data.element.options;
      expect(Object.keys(first.shape).length).toBeGreaterThan(3);
      expect(Object.keys(second.shape)).toEqual(['maDinhDanh', 'updatedAt', 'deleted']);
    }
  });
});
