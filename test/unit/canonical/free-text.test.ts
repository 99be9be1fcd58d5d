import { describe, expect, it } from 'vitest';
import { makePersonalId } from '../../../src/canonical/personal-id.js';
import {
  PERSONAL_NUMBER_MESSAGE,
  personalNumberIn,
  refusePersonalNumber,
} from '../../../src/canonical/free-text.js';
import { isAppError } from '../../../src/errors.js';

// review33b: a decision's free-text reason is kept in the hash-chained audit log for good.
describe('personalNumberIn: what free text kept for good may not hold', () => {
  const id = makePersonalId({ provinceCode3: '079', sex: 'female', birthYear: 2010, serial: 1234 });

  it.each([
    [`học sinh ${id} nhập sai`, 'personal-id'],
    [`CCCD:${id}`, 'personal-id'],
    ['TAM-079310001234 trùng', 'personal-id'],
    ['id 079 310 001 234 sai', 'personal-id'],
    ['id 079.310.001.234', 'personal-id'],
    ['id 0793 1000 1234', 'personal-id'],
    ['id 079310 001234', 'personal-id'],
    // a mistyped ID (no such province code) is still somebody's number
    ['id 999310001234', 'personal-id'],
    // full-width digits read as digits
    ['id ０７９３１０００１２３４', 'personal-id'],
    ['CMND 023456789 cũ', 'legacy-id'],
    ['CMND 023 456 789', 'legacy-id'],
    ['gọi 0912345678 để hỏi', 'phone'],
    ['gọi 0912 345 678', 'phone'],
    ['gọi 0912.345.678', 'phone'],
    ['gọi 0912-345-678.', 'phone'],
    ['gọi 091 234 5678', 'phone'],
    ['bàn (028) 3829 1234', 'phone'],
    ['bàn 028 3829 1234', 'phone'],
    ['bàn 02838291234', 'phone'],
    ['gọi +84912345678', 'phone'],
    ['gọi +84 912 345 678', 'phone'],
    ['gọi +84-912-345-678', 'phone'],
    ['gọi (+84) 912 345 678', 'phone'],
    ['gọi +84 (0) 912 345 678', 'phone'],
    ['gọi +84 28 3829 1234', 'phone'],
    ['gọi 84912345678', 'phone'],
    ['lần 3 0912 345 678', 'phone'],
    ['gọi\u00a00912\u00a0345\u00a0678', 'phone'],
  ])('%s: %s', (text, kind) => {
    expect(personalNumberIn(text)).toBe(kind);
  });

  it.each([
    'trường 79000701 nhập thiếu lớp',
    'trường 79000701 và 79000702',
    'trường 79000701 1234 bản ghi',
    'năm học 2025-2026',
    'năm 2025, 2026',
    'ngày 06/12/2026 lúc 10:30',
    'ngày 06-12-2026 15 trường sai',
    'ngày 06.12.2026 3 trường',
    '1.234.567 bản ghi bị xoá',
    '12 345 bản ghi, 3 lớp, 40 học sinh',
    'lệnh giữ 42, lần đồng bộ 1234',
    'mã xã 26734, tỉnh 79',
    'đã kiểm tra: đúng',
    '',
    '1234567890 không bắt đầu bằng 0',
  ])('passes ordinary text: %s', (text) => {
    expect(personalNumberIn(text)).toBeUndefined();
  });
});

describe('refusePersonalNumber', () => {
  it('throws ERR_FREE_TEXT_PERSONAL_DATA naming the field, never the number', () => {
    let thrown: unknown;
    try {
      refusePersonalNumber('gọi 0912 345 678', 'reason');
    } catch (err) {
      thrown = err;
    }
    expect(isAppError(thrown)).toBe(true);
    const err = thrown as Error & { code: string; status: number; errors: unknown };
    expect(err.code).toBe('ERR_FREE_TEXT_PERSONAL_DATA');
    expect(err.status).toBe(400);
    expect(err.message).toBe(`reason: ${PERSONAL_NUMBER_MESSAGE}`);
    expect(err.errors).toEqual([
      { pointer: '/reason', rule: 'personal_data', message: PERSONAL_NUMBER_MESSAGE },
    ]);
    expect(JSON.stringify(err.errors) + err.message).not.toMatch(/912|345|678/);
  });

  it('lets ordinary text and no text through', () => {
    expect(() => refusePersonalNumber('trường 79000701 sai 12 lớp', 'reason')).not.toThrow();
    expect(() => refusePersonalNumber(undefined, 'reason')).not.toThrow();
  });
});
