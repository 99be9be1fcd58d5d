/**
 * A school system's own error codes as truc keeps them (src/adapters/school-system/transport.ts vendorAppError): the
 * code when it looks like one (src/errors.ts foreignCode), else `?` (review11: an SMAS `ErrorCode` went as it came
 * into the error's detail, the dead letter's message and the CLI's line, control characters and personal IDs too).
 */
import { describe, expect, it } from 'vitest';
import { vendorAppError } from '../../../src/adapters/school-system/transport.js';

const ID = '079219001234';

describe("a school system's error code", () => {
  it('is kept when it looks like a code', () => {
    const err = vendorAppError(
      'ERR_ADAPTER_REJECTED',
      'SMAS',
      [{ code: 'E1001', message: 'x' }],
      'SMAS answered 400',
    );
    expect(err.message).toBe('SMAS answered 400 [SMAS_E1001]');
    expect(err.errors?.[0]?.rule).toBe('SMAS_E1001');
  });

  it('is `?` when it is free text, a personal ID or holds control characters', () => {
    const codes = [`DUP_${ID}`, ID, 'E1\u001b]0;owned\u0007', 'Học sinh đã tồn tại', 'A'.repeat(65)];
    const err = vendorAppError(
      'ERR_ADAPTER_REJECTED',
      'VNEDU',
      codes.map((code) => ({ code, message: `m ${ID}` })),
      'vnEdu answered 400',
    );
    expect(err.message).toBe(`vnEdu answered 400 [${codes.map(() => 'VNEDU_?').join(', ')}]`);
    expect(JSON.stringify(err.errors)).not.toContain(ID);
    expect(JSON.stringify(err.errors)).not.toMatch(/\\u001b|\\u0007/);
  });

  it('is `?` when a personal ID is written with separators (review13: 079-219-001-234 was kept)', () => {
    const codes = ['DUP_079-219-001-234', 'ID.079.219.001.234', 'P_0792_1900_1234', 'x0792190-01234'];
    const err = vendorAppError(
      'ERR_ADAPTER_REJECTED',
      'SMAS',
      codes.map((code) => ({ code, message: 'm' })),
      'SMAS answered 400',
    );
    expect(err.message).toBe(`SMAS answered 400 [${codes.map(() => 'SMAS_?').join(', ')}]`);
    expect(JSON.stringify(err.errors)).not.toMatch(/219/);
  });
});
