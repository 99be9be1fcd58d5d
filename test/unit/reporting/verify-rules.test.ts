/** `truc pcgd verify`'s rules (review29 F3, F4): "OK" only for a matching signature by the trusted unit certificate. */
import { describe, expect, it } from 'vitest';
import type { VerifyResult } from '../../../src/reporting/pcgd/signing.js';
import {
  companionsOf,
  packageUnitOf,
  signerUnit,
  verdictOf,
} from '../../../src/reporting/pcgd/verify-rules.js';

const signedBy = (unit: string, extra: Partial<VerifyResult> = {}): VerifyResult => ({
  ok: true,
  signerSubject: `C=VN, O=Sở Giáo dục và Đào tạo, CN=truc PCGD ${unit}`,
  signingTime: '2026-09-20T03:00:00.000Z',
  ...extra,
});

describe('verdictOf', () => {
  it('a matching signature without a trusted certificate is not OK: it asks for --certificate', () => {
    const v = verdictOf(signedBy('26995'), { trustedGiven: false, unitCode: '26995' });
    expect(v.ok).toBe(false);
    expect(v.line).toContain("no trusted certificate: give --certificate (the unit's certificate.pem)");
    expect(v.line).toContain(' / ');
    expect(v.line).not.toMatch(/signature OK/);
  });

  it('a signer that is not the trusted certificate is INVALID', () => {
    const v = verdictOf(signedBy('26995', { trusted: false }), { trustedGiven: true, unitCode: '26995' });
    expect(v).toEqual({
      ok: false,
      line: expect.stringContaining('the signer is not the trusted certificate'),
    });
  });

  it('a signature that does not match is INVALID with its reason', () => {
    const v = verdictOf({ ok: false, reason: 'digest mismatch' }, { trustedGiven: true });
    expect(v).toEqual({ ok: false, line: expect.stringContaining('signature INVALID: digest mismatch') });
  });

  it("a package of one unit signed by another unit's trusted certificate is INVALID", () => {
    const v = verdictOf(signedBy('27664', { trusted: true }), { trustedGiven: true, unitCode: '26995' });
    expect(v).toEqual({
      ok: false,
      line: expect.stringContaining("the package is unit 26995's but unit 27664 signed it"),
    });
  });

  it('the unit, trusted: OK, certificate trusted', () => {
    const v = verdictOf(signedBy('26995', { trusted: true }), { trustedGiven: true, unitCode: '26995' });
    expect(v.ok).toBe(true);
    expect(v.line).toMatch(/ \/ signature OK: signed by .*CN=truc PCGD 26995 at .*, certificate trusted$/);
  });

  it('a CA-issued certificate without a unit in its name is judged by the trusted certificate alone', () => {
    const res: VerifyResult = { ok: true, trusted: true, signerSubject: 'C=VN, O=UBND xã, CN=Nguyen' };
    expect(verdictOf(res, { trustedGiven: true, unitCode: '26995' }).ok).toBe(true);
  });
});

describe('signerUnit', () => {
  it.each([
    ['C=VN, O=x, CN=truc PCGD 26995', '26995'],
    ['CN=truc PCGD 79, O=x', '79'],
    ['C=VN, CN=truc PCGD 269950', null],
    ['C=VN, CN=someone', null],
    [undefined, null],
  ])('%s → %s', (subject, unit) => expect(signerUnit(subject)).toBe(unit));
});

describe('companionsOf', () => {
  const has =
    (...files: string[]) =>
    (p: string) =>
      files.includes(p);
  it("the API's names first (<prefix>package.p7s, <prefix>certificate.pem)", () => {
    expect(
      companionsOf(
        '/d/pcgd-26995-2026-v1-package.json',
        has('/d/pcgd-26995-2026-v1-package.p7s', '/d/pcgd-26995-2026-v1-certificate.pem', '/d/package.p7s'),
      ),
    ).toEqual({
      signature: '/d/pcgd-26995-2026-v1-package.p7s',
      certificate: '/d/pcgd-26995-2026-v1-certificate.pem',
    });
  });
  it("falls back to the export's plain names", () => {
    expect(
      companionsOf('/d/pcgd-26995-2026-v1-package.json', has('/d/package.p7s', '/d/certificate.pem')),
    ).toEqual({ signature: '/d/package.p7s', certificate: '/d/certificate.pem' });
    expect(companionsOf('package.json', has('package.p7s'))).toEqual({
      signature: 'package.p7s',
      certificate: undefined,
    });
  });
  it('none there: the prefixed signature is named (the caller says no such file), no certificate', () => {
    expect(companionsOf('/d/x-package.json', has())).toEqual({
      signature: '/d/x-package.p7s',
      certificate: undefined,
    });
  });
});

describe('packageUnitOf', () => {
  it('reads report.unitCode, undefined for anything else', () => {
    expect(packageUnitOf(Buffer.from('{"report":{"unitCode":"26995"}}'))).toBe('26995');
    expect(packageUnitOf(Buffer.from('{"report":{}}'))).toBeUndefined();
    expect(packageUnitOf(Buffer.from('not json'))).toBeUndefined();
  });
});
