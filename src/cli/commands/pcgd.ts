/**
 * `truc pcgd list | compute | approve | submit | export | verify`: PCGD-XMC reports from the command line
 * (issue 10; list: ./pcgd-list.ts). compute, approve and submit act as the operator (`operator:cli:<name>` in the audit log, kit.ts
 * `operatorActor`: `--as`, TRUC_OPERATOR or the OS user);
 * compute says first, on stderr, when each commune's survey persons were last pulled and whether a pull is under way
 * (fix30a; its report carries `personsPulledAt`, `personsPulling`); compute and submit show their progress on stderr
 * (units computed, reports queued and, with
 * `--follow`, receipted); submit queues the delivery for the worker role, as the API does. export writes a report's signed
 * package, signature, certificate and forms to a folder; verify checks a package against its
 * detached CMS signature (what `openssl cms -verify` checks too).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../config.js';
import type { PcgdDeps, PersonsPullState } from '../../reporting/pcgd/service.js';
import { defaultReportYear } from '../../reporting/pcgd/persons-year.js';
import { reportYearProblem } from '../../reporting/pcgd/years.js';
import { folderRefused, makeFolder } from '../../store/folders.js';
import type { ReportRow } from '../../store/pcgd.js';
import {
  asOption,
  badValue,
  both,
  defineCommand,
  int,
  notFound,
  operatorActor,
  positiveId,
  readInput,
  runs,
  shellPath,
  startProgress,
  UsageError,
  vnTime,
  type Words,
} from '../kit.js';
import type { CliOutput } from '../progress.js';
import { followDelivery } from './pcgd-follow.js';
import { listCommand, submittedLine, unitArg } from './pcgd-list.js';

/** `<reportId>`: the CLI's one id rule (kit.ts `positiveId`); another text is bad usage (exit 2). */
const idArg = (v: string | undefined): number => {
  try {
    return positiveId(v ?? '');
  } catch {
    throw new UsageError(both('mã báo cáo (reportId): một số nguyên dương', 'reportId: a positive integer'));
  }
};

async function pcgdDeps() {
  const config = loadConfig();
  const { operatorClock, withDb } = await import('../../ops.js');
  const service = await import('../../reporting/pcgd/service.js');
  return {
    config,
    service,
    run: <T>(fn: (deps: PcgdDeps) => Promise<T>) =>
      withDb(config, (db) =>
        fn({ db, pcgd: config.pcgd, dataDir: config.database.dataDir, now: operatorClock }),
      ),
  };
}

/**
 * When commune `u`'s survey persons were last pulled, and whether a pull is under way (fix30a, review29 F6); the time
 * on Vietnam's clock as every line of the CLI (walk2: it printed the API's UTC ISO text, `2026-12-06T15:23:05.092Z`).
 */
export function pullLine(u: string, s: PersonsPullState): string {
  const at = s.personsPulledAt ? vnTime(s.personsPulledAt) : null;
  const line = both(
    at
      ? `xã ${u}: dữ liệu điều tra kéo xong lần cuối lúc ${at}`
      : `xã ${u}: dữ liệu điều tra chưa được kéo lần nào`,
    at ? `commune ${u}: persons last pulled at ${at}` : `commune ${u}: persons never pulled`,
  );
  if (!s.personsPulling) return line;
  return `${line}; ${both(
    'đang có lần kéo xếp hàng hoặc đang chạy: tính bây giờ dùng dữ liệu trước lần kéo đó',
    'a pull is queued or running: figures computed now use the persons from before it',
  )}`;
}

/** A progress display's outcome when the work stopped on an error (the error's own line follows). */
const FAILED: Words = { vi: 'thất bại', en: 'failed' };

/** One line per computed unit when several are (`--communes`). */
const summaryOf = (r: ReportRow) => ({
  unitCode: r.unit_code,
  reportId: r.id,
  version: r.version,
  status: r.status,
  persons: r.persons,
});

/** `--year`: a year figures can be computed for, by the API's one rule (src/reporting/pcgd/years.ts, fix32a). */
function reportYear(value: string): number {
  const n = int(0, 9999)(value);
  const problem = reportYearProblem(n, 'compute', new Date());
  if (problem) throw badValue(problem.vi, problem.en);
  return n;
}

/** --year's help (an option's help is English, as every option's: cli-strings exempts them). */
const yearOptionEn =
  'report year (default: the PCGD-XMC working year the newest survey persons pull read; none yet: the one open today by the calendar)';

const compute = () =>
  runs<{ year?: number; communes?: boolean; as?: string }>(
    defineCommand(
      'compute',
      'compute a unit’s figures now from the persons already pulled; prints the report',
    )
      .argument('<unit>', '5-digit commune or 2-digit province code')
      .option('--year <year>', yearOptionEn, reportYear)
      .option(
        '--communes',
        'with a province: first every commune of it with persons and no approved report, then the province; prints one line per unit',
      )
      .addOption(asOption()),
    async (o, [unit], out) => {
      const unitCode = unitArg(unit);
      const actor = operatorActor(o.as);
      if (o.communes && unitCode.length !== 2)
        throw new UsageError(both('--communes: cần mã tỉnh 2 chữ số', '--communes: give a 2-digit province'));
      const { service, run, config } = await pcgdDeps();
      // A code of no current unit, refused before anything is opened or said of its pulls (fix33c).
      service.unitOf(unitCode);
      let pulled: PersonsPullState | undefined;
      const rows = await run(async (deps) => {
        const year = o.year ?? (await yearToCompute(deps, config.pcgd.calendar.opensOn, out));
        const units = o.communes
          ? [...(await communesToCompute(deps, unitCode, year)), unitCode]
          : [unitCode];
        // What the officer reads before computing (fix30a): when each commune's persons were last pulled.
        for (const u of units.filter((x) => x.length === 5)) {
          pulled = await service.unitPullState(deps.db, u);
          out.stderr(`${pullLine(u, pulled)}\n`);
        }
        const progress = startProgress(
          out,
          { vi: `tính PCGD ${unitCode}/${year}`, en: `pcgd compute ${unitCode}/${year}` },
          { unit: { vi: 'đơn vị', en: 'units', enOne: 'unit' }, total: units.length },
        );
        const done: ReportRow[] = [];
        let outcome: Words | undefined = FAILED;
        try {
          for (const u of units) {
            done.push(await service.computeReport(deps, { unitCode: u, year, actor }));
            progress.increment();
          }
          outcome = undefined;
        } finally {
          progress.stop(outcome);
        }
        return done;
      });
      const last = rows.at(-1)!;
      out.stdout(
        o.communes
          ? `${JSON.stringify(rows.map(summaryOf), null, 2)}\n`
          : `${JSON.stringify({ ...service.reportView(last), ...(pulled ?? service.NOT_PULLED) }, null, 2)}\n`,
      );
      return rows.every((r) => r.status === 'checked') ? 0 : 1;
    },
  );

/**
 * The year compute takes when `--year` is not given (fix37c): the Ministry's working year as the newest persons pull
 * read it, else truc's calendar's (reporting/pcgd/persons-year.ts `defaultReportYear`, the persons-year check's rule);
 * said on stderr.
 */
async function yearToCompute(deps: PcgdDeps, opensOn: string, out: CliOutput): Promise<number> {
  const { year, from } = await defaultReportYear(deps.db, opensOn, deps.now());
  out.stderr(
    `${
      from
        ? both(
            `năm báo cáo ${year}: năm làm việc của hệ thống PCGD-XMC mà lần kéo mới nhất (xã ${from.communeCode}, ${vnTime(from.pulledAt)}) đọc được`,
            `report year ${year}: the PCGD-XMC working year the newest pull (commune ${from.communeCode}, ${vnTime(from.pulledAt)}) read`,
          )
        : both(
            `năm báo cáo ${year}: năm làm việc đang mở theo lịch (chưa có lần kéo dữ liệu điều tra nào)`,
            `report year ${year}: the working year open by the calendar (no survey persons pull yet)`,
          )
    }\n`,
  );
  return year;
}

/** The communes of a province with stored persons and no approved report for the year. */
async function communesToCompute(deps: PcgdDeps, provinceCode: string, year: number): Promise<string[]> {
  const { communesOfProvince } = await import('../../canonical/codes/admin-units.js');
  const { createPcgdRepo } = await import('../../store/pcgd.js');
  const repo = createPcgdRepo(deps.db);
  const withPersons = await repo.communesWithPersons(communesOfProvince(provinceCode).map((c) => c.code));
  const approved = new Set((await repo.approvedOf(withPersons, year)).map((r) => r.unit_code));
  return withPersons.filter((c) => !approved.has(c));
}

const approve = () =>
  runs<{ as?: string }>(
    defineCommand('approve', 'approve a checked report: sign its package and lock the figures')
      .argument('<reportId>', 'the report id (reportId, as pcgd compute prints it)')
      .addOption(asOption()),
    async (o, [id], out) => {
      const reportId = idArg(id); // bad usage before the database is opened
      const actor = operatorActor(o.as);
      const { service, run } = await pcgdDeps();
      const row = await run((deps) => service.approveReport(deps, { reportId, actor }));
      const which = `${row.unit_code}/${row.year} v${row.version}`;
      out.stdout(
        `${both(`báo cáo ${row.id} đã duyệt (${which})`, `report ${row.id} approved (${which})`)}\n`,
      );
      return 0;
    },
  );

const submit = () =>
  runs<{ follow?: boolean; timeout?: number; as?: string }>(
    defineCommand('submit', 'queue approved reports’ delivery to the Ministry (the worker role sends them)')
      .argument('<reportId...>', 'the ids of approved reports, one or more')
      .option(
        '--follow',
        'wait until the Ministry has receipted every one, showing progress; stops at once on a refusal or a failure for good (exit 1)',
      )
      .option('--timeout <s>', 'with --follow: give up after this many seconds (default 600)', int(1, 86_400))
      .addOption(asOption()),
    async (o, ids, out) => {
      const reportIds = ids.map(idArg);
      const actor = operatorActor(o.as);
      const { service, run, config } = await pcgdDeps();
      const { enqueue, pcgdSubmit } = await import('../../jobs/contracts.js');
      const { reportDeadline } = await import('../../reporting/pcgd/deadlines.js');
      return run(async (deps) => {
        // An unknown report is the CLI's unknown id (ERR_NOT_FOUND, exit 1), before any report is queued.
        const { createPcgdRepo } = await import('../../store/pcgd.js');
        const repo = createPcgdRepo(deps.db);
        const unknown = [];
        for (const id of reportIds) if (!(await repo.get(id))) unknown.push(id);
        if (unknown.length > 0) throw notFound({ vi: 'báo cáo', en: 'report' }, unknown.join(', '));
        const progress = startProgress(
          out,
          { vi: 'nộp PCGD', en: 'pcgd submit' },
          { unit: { vi: 'báo cáo', en: 'reports', enOne: 'report' }, total: reportIds.length },
        );
        try {
          for (const reportId of reportIds) {
            const r = await deps.db.tx(async (q) => {
              const s = await service.requestSubmit(q, { reportId, actor, at: deps.now() });
              if (s.queued) await enqueue(q, pcgdSubmit, { reportId: s.row.id });
              return s;
            });
            const deadline = await reportDeadline(deps.db, config.pcgd.calendar, r.row, deps.now());
            out.stdout(`${submittedLine(r, deadline)}\n`);
            progress.increment();
          }
        } finally {
          progress.stop();
        }
        if (!o.follow) return 0;
        return followDelivery(deps, reportIds, o.timeout ?? 600, out);
      });
    },
  );

const exportCmd = () =>
  runs<{ out?: string }>(
    defineCommand(
      'export',
      'write a report’s package.json, package.p7s, certificate.pem, forms.xlsx and forms.pdf',
    )
      .argument('<reportId>', 'the report id (reportId, as pcgd compute prints it)')
      .option('--out <dir>', 'folder to write to (default: ./pcgd-<reportId>)'),
    async (o, [id], out) => {
      const reportId = idArg(id);
      const { service, run } = await pcgdDeps();
      const { createPcgdRepo } = await import('../../store/pcgd.js');
      const forms = await import('../../reporting/pcgd/forms.js');
      const dir = o.out ?? `pcgd-${reportId}`;
      const at = shellPath(dir);
      await run(async (deps) => {
        const repo = createPcgdRepo(deps.db);
        const row = await repo.get(reportId);
        const { AppError } = await import('../../errors.js');
        // review26a F7: an unknown id is ERR_NOT_FOUND (exit 1) as approve's; one not yet signed, its status
        if (!row) throw notFound({ vi: 'báo cáo', en: 'report' }, reportId);
        const ev = await repo.evidence(reportId);
        if (!ev)
          throw new AppError(
            'ERR_PCGD_INVALID_TRANSITION',
            both(
              `báo cáo ${reportId} chưa được duyệt nên chưa có gói đã ký`,
              `report ${reportId} is not approved yet, so it has no signed package`,
            ),
          );
        // fix11 F5: a folder that cannot be made (/proc/x) is refused at once, as a file that cannot be written there.
        const outFolder = { named: '--out', code: 'ERR_VALIDATION' } as const;
        makeFolder(at, outFolder);
        const signer = await service.signerFor(deps, row.unit_code);
        const files: [string, string | Uint8Array][] = [
          ['package.json', ev.package],
          ['package.p7s', ev.signature],
          ['certificate.pem', ev.signer_certificate],
          ['forms.xlsx', await forms.xlsxFromPackage(ev.package)],
          ['forms.pdf', await forms.pdfFromPackage(ev.package, signer)],
        ];
        try {
          for (const [name, content] of files) writeFileSync(join(at, name), content);
        } catch (err) {
          throw folderRefused(at, outFolder, err);
        }
      });
      const verify = `truc pcgd verify ${dir}/package.json`;
      const openssl =
        `openssl cms -verify -binary -inform DER -in ${dir}/package.p7s ` +
        `-content ${dir}/package.json -CAfile ${dir}/certificate.pem -purpose any -out /dev/null`;
      out.stdout(
        `${both(
          `đã ghi vào ${dir}/; kiểm tra bằng ${verify}, hoặc ${openssl}`,
          `written to ${dir}/; check with ${verify}, or ${openssl}`,
        )}\n`,
      );
      return 0;
    },
  );

const verify = () =>
  runs<{ signature?: string; certificate?: string }>(
    defineCommand(
      'verify',
      "check a package against its detached CMS signature and the unit's trusted certificate (exit 1 unless signed by the unit)",
    )
      .argument('<file>', 'the package (package.json, or <prefix>package.json as the API names it)')
      .option(
        '--signature <file>',
        'the signature (default: <prefix>package.p7s beside the file, else package.p7s)',
      )
      .option(
        '--certificate <file>',
        "the unit's trusted certificate, PEM (default: <prefix>certificate.pem beside the file, else certificate.pem); required",
      ),
    async (o, [file], out) => {
      const { companionsOf, packageUnitOf, verdictOf } = await import('../../reporting/pcgd/verify-rules.js');
      const pkgFile = shellPath(file!);
      const found = companionsOf(pkgFile, existsSync);
      const sigFile = o.signature ? shellPath(o.signature) : found.signature;
      const certFile = o.certificate ? shellPath(o.certificate) : found.certificate;
      // walk10 W10-8: the forms.pdf (or any file not named as a package) sent the officer looking for package.p7s
      if (!o.signature && existsSync(pkgFile) && !existsSync(sigFile) && !/package\.json$/.test(pkgFile))
        throw new UsageError(
          both(
            `${pkgFile}: không phải tệp gói (…package.json) và không có --signature; chỉ gói được ký (biểu mẫu xlsx, pdf làm từ gói): kiểm tra tệp …package.json tải cùng`,
            `${pkgFile}: not a package file (…package.json) and no --signature; only the package is signed (the xlsx and pdf forms are made from it): verify the …package.json downloaded with it`,
          ),
        );
      for (const f of [pkgFile, sigFile, ...(certFile ? [certFile] : [])])
        if (!existsSync(f)) throw new UsageError(both(`không có tệp ${f}`, `no such file: ${f}`));
      const content = readInput(pkgFile);
      const signature = readInput(sigFile);
      const certificate = certFile === undefined ? undefined : readInput(certFile).toString('utf8');
      const { verifyDetached } = await import('../../reporting/pcgd/signing.js');
      const res = await verifyDetached(content, signature, {
        ...(certificate === undefined ? {} : { trusted: [certificate] }),
      });
      const v = verdictOf(res, { trustedGiven: certFile !== undefined, unitCode: packageUnitOf(content) });
      if (v.ok) out.stdout(`${v.line}\n`);
      else out.stderr(`${v.line}\n`);
      return v.ok ? 0 : 1;
    },
  );

export const pcgdCommand = () =>
  defineCommand('pcgd', 'PCGD-XMC reports: list, compute, approve, submit, export, verify')
    .addCommand(listCommand())
    .addCommand(compute())
    .addCommand(approve())
    .addCommand(submit())
    .addCommand(exportCmd())
    .addCommand(verify());
