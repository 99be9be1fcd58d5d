/**
 * PCGD-XMC reports' signed evidence: each approved report version's package and its signature (split from
 * ./pcgd.ts, whose `createPcgdRepo` composes it).
 */
import type { Queryable } from './db.js';

export interface EvidenceRow {
  report_id: number;
  package: Buffer;
  package_sha256: string;
  signature: Buffer;
  signer_subject: string;
  signer_certificate: string;
  signed_at: Date;
}

/** A report's signed package and signature. */
export function reportEvidence(q: Queryable) {
  return {
    async insertEvidence(e: EvidenceRow): Promise<void> {
      await q.query(
        `INSERT INTO truc.pcgd_evidence (report_id, package, package_sha256, signature, signer_subject, signer_certificate,
            signed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          e.report_id,
          e.package,
          e.package_sha256,
          e.signature,
          e.signer_subject,
          e.signer_certificate,
          e.signed_at,
        ],
      );
    },
    /**
     * The approver's name the report's signed package carries (`report.approvedByName`, fix32a: what its forms
     * print); undefined when it has no package, or a package signed before fix32a or by an actor truc knew no name of.
     * Read in the database: the package is not sent for one field of it.
     */
    async signedApproverName(reportId: number): Promise<string | undefined> {
      const res = await q.query<{ name: string | null }>(
        `SELECT convert_from(package, 'UTF8')::jsonb #>> '{report,approvedByName}' AS name
           FROM truc.pcgd_evidence WHERE report_id = $1`,
        [reportId],
      );
      return res.rows[0]?.name ?? undefined;
    },
    async evidence(reportId: number): Promise<EvidenceRow | undefined> {
      const res = await q.query<EvidenceRow>('SELECT * FROM truc.pcgd_evidence WHERE report_id = $1', [
        reportId,
      ]);
      return res.rows[0];
    },
  };
}
