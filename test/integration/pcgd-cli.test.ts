/**
 * `truc pcgd compute | approve | export | verify | submit` as a PCGD officer runs them (in process, `runCli`: the
 * words, exit codes and files are the command's; the binary's own start-up and output split are test/e2e/cli.test.ts's),
 * in a shell of profile `test` on its own PostgreSQL database seeded with the hand-computed fixture: the exported
 * package verifies with `truc pcgd verify` and with `openssl cms -verify`; any change to the package
 * or to its signature fails both; the exported workbook and PDF show exactly the package's numbers,
 * and the PDF's embedded signature verifies against the exported certificate.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { pdfSignatureParts } from '../../src/reporting/pcgd/forms.js';
import { readPackage, sha256Hex, type EvidencePackage } from '../../src/reporting/pcgd/package.js';
import { INDICATOR_BY_CODE, type IndicatorCode } from '../../src/reporting/pcgd/indicators.js';
import { verifyDetached } from '../../src/reporting/pcgd/signing.js';
import { createPgDb } from '../../src/store/db.js';
import { A, B, C, YEAR } from '../fixtures/pcgd/communes.js';
import { vietnamDay } from '../helpers/vietnam-day.js';
import { stubShell, truc as runTruc } from '../helpers/cli-in-process.js';
import { createTestDatabase, makeTempDir, type TempDir, type TestDatabase } from '../helpers/env.js';
import { opensslVerifies, pdfText, seedFixture, workbookFigures } from '../helpers/pcgd.js';

/** `openssl cms -verify` of an exported folder's package against its signature and certificate. */
const opensslAccepts = (dir: string): boolean =>
  opensslVerifies({
    content: join(dir, 'package.json'),
    signature: join(dir, 'package.p7s'),
    certificate: join(dir, 'certificate.pem'),
  });

/** Copies an exported folder's package, signature and certificate to `to`. */
function copyExport(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of ['package.json', 'package.p7s', 'certificate.pem'])
    copyFileSync(join(from, f), join(to, f));
}

describe('truc pcgd export and verify on a real run', () => {
  let data: TempDir;
  let db: TestDatabase;
  let out: string;
  let pkg: EvidencePackage;
  let reportId: number;
  /** `truc <cli…>` in the officer's shell (profile test, this file's database and data folder). */
  const truc = async (cli: string[]) => {
    stubShell({ DATA_DIR: data.path, DATABASE_URL: db.url });
    try {
      return await runTruc(...cli);
    } finally {
      vi.unstubAllEnvs();
    }
  };

  beforeAll(async () => {
    data = await makeTempDir('truc-pcgd-cli-');
    db = await createTestDatabase({ migrated: true });
    const store = createPgDb(db.url, 'postgres', { max: 1 });
    try {
      await seedFixture(store);
    } finally {
      await store.close();
    }
    const c = await truc(['pcgd', 'compute', A, '--year', String(YEAR)]);
    expect(c.code, c.stderr).toBe(0);
    reportId = (JSON.parse(c.stdout) as { reportId: number }).reportId;
    const a = await truc(['pcgd', 'approve', String(reportId), '--as', 'pcgd.officer']);
    expect(a.code, a.stderr).toBe(0);
    out = join(data.path, 'export');
    const e = await truc(['pcgd', 'export', String(reportId), '--out', out]);
    expect(e.code, e.stderr).toBe(0);
    pkg = readPackage(readFileSync(join(out, 'package.json')));
  }, 600_000);
  afterAll(async () => {
    await db?.drop();
    await data?.remove();
  });

  it('the exported package verifies with truc pcgd verify and with openssl cms -verify', async () => {
    expect(pkg.report).toEqual(
      expect.objectContaining({ unitCode: A, year: YEAR, approvedBy: 'operator:cli:pcgd.officer' }),
    );
    const v = await truc(['pcgd', 'verify', join(out, 'package.json')]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(
      /^chữ ký hợp lệ: ký bởi .* \/ signature OK: signed by .*27664.*, certificate trusted$/m,
    );
    expect(opensslAccepts(out)).toBe(true);
  });

  // fix11 F5: `--out /proc/x` hung (Node 20's recursive mkdir loops where a folder cannot be made under one that
  // exists); a folder that cannot be made, or one that takes no file (/proc/self), is refused at once: exit 2, both
  // languages, naming --out.
  it.each(['/proc/fix11-no-folder', '/proc/self', '/proc/fix11-no-folder/below'])(
    'export --out %s: refused at once in both languages, exit 2',
    async (where) => {
      const r = await truc(['pcgd', 'export', String(reportId), '--out', where]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({
        code: 2,
        stderr: expect.stringContaining(`--out: không tạo hoặc ghi được vào thư mục ${where}`),
      });
      expect(r.stderr).toContain(`--out: cannot make or write to the folder ${where}`);
    },
  );

  it('any change to the package or to its signature fails both verifications', async () => {
    const text = readFileSync(join(out, 'package.json'), 'utf8');
    const first = pkg.indicators[0]!;
    const needle = `"numerator":${first.numerator}`;
    expect(text).toContain(needle);
    const changes: Array<[string, (dir: string) => void]> = [
      [
        'a figure',
        (d) =>
          writeFileSync(join(d, 'package.json'), text.replace(needle, `"numerator":${first.numerator + 1}`)),
      ],
      ['one byte of white space', (d) => writeFileSync(join(d, 'package.json'), `${text} `)],
      [
        'the signature',
        (d) => {
          const sig = readFileSync(join(d, 'package.p7s'));
          sig[sig.length - 10] = sig[sig.length - 10]! ^ 0xff;
          writeFileSync(join(d, 'package.p7s'), sig);
        },
      ],
    ];
    for (const [what, change] of changes) {
      const dir = join(data.path, `tampered-${what.replace(/\W+/g, '-')}`);
      copyExport(out, dir);
      change(dir);
      const v = await truc(['pcgd', 'verify', join(dir, 'package.json')]);
      expect(v.code, `${what}: ${v.stdout}`).toBe(1);
      expect(v.stderr, what).toMatch(/signature INVALID/);
      expect(opensslAccepts(dir), what).toBe(false);
    }
  });

  it('the exported workbook and PDF show exactly the package’s numbers; the PDF’s signature verifies', async () => {
    const want = Object.fromEntries(pkg.indicators.map((x) => [x.code, [x.numerator, x.denominator]]));
    const { figures: fromSheets } = await workbookFigures(readFileSync(join(out, 'forms.xlsx')));
    expect(fromSheets).toEqual(want);
    const pdf = readFileSync(join(out, 'forms.pdf'));
    const text = await pdfText(pdf);
    for (const x of pkg.indicators) {
      const label = INDICATOR_BY_CODE.get(x.code as IndicatorCode)!.label.vi;
      expect(text).toContain(`${label} ${x.numerator} ${x.denominator} ${x.rate ?? '—'}`);
    }
    expect(text).toContain(sha256Hex(readFileSync(join(out, 'package.json'))));
    const { signedContent, signature } = pdfSignatureParts(pdf);
    const cert = readFileSync(join(out, 'certificate.pem'), 'utf8');
    expect(await verifyDetached(signedContent, signature, { trusted: [cert] })).toEqual(
      expect.objectContaining({ ok: true, trusted: true }),
    );
  });

  it('compute --communes: the province’s communes without an approved report, then the province, with progress', async () => {
    const e = await truc(['pcgd', 'compute', '79', '--communes', '--year', String(YEAR)]);
    const units = JSON.parse(e.stdout) as Array<{ unitCode: string; status: string }>;
    // A is approved (kept as signed); B and C are computed, then the province, blocked by them
    expect(units.map((u) => u.unitCode)).toEqual([C, B, '79']);
    expect(units.at(-1)!.status).toBe('computed');
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(
      /^tính PCGD 79\/2026: 3 đơn vị trong \d+(m\d+)?s \([\d,.]+\/s\) \/ pcgd compute 79\/2026: 3 units in \d+(m\d+)?s \([\d,.]+\/s\)$/m,
    );
  });

  it('submit queues the delivery and shows how many reports it queued', async () => {
    const e = await truc(['pcgd', 'submit', String(reportId)]);
    expect(e.code, e.stderr).toBe(0);
    // walk11 W11-4: past the commune deadline (default 10-03, exclusive) the line says the report is late.
    const due = `${YEAR}-10-03`;
    const late = vietnamDay() >= due;
    expect(e.stdout).toBe(
      late
        ? `báo cáo ${reportId} đã xếp hàng chờ gửi, TRỄ HẠN: gửi từ ngày hết hạn trở đi (hạn: trước ngày ${due}) / report ${reportId} queued for delivery, LATE: submitted on or after its deadline (due before ${due})\n`
        : `báo cáo ${reportId} đã xếp hàng chờ gửi / report ${reportId} queued for delivery\n`,
    );
    expect(e.stderr).toMatch(
      /^nộp PCGD: 1 báo cáo trong \d+s \([\d,.]+\/s\) \/ pcgd submit: 1 report in \d+s \([\d,.]+\/s\)$/m,
    );
    const again = await truc(['pcgd', 'submit', String(reportId)]);
    expect(again.stdout).toBe(
      `báo cáo ${reportId} đã ở trạng thái đã gửi / report ${reportId} is already submitted\n`,
    );
  });
});
