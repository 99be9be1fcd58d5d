/** The end of the demo: what truc now holds, checked, and printed with links to look further. */
import { verifyAudit } from '../audit/chain.js';
import { countEn, ENTITY_VI, entityCountEn, type EntityName } from '../config.js';
import { both } from '../errors.js';
import { createBatchesRepo } from '../store/batches.js';
import { createDeadLettersRepo } from '../store/dead-letters.js';
import { createRecordsRepo } from '../store/records.js';
import type { DemoActors } from './actors.js';
import type { SyncResult } from './pulls.js';
import type { DemoStack } from './stack.js';
import type { BatchResult } from './vendor-pushes.js';

export interface DemoOutcome {
  batches: BatchResult[];
  atSim: number;
  syncs: SyncResult[];
}

export interface Held {
  counts: Record<'schools' | 'students' | 'staff' | 'persons', number>;
  findings: { criterion: string; severity: string; n: number }[];
  dead: number;
  audit: Awaited<ReturnType<typeof verifyAudit>>;
}

async function whatTrucHolds({ deps }: DemoStack): Promise<Held> {
  const records = createRecordsRepo(deps.db);
  return {
    counts: {
      schools: await records.count('schools'),
      students: await records.count('students'),
      staff: await records.count('staff'),
      persons: await records.count('persons'),
    },
    findings: await createBatchesRepo(deps.db).findingCounts(),
    dead: (await createDeadLettersRepo(deps.db).openByQueue()).reduce((n, r) => n + r.open, 0),
    audit: await verifyAudit(deps.db),
  };
}

const sum = (batches: BatchResult[], f: (s: BatchResult) => number): number =>
  batches.reduce((n, s) => n + f(s), 0);

/** Accepted students over every vendor batch. */
export const acceptedStudents = (batches: BatchResult[]): number =>
  sum(batches, (s) => (s.entity === 'students' ? s.counts.accepted : 0));

/** The quality criteria and finding severities in words, vi and en (as the dashboard names them), a count's noun. */
const CRITERION: Readonly<Record<string, readonly [string, string]>> = {
  dung: ['đúng', 'correct'],
  du: ['đủ', 'complete'],
  sach: ['sạch', 'clean'],
  song: ['sống', 'live'],
};
const SEVERITY: Readonly<Record<string, readonly [vi: string, one: string]>> = {
  error: ['lỗi', 'error'],
  warning: ['cảnh báo', 'warning'],
  info: ['thông tin', 'note'],
};

/**
 * The findings by criterion and severity in words (fix30b: `phát hiện: du warning 2, sach error 4`, the store's keys
 * in the Vietnamese half): `đủ 2 cảnh báo, sạch 4 lỗi / complete 2 warnings, clean 4 errors`. A key it does not
 * know is kept as it is.
 */
function findingWords(held: Held['findings']): { vi: string; en: string } {
  const word = (w: Readonly<Record<string, readonly [string, string]>>, k: string) =>
    Object.hasOwn(w, k) ? w[k]! : ([k, k] as const);
  return {
    vi: held
      .map((f) => `${word(CRITERION, f.criterion)[0]} ${f.n} ${word(SEVERITY, f.severity)[0]}`)
      .join(', '),
    en: held
      .map((f) => `${word(CRITERION, f.criterion)[1]} ${countEn(f.n, word(SEVERITY, f.severity)[1])}`)
      .join(', '),
  };
}

/** The pulls summed by system and entity (the persons of each commune are a run of their own), in order. */
function pullTotals(syncs: readonly SyncResult[]) {
  const by = new Map<string, { system: string; entity: string; records: number; runs: number }>();
  for (const s of syncs) {
    const t = by.get(`${s.system} ${s.entity}`) ?? {
      system: s.system,
      entity: s.entity,
      records: 0,
      runs: 0,
    };
    by.set(`${s.system} ${s.entity}`, { ...t, records: t.records + s.records, runs: t.runs + 1 });
  }
  return [...by.values()];
}

/** The pulls in one language: `hcm-csdl học sinh 242, moet-pcgd người trong điều tra PCGD 245 (6 lượt)`. */
function pullsText(syncs: readonly SyncResult[], lang: 'vi' | 'en'): string {
  return pullTotals(syncs)
    .map((s) => {
      const runs = s.runs > 1 ? (lang === 'vi' ? ` (${s.runs} lượt)` : ` (${s.runs} runs)`) : '';
      return `${s.system} ${lang === 'vi' ? entityVi(s.entity) : s.entity} ${s.records}${runs}`;
    })
    .join(', ');
}

/** An entity's name in Vietnamese (src/config/names.ts), or the name itself for one it does not know. */
const entityVi = (e: string): string => (Object.hasOwn(ENTITY_VI, e) ? ENTITY_VI[e as EntityName] : e);

/**
 * The summary's lines. The CLI's rule (README, CLI): a line that says something says it in Vietnamese then
 * English (`both`, each half whole: review26a, the demo mixed a label's two languages with English-only words); a
 * URL, the simulators' addresses and a client's credentials stand on a line of their own under a bilingual label.
 */
export function summaryLines(
  sims: Readonly<Record<string, string>>,
  base: string,
  dataDir: string,
  clients: DemoActors['clients'],
  o: DemoOutcome,
  held: Held,
): string[] {
  const { batches } = o;
  const fmt = (s: BatchResult): string =>
    `    ${both(
      `${s.vendor.padEnd(5)} ${s.school} ${entityVi(s.entity)} (định dạng ${s.format}): ${s.counts.received} gửi đến, ${s.counts.accepted} được nhận, ${s.counts.rejected} bị từ chối`,
      `${s.vendor} ${s.school} ${s.entity} (${s.format} format): received ${s.counts.received}, accepted ${s.counts.accepted}, rejected ${s.counts.rejected}`,
    )}`;
  const students = acceptedStudents(batches);
  const staff = sum(batches, (s) => (s.entity === 'staff' ? s.counts.accepted : 0));
  const rejected = sum(batches, (s) => s.counts.rejected);
  const { counts, audit } = held;
  const findings = findingWords(held.findings);
  const pulls = (lang: 'vi' | 'en') => pullsText(o.syncs, lang);
  return [
    '',
    both('truc demo: Trục dữ liệu giáo dục', 'truc demo: the education data hub'),
    ...simulatorLines(sims),
    `  ${both(
      `lô của nhà cung cấp: ${batches.length}, được nhận ${students} học sinh và ${staff} cán bộ, bị từ chối ${rejected} bản ghi`,
      `vendor batches: ${batches.length}, accepted ${entityCountEn(students, 'students')} and ${staff} staff, rejected ${countEn(rejected, 'record')}`,
    )}`,
    ...batches.map(fmt),
    `  ${both(
      `CSDL thành phố (mô phỏng) đã nhận ${o.atSim} học sinh`,
      `at hcm-csdl: ${entityCountEn(o.atSim, 'students')} received by the simulated city database`,
    )}`,
    `  ${both(`lượt kéo: ${pulls('vi')}`, `pulls: ${pulls('en')}`)}`,
    `  ${both(
      `trong truc: ${counts.schools} trường, ${counts.students} học sinh, ${counts.staff} cán bộ, ${counts.persons} người trong điều tra PCGD`,
      `in truc: ${entityCountEn(counts.schools, 'schools')}, ${entityCountEn(counts.students, 'students')}, ${counts.staff} staff, ${countEn(counts.persons, 'survey person')}`,
    )}`,
    `  ${both(`phát hiện: ${findings.vi || 'không có'}`, `findings: ${findings.en || 'none'}`)}`,
    `  ${both(`việc lỗi chưa chạy lại: ${held.dead}`, `dead letters: ${held.dead}`)}`,
    `  ${
      audit.ok
        ? both(
            `chuỗi nhật ký kiểm toán: OK (${audit.rows} dòng)`,
            `audit chain: OK (${countEn(audit.rows, 'row')})`,
          )
        : both(
            `chuỗi nhật ký kiểm toán: HỎNG tại dòng ${audit.brokenAt}`,
            `audit chain: BROKEN at row ${audit.brokenAt}`,
          )
    }`,
    '',
    ...linkLines(base, dataDir, clients, batches),
  ];
}

/**
 * Where each simulator listens, a line each (walk5 W5-5: one line of four, found with `ss -ltnp`), under a label that
 * says where its faults are set (`POST <URL>/__sim/faults`, README, External systems and simulators).
 */
function simulatorLines(sims: Readonly<Record<string, string>>): string[] {
  return [
    `  ${both(
      'hệ thống mô phỏng (gây lỗi: POST <địa chỉ>/__sim/faults, README, mục External systems and simulators):',
      'simulators (faults: POST <URL>/__sim/faults, README, External systems and simulators):',
    )}`,
    ...Object.entries(sims).map(([system, url]) => `      ${system} ${url}`),
  ];
}

/**
 * The batch whose findings the summary links: the first that rejected a record, else the first (walk10 W10-3: the
 * third batch was linked, one with no finding, while the summary counted the rejected records of two others).
 */
const withFindings = (batches: readonly BatchResult[]): BatchResult | undefined =>
  batches.find((b) => b.counts.rejected > 0) ?? batches[0];

/** The summary's links and the demo clients' credentials, each under a bilingual label. */
function linkLines(
  base: string,
  dataDir: string,
  clients: DemoActors['clients'],
  batches: readonly BatchResult[],
): string[] {
  const url = (path: string) => `      ${base}${path}`;
  return [
    `  ${both('tài liệu API và OpenAPI:', 'API docs and OpenAPI:')}`,
    url('/docs'),
    url('/openapi.json'),
    `  ${both('số đo và sẵn sàng:', 'metrics and readiness:')}`,
    url('/metrics'),
    url('/readyz'),
    `  ${both('trạng thái lô và phát hiện của lô (cần mã truy cập):', 'batch status and findings (need a bearer token):')}`,
    url(batches[0]?.statusUrl ?? ''),
    url(`${withFindings(batches)?.statusUrl ?? ''}/findings`),
    `  ${both(
      'bảng điều khiển (đăng nhập bằng quản trị thành phố hoặc kiểm toán viên bên dưới):',
      'dashboard (sign in with the city admin or the auditor below):',
    )}`,
    url('/dashboard'),
    `  ${both(
      `ứng dụng của bản chạy thử (khoá chỉ cho bản chạy thử này; dữ liệu trong ${dataDir}):`,
      `demo clients (secrets for this demo only; data in ${dataDir}):`,
    )}`,
    ...(
      [
        [both('quản trị thành phố', 'city admin'), clients.admin],
        [both('kiểm toán viên', 'auditor'), clients.auditor],
        [both('nhà cung cấp SMAS', 'vendor SMAS'), clients.smas],
        [both('nhà cung cấp vnEdu', 'vendor vnEdu'), clients.vnedu],
      ] as const
    ).flatMap(([who, cl]) => [
      `    ${who}:`,
      `      client_id ${cl.clientId}  client_secret ${cl.clientSecret}`,
    ]),
    '',
  ];
}

/** Prints the summary; true when everything checked out. */
export async function printSummary(stack: DemoStack, actors: DemoActors, o: DemoOutcome): Promise<boolean> {
  const held = await whatTrucHolds(stack);
  const text = summaryLines(stack.sims.urls, stack.base, stack.dataDir, actors.clients, o, held);
  process.stdout.write(text.join('\n'));
  const accepted = acceptedStudents(o.batches);
  return (
    o.batches.every((s) => s.status === 'done') &&
    o.syncs.every((s) => s.status === 'done') &&
    held.audit.ok &&
    o.atSim >= accepted &&
    accepted > 0 &&
    held.counts.persons > 0
  );
}
