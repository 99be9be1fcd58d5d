/**
 * review29 (session 29, walked as a commune's PCGD-XMC officer computing, signing and submitting the commune's
 * figures, and as the city's IT staff on a Monday morning): findings reproduced here. An `it.fails` is an open
 * finding; it passes once the finding is fixed, and then becomes an `it`. Real PostgreSQL and Redis, the worker
 * role running, the moet-pcgd simulator as the Ministry over real HTTP on loopback. Findings are described in
 * /work/briefs/review29-findings.md (same numbering).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { LOCKED_STATUSES } from '../../src/reporting/pcgd/compute.js';
import { loadUnitSigner, signDetached } from '../../src/reporting/pcgd/signing.js';
import { createPcgdRepo } from '../../src/store/pcgd.js';
import { A, B, C, YEAR } from '../fixtures/pcgd/communes.js';
import { makeTempDir, waitFor, type TempDir } from '../helpers/env.js';
import { usePcgdStack, type ReportBody } from '../helpers/pcgd-stack.js';

/** `truc <argv>` in process (as test/integration/cli27.test.ts runs it): exit code and output. */
async function truc(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

interface DeadlineUnit {
  unitCode: string;
  status: string;
  state: string;
  reportId: number | null;
}

describe('review29 on postgres+redis: a commune officer and the city IT staff', () => {
  const w = usePcgdStack({
    officerA: { role: 'pcgd-officer', units: [A] },
    officerB: { role: 'pcgd-officer', units: [B] },
    officerC: { role: 'pcgd-officer', units: [C] },
    admin: { role: 'city-admin' },
  });
  const { call, report, approved } = w;
  let files: TempDir;

  beforeAll(async () => {
    files = await makeTempDir('truc-review29-');
  });
  afterAll(async () => {
    await files?.remove();
  });

  /** Reports the Ministry refused in this file's tests, with their officer. */
  const refusals: Array<{ who: keyof typeof w.tokens; reportId: number }> = [];

  /** The unit's approved figures submitted while the Ministry refuses the next figures PUT (a 400). */
  async function refusedByMinistry(who: keyof typeof w.tokens, unitCode: string): Promise<number> {
    const reportId = await approved(who, unitCode);
    w.sim.faults.merge({ status400Burst: 1, paths: [`/v1/units/${unitCode}/figures`] });
    const res = await call(who, 'POST', `/v1/pcgd/reports/${reportId}/submit`);
    expect(res.statusCode, res.body).toBe(202);
    await waitFor(
      async () => {
        const b = await report(who, reportId);
        // A refusal is permanent: recorded with no next attempt.
        return b.delivery.lastError !== null && b.delivery.notBefore === null ? b : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `report ${reportId}'s delivery refused` },
    );
    expect(w.sim.figures.all().filter((f) => f.unitCode === unitCode)).toHaveLength(0);
    refusals.push({ who, reportId });
    return reportId;
  }

  /** The open dead letters (GET /v1/dead-letters lists only those) of a report's delivery. */
  async function openLetters(reportId: number): Promise<number> {
    const res = await call('admin', 'GET', '/v1/dead-letters?queue=push.moet-pcgd');
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json<{ items: Array<{ refs: { reportId?: number } }> }>().items;
    return items.filter((l) => l.refs.reportId === reportId).length;
  }

  // F1 (officer, high): README "PCGD-XMC figures" and GET /v1/pcgd/deadlines say a unit's state is `submitted` once
  // its figures were delivered or handed to the delivery queue, `late` when the deadline passed and it was not
  // submitted. When the Ministry refuses the figures (a 400: permanent, a dead letter of pcgd.submit) the report
  // stays `status: submitted` for good, and the deadline view, the operations overview (`pcgd.units[].state`) and
  // the deadline metrics count the commune `submitted`: the officer and the city see the commune as done while the
  // Ministry holds nothing, and after 3 October it is never shown `late`
  // (src/reporting/pcgd/deadlines.ts deadlineStanding: `sent` = status submitted|receipted, whatever the delivery's
  // outcome). The same for a delivery that failed for good as "late" (ERR_ADAPTER_WINDOW_CLOSED after the deadline)
  // or out of attempts. Expected: a report whose delivery failed for good is not `submitted` (it is `late` past the
  // deadline, or a state of its own such as `refused`), in all three places (one rule).
  it('F1: a commune whose figures the Ministry refused is not shown submitted', async () => {
    const reportId = await refusedByMinistry('officerA', A);
    const res = await call('officerA', 'GET', `/v1/pcgd/deadlines?year=${YEAR}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ units: DeadlineUnit[]; counts: Record<string, number> }>();
    const a = body.units.find((u) => u.unitCode === A)!;
    expect(a.reportId).toBe(reportId);
    expect(a.state, JSON.stringify(a)).not.toBe('submitted');
    expect(body.counts.submitted ?? 0).toBe(0);
  });

  it('F1: the operations overview does not count a refused commune as submitted', async () => {
    const reportId = await refusedByMinistry('officerB', B);
    const res = await call('admin', 'GET', '/v1/ops/overview');
    expect(res.statusCode, res.body).toBe(200);
    const overview = res.json<{
      pcgd: { year: number; units: Array<{ unitCode: string; state: string }> };
    }>();
    // The overview shows the current Vietnam year's units; the fixture's year is 2026.
    if (overview.pcgd.year === YEAR) {
      const b = overview.pcgd.units.find((u) => u.unitCode === B)!;
      expect(b.state, JSON.stringify(b)).not.toBe('submitted');
    } else {
      const r = await report('officerB', reportId);
      expect(r.status).not.toBe('submitted');
    }
  });

  // F2 (officer, medium): after the Ministry refused the figures, the officer asks to submit again (README: submit
  // "queues the delivery"; the answer is 202 with a statusUrl). It answers 202 `status: submitted` and queues
  // nothing (src/reporting/pcgd/lifecycle.ts requestSubmit: a `submitted` report is "left as it is", so "asking twice
  // sends once" also swallows every ask after a delivery failed for good): the officer is told it is on its way and
  // nothing is ever sent. Expected: either the delivery is queued again (and a second attempt reaches the Ministry),
  // or a clear bilingual 409 (ERR_PCGD_INVALID_TRANSITION: the Ministry refused this version; a higher level reopens
  // it for a correction). Here: the Ministry now accepts; a second submit must either deliver or be refused.
  it('F2: submitting again after a refusal is not a 202 that sends nothing', async () => {
    const reportId = await refusedByMinistry('officerC', C);
    // The letter is written when the job fails for good, just after the report records the refusal.
    await waitFor(async () => (await openLetters(reportId)) === 1, {
      timeoutMs: 15_000,
      intervalMs: 100,
      what: `report ${reportId}'s dead letter`,
    });
    const again = await call('officerC', 'POST', `/v1/pcgd/reports/${reportId}/submit`);
    if (again.statusCode === 202) {
      // Accepted: the figures must then reach the Ministry (it accepts them now).
      await waitFor(async () => (await report('officerC', reportId)).status === 'receipted', {
        timeoutMs: 20_000,
        intervalMs: 100,
        what: `report ${reportId} receipted after the second submit`,
      });
      // The earlier delivery's dead letter is closed as replayed by the second submit: nothing left open.
      expect(await openLetters(reportId)).toBe(0);
    } else {
      expect(again.statusCode, again.body).toBe(409);
      expect(again.json<{ detail?: string }>().detail ?? '').toMatch(/^.+ \/ .+$/);
    }
  });

  /** A report of the unit with a signed package: its current version when it has one, else approved here. */
  async function signed(unitCode: string): Promise<number> {
    const current = await createPcgdRepo(w.env.deps.db).current(unitCode, YEAR);
    if (current && LOCKED_STATUSES.includes(current.status)) return current.id;
    const who = unitCode === A ? 'officerA' : unitCode === B ? 'officerB' : 'officerC';
    return approved(who, unitCode);
  }

  /** The report's evidence downloaded as a browser saves it (the `content-disposition` file name) into `dir`. */
  async function download(reportId: number, dir: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const file of ['package', 'package.p7s', 'certificate.pem']) {
      const res = await call('admin', 'GET', `/v1/pcgd/reports/${reportId}/${file}`);
      expect(res.statusCode, res.body).toBe(200);
      const name = /filename="([^"]+)"/.exec(String(res.headers['content-disposition']))![1]!;
      writeFileSync(join(dir, name), res.rawPayload);
      out[file] = join(dir, name);
    }
    return out;
  }

  // F3 (officer, medium): the officer downloads the signed package, its signature and the certificate from the API
  // (README "Evidence": "`openssl cms -verify` or truc's verifier"); the API names them
  // `pcgd-<unit>-<year>-v<n>-package.json`, `…-package.p7s`, `…-certificate.pem` (content-disposition), and
  // `truc pcgd verify <that package.json>` answers "no such file: …/package.p7s", exit 2: the verifier looks only for
  // the names `truc pcgd export` writes (src/cli/commands/pcgd.ts verify: `beside('package.p7s')`,
  // `beside('certificate.pem')`). Expected: the files as the API serves them verify as they are (the signature and
  // the certificate found beside the package under the package's own prefix), the certificate trusted.
  it('F3: the package, signature and certificate as the API serves them verify with truc pcgd verify', async () => {
    const reportId = await signed(A);
    const dir = join(files.path, 'downloaded');
    mkdirSync(dir, { recursive: true });
    const got = await download(reportId, dir);
    const res = await truc('pcgd', 'verify', got.package!);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/certificate trusted/);
  });

  // F4 (officer, Ministry, auditor; high): `truc pcgd verify` with no certificate beside the package (the help: "default:
  // certificate.pem beside the file, if any") verifies the signature against the certificate the signature itself
  // carries and answers "signature OK: signed by …", exit 0. Anyone can change the figures of a package and sign it
  // again with a key of their own made with the unit's name in its subject: truc's verifier says OK
  // (`openssl cms -verify` without `-CAfile`/`-noverify` refuses such a signature). Tried by hand on the demo: the
  // first indicator's numerator set to 999, re-signed with an `openssl req -x509` key named "CN=truc PCGD 26995":
  // "signature OK", exit 0. Expected: without a trusted certificate the verifier does not say OK (exit 1 "no trusted
  // certificate: give --certificate", or it checks against truc's own signer for the unit), so "OK" always means
  // "signed by the unit".
  it('F4: a package altered and signed again by another key does not verify OK', async () => {
    const reportId = await signed(A);
    const dir = join(files.path, 'original');
    mkdirSync(dir, { recursive: true });
    const got = await download(reportId, dir);
    const pkg = JSON.parse(readFileSync(got.package!, 'utf8')) as {
      indicators: Array<{ numerator: number; denominator: number }>;
    };
    pkg.indicators[0]!.numerator = pkg.indicators[0]!.denominator + 100;
    const forged = Buffer.from(JSON.stringify(pkg));
    const forger = await loadUnitSigner(
      { mode: 'self-signed', dir: join(files.path, 'forger-keys'), organisation: 'Sở Giáo dục và Đào tạo' },
      A,
    );
    const forgedDir = join(files.path, 'forged');
    mkdirSync(forgedDir, { recursive: true });
    writeFileSync(join(forgedDir, 'package.json'), forged);
    writeFileSync(join(forgedDir, 'package.p7s'), await signDetached(forged, forger));
    const res = await truc('pcgd', 'verify', join(forgedDir, 'package.json'));
    expect(res.code, res.stdout).not.toBe(0);
  });

  // F5 (officer, medium): "see the Ministry's answer": after a refusal the report says only
  // `delivery.lastError: "ERR_ADAPTER_REJECTED"` (README: the Ministry's system "refuses"; docs/errors.md gives that
  // code no "how to solve"). What the Ministry said — its problem `code` (here `BAD_REQUEST`; for a real refusal
  // `INVALID_FIGURES` with `errors[]`: which indicator, `NUMERATOR_GT_DENOMINATOR`, `RATE_MISMATCH`, …) — is read by
  // the adapter (src/adapters/moet-pcgd/client.ts submitError: `errors`) and then dropped: not on the report, not in
  // the dead letter (which the officer may not read anyway; its message says only "rejected (BAD_REQUEST)"). The
  // officer cannot tell what to correct. Expected: the report's `delivery` carries the Ministry's code and field
  // errors (no personal data: figures only), as the batch's `refused` keeps a target's refusal codes.
  it("F5: after a refusal the officer reads the Ministry's own refusal code on the report", async () => {
    const { who, reportId } = refusals[0] ?? {
      who: 'officerA' as const,
      reportId: await refusedByMinistry('officerA', A),
    };
    const res = await call(who, 'GET', `/v1/pcgd/reports/${reportId}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<ReportBody>();
    expect(JSON.stringify(body.delivery)).toContain('BAD_REQUEST');
    expect(body.delivery).toMatchObject({ refusal: { code: 'BAD_REQUEST' } });
  });
});
