/** The end of the demo: what truc now holds, checked, and printed with links to look further. */
import { verifyAudit } from '../audit/chain.js';
import { ENTITY_VI, type EntityName } from '../config.js';
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

/** An entity's name in Vietnamese (src/config/names.ts), or the name itself for one it does not know. */
const entityVi = (e: string): string => (Object.hasOwn(ENTITY_VI, e) ? ENTITY_VI[e as EntityName] : e);

/**
 * The summary's lines. The CLI's rule (README, CLI): a line that says something says it in Vietnamese then
 * English (`both`, each half whole: review26a, the demo mixed a label's two languages with English-only words); a
 * URL, the simulators' addresses and a client's credentials stand on a line of their own under a bilingual label.
 */
export function summaryLines(
  sims: string,
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
  const findings = held.findings.map((f) => `${f.criterion} ${f.severity} ${f.n}`).join(', ');
  const pulls = (lang: 'vi' | 'en') =>
    o.syncs
      .map((s) => `${s.system} ${lang === 'vi' ? entityVi(s.entity) : s.entity} ${s.records}`)
      .join(', ');
  return [
    '',
    both('truc demo: Trục dữ liệu giáo dục', 'truc demo: the education data hub'),
    `  ${both('hệ thống mô phỏng:', 'simulators:')}`,
    `      ${sims}`,
    `  ${both(
      `lô của nhà cung cấp: ${batches.length}, được nhận ${students} học sinh và ${staff} cán bộ, bị từ chối ${rejected} bản ghi`,
      `vendor batches: ${batches.length}, accepted ${students} students and ${staff} staff, rejected ${rejected} records`,
    )}`,
    ...batches.map(fmt),
    `  ${both(
      `CSDL thành phố (mô phỏng) đã nhận ${o.atSim} học sinh`,
      `at hcm-csdl: ${o.atSim} students received by the simulated city database`,
    )}`,
    `  ${both(`lượt kéo: ${pulls('vi')}`, `pulls: ${pulls('en')}`)}`,
    `  ${both(
      `trong truc: ${counts.schools} trường, ${counts.students} học sinh, ${counts.staff} cán bộ, ${counts.persons} người trong điều tra PCGD`,
      `in truc: ${counts.schools} schools, ${counts.students} students, ${counts.staff} staff, ${counts.persons} survey persons`,
    )}`,
    `  ${both(`phát hiện: ${findings || 'không có'}`, `findings: ${findings || 'none'}`)}`,
    `  ${both(`việc lỗi chưa chạy lại: ${held.dead}`, `dead letters: ${held.dead}`)}`,
    `  ${
      audit.ok
        ? both(`chuỗi nhật ký kiểm toán: OK (${audit.rows} dòng)`, `audit chain: OK (${audit.rows} rows)`)
        : both(
            `chuỗi nhật ký kiểm toán: HỎNG tại dòng ${audit.brokenAt}`,
            `audit chain: BROKEN at row ${audit.brokenAt}`,
          )
    }`,
    '',
    ...linkLines(base, dataDir, clients, batches),
  ];
}

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
    url(`${batches[2]?.statusUrl ?? ''}/findings`),
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
  const text = summaryLines(stack.sims.summary, stack.base, stack.dataDir, actors.clients, o, held);
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
