/**
 * A quality run as a resource (fix36d, migration 1451): its row written when it is requested (`POST /v1/quality/runs`, a
 * quality schedule's fire), marked when its job starts, its schools scored a slice at a time and then finished
 * (./quality-run-scores.ts, fix37c: `schools` advances while it runs). Its
 * status is read, never stored twice: done (computed), failed (its job's outbox row dead: the dead letter's code),
 * running (started), else queued. A dead letter replayed reopens the row: running or queued again.
 */
import { actorNameSql, namedActorColumns } from './actor-names.js';
import type { Queryable } from './db.js';

export const QUALITY_RUN_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type QualityRunStatus = (typeof QUALITY_RUN_STATUSES)[number];

export interface QualityRun {
  id: number;
  status: QualityRunStatus;
  /**
   * Who asked, by name as it was when they asked (./actor-names.ts: the client's display name, the CLI operator's
   * name; fix37a, migration 1427); the id when truc knew none (`schedule:<id>`, a quality schedule's fire).
   */
  requestedBy: string;
  /** Who asked: `schedule:<id>`, a client id, `operator:cli:<name>`. */
  requestedById: string;
  requestedAt: Date;
  startedAt: Date | null;
  /** When computed (done). */
  finishedAt: Date | null;
  asOf: string | null;
  /**
   * The schools it has scored so far (fix37c: each slice of schools is committed as it is scored; a failed run keeps
   * the ones it scored, a replayed or retried one goes on from them), and in all (counted when its job starts, and
   * again as it goes on: a school's first verdict during the run counts in; null before its job started).
   */
  schools: { scored: number; total: number | null };
  /** Failed: its dead letter's code, attempts and when. */
  error: { code: string; attempts: number; failedAt: Date } | null;
}

export interface QualityRunFilter {
  status?: QualityRunStatus | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

const STATUS = `CASE WHEN r.computed_at IS NOT NULL THEN 'done'
                     WHEN o.dead_at IS NOT NULL THEN 'failed'
                     WHEN r.started_at IS NOT NULL THEN 'running'
                     ELSE 'queued' END`;

const SELECT = `SELECT r.id, ${STATUS} AS status, ${namedActorColumns('r.requested_by', 'r.requested_by_name', 'requestedBy')},
                       r.requested_at, r.started_at, r.computed_at,
                       r.as_of::text AS as_of, r.schools,
                       COALESCE(r.schools_total, CASE WHEN r.computed_at IS NOT NULL THEN r.schools END) AS schools_total,
                       d.error_code, d.attempts, d.failed_at
                  FROM truc.quality_runs r
                  LEFT JOIN truc.outbox o ON o.id = r.outbox_id
                  LEFT JOIN LATERAL (SELECT error_code, attempts, failed_at FROM truc.dead_letters
                                      WHERE outbox_id = r.outbox_id AND o.dead_at IS NOT NULL
                                      ORDER BY id DESC LIMIT 1) d ON true`;

interface Row {
  id: string;
  status: QualityRunStatus;
  requestedBy: string;
  requestedById: string;
  requested_at: Date;
  started_at: Date | null;
  computed_at: Date | null;
  as_of: string | null;
  schools: number | null;
  schools_total: number | null;
  error_code: string | null;
  attempts: number | null;
  failed_at: Date | null;
}

const runOf = (r: Row): QualityRun => ({
  id: Number(r.id),
  status: r.status,
  requestedBy: r.requestedBy,
  requestedById: r.requestedById,
  requestedAt: r.requested_at,
  startedAt: r.started_at,
  finishedAt: r.computed_at,
  asOf: r.as_of,
  schools: { scored: r.schools ?? 0, total: r.schools_total },
  error:
    r.status === 'failed'
      ? {
          // Its dead letter gone (purged): a code the catalogue has (docs/errors.md), not one it lacks.
          code: r.error_code ?? 'ERR_INTERNAL',
          attempts: r.attempts ?? 0,
          failedAt: r.failed_at ?? r.requested_at,
        }
      : null,
});

export function createQualityRunsRepo(q: Queryable) {
  return {
    /**
     * Writes the run requested by `requestedBy`, kept with their name as it is now (fix37a; the one write of a run's
     * row, so of its name: a request, and ./quality-run-scores.ts `begin` for a run computed without one), computed by
     * the job of outbox row `outboxId` (none: computed at once, a test's seed or an import); returns its id.
     */
    async request(requestedBy: string, outboxId: number | undefined): Promise<number> {
      const res = await q.query<{ id: string }>(
        `INSERT INTO truc.quality_runs (requested_by, requested_by_name, outbox_id)
         VALUES ($1, ${actorNameSql('$1::text')}, $2) RETURNING id`,
        [requestedBy, outboxId ?? null],
      );
      return Number(res.rows[0]!.id);
    },
    /** The run of outbox row `outboxId` (the oldest, a busy fire naming it), if any. */
    async ofOutbox(outboxId: number): Promise<number | undefined> {
      const res = await q.query<{ id: string }>(
        'SELECT min(id) AS id FROM truc.quality_runs WHERE outbox_id = $1',
        [outboxId],
      );
      const id = res.rows[0]?.id;
      return id == null ? undefined : Number(id);
    },
    /** Marks the run of outbox row `outboxId` started (its job began), unless computed. */
    async start(outboxId: number): Promise<void> {
      await q.query(
        'UPDATE truc.quality_runs SET started_at = now() WHERE outbox_id = $1 AND computed_at IS NULL',
        [outboxId],
      );
    },
    async get(id: number): Promise<QualityRun | undefined> {
      const res = await q.query<Row>(`${SELECT} WHERE r.id = $1`, [id]);
      return res.rows[0] ? runOf(res.rows[0]) : undefined;
    },
    /** A page of runs, newest first, of `f.status` requested within [`f.from`, `f.to`); with how many in all. */
    async page(
      f: QualityRunFilter,
      limit: number,
      offset: number,
    ): Promise<{ total: number; items: QualityRun[] }> {
      const where = `WHERE ($1::text IS NULL OR ${STATUS} = $1)
                       AND ($2::timestamptz IS NULL OR r.requested_at >= $2)
                       AND ($3::timestamptz IS NULL OR r.requested_at < $3)`;
      const params = [f.status ?? null, f.from ?? null, f.to ?? null];
      const total = await q.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM truc.quality_runs r LEFT JOIN truc.outbox o ON o.id = r.outbox_id ${where}`,
        params,
      );
      const res = await q.query<Row>(`${SELECT} ${where} ORDER BY r.id DESC LIMIT $4 OFFSET $5`, [
        ...params,
        limit,
        offset,
      ]);
      return { total: total.rows[0]?.n ?? 0, items: res.rows.map(runOf) };
    },
  };
}
