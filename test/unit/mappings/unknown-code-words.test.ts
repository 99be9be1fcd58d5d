/**
 * walk8 W8-1: a code not in its list (MAP_UNKNOWN_CODE) named the list by its id, in English, in the Vietnamese half
 * ("Mã không có trong danh mục ethnicity.", "… danh mục grade."), and moet-pcgd's named it in both languages in each
 * half ("Code not in the dân tộc / ethnicity code list."). Each list is named in the half's own language
 * (src/mappings/common.ts CODE_LIST_NAMES), every list truc defines among them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { personSchema } from '../../../src/adapters/moet-pcgd/schema.js';
import { inboundMapping } from '../../../src/jobs/inbound.js';
import { CODE_LIST_NAMES } from '../../../src/mappings/common.js';
import { moetPcgdPersonsMapping } from '../../../src/mappings/moet-pcgd/index.js';

const ctx = { schoolCode: '79663066', schoolYear: '2026-2027', now: () => new Date('2026-12-07T00:00:00Z') };
const SRC = new URL('../../../src/', import.meta.url).pathname;

/** Every code list's id defined in src/ (`defineCodeList<…>({ id: '…'`). */
function definedListIds(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return definedListIds(path);
    if (!e.name.endsWith('.ts')) return [];
    const text = readFileSync(path, 'utf8');
    return [...text.matchAll(/defineCodeList<[^>]+>\(\{\s*id: '([^']+)'/g)].map((m) => m[1]!);
  });
}

const unknown = (findings: ReadonlyArray<{ rule: string; pointer: string; vi: string; en: string }>) =>
  findings.filter((f) => f.rule === 'MAP_UNKNOWN_CODE');

describe('a code not in its list names the list in each half’s language (walk8 W8-1)', () => {
  it('names every code list truc defines', () => {
    const ids = definedListIds();
    expect(ids.length).toBeGreaterThanOrEqual(10);
    for (const id of ids) expect(CODE_LIST_NAMES[id], id).toBeDefined();
  });

  it('a smas record: danh mục dân tộc, khối lớp; the English names them in English', () => {
    const r = inboundMapping('smas', 'students').map(
      {
        MaHocSinh: '7967890400991',
        HoVaTen: 'Lê Thị C',
        NgaySinh: '01/05/2013',
        GioiTinh: 'Nữ',
        DanToc: 'Kinhh',
        KhoiHoc: '16',
        TrangThai: 'Đang học',
      },
      ctx,
    );
    const found = unknown(r.findings);
    expect(found.map((f) => [f.pointer, f.vi, f.en])).toEqual(
      expect.arrayContaining([
        ['/DanToc', 'Mã không có trong danh mục dân tộc.', 'Code not in the ethnic group code list.'],
        ['/KhoiHoc', 'Mã không có trong danh mục khối lớp.', 'Code not in the grade code list.'],
      ]),
    );
  });

  it('a vnedu record and a surveyed person: no English list id in the Vietnamese, no Vietnamese in the English', () => {
    const vnedu = inboundMapping('vnedu', 'students').map(
      { student_id: '7968682300991', full_name: 'Lê Thị C', dob: '2013-05-01', gender: 7, ethnic_id: 99 },
      ctx,
    );
    const wire = personSchema.parse(
      JSON.parse(
        readFileSync(new URL('../../fixtures/moet-pcgd/person-unknown-codes.json', import.meta.url), 'utf8'),
      ),
    );
    const person = moetPcgdPersonsMapping.toCanonical(wire, { now: ctx.now });
    const found = [...unknown(vnedu.findings), ...unknown(person.findings)];
    expect(found.length).toBeGreaterThanOrEqual(3);
    for (const f of found) {
      expect(f.vi).toMatch(/^Mã không có trong danh mục [\p{Ll} ]+\.$/u);
      expect(f.vi).not.toMatch(/\b(sex|ethnicity|grade|disability|literacy|residence)\b|\//);
      expect(f.en).toMatch(/^Code not in the [a-z ]+ code list\.$/);
    }
  });
});
