/**
 * walk3 W3-1: a smas or vnedu record refused for its wire format was told in zod's English inside the Vietnamese
 * ("Sai định dạng của hệ thống nguồn: Invalid input: expected string, received undefined"). A field not sent is now
 * told so, and zod's other words in its Vietnamese locale, as the API's own 400s are (src/canonical/zod-text.ts).
 */
import { describe, expect, it } from 'vitest';
import { inboundMapping } from '../../../src/jobs/inbound.js';

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
      vi: 'Sai định dạng của hệ thống nguồn: bắt buộc, chưa được gửi',
      en: 'Not in the source system’s wire format: required, not sent',
    });
    for (const f of r.findings) expect(f.vi).not.toMatch(/Invalid input|received undefined/);
  });

  it('tells a value of the wrong type in zod’s Vietnamese, its English as before', () => {
    const r = inboundMapping('vnedu', 'students').map({ student_id: 7947990009 }, ctx);
    expect(r.ok).toBe(false);
    const wrong = r.findings.find((f) => f.pointer === '/student_id');
    expect(wrong?.en).toBe(
      'Not in the source system’s wire format: Invalid input: expected string, received number',
    );
    expect(wrong?.vi).toMatch(/^Sai định dạng của hệ thống nguồn: Đầu vào không hợp lệ/);
    expect(wrong?.vi).not.toMatch(/Invalid input/);
  });
});
