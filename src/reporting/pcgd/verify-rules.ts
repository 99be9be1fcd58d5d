/**
 * What `truc pcgd verify` concludes from a signature check (review29 F3, F4): "OK" only means "signed by the unit".
 *
 * - the signature must match the content (what {@link verifyDetached} checks);
 * - a trusted certificate must have been given (the unit's certificate.pem): the certificate a signature carries
 *   proves nothing, anyone can make a key with the unit's name in it (`openssl cms -verify` without `-CAfile`
 *   refuses such a signer too);
 * - the signer must be that certificate, or issued by it;
 * - the package's `report.unitCode` must be the signer's unit when the signer's name carries one (truc's own
 *   certificates are `CN=truc PCGD <unit>`, signing.ts); a CA-issued certificate without it is judged by the
 *   certificate given alone.
 *
 * Also: where the signature and certificate of a package are, by name (the API's downloads
 * `<prefix>package.json|p7s`, `<prefix>certificate.pem`, or the export's plain names).
 */
import { both } from '../../errors.js';
import type { VerifyResult } from './signing.js';

export type Verdict = { ok: true; line: string } | { ok: false; line: string };

/** Vietnam's clock is UTC+7 all year. */
const VIETNAM_OFFSET_MS = 7 * 3600_000;

/**
 * A signing time (ISO, UTC) as a person in Vietnam reads it, to the second, the zone named (fix30b: the verifier
 * printed `2026-09-20T03:00:00.000Z`): `2026-09-20 10:00:00 giờ Việt Nam (Asia/Ho_Chi_Minh)` / `… Vietnam time (…)`.
 * A time it cannot read is given as it came.
 */
export function signedAtWords(iso: string | undefined): { vi: string; en: string } {
  const local = vietnamClock(iso);
  if (local === undefined) return { vi: iso ?? '?', en: iso ?? '?' };
  return { vi: `${local} giờ Việt Nam (Asia/Ho_Chi_Minh)`, en: `${local} Vietnam time (Asia/Ho_Chi_Minh)` };
}

/** An instant (ISO) on Vietnam's clock to the second, `2026-09-20 10:00:00`; undefined when it is not a time. */
export function vietnamClock(iso: string | undefined): string | undefined {
  const ms = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms + VIETNAM_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** The unit code in a signer subject as truc issues it (`CN=truc PCGD 26995`), or null. */
export function signerUnit(subject: string | undefined): string | null {
  const m = /(?:^|,\s*)CN=truc PCGD (\d{2}|\d{5})(?:,|$)/.exec(subject ?? '');
  return m ? m[1]! : null;
}

/**
 * A signature that failed, in words of both languages (walk9: the Vietnamese half was pkijs's English, "Error during
 * verification: Message digest doesn't match"); the library's technical reason stays after the English, in brackets.
 */
function failed(res: VerifyResult): Verdict {
  const words =
    res.failure === 'unreadable'
      ? {
          vi: 'tệp chữ ký không đọc được: không phải chữ ký CMS (DER) như tệp package.p7s truc cấp',
          en: 'the signature file cannot be read: not a CMS (DER) signature such as the package.p7s truc gives',
        }
      : {
          vi: 'chữ ký không khớp nội dung gói: gói hoặc chữ ký đã bị thay đổi sau khi ký, hoặc chúng không đi cùng nhau',
          en: 'the signature does not match the package: the package or the signature was changed after signing, or they are not a pair',
        };
  const why = res.reason ? ` (${res.reason})` : '';
  return {
    ok: false,
    line: both(`chữ ký KHÔNG hợp lệ: ${words.vi}`, `signature INVALID: ${words.en}${why}`),
  };
}

/** The verifier's conclusion (the line is bilingual; exit 0 only when ok). */
export function verdictOf(
  res: VerifyResult,
  o: { trustedGiven: boolean; unitCode?: string | undefined },
): Verdict {
  const bad = (vi: string, en: string): Verdict => ({
    ok: false,
    line: both(`chữ ký KHÔNG hợp lệ: ${vi}`, `signature INVALID: ${en}`),
  });
  if (!res.ok) return failed(res);
  if (!o.trustedGiven)
    return {
      ok: false,
      line: both(
        'chữ ký khớp nội dung nhưng KHÔNG kiểm tra được người ký: không có chứng thư tin cậy, hãy chỉ ra --certificate (tệp certificate.pem của đơn vị)',
        "signature matches but the signer is NOT checked: no trusted certificate: give --certificate (the unit's certificate.pem)",
      ),
    };
  if (res.trusted !== true)
    return bad('người ký không phải chứng thư được tin cậy', 'the signer is not the trusted certificate');
  const signer = signerUnit(res.signerSubject);
  if (o.unitCode !== undefined && signer !== null && signer !== o.unitCode)
    return bad(
      `gói của đơn vị ${o.unitCode} nhưng được ký bởi đơn vị ${signer}`,
      `the package is unit ${o.unitCode}'s but unit ${signer} signed it`,
    );
  const by = res.signerSubject ?? '?';
  const at = signedAtWords(res.signingTime);
  return {
    ok: true,
    line: both(
      `chữ ký hợp lệ: ký bởi ${by} lúc ${at.vi}, chứng thư được tin cậy`,
      `signature OK: signed by ${by} at ${at.en}, certificate trusted`,
    ),
  };
}

/**
 * The files beside a package, by its name: `<prefix>package.json` → `<prefix>package.p7s` and
 * `<prefix>certificate.pem` (as the API names its downloads), then the export's plain `package.p7s`,
 * `certificate.pem`. `exists` tells which are there; the first existing one wins (the first candidate when none).
 */
export function companionsOf(
  file: string,
  exists: (path: string) => boolean,
): { signature: string; certificate: string | undefined } {
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  const dir = file.slice(0, slash + 1);
  const base = file.slice(slash + 1);
  const m = /^(.*)package\.json$/.exec(base);
  const prefix = m?.[1] ?? '';
  const pick = (name: string) =>
    [...new Set([`${dir}${prefix}${name}`, `${dir}${name}`])].find((p) => exists(p));
  return {
    signature: pick('package.p7s') ?? `${dir}${prefix}package.p7s`,
    certificate: pick('certificate.pem'),
  };
}

/** The package's `report.unitCode`, when the content is a package (undefined otherwise: judged by signature only). */
export function packageUnitOf(content: Uint8Array): string | undefined {
  try {
    const v = JSON.parse(Buffer.from(content).toString('utf8')) as { report?: { unitCode?: unknown } };
    return typeof v.report?.unitCode === 'string' ? v.report.unitCode : undefined;
  } catch {
    return undefined;
  }
}
