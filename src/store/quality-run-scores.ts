/**
 * A quality run's writes (fix37c): begun (its row, the day and school year it scores as of), its schools' scorecards
 * saved a slice at a time (each slice its own transaction, so `schools`, scored so far, advances while it runs), then
 * finished (its communes' and provinces' cards, computed_at). A run whose job died resumes from the schools it saved
 * (migration 1446: their counts are kept until the run is done). The scoring lives in src/jobs/scorecards.ts.
 */
import type { Queryable } from './db.js';
import { createQualityRunsRepo } from './quality-runs.js';
import type { SchoolCountsRow, ScoreFields } from './scorecards.js';

/** What a run scores as of, fixed when it begins (a resumed run keeps them). */
export interface RunBasis {
  asOf: string;
  schoolYear: string;
  catalogueVersion: string;
}

/** A scorecard to store; a school's with the counts it was scored from (summed into its communes and provinces). */
export interface NewScore extends ScoreFields {
  counts?: SchoolCountsRow | undefined;
}

/**
 * Begins run of outbox row `outboxId` (the run requested, fix36d; none: a new one): started now, as of `b` unless it
 * began before (resumed: its day and school year kept). A run begun under another catalogue version starts over
 * (its saved scorecards dropped). A new one is written by ./quality-runs.ts `request` (its asker's name as it is now,
 * fix37a). Returns the run and what it scores as of.
 */
async function begin(
  q: Queryable,
  requestedBy: string,
  outboxId: number | undefined,
  b: RunBasis,
): Promise<{ runId: number } & RunBasis> {
  const requested = await q.query<{ id: string; catalogue_version: string | null }>(
    `SELECT id, catalogue_version FROM truc.quality_runs
      WHERE id = (SELECT min(id) FROM truc.quality_runs WHERE outbox_id = $1 AND computed_at IS NULL) FOR UPDATE`,
    [outboxId ?? null],
  );
  let id = requested.rows[0]?.id;
  if (id === undefined) id = String(await createQualityRunsRepo(q).request(requestedBy, outboxId));
  else if (requested.rows[0]!.catalogue_version !== b.catalogueVersion) {
    await q.query('DELETE FROM truc.quality_scores WHERE run_id = $1', [id]);
    await q.query('UPDATE truc.quality_runs SET as_of = NULL, schools = 0 WHERE id = $1', [id]);
  }
  const res = await q.query<{ as_of: string; school_year: string }>(
    `UPDATE truc.quality_runs
        SET started_at = COALESCE(started_at, now()), as_of = COALESCE(as_of, $2::date),
            school_year = CASE WHEN as_of IS NULL THEN $3 ELSE school_year END, catalogue_version = $4,
            schools = COALESCE(schools, 0)
      WHERE id = $1 RETURNING as_of::text AS as_of, school_year`,
    [id, b.asOf, b.schoolYear, b.catalogueVersion],
  );
  const row = res.rows[0]!;
  return {
    runId: Number(id),
    asOf: row.as_of,
    schoolYear: row.school_year,
    catalogueVersion: b.catalogueVersion,
  };
}

/**
 * The schools with verdicts run `runId` has not scored yet, by code; its `schools_total` set to those and the ones it
 * scored (a school whose first verdict came during the run is counted in).
 */
async function unscored(q: Queryable, runId: number): Promise<string[]> {
  const res = await q.query<{ school: string }>(
    `SELECT school_code AS school FROM truc.quality_records GROUP BY 1
     EXCEPT SELECT code FROM truc.quality_scores WHERE run_id = $1 AND level = 'school'
     ORDER BY 1`,
    [runId],
  );
  await q.query(
    `UPDATE truc.quality_runs SET schools_total = $2 +
            (SELECT count(*) FROM truc.quality_scores WHERE run_id = $1 AND level = 'school')
      WHERE id = $1`,
    [runId, res.rows.length],
  );
  return res.rows.map((r) => r.school);
}

/** Saves scorecards of run `runId` (one saved already is kept); its `schools` counts the school cards it holds. */
async function save(q: Queryable, runId: number, cards: readonly NewScore[]): Promise<void> {
  if (cards.length > 0)
    await q.query(
      `INSERT INTO truc.quality_scores (run_id, level, code, parent_code, records, overall, band, card, counts)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::numeric[], $7::text[], $8::jsonb[],
                                $9::jsonb[])
       ON CONFLICT (run_id, level, code) DO NOTHING`,
      [
        runId,
        cards.map((c) => c.level),
        cards.map((c) => c.code),
        cards.map((c) => c.parentCode),
        cards.map((c) => c.records),
        cards.map((c) => c.overall),
        cards.map((c) => c.band),
        cards.map((c) => JSON.stringify(c.card)),
        cards.map((c) => (c.counts ? JSON.stringify(c.counts) : null)),
      ],
    );
  await q.query(
    `UPDATE truc.quality_runs
        SET schools = (SELECT count(*) FROM truc.quality_scores WHERE run_id = $1 AND level = 'school')
      WHERE id = $1`,
    [runId],
  );
}

/** The counts run `runId`'s schools were scored from, by code (its communes and provinces are summed from them). */
async function scoredCounts(q: Queryable, runId: number): Promise<SchoolCountsRow[]> {
  const res = await q.query<{ counts: SchoolCountsRow }>(
    `SELECT counts FROM truc.quality_scores
      WHERE run_id = $1 AND level = 'school' AND counts IS NOT NULL ORDER BY code`,
    [runId],
  );
  return res.rows.map((r) => r.counts);
}

/**
 * Finishes run `runId`: computed at `computedAt` (the database's now() when not given), every school it holds scored,
 * the counts it kept cleared. False when it was finished already (a job delivered twice).
 */
async function finish(q: Queryable, runId: number, computedAt?: Date): Promise<boolean> {
  const res = await q.query(
    `UPDATE truc.quality_runs
        SET computed_at = COALESCE($2, now()), started_at = COALESCE(started_at, COALESCE($2, now())),
            schools = (SELECT count(*) FROM truc.quality_scores WHERE run_id = $1 AND level = 'school'),
            schools_total = (SELECT count(*) FROM truc.quality_scores WHERE run_id = $1 AND level = 'school')
      WHERE id = $1 AND computed_at IS NULL`,
    [runId, computedAt ?? null],
  );
  await q.query('UPDATE truc.quality_scores SET counts = NULL WHERE run_id = $1 AND counts IS NOT NULL', [
    runId,
  ]);
  return (res.rowCount ?? 0) > 0;
}

export function createQualityRunScoresRepo(q: Queryable) {
  return {
    /** See {@link begin}. */
    begin: (requestedBy: string, outboxId: number | undefined, b: RunBasis) =>
      begin(q, requestedBy, outboxId, b),
    /** See {@link unscored}. */
    unscored: (runId: number) => unscored(q, runId),
    /** See {@link save}. */
    save: (runId: number, cards: readonly NewScore[]) => save(q, runId, cards),
    /** See {@link scoredCounts}. */
    scoredCounts: (runId: number) => scoredCounts(q, runId),
    /** See {@link finish}. */
    finish: (runId: number, computedAt?: Date) => finish(q, runId, computedAt),
    /** Stores a whole run at once, as of `b`, requested by `requestedBy` (a test's seed, an import): its id. */
    async saveRun(requestedBy: string, b: RunBasis, cards: readonly NewScore[]): Promise<number> {
      const { runId } = await begin(q, requestedBy, undefined, b);
      await save(q, runId, cards);
      await finish(q, runId);
      return runId;
    },
  };
}
