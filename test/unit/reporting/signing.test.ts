/** Detached CMS signatures: any changed byte fails; PKCS#12 files as OpenSSL 3 writes them are read. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadUnitSigner,
  readPkcs12,
  signDetached,
  verifyDetached,
} from '../../../src/reporting/pcgd/signing.js';

const dir = mkdtempSync(join(tmpdir(), 'truc-sign-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('detached CMS signatures', () => {
  it('verify; any changed byte of the content fails; another certificate is not trusted', async () => {
    const unit = await loadUnitSigner({ mode: 'self-signed', dir, organisation: 'Sở GDĐT (test)' }, '27664');
    const other = await loadUnitSigner({ mode: 'self-signed', dir, organisation: 'Sở GDĐT (test)' }, '27676');
    const content = Buffer.from(
      JSON.stringify({ unit: '27664', figures: Array.from({ length: 40 }, (_, i) => i) }),
    );
    const sig = await signDetached(content, unit);
    expect(await verifyDetached(content, sig, { trusted: [unit.certificatePem] })).toEqual(
      expect.objectContaining({
        ok: true,
        trusted: true,
        signerSubject: expect.stringContaining('27664') as string,
      }),
    );
    expect((await verifyDetached(content, sig, { trusted: [other.certificatePem] })).trusted).toBe(false);
    for (let i = 0; i < content.length; i += 13) {
      const changed = Buffer.from(content);
      changed[i] = changed[i]! ^ 0x01;
      expect((await verifyDetached(changed, sig)).ok).toBe(false);
    }
    expect((await verifyDetached(Buffer.concat([content, Buffer.from(' ')]), sig)).ok).toBe(false);
    expect((await verifyDetached(content, Buffer.from('not a signature'))).ok).toBe(false);
    // a reloaded signer (same files) is the same certificate
    const again = await loadUnitSigner({ mode: 'self-signed', dir, organisation: 'x' }, '27664');
    expect(again.certificatePem).toBe(unit.certificatePem);
  }, 60_000);

  it('reads a PKCS#12 file made by openssl (production mode) and signs with it', async () => {
    // A unit's key and certificate as PEM files (made on first use, or read back), packed by openssl.
    await loadUnitSigner({ mode: 'self-signed', dir, organisation: 'Sở GDĐT (test)' }, '27664');
    execFileSync('openssl', [
      'pkcs12',
      '-export',
      '-inkey',
      join(dir, '27664.key.pem'),
      '-in',
      join(dir, '27664.cert.pem'),
      '-out',
      join(dir, '79.p12'),
      '-passout',
      'pass:s3cret',
    ]);
    const p12 = await readPkcs12(readFileSync(join(dir, '79.p12')), 's3cret');
    expect(p12.pkcs8.length).toBeGreaterThan(1000);
    await expect(readPkcs12(readFileSync(join(dir, '79.p12')), 'wrong')).rejects.toThrow();
    const unit = await loadUnitSigner(
      { mode: 'pkcs12', dir, pkcs12Password: 's3cret', organisation: 'x' },
      '79',
    );
    const sig = await signDetached(Buffer.from('x'), unit);
    expect((await verifyDetached(Buffer.from('x'), sig)).ok).toBe(true);
    await expect(
      loadUnitSigner({ mode: 'pkcs12', dir, pkcs12Password: 's3cret', organisation: 'x' }, '01'),
    ).rejects.toMatchObject({ code: 'ERR_PCGD_SIGNING_UNAVAILABLE' });
  }, 60_000);
});
