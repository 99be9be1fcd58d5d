/**
 * A vendor's unchanged re-push accepted and judged in one statement (issue 7): the batch inserted done
 * with the state the earlier judgment left and its findings (by reference), and its audit entries, only
 * when no record of the school changed since that judgment's snapshot; otherwise nothing is written. One
 * statement commits on its own: no transaction, one round trip (the API's transaction took seven).
 */
import type { EntityName } from '../config.js';
import type { AuditEvent } from './audit-log.js';
import { FINDINGS_HELD, HOLDER, LAST_JUDGED, type HeldBody, type RepeatState } from './batches.js';
import type { RepeatOf } from './batch-repeats.js';
import type { Queryable } from './db.js';
import { tryLockSchoolSql } from './school-lock.js';

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
  /**
   * The state the earlier judgment left (migrations 098, 280), kept by the repeat: the caller found its
   * tag today's; the school's records must not have changed since its snapshot.
   */
  judged: RepeatState;
  /** The batch that keeps the findings it shows (migration 170), and how many they are (migration 250). */
  findingsOf: string;
  findings: number;
  /** Recorded in this order, with the batch. */
  audit: readonly AuditEvent[];
  /** When the audit entries happened (the caller's clock). */
  at: Date;
}

/**
 * Inserts the repeat done (every record unchanged) with its audit entries when no record of the school
 * changed since the judgment's snapshot (one probe of the change feed); true when it did, false when
 * nothing was written. The batch is inserted finished: migration 171 raises its batch.finished webhook event.
 * Its judgment is a vendor's word for the school: only with the school's lock (./school-lock.ts), got at once
 * or not at all (an ingest of the school in progress: nothing written, the caller queues the batch, which its
 * ingest judges under the lock). The lock is got after this statement's snapshot was taken, so the probe runs
 * in a function with a snapshot of its own (migration 720), which sees what committed before the lock.
 */
export async function insertUnchangedRepeat(q: Queryable, r: RepeatInsert): Promise<boolean> {
  const events = r.audit.map((e) => ({ ...e, subject: e.subject ?? null, details: e.details ?? {} }));
  const res = await q.query<{ n: number }>(
    `WITH batch AS (
       INSERT INTO truc.batches (id, client_id, school_code, entity, format, status, records, received, mode,
                                 body_sha256, same_as, accepted, rejected, unchanged, deleted, finished_at,
                                 repeat_tag, repeat_snapshot, repeat_xact, findings_of, findings_count)
       SELECT $1, $2, $3, $4, $5, 'done', '[]', $6, 'delta', $7, $8, 0, 0, $6, 0, clock_timestamp(),
              $9, $11::pg_snapshot, $15::xid8, $10, $14
        WHERE CASE WHEN ${tryLockSchoolSql('$3')}
                   THEN NOT truc.school_changed_since($4, $3, $11::pg_snapshot, $15::xid8) ELSE false END
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
      r.judged.repeatTag,
      r.findingsOf,
      r.judged.snapshot,
      r.at.toISOString(),
      JSON.stringify(events),
      r.findings,
      r.judged.xact,
    ],
    // One text per entity: parsed and planned once per connection (issue 7: with the look-up before
    // it, PostgreSQL 1.55 -> 0.64 ms of CPU a repeat).
    { prepared: true },
  );
  return (res.rows[0]?.n ?? 0) > 0;
}

/** A vendor's push of a body, looked up and, when it is an unchanged repeat, accepted done ({@link lookUpOrAcceptRepeat}). */
export interface BodyRepeatInsert {
  /** The new batch's id, if it is inserted. */
  id: string;
  clientId: string;
  schoolCode: string;
  bodySha256: string;
  /** The most records the route takes now: a held body of more is not a repeat judged here (it is refused). */
  maxRecords: number;
  /**
   * Today's tag (../jobs/ingest-repeat.ts `repeatTag`) of each format and entity a repeat may be judged at once
   * in, keyed `<format> <entity>` (a format whose batches record the schools its system serves: absent).
   */
  tags: Readonly<Record<string, string>>;
  /** When its audit entries happened (the caller's clock). */
  at: Date;
}

/** What {@link lookUpOrAcceptRepeat} found of a body, and whether it accepted the push done. */
export type BodyRepeat = HeldBody & { judged: RepeatOf | null; inserted: boolean };

/**
 * Issue 7, the API's unchanged re-push in one statement (the look-up of the body and the judgment, which were
 * two): the batch that keeps the body (`HOLDER`) and the last judged batch of it, as `heldAndJudged` reads them;
 * and, when the body is a delta of at most `maxRecords` whose judgment's tag is today's for its format and entity
 * and no record of the school changed since that judgment's snapshot (with the school's lock, got at once: as
 * {@link insertUnchangedRepeat}), the new batch inserted done with its audit entries (batch.accepted then
 * batch.ingested, as the API and ../jobs/ingest-repeat.ts write them). Undefined: no batch keeps the body.
 */
export async function lookUpOrAcceptRepeat(
  q: Queryable,
  r: BodyRepeatInsert,
): Promise<BodyRepeat | undefined> {
  const res = await q.query<BodyRepeat>(
    `WITH h AS (${HOLDER}),
     p AS (${LAST_JUDGED} ORDER BY finished_at DESC LIMIT 1),
     j AS (SELECT p.*, ${FINDINGS_HELD} AS findings FROM p),
     batch AS (
       INSERT INTO truc.batches (id, client_id, school_code, entity, format, status, records, received, mode,
                                 body_sha256, same_as, accepted, rejected, unchanged, deleted, finished_at,
                                 repeat_tag, repeat_snapshot, repeat_xact, findings_of, findings_count)
       SELECT $4, $3, $1, h.entity, h.format, 'done', '[]', h.received, 'delta', $2, h.id, 0, 0, h.received, 0,
              clock_timestamp(), j.repeat_tag, j.snapshot::pg_snapshot, j.xact::xid8, j.held, j.findings
         FROM h, j
        WHERE h.mode = 'delta' AND h.received <= $5 AND j.repeat_tag = ($6::jsonb ->> (h.format || ' ' || h.entity))
          AND CASE WHEN ${tryLockSchoolSql('$1')}
                   THEN NOT truc.school_changed_since(h.entity, $1, j.snapshot::pg_snapshot, j.xact::xid8)
                   ELSE false END
       RETURNING id, entity, format, received, findings_count
     ), audit AS (
       INSERT INTO truc.audit_pending (at, actor, action, subject, details)
       SELECT $7::timestamptz, e.actor, e.action, 'batch:' || b.id, e.details
         FROM batch b, j, LATERAL (VALUES
           (1, $3::text, 'batch.accepted',
            jsonb_build_object('schoolCode', $1::text, 'entity', b.entity, 'format', b.format, 'mode', 'delta',
                               'received', b.received, 'idempotencyKey', NULL::text)),
           (2, 'system:ingest', 'batch.ingested',
            jsonb_build_object('entity', b.entity, 'accepted', 0, 'rejected', 0, 'unchanged', b.received,
                               'findings', b.findings_count, 'pushSets', '[]'::jsonb,
                               'repeatOf', 'batch:' || j.id))) AS e(n, actor, action, details)
        ORDER BY e.n
       RETURNING id
     )
     SELECT h.id, h.entity, h.format, h.mode, h.received,
            CASE WHEN j.id IS NOT NULL THEN json_build_object('id', j.id, 'repeatTag', j.repeat_tag,
              'snapshot', j.snapshot, 'xact', j.xact, 'findingsOf', j.held, 'findings', j.findings)
            END AS judged,
            (SELECT count(*) FROM batch) > 0 AS inserted
       FROM h LEFT JOIN j ON true`,
    [r.schoolCode, r.bodySha256, r.clientId, r.id, r.maxRecords, JSON.stringify(r.tags), r.at.toISOString()],
    // One text: parsed and planned once per connection.
    { prepared: true },
  );
  return res.rows[0];
}

/** A body a vendor's delta re-push carried, and where (../jobs/repeat-carried.ts). */
export interface CarriedBody {
  /** The batch that keeps the body's records. */
  holder: string;
  schoolCode: string;
  format: string;
  /** The holder's records were purged (migration 1020): the body is gone. */
  purged: boolean;
  /** The latest of those re-pushes of the body at the school, and when it arrived. */
  repushId: string;
  repushedAt: Date;
}

/**
 * The bodies that vendors' delta re-pushes of `entity` at `schools`, judged since `since` with every record
 * unchanged (such a re-push judged at once writes no record: review17 B2), carried: one row per holder and school.
 */
export async function bodiesRepushedSince(
  q: Queryable,
  entity: EntityName,
  schools: readonly string[],
  since: Date,
): Promise<CarriedBody[]> {
  if (schools.length === 0) return [];
  const res = await q.query<CarriedBody>(
    `SELECT r.same_as AS holder, r.school_code AS "schoolCode", r.format,
            h.records_purged_at IS NOT NULL AS purged,
            (array_agg(r.id::text ORDER BY r.created_at DESC))[1] AS "repushId", max(r.created_at) AS "repushedAt"
       FROM truc.batches r JOIN truc.batches h ON h.id = r.same_as
      WHERE r.school_code = ANY($1::text[]) AND r.entity = $2 AND r.same_as IS NOT NULL AND r.status = 'done'
        AND r.mode = 'delta' AND r.accepted = 0 AND r.rejected = 0 AND r.finished_at >= $3
      GROUP BY 1, 2, 3, 4
      ORDER BY 1, 2`,
    [[...schools], entity, since],
  );
  return res.rows;
}
