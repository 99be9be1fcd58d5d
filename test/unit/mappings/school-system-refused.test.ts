/**
 * review14 item 3: which canonical fields a vendor mapping's error findings refused (`refusedFields` in
 * src/mappings/school-system.ts, seen through `validated`'s `apart`): a finding at a field's wire pointer, or under
 * it (`/DanhSach/0/Ten` under `/DanhSach`), refuses that field; one at no field's pointer leaves nothing to judge apart.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { finding } from '../../../src/mappings/common.js';
import { validated } from '../../../src/mappings/school-system.js';
import type { MappingFinding } from '../../../src/mappings/types.js';

const schema = z.object({ name: z.string(), sex: z.string(), list: z.array(z.string()) });
const POINTERS = { name: '/Ten', sex: '/GioiTinh', list: '/DanhSach' };
const candidate = { name: 'An', sex: 'M', list: ['a'] };

/** What of the record is left to judge when one error finding is at `pointer` (undefined: nothing). */
function apartAt(pointer: string): { fields: string[]; broken: string[] } | undefined {
  const findings: MappingFinding[] = [finding(pointer, 'MAP_X', 'x', 'x')];
  const result = validated(schema, candidate, findings, POINTERS);
  expect(result.ok).toBe(false);
  if (result.ok || result.apart === undefined) return undefined;
  return { fields: Object.keys(result.apart.rec).sort(), broken: [...result.apart.broken] };
}

describe('a mapping finding’s refused field (review14)', () => {
  it('a finding at a field’s pointer refuses that field, the others judged', () => {
    expect(apartAt('/GioiTinh')).toEqual({ fields: ['list', 'name'], broken: ['sex'] });
  });

  it('a finding under a field’s pointer refuses that field', () => {
    expect(apartAt('/DanhSach/0')).toEqual({ fields: ['name', 'sex'], broken: ['list'] });
    expect(apartAt('/DanhSach/0/Ten')).toEqual({ fields: ['name', 'sex'], broken: ['list'] });
  });

  it('a finding at no field’s pointer, nor under one, leaves nothing to judge apart', () => {
    // '/Te' is a prefix of '/Ten' but no field; '/Tens' and '/TenKhac' start like '/Ten' but are other names.
    for (const pointer of ['/Te', '/Tens', '/TenKhac', '/Khac/Ten', '', '/'])
      expect(apartAt(pointer), pointer).toBeUndefined();
  });

  it('a warning refuses no field', () => {
    const findings = [finding('/Khac', 'MAP_X', 'x', 'x', 'warning')];
    expect(validated(schema, candidate, findings, POINTERS)).toMatchObject({ ok: true });
  });
});
