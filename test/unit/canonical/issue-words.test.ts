/**
 * fix12 item 3: one way to say a zod issue in both languages, `issueWords` (src/canonical/zod-text.ts), for every
 * finding made of one: a canonical record's schema findings (src/quality/prepare.ts said zod's own messages in English
 * in its Vietnamese half), a wire-format record's (src/mappings/canonical), and a mapped record the canonical schema
 * refuses (school-system, moet-pcgd, hcm-csdl: each had its own). Its texts are pinned here; and unknown keys are one
 * finding naming them (src/canonical/keys.ts issuePlace).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issueWords } from '../../../src/canonical/zod-text.js';
import { issuePlace } from '../../../src/canonical/keys.js';
import { bilingual } from '../../../src/canonical/messages.js';
import { StudentSchema } from '../../../src/canonical/student.js';
import { validated } from '../../../src/mappings/school-system.js';
import { CLEAN, runInput } from '../quality/helpers.js';

const OWN = bilingual('Must be a code of the list.', 'Phải là một mã trong danh mục.');
const issueOf = (schema: z.ZodType, value: unknown) => schema.safeParse(value).error!.issues[0]!;

describe('issueWords: a zod issue in both languages, one way', () => {
  it('zod’s own words in Vietnamese, then how to fix it by the field’s name', () => {
    expect(issueWords(issueOf(z.object({ grade: z.string() }), { grade: 3 }))).toEqual({
      vi: 'Đầu vào không hợp lệ: mong đợi chuỗi, nhận được số; hãy gửi grade là một chuỗi (trong dấu ngoặc kép)',
      en: 'Invalid input: expected string, received number; send grade as a string (in double quotes)',
    });
  });

  it('a field not sent is told so', () => {
    expect(issueWords(issueOf(z.object({ fullName: z.string() }), {}))).toEqual({
      vi: 'bắt buộc, chưa được gửi; hãy gửi fullName là một chuỗi (trong dấu ngoặc kép)',
      en: 'required, not sent; send fullName as a string (in double quotes)',
    });
  });

  it('a canonical schema’s own words, with the Vietnamese it registered, and nothing added', () => {
    expect(issueWords(issueOf(z.object({ sex: z.string().refine(() => false, OWN) }), { sex: 'x' }))).toEqual(
      {
        vi: 'Phải là một mã trong danh mục.',
        en: 'Must be a code of the list.',
      },
    );
  });

  it('a mapped value: no how-to-fix (the field and type the vendor sent are not the canonical ones)', () => {
    expect(issueWords(issueOf(z.object({ grade: z.string() }), { grade: 3 }), true)).toEqual({
      vi: 'Đầu vào không hợp lệ: mong đợi chuỗi, nhận được số',
      en: 'Invalid input: expected string, received number',
    });
  });

  it('a message with no Vietnamese of its own: an invalid value, never English in the Vietnamese', () => {
    const words = issueWords(issueOf(z.object({ a: z.string().refine(() => false, 'nope') }), { a: 'x' }));
    expect(words).toEqual({ vi: 'Giá trị không hợp lệ.', en: 'nope' });
  });

  it('a school system’s mapped record and a canonical record say a refused value in the same words', async () => {
    const findings: Parameters<typeof validated>[2] = [];
    validated(StudentSchema, { ...CLEAN.students, grade: 3 }, findings, { grade: '/KhoiLop' });
    const grade = {
      vi: 'Khối lớp là mã viết dạng chuỗi, trong dấu ngoặc kép: một trong "nursery", "kg3", "kg4", "kg5", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12".',
      en: 'Grade is a code written as text, in quotes: one of "nursery", "kg3", "kg4", "kg5", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12".',
    };
    expect(findings).toMatchObject([{ pointer: '/KhoiLop', severity: 'warning', ...grade }]);
    const r = await runInput('students', [{ ...CLEAN.students, grade: 3 }]);
    expect(r.findings.find((f) => f.pointer === '/grade')?.detail).toEqual(grade);
  });
});

describe('unknown keys: one finding naming them, never a value', () => {
  it('one key: at its own pointer', () => {
    const issue = issueOf(z.object({}).strict(), { nickName: 'Bé Na' });
    expect(issuePlace(issue)).toEqual({ pointer: '/nickName', note: ' (nickName)' });
  });

  it('many: one place, at the record, the first 20 named and the rest counted', async () => {
    const extra = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`extra${i}`, 'x']));
    const raw = { ...CLEAN.students, ...extra, '079201001234': 'Nguyễn Văn An' };
    const r = await runInput('students', [raw]);
    const schema = r.findings.filter((f) => f.rule === 'DUNG_SCHEMA');
    expect(schema).toHaveLength(1);
    expect(schema[0]!.pointer).toBe('');
    const names = Array.from({ length: 20 }, (_, i) => `extra${i}`).join(', ');
    expect(schema[0]!.detail?.en).toMatch(new RegExp(` \\(${names}, \\+6\\)$`));
    expect(JSON.stringify(schema)).not.toMatch(/079201001234|Nguyễn/);
    expect(r.rejected.has(0)).toBe(true);
  });
});
