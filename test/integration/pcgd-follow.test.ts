/**
 * fix30b item 7: `truc pcgd submit --follow` when the Ministry refuses the figures (the moet-pcgd simulator answers the
 * figures PUT with a 400, as test/integration/review29.test.ts seeds a refusal). It waited its whole `--timeout`
 * (600 s by default), then said only "timed out": it stops as soon as the report's delivery failed for good, prints the
 * Ministry's refusal (its code and field errors) in Vietnamese and English, and exits 1. A receipt still exits 0.
 * Real PostgreSQL (queues in it), the worker role delivering, the CLI in process as the operator's shell.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { MoetPcgdSimulator } from '../../src/simulators/moet-pcgd/simulator.js';
import { A, C, YEAR } from '../fixtures/pcgd/communes.js';
import { stubOperatorShell, truc } from '../helpers/cli-in-process.js';
import { makeDeps, type TestEnv } from '../helpers/env.js';
import { seedFixture, startPcgdSimulator } from '../helpers/pcgd.js';
import { expectViThenEn } from '../helpers/vietnamese-half.js';

describe('truc pcgd submit --follow against the moet-pcgd simulator', () => {
  let env: TestEnv;
  let sim: MoetPcgdSimulator;
  let worker: Running;

  beforeAll(async () => {
    // The Ministry's clock inside the commune window of 2026.
    sim = await startPcgdSimulator(() => new Date('2026-09-20T03:00:00Z'));
    env = await makeDeps(
      { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
      { env: { MOET_PCGD_BASE_URL: sim.url } },
    );
    await seedFixture(env.deps.db);
    stubOperatorShell(env);
    worker = startWorkerRole(env.deps);
  }, 120_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await worker?.stop();
    await env?.cleanup();
    await sim?.close();
  });

  /** A commune's report computed and approved through the CLI; its id. */
  async function approved(unit: string): Promise<number> {
    const c = await truc('pcgd', 'compute', unit, '--year', String(YEAR));
    expect(c.code, c.stderr).toBe(0);
    const { reportId } = JSON.parse(c.stdout) as { reportId: number };
    const a = await truc('pcgd', 'approve', String(reportId));
    expect(a.code, a.stderr).toBe(0);
    return reportId;
  }

  it('a refusal: stops at once, says the Ministry refused (its code), exit 1', async () => {
    const reportId = await approved(A);
    sim.faults.merge({ status400Burst: 1, paths: [`/v1/units/${A}/figures`] });
    // A timeout far beyond the test's: the command must stop on the refusal, not on the clock.
    const e = await truc('pcgd', 'submit', String(reportId), '--follow', '--timeout', '3600');
    expect(e.code, e.stderr).toBe(1);
    expect(sim.figures.all().filter((f) => f.unitCode === A)).toHaveLength(0);
    const lines = e.stderr.trimEnd().split('\n');
    const refusal = lines.find((l) => l.includes('the Ministry refused'));
    expect(refusal, e.stderr).toBe(
      `báo cáo ${reportId}: Bộ từ chối số liệu (ERR_ADAPTER_REJECTED, mã của Bộ BAD_REQUEST); ` +
        'cấp trên mở lại báo cáo để xã sửa và nộp phiên bản mới / ' +
        `report ${reportId}: the Ministry refused the figures (ERR_ADAPTER_REJECTED, the Ministry's code ` +
        'BAD_REQUEST); a higher level reopens it for the commune to correct and submit a new version',
    );
    expectViThenEn(refusal!);
    // The progress display's closing line says the delivery failed, not that the wait timed out.
    expect(e.stderr).toMatch(
      /^gửi PCGD: 0 có biên nhận .*; gửi thất bại \/ pcgd delivery: 0 receipted .*; delivery failed$/m,
    );
    expect(e.stderr).not.toMatch(/timed out/);
  }, 180_000);

  it('a receipt: exit 0, nothing said about a failure', async () => {
    const reportId = await approved(C);
    const e = await truc('pcgd', 'submit', String(reportId), '--follow', '--timeout', '120');
    expect(e.code, e.stderr).toBe(0);
    expect(e.stderr).toMatch(/pcgd delivery: 1 receipted in \d+s/);
    expect(e.stderr).not.toMatch(/refused|failed/);
  }, 180_000);
});
