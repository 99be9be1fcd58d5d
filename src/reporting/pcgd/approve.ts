/**
 * Approval of a checked report (lifecycle.ts has the other steps): the unit's signer, the package built and
 * signed at the injected clock, the evidence stored; the figures lock. Audited in the same transaction.
 */
import { join } from 'node:path';
import { appendAudit } from '../../audit/chain.js';
import { AppError, both } from '../../errors.js';
import { createPcgdRepo, type ReportRow } from '../../store/pcgd.js';
import { approverOf } from './approver.js';
import { reportStatusWords } from './status-words.js';
import { NEWER_VERSION, noReport, sourcesWithdrawn, stepEvent, type PcgdDeps } from './lifecycle.js';
import { packageBytes, sha256Hex } from './package.js';
import { withdrawnSources } from './sources.js';
import { loadUnitSigner, signDetached, type UnitSigner } from './signing.js';
import { buildPackage } from './views.js';

const signers = new Map<string, Promise<UnitSigner>>();

/** The unit's signer (loaded once per process and settings). */
export function signerFor(deps: PcgdDeps, unitCode: string): Promise<UnitSigner> {
  const s = deps.pcgd.signing;
  const dir = s.dir ?? join(deps.dataDir, 'pcgd-keys');
  const key = `${s.mode}|${dir}|${unitCode}`;
  let p = signers.get(key);
  if (!p) {
    p = loadUnitSigner(
      { mode: s.mode, dir, pkcs12Password: s.pkcs12Password, organisation: s.organisation },
      unitCode,
    );
    p.catch(() => signers.delete(key));
    signers.set(key, p);
  }
  return p;
}

/** Approves a checked report: builds and signs its package, stores the evidence; the figures lock. */
export async function approveReport(
  deps: PcgdDeps,
  req: { reportId: number; actor: string },
): Promise<ReportRow> {
  const pre = await createPcgdRepo(deps.db).get(req.reportId);
  if (!pre) throw new AppError('ERR_NOT_FOUND', noReport(req.reportId));
  const signer = await signerFor(deps, pre.unit_code);
  return deps.db.tx(async (q) => {
    const repo = createPcgdRepo(q);
    const row = await repo.getForUpdate(req.reportId);
    if (!row) throw new AppError('ERR_NOT_FOUND', noReport(req.reportId));
    if (row.superseded_at) throw new AppError('ERR_PCGD_INVALID_TRANSITION', NEWER_VERSION);
    if (row.status === 'computed') throw new AppError('ERR_PCGD_CHECK_FAILED');
    if (row.status !== 'checked')
      throw new AppError('ERR_PCGD_INVALID_TRANSITION', both(...reportStatusWords(row.id, row.status)));
    const withdrawn = row.unit_level === 'province' ? await withdrawnSources(q, row) : [];
    if (withdrawn.length > 0) throw new AppError('ERR_PCGD_INVALID_TRANSITION', sourcesWithdrawn(withdrawn));
    const at = deps.now(); // the injected clock, as every step's (fix35e: it read new Date())
    const bytes = packageBytes(buildPackage(row, req.actor, at, await approverOf(q, req.actor)));
    const signature = await signDetached(bytes, signer, at);
    await repo.approve(row.id, req.actor, at);
    await repo.insertEvidence({
      report_id: row.id,
      package: bytes,
      package_sha256: sha256Hex(bytes),
      signature,
      signer_subject: signer.subject,
      signer_certificate: signer.certificatePem,
      signed_at: at,
    });
    await appendAudit(
      q,
      [
        stepEvent(req.actor, 'pcgd.approved', row, {
          packageSha256: sha256Hex(bytes),
          signer: signer.subject,
        }),
      ],
      at,
    );
    return (await repo.get(row.id))!;
  });
}
