/**
 * Detached CMS (PKCS#7) signatures of PCGD evidence with a unit's X.509 certificate, verifiable by
 * `openssl cms -verify` and by {@link verifyDetached}.
 *
 * Library: PKI.js (pkijs, with its ASN.1 layer asn1js) for certificates, CMS SignedData and PKCS#12:
 * maintained (Peculiar Ventures), typed, pure JavaScript on Node's WebCrypto (no native build), and it
 * implements CMS *verification* and PKCS#12 with PBES2/AES as OpenSSL 3 writes it — node-forge, the
 * other candidate, signs PKCS#7 but cannot verify it.
 *
 * Keys: `self-signed` mode generates an RSA-2048 key and a self-signed certificate per unit on first
 * use (`<dir>/<unit>.key.pem`, mode 0600, and `<unit>.cert.pem`); `pkcs12` mode reads a CA-issued
 * `<dir>/<unit>.p12` with the configured password. Keys never leave this module.
 */
import { createHash, webcrypto } from 'node:crypto';
type CryptoKey = webcrypto.CryptoKey;
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { AppError, both } from '../../errors.js';
import { makeFolder } from '../../store/folders.js';

const crypto = webcrypto;
pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: crypto as never }));

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
};
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** A unit's signing identity. */
export interface UnitSigner {
  unitCode: string;
  privateKey: CryptoKey;
  certificate: pkijs.Certificate;
  certificatePem: string;
  subject: string;
}

export interface SigningSettings {
  mode: 'self-signed' | 'pkcs12';
  dir: string;
  pkcs12Password?: string | undefined;
  organisation: string;
}

const toArrayBuffer = (b: Uint8Array): ArrayBuffer =>
  b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

function pemBody(pem: string, label: string): Uint8Array {
  const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]+?)-----END ${label}-----`).exec(pem);
  if (!m) throw new AppError('ERR_PCGD_SIGNING_UNAVAILABLE', `no ${label} in PEM`);
  return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
}

function toPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const b64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

/** `CN=…, O=…` of a certificate's subject. */
function subjectOf(cert: pkijs.Certificate): string {
  const names: Record<string, string> = {
    '2.5.4.3': 'CN',
    '2.5.4.10': 'O',
    '2.5.4.6': 'C',
    '2.5.4.11': 'OU',
  };
  return cert.subject.typesAndValues
    .map((tv) => `${names[tv.type] ?? tv.type}=${String(tv.value.valueBlock.value)}`)
    .join(', ');
}

function certificateOf(der: Uint8Array): pkijs.Certificate {
  return pkijs.Certificate.fromBER(toArrayBuffer(der));
}

function name(cn: string, organisation: string): pkijs.RelativeDistinguishedNames {
  const rdn = new pkijs.RelativeDistinguishedNames();
  rdn.typesAndValues.push(
    new pkijs.AttributeTypeAndValue({ type: '2.5.4.6', value: new asn1js.PrintableString({ value: 'VN' }) }),
    new pkijs.AttributeTypeAndValue({
      type: '2.5.4.10',
      value: new asn1js.Utf8String({ value: organisation }),
    }),
    new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: cn }) }),
  );
  return rdn;
}

/** Generates an RSA-2048 key and a self-signed certificate (10 years) for a unit. */
export async function generateSelfSigned(
  unitCode: string,
  organisation: string,
): Promise<{ keyPem: string; certPem: string }> {
  const keys = await crypto.subtle.generateKey(
    { ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  );
  const cert = new pkijs.Certificate();
  cert.version = 2;
  const serial = new Uint8Array(webcrypto.getRandomValues(new Uint8Array(12)));
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, no leading zero
  cert.serialNumber = new asn1js.Integer({ valueHex: toArrayBuffer(serial) });
  const dn = name(`truc PCGD ${unitCode}`, organisation);
  cert.subject = dn;
  cert.issuer = name(`truc PCGD ${unitCode}`, organisation);
  const notBefore = new Date(Date.now() - 60_000);
  cert.notBefore.value = notBefore;
  cert.notAfter.value = new Date(notBefore.getTime() + 10 * 365 * 86_400_000);
  const keyUsage = new asn1js.BitString({ valueHex: toArrayBuffer(new Uint8Array([0xc0])) }); // digitalSignature, nonRepudiation
  cert.extensions = [
    new pkijs.Extension({
      extnID: '2.5.29.19',
      critical: true,
      extnValue: new pkijs.BasicConstraints({ cA: false }).toSchema().toBER(false),
    }),
    new pkijs.Extension({ extnID: '2.5.29.15', critical: true, extnValue: keyUsage.toBER(false) }),
  ];
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey);
  await cert.sign(keys.privateKey, 'SHA-256');
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    keyPem: toPem(pkcs8, 'PRIVATE KEY'),
    certPem: toPem(cert.toSchema(true).toBER(false), 'CERTIFICATE'),
  };
}

async function importKey(pkcs8: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('pkcs8', toArrayBuffer(pkcs8), RSA, false, ['sign']);
}

/** Reads the key and certificate of a PKCS#12 file (PBES2/AES or legacy 3DES, integrity checked). */
export async function readPkcs12(
  file: Uint8Array,
  password: string,
): Promise<{ pkcs8: Uint8Array; certificate: pkijs.Certificate }> {
  const pwd = toArrayBuffer(new TextEncoder().encode(password));
  const pfx = pkijs.PFX.fromBER(toArrayBuffer(file));
  await pfx.parseInternalValues({ password: pwd, checkIntegrity: true });
  const safe = pfx.parsedValue?.authenticatedSafe;
  if (!safe) throw new AppError('ERR_PCGD_SIGNING_UNAVAILABLE', 'PKCS#12: no authenticated safe');
  await safe.parseInternalValues({ safeContents: safe.safeContents.map(() => ({ password: pwd })) });
  let pkcs8: Uint8Array | undefined;
  const certs: pkijs.Certificate[] = [];
  const contents = (safe.parsedValue as { safeContents?: Array<{ value: pkijs.SafeContents }> } | undefined)
    ?.safeContents;
  for (const content of contents ?? []) {
    for (const bag of content.value.safeBags) {
      if (bag.bagId === OID.shroudedKeyBag) {
        const shrouded = bag.bagValue as pkijs.PKCS8ShroudedKeyBag;
        // protected in the typings, public in the library (its own PKCS#12 examples call it)
        await (
          shrouded as unknown as { parseInternalValues(p: { password: ArrayBuffer }): Promise<void> }
        ).parseInternalValues({ password: pwd });
        pkcs8 = new Uint8Array(shrouded.parsedValue!.toSchema().toBER(false));
      } else if (bag.bagId === OID.keyBag) {
        pkcs8 = new Uint8Array((bag.bagValue as pkijs.PrivateKeyInfo).toSchema().toBER(false));
      } else if (bag.bagId === OID.certBag) {
        const certBag = bag.bagValue as pkijs.CertBag;
        if (certBag.parsedValue instanceof pkijs.Certificate) certs.push(certBag.parsedValue);
      }
    }
  }
  if (!pkcs8 || certs.length === 0)
    throw new AppError('ERR_PCGD_SIGNING_UNAVAILABLE', 'PKCS#12: no private key or no certificate');
  // The end-entity certificate: the one that is nobody's issuer in the file.
  const [first] = certs;
  const leaf = certs.find((c) => !certs.some((o) => o !== c && o.issuer.isEqual(c.subject)));
  return { pkcs8, certificate: leaf ?? first! };
}

/** The signer of a unit (cached per process by the caller). */
export async function loadUnitSigner(settings: SigningSettings, unitCode: string): Promise<UnitSigner> {
  if (!/^\d{2}(\d{3})?$/.test(unitCode))
    throw new AppError('ERR_VALIDATION', both('mã đơn vị không hợp lệ', 'invalid unit code'));
  try {
    if (settings.mode === 'pkcs12') {
      const file = join(settings.dir, `${unitCode}.p12`);
      if (!existsSync(file))
        throw new AppError(
          'ERR_PCGD_SIGNING_UNAVAILABLE',
          both(
            `không có tệp PKCS#12 của đơn vị ${unitCode} trong ${settings.dir}`,
            `no PKCS#12 file for unit ${unitCode} in ${settings.dir}`,
          ),
        );
      const { pkcs8, certificate } = await readPkcs12(readFileSync(file), settings.pkcs12Password ?? '');
      return {
        unitCode,
        privateKey: await importKey(pkcs8),
        certificate,
        certificatePem: toPem(certificate.toSchema().toBER(false), 'CERTIFICATE'),
        subject: subjectOf(certificate),
      };
    }
    makeFolder(settings.dir, { named: 'pcgd.signing.dir', code: 'ERR_CONFIG_INVALID' }, 0o700);
    const keyFile = join(settings.dir, `${unitCode}.key.pem`);
    const certFile = join(settings.dir, `${unitCode}.cert.pem`);
    if (!existsSync(keyFile) || !existsSync(certFile)) {
      const made = await generateSelfSigned(unitCode, settings.organisation);
      writeFileSync(keyFile, made.keyPem, { mode: 0o600 });
      writeFileSync(certFile, made.certPem);
    }
    const certificatePem = readFileSync(certFile, 'utf8');
    const certificate = certificateOf(pemBody(certificatePem, 'CERTIFICATE'));
    return {
      unitCode,
      privateKey: await importKey(pemBody(readFileSync(keyFile, 'utf8'), 'PRIVATE KEY')),
      certificate,
      certificatePem,
      subject: subjectOf(certificate),
    };
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(
      'ERR_PCGD_SIGNING_UNAVAILABLE',
      both(
        `khoá ký của đơn vị ${unitCode}: ${(err as Error).message}`,
        `signing key of unit ${unitCode}: ${(err as Error).message}`,
      ),
      {
        cause: err,
      },
    );
  }
}

/** Detached CMS SignedData (DER) over `content`: signed attributes content type, signing time, digest; the certificate included. */
export async function signDetached(
  content: Uint8Array,
  signer: UnitSigner,
  signingTime = new Date(),
): Promise<Buffer> {
  const digest = createHash('sha256').update(content).digest();
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({
          issuer: signer.certificate.issuer,
          serialNumber: signer.certificate.serialNumber,
        }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({
          type: 0,
          attributes: [
            new pkijs.Attribute({
              type: OID.contentType,
              values: [new asn1js.ObjectIdentifier({ value: OID.data })],
            }),
            new pkijs.Attribute({
              type: OID.signingTime,
              values: [new asn1js.UTCTime({ valueDate: signingTime })],
            }),
            new pkijs.Attribute({
              type: OID.messageDigest,
              values: [new asn1js.OctetString({ valueHex: toArrayBuffer(digest) })],
            }),
          ],
        }),
      }),
    ],
    certificates: [signer.certificate],
  });
  await signedData.sign(signer.privateKey, 0, 'SHA-256');
  const info = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) });
  return Buffer.from(info.toSchema().toBER(false));
}

export interface VerifyResult {
  ok: boolean;
  /** Why not, in one line (English, technical; callers word the outcome by `failure`). */
  reason?: string;
  /** What failed: the signature file is no CMS signature, or it does not match the content (walk9). */
  failure?: 'unreadable' | 'mismatch';
  signerSubject?: string;
  signerCertificatePem?: string;
  signingTime?: string;
  /** The signer's certificate is one of the trusted ones (when trusted certificates were given). */
  trusted?: boolean;
}

/**
 * Verifies a detached CMS signature over `content`. With `trusted` certificates (PEM), also checks
 * that the signer's certificate is one of them or issued by one of them.
 */
export async function verifyDetached(
  content: Uint8Array,
  signature: Uint8Array,
  opts: { trusted?: readonly string[] } = {},
): Promise<VerifyResult> {
  let signedData: pkijs.SignedData;
  try {
    const info = pkijs.ContentInfo.fromBER(toArrayBuffer(signature));
    if (info.contentType !== OID.signedData)
      return { ok: false, failure: 'unreadable', reason: 'not a CMS SignedData' };
    signedData = new pkijs.SignedData({ schema: info.content });
  } catch (err) {
    return {
      ok: false,
      failure: 'unreadable',
      reason: `signature is not valid DER CMS: ${(err as Error).message}`,
    };
  }
  try {
    const res = await signedData.verify({
      signer: 0,
      data: toArrayBuffer(content),
      extendedMode: true,
      checkChain: false,
    });
    const cert = res.signerCertificate ?? undefined;
    const signingAttr = signedData.signerInfos[0]?.signedAttrs?.attributes.find(
      (a) => a.type === OID.signingTime,
    );
    const time = (signingAttr?.values[0] as asn1js.UTCTime | undefined)?.toDate();
    const out: VerifyResult = {
      ok: res.signatureVerified === true,
      ...(res.signatureVerified
        ? {}
        : { failure: 'mismatch' as const, reason: res.message || 'signature does not match the content' }),
      ...(cert
        ? {
            signerSubject: subjectOf(cert),
            signerCertificatePem: toPem(cert.toSchema().toBER(false), 'CERTIFICATE'),
          }
        : {}),
      ...(time ? { signingTime: time.toISOString() } : {}),
    };
    if (opts.trusted && cert) {
      const anchors = opts.trusted.map((pem) => certificateOf(pemBody(pem, 'CERTIFICATE')));
      const certDer = Buffer.from(cert.toSchema().toBER(false));
      const same = anchors.some((a) => Buffer.from(a.toSchema().toBER(false)).equals(certDer));
      let issued = false;
      for (const a of anchors) {
        if (same || issued) break;
        if (a.subject.isEqual(cert.issuer)) issued = await cert.verify(a).catch(() => false);
      }
      out.trusted = same || issued;
    }
    return out;
  } catch (err) {
    return { ok: false, failure: 'mismatch', reason: (err as Error).message };
  }
}
