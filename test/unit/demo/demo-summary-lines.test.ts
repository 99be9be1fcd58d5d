/**
 * cli27 (review26a): the demo's summary, built from parts, each line read whole: Vietnamese then English on every line
 * that says something (it mixed a label's two languages with English-only words: `CSDL thành phố / at hcm-csdl: 120
 * students (học sinh) received by …`), a URL or a client's credentials on a line of their own. The CLI's lines:
 * test/unit/cli/cli-lines.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { operationsLines } from '../../../src/demo/operations.js';
import { pcgdLines } from '../../../src/demo/pcgd.js';
import { summaryLines, type Held } from '../../../src/demo/summary.js';
import type { BatchResult } from '../../../src/demo/vendor-pushes.js';
import { expectViThenEn } from '../../helpers/vietnamese-half.js';

const BASE = 'http://127.0.0.1:8080';

/** A line with nothing to say in a language: URLs, the simulators' addresses, a client's credentials. */
const saysNothing = (line: string) =>
  line
    .replace(/https?:\/\/\S+/g, '')
    .replace(/client_(id|secret) \S+/g, '')
    .replace(/\b(hcm-csdl|moet-pcgd|smas|vnedu)\b/g, '')
    .replace(/[\s,]/g, '') === '';

/** Every line: empty, says nothing in a language, or reads `vi / en`, each half whole. */
function expectEachLineViThenEn(lines: readonly string[]): void {
  for (const line of lines) {
    if (line.trim() === '' || saysNothing(line)) continue;
    expectViThenEn(line.trim());
  }
}

const batch = (over: Partial<BatchResult>): BatchResult => ({
  vendor: 'smas',
  school: '79000001',
  entity: 'students',
  format: 'canonical',
  statusUrl: '/v1/batches/1',
  status: 'done',
  counts: { received: 40, accepted: 39, rejected: 1, unchanged: 0 },
  ...over,
});

const client = (id: string) => ({
  clientId: `cl_${id}`,
  clientSecret: 'x'.repeat(40),
  name: id,
  role: 'vendor' as const,
  schools: [],
  units: [],
  scopes: [],
});

describe("the demo's summary", () => {
  const batches = [
    batch({}),
    batch({ vendor: 'vnedu', school: '79000002', format: 'vnedu', statusUrl: '/v1/batches/2' }),
    batch({ entity: 'staff', format: 'smas', statusUrl: '/v1/batches/3' }),
  ];
  const held: Held = {
    counts: { schools: 6, students: 240, staff: 20, persons: 500 },
    findings: [{ criterion: 'SACH_X', severity: 'warning', n: 2 }],
    dead: 1,
    audit: { ok: true, rows: 12, head: 'ab' },
  };
  const clients = {
    admin: client('admin'),
    auditor: client('auditor'),
    smas: client('smas'),
    vnedu: client('vnedu'),
  };
  const lines = summaryLines(
    { 'hcm-csdl': `${BASE}1`, 'moet-pcgd': `${BASE}2`, smas: `${BASE}3`, vnedu: `${BASE}4` },
    BASE,
    '/tmp/demo',
    clients,
    {
      batches,
      atSim: 78,
      syncs: [
        { status: 'done', system: 'hcm-csdl', entity: 'students', records: 240, pages: 1 },
        { status: 'done', system: 'moet-pcgd', entity: 'persons', records: 500, pages: 1 },
      ],
    },
    held,
  );

  it('reads Vietnamese then English on every line that says something', () => {
    expect(lines.length).toBeGreaterThan(20);
    expectEachLineViThenEn(lines);
  });

  it('says what it did: the vendors’ batches, what reached the city database, the pulls, the audit chain', () => {
    const text = lines.join('\n');
    expect(text).toContain(
      'lô của nhà cung cấp: 3, được nhận 78 học sinh và 39 cán bộ, bị từ chối 3 bản ghi / ' +
        'vendor batches: 3, accepted 78 students and 39 staff, rejected 3 records',
    );
    expect(text).toContain(
      'CSDL thành phố (mô phỏng) đã nhận 78 học sinh / at hcm-csdl: 78 students received by the simulated city database',
    );
    expect(text).toContain(
      'lượt kéo: hcm-csdl học sinh 240, moet-pcgd người trong điều tra PCGD 500 / pulls: hcm-csdl students 240, moet-pcgd persons 500',
    );
    expect(text).toContain('chuỗi nhật ký kiểm toán: OK (12 dòng) / audit chain: OK (12 rows)');
    expect(text).toMatch(/city admin:\n\s+client_id cl_admin {2}client_secret x{40}/);
    expect(text).toContain(`\n      ${BASE}/dashboard\n`);
  });

  it('says a PCGD report submitted after its deadline was late, and when truc submitted it (walk10 W10-11)', () => {
    const report = {
      ...{ reportId: 1, status: 'receipted', persons: 36, levels: [] },
      receipt: {
        receiptId: 'R-1',
        receivedAt: '2026-09-20T03:00:00Z',
        checksum: 'sha256:0123456789abcdef0123',
      },
      ...{ submitBefore: '2026-10-03', late: true, submittedAt: '2026-12-07T12:49:10Z' },
    };
    const late = pcgdLines({ ok: true, unitCode: '26995', year: 2026, report }, BASE);
    expectEachLineViThenEn(late);
    expect(late).toContain(
      '    nộp trễ hạn: hạn là trước ngày 2026-10-03, truc nộp lúc 2026-12-07 19:49 (+07) (giờ trên biên nhận là đồng hồ ' +
        'của Bộ mô phỏng) / submitted late: due before 2026-10-03, truc submitted it at 2026-12-07 19:49 (+07) (the ' +
        "receipt's time is the simulated Ministry's clock)",
    );
    const onTime = pcgdLines(
      { ok: true, unitCode: '26995', year: 2026, report: { ...report, late: false } },
      BASE,
    );
    expect(onTime.join('\n')).not.toContain('late');
  });

  it('links the findings of a batch that has some (walk10 W10-3: the third batch, none rejected, was linked)', () => {
    const clean = { received: 40, accepted: 40, rejected: 0, unchanged: 0 };
    const pushed = [
      batch({ counts: clean }),
      batch({ vendor: 'vnedu', statusUrl: '/v1/batches/2' }),
      batch({ statusUrl: '/v1/batches/3', counts: clean }),
    ];
    const summary = summaryLines(
      {},
      BASE,
      '/tmp/demo',
      clients,
      { batches: pushed, atSim: 80, syncs: [] },
      held,
    );
    expect(summary).toContain(`      ${BASE}/v1/batches/2/findings`);
    expect(summary.filter((l) => l.includes('/findings'))).toHaveLength(1);
  });

  it('says where each simulator listens, a line each, and where its faults are set (walk5 W5-5)', () => {
    const text = lines.join('\n');
    expect(text).toContain(
      'simulators (faults: POST <URL>/__sim/faults, README, External systems and simulators):',
    );
    for (const [i, system] of ['hcm-csdl', 'moet-pcgd', 'smas', 'vnedu'].entries())
      expect(lines).toContain(`      ${system} ${BASE}${i + 1}`);
  });

  it('the PCGD-XMC and operations steps alike', () => {
    const pcgd = pcgdLines(
      {
        ok: true,
        unitCode: '26734',
        year: 2026,
        report: {
          reportId: 3,
          status: 'receipted',
          persons: 500,
          levels: [
            { level: 'PCGDMN', met: true },
            { level: 'PCGDTH-1', met: false },
          ],
          receipt: {
            receiptId: 'R-1',
            receivedAt: '2026-12-04T18:10:00Z',
            checksum: 'sha256:0123456789abcdef0123',
          },
        },
      },
      BASE,
    );
    const ops = operationsLines(
      {
        scorecards: [{ code: '26734', schools: 3, records: 120, overall: { percent: 97.5, band: 'green' } }],
        deadLetters: 1,
        schedules: [
          { id: 'hcm-csdl-schools-nightly', nextRunAt: '2026-12-05T18:00:00Z' },
          { id: 'smas-students-nightly', nextRunAt: '2026-12-05T19:00:00Z' },
        ],
      },
      BASE,
    );
    expectEachLineViThenEn([...pcgd, ...ops]);
    expect(pcgd[0]).toBe(
      '  PCGD-XMC: xã 26734, năm 2026: đếm 500 người, báo cáo 3 đã có biên nhận / ' +
        'PCGD-XMC: commune 26734, year 2026: 500 persons counted, report 3 receipted',
    );
    expect(pcgd[2]).toContain('biên nhận của Bộ R-1 lúc 2026-12-05 01:10 (+07)');
    expect(ops).toContain(
      '  lịch đồng bộ: 2, lịch kế tiếp: hcm-csdl-schools-nightly lúc 2026-12-06 01:00 (+07) / ' +
        'schedules: 2, the next: hcm-csdl-schools-nightly at 2026-12-06 01:00 (+07)',
    );
  });
});
