/**
 * PCGD-XMC signing checked at start (sec29 item 4): in `pkcs12` mode a missing folder, a folder without any
 * `<unitCode>.p12`, or a file the configured password does not open failed only when a report was approved (the
 * first signature), days or months after the start that could have said so. The roles that sign (`truc api`,
 * `truc all`) ask this before they start; the start is refused (exit 2) with every problem, each naming the
 * configuration key in both languages, never the password itself.
 *
 * Refused when the city set signing up: `pcgd.signing.dir` or the password (`TRUC_PCGD_P12_PASSWORD`) given, or the
 * Ministry's system configured (its submissions carry signed packages). A start that set none of them (the default
 * profile, an installation that does not report PCGD-XMC) is not refused for a folder that is not there: it is
 * warned, once, and an approval is refused until the files are in place (ERR_PCGD_SIGNING_UNAVAILABLE). Files that
 * are there are always checked.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { both } from '../../errors.js';
import { readPkcs12 } from './signing.js';

export interface SigningSetup {
  mode: 'self-signed' | 'pkcs12';
  dir?: string | undefined;
  pkcs12Password?: string | undefined;
}

/** What the start is told: problems refuse it, a warning is logged. */
export interface SigningCheck {
  problems: string[];
  warning?: string;
}

/** A unit's PKCS#12 file: `<province>.p12` (2 digits) or `<commune>.p12` (5), as the signer looks for it. */
const UNIT_FILE = /^\d{2}(\d{3})?\.p12$/;

/** The files of `dir` a unit's signer would read, or why there are none (Vietnamese, English). */
function unitFiles(dir: string): { files: string[] } | { missing: [string, string] } {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    return { missing: [`không có thư mục ${dir}`, `no folder ${dir}`] };
  const files = readdirSync(dir).filter((f) => UNIT_FILE.test(f));
  if (files.length === 0)
    return {
      missing: [
        `thư mục ${dir} không có tệp <mã đơn vị>.p12 nào`,
        `the folder ${dir} holds no <unitCode>.p12 file`,
      ],
    };
  return { files: files.sort() };
}

/** The first line of why a file does not open, short (a library's words; never the password). */
const reasonOf = (err: unknown): string =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 120);

/**
 * Checks pkcs12 signing (nothing to check in self-signed mode, whose keys are made on first use). `dataDir`: where
 * the folder is by default (`<dataDir>/pcgd-keys`); `required`: whether the city set signing up otherwise (the
 * Ministry's system configured).
 */
export async function checkSigningSetup(
  s: SigningSetup,
  dataDir: string,
  required: boolean,
): Promise<SigningCheck> {
  if (s.mode !== 'pkcs12') return { problems: [] };
  const dir = s.dir ?? join(dataDir, 'pcgd-keys');
  const setUp = required || s.dir !== undefined || s.pkcs12Password !== undefined;
  const found = unitFiles(dir);
  if ('missing' in found) {
    const [vi, en] = found.missing;
    const words = both(
      `pcgd.signing (mode pkcs12, pcgd.signing.dir): ${vi}; chưa ký được báo cáo PCGD-XMC nào`,
      `pcgd.signing (mode pkcs12, pcgd.signing.dir): ${en}; no PCGD-XMC report can be signed`,
    );
    return setUp ? { problems: [words] } : { problems: [], warning: words };
  }
  const problems: string[] = [];
  const unset = s.pkcs12Password === undefined;
  for (const file of found.files) {
    const path = join(dir, file);
    try {
      await readPkcs12(readFileSync(path), s.pkcs12Password ?? '');
    } catch (err) {
      problems.push(
        both(
          `pcgd.signing: không mở được ${path} bằng pcgd.signing.pkcs12Password (TRUC_PCGD_P12_PASSWORD${unset ? ', chưa đặt' : ''}): ${reasonOf(err)}`,
          `pcgd.signing: ${path} does not open with pcgd.signing.pkcs12Password (TRUC_PCGD_P12_PASSWORD${unset ? ', unset' : ''}): ${reasonOf(err)}`,
        ),
      );
    }
  }
  return { problems };
}
