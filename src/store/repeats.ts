/**
 * A vendor's unchanged re-push accepted and judged in one statement (issue 7): the batch inserted done
 * with the earlier judgment's tag and findings (by reference), and its audit entries, only when the
 * school's live records still give that tag; otherwise nothing is written. One statement commits on its
 * own: no transaction, one round trip (the API's transaction took seven).
 */
import type { EntityName } from '../config.js';
import type { AuditEvent } from './audit-log.js';
import type { Queryable } from './db.js';
import { scopeDigestOf, TABLES } from './record-tables.js';

export interface RepeatInsert {
  id: string;
  clientId: string;
  schoolCode: string;
  entity: EntityName;
  format: string;
  received: number;
  bodySha256: string;
  /** The earlier batch that keeps the records. */
  sameAs: string;
  /** The tag the earlier judgment left (migration 098), which the school's state must still give. */
  repeatTag: string;
  /** What precedes the school's digest in the tag (src/jobs/ingest-repeat.ts repeatTag). */
  tagPrefix: string;
  /** The batch that keeps the findings it shows (migration 170), and how many they are (migration 250). */
  findingsOf: string;
  findings: number;
  /** Recorded in this order, with the batch. */
  audit: readonly AuditEvent[];
  /** When the audit entries happened (the caller's clock). */
  at: Date;
}

/**
 * Inserts the repeat done (every record unchanged) with its audit entries when the digest of the school's
 * live records, after `tagPrefix`, still hashes to `repeatTag`; true when it did, false when nothing was
 * written. The batch is inserted finished: migration 171 raises its batch.finished webhook event.
 */
export async function insertUnchangedRepeat(q: Queryable, r: RepeatInsert): Promise<boolean> {
  const t = TABLES[r.entity];
  const events = r.audit.map((e) => ({ ...e, subject: e.subject ?? null, details: e.details ?? {} }));
  const res = await q.query<{ n: number }>(
    `WITH digest AS (
       SELECT ${scopeDigestOf(r.entity)} AS d FROM ${t.table} r WHERE r.${t.scope} = $3 AND r.deleted_at IS NULL
     ), batch AS (
       INSERT INTO truc.batches (id, client_id, school_code, entity, format, status, records, received, mode,
                                 body_sha256, same_as, accepted, rejected, unchanged, deleted, finished_at,
                                 repeat_tag, findings_of, findings_count)
       SELECT $1, $2, $3, $4, $5, 'done', '[]'::jsonb, $6, 'delta', $7, $8, 0, 0, $6, 0, now(), $9, $10, $14
         FROM digest WHERE encode(sha256(convert_to($11::text || digest.d, 'UTF8')), 'hex') = $9::text
       RETURNING id
     ), audit AS (
       INSERT INTO truc.audit_pending (at, actor, action, subject, details)
       SELECT $12::timestamptz, x.e->>'actor', x.e->>'action', x.e->>'subject', x.e->'details'
         FROM batch, jsonb_array_elements($13::jsonb) WITH ORDINALITY AS x(e, n)
        ORDER BY x.n
       RETURNING id
     )
     SELECT count(*)::int AS n FROM batch`,
    [
      r.id,
      r.clientId,
      r.schoolCode,
      r.entity,
      r.format,
      r.received,
      r.bodySha256,
      r.sameAs,
      r.repeatTag,
      r.findingsOf,
      r.tagPrefix,
      r.at.toISOString(),
      JSON.stringify(events),
      r.findings,
    ],
  );
  return (res.rows[0]?.n ?? 0) > 0;
}
