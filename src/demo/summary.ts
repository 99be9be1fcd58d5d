/** The end of the demo: what truc now holds, checked, and printed with links to look further. */
import { verifyAudit } from '../audit/chain.js';
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

interface Held {
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

function lines(stack: DemoStack, actors: DemoActors, o: DemoOutcome, held: Held): string[] {
  const { base } = stack;
  const { batches } = o;
  const fmt = (s: BatchResult): string =>
    `    ${s.vendor.padEnd(5)} ${s.school} ${s.entity.padEnd(8)} ${s.format.padEnd(9)} nhận / received ${s.counts.received}, nhận vào / accepted ${s.counts.accepted}, từ chối / rejected ${s.counts.rejected}`;
  const staff = sum(batches, (s) => (s.entity === 'staff' ? s.counts.accepted : 0));
  const { counts, audit } = held;
  const c = actors.clients;
  return [
    '',
    'truc demo — Trục dữ liệu giáo dục',
    `  hệ thống mô phỏng / simulators: ${stack.sims.summary}`,
    `  lô của nhà cung cấp / vendor batches: ${batches.length} → nhận vào / accepted ${acceptedStudents(batches)} học sinh / students, ${staff} cán bộ / staff; từ chối / rejected ${sum(batches, (s) => s.counts.rejected)}`,
    ...batches.map(fmt),
    `  CSDL thành phố / at hcm-csdl: ${o.atSim} students (học sinh) received by the simulated city database / CSDL mô phỏng đã nhận`,
    `  lượt kéo / pulls: ${o.syncs.map((s) => `${s.system}/${s.entity} ${s.records}`).join(', ')}`,
    `  trong truc / in truc: ${counts.schools} trường / schools, ${counts.students} học sinh / students, ${counts.staff} cán bộ / staff, ${counts.persons} người điều tra / survey persons`,
    `  phát hiện / findings: ${held.findings.map((f) => `${f.criterion} ${f.severity} ${f.n}`).join(', ') || 'không có / none'}`,
    `  thư chết / dead letters: ${held.dead}`,
    `  chuỗi nhật ký / audit chain: ${audit.ok ? `OK (${audit.rows} dòng / rows)` : `HỎNG tại dòng / BROKEN at row ${audit.brokenAt}`}`,
    '',
    `  tài liệu API / API docs: ${base}/docs   (OpenAPI: ${base}/openapi.json)`,
    `  số đo / metrics: ${base}/metrics`,
    `  sẵn sàng / readiness: ${base}/readyz`,
    `  trạng thái lô / batch status: ${base}${batches[0]?.statusUrl ?? ''}  (cần mã truy cập / needs a bearer token)`,
    `  phát hiện của lô / batch findings: ${base}${batches[2]?.statusUrl ?? ''}/findings`,
    `  bảng điều khiển / dashboard: ${base}/dashboard   (đăng nhập bằng quản trị thành phố hoặc kiểm toán bên dưới / sign in with the city admin or the auditor below)`,
    `  ứng dụng của bản chạy thử / demo clients (khoá chỉ cho bản chạy thử này / secrets for this demo only; dữ liệu / data in ${stack.dataDir}):`,
    ...(
      [
        ['city admin', c.admin],
        ['auditor', c.auditor],
        ['SMAS', c.smas],
        ['vnEdu', c.vnedu],
      ] as const
    ).map(([who, cl]) => `    ${who.padEnd(10)} client_id ${cl.clientId}  client_secret ${cl.clientSecret}`),
    '',
  ];
}

/** Prints the summary; true when everything checked out. */
export async function printSummary(stack: DemoStack, actors: DemoActors, o: DemoOutcome): Promise<boolean> {
  const held = await whatTrucHolds(stack);
  process.stdout.write(lines(stack, actors, o, held).join('\n'));
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
