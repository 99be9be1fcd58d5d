/**
 * walk3 W3-1: a smas or vnedu record refused for its wire format was told in zod's English inside the Vietnamese
 * ("Sai định dạng của hệ thống nguồn: Invalid input: expected string, received undefined"). A field not sent is now
 * told so, and zod's other words in its Vietnamese locale, as the API's own 400s are (src/canonical/zod-text.ts).
 * W3-7: each says how to fix it where zod knows the form it wants (the type, a string's format), naming the field by
 * its schema name, never the value sent.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { inboundMapping } from '../../../src/jobs/inbound.js';
import { zodFindings } from '../../../src/mappings/canonical/index.js';

const ctx = { schoolCode: '79663066', schoolYear: '2026-2027', now: () => new Date('2026-12-06T00:00:00Z') };

describe('a wire-format finding of a vendor batch (walk3 W3-1)', () => {
  it('tells a field not sent as required, not sent, in Vietnamese and English', () => {
    const r = inboundMapping('smas', 'students').map(
      { MaHocSinh: '7947990009', NgaySinh: '01/02/2020' },
      ctx,
    );
    expect(r.ok).toBe(false);
    const missing = r.findings.find((f) => f.pointer === '/HoVaTen');
    expect(missing).toMatchObject({
      rule: 'WIRE_INVALID_TYPE',
      vi: 'Sai định dạng của hệ thống nguồn: bắt buộc, chưa được gửi; hãy gửi HoVaTen là một chuỗi (trong dấu ngoặc kép)',
      en: 'Not in the source system’s wire format: required, not sent; send HoVaTen as a string (in double quotes)',
    });
    for (const f of r.findings) expect(f.vi).not.toMatch(/Invalid input|received undefined/);
  });

  it('tells a value of the wrong type in zod’s Vietnamese, its English as before', () => {
    const r = inboundMapping('vnedu', 'students').map({ student_id: 7947990009 }, ctx);
    expect(r.ok).toBe(false);
    const wrong = r.findings.find((f) => f.pointer === '/student_id');
    expect(wrong?.en).toBe(
      'Not in the source system’s wire format: Invalid input: expected string, received number; send student_id as a string (in double quotes)',
    );
    expect(wrong?.vi).toMatch(/^Sai định dạng của hệ thống nguồn: Đầu vào không hợp lệ/);
    expect(wrong?.vi).not.toMatch(/Invalid input/);
  });

  it('says how to fix it: the form zod wants, the field by name, never the value (walk3 W3-7)', () => {
    const r = inboundMapping('vnedu', 'students').map({ student_id: 7947990009, gender: 'Nam' }, ctx);
    const byPointer = (p: string) => r.findings.find((f) => f.pointer === p);
    const gender = byPointer('/gender');
    expect(gender?.en).toBe(
      'Not in the source system’s wire format: Invalid input: expected number, received string; send gender as a number',
    );
    expect(gender?.vi).toMatch(
      /^Sai định dạng của hệ thống nguồn: Đầu vào không hợp lệ: .*; hãy gửi gender là một số$/,
    );
    expect(byPointer('/dob')?.en).toMatch(/; send dob as a string \(in double quotes\)$/);
    for (const f of r.findings) expect(`${f.vi} ${f.en}`).not.toMatch(/7947990009|Nam\b/);
  });

  it('names the date form a format wants, and no field held as data (an item, a key shaped like an ID)', () => {
    const s = z.object({
      d: z.iso.date(),
      list: z.array(z.number()),
      byId: z.record(z.string(), z.number()),
    });
    const r = s.safeParse({ d: '05/09/2015', list: ['x'], byId: { '079201001234': 'y' } });
    const findings = r.success ? [] : zodFindings(r.error, 'WIRE');
    expect(findings.map((f) => f.en.split('; ')[1])).toEqual([
      'send d as a date YYYY-MM-DD (e.g. 2015-09-05)',
      'send a number',
      'send a number',
    ]);
    for (const f of findings) expect(f.vi).toMatch(/; hãy gửi /);
  });
});
