/** `truc pcgd verify`'s rules (review29 F3, F4): "OK" only for a matching signature by the trusted unit certificate. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadUnitSigner,
  signDetached,
  verifyDetached,
  type VerifyResult,
} from '../../../src/reporting/pcgd/signing.js';
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

  it('a signature that does not match is INVALID in words, its technical reason after the English', () => {
    const v = verdictOf(
      { ok: false, failure: 'mismatch', reason: 'digest mismatch' },
      { trustedGiven: true },
    );
    expect(v).toEqual({
      ok: false,
      line: expect.stringMatching(
        /^chữ ký KHÔNG hợp lệ: chữ ký không khớp nội dung gói: .* \/ signature INVALID: the signature does not match the package: .* \(digest mismatch\)$/,
      ),
    });
  });

  it('walk9: a changed package or a file that is no signature is said in Vietnamese too, not in pkijs English', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'truc-verify-words-'));
    try {
      const unit = await loadUnitSigner(
        { mode: 'self-signed', dir, organisation: 'Sở GDĐT (test)' },
        '27112',
      );
      const content = Buffer.from(JSON.stringify({ report: { unitCode: '27112', persons: 38 } }));
      const sig = await signDetached(content, unit);
      const trusted = { trusted: [unit.certificatePem] };
      const changed = await verifyDetached(Buffer.from(content.toString().replace('38', '39')), sig, trusted);
      const garbage = await verifyDetached(content, Buffer.from('not a signature'), trusted);
      for (const [res, vi] of [
        [changed, 'chữ ký không khớp nội dung gói'],
        [garbage, 'tệp chữ ký không đọc được'],
      ] as const) {
        const v = verdictOf(res, { trustedGiven: true, unitCode: '27112' });
        expect(v.ok).toBe(false);
        const [viHalf] = v.line.split(' / signature INVALID: ');
        expect(viHalf).toContain(vi);
        expect(viHalf).not.toContain(res.reason!);
        expect(v.line).toContain(`(${res.reason!})`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

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
