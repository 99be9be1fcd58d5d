/**
 * A refusal that depends on another record is remembered with what it stands on (issue 7: an unchanged
 * night re-judges nothing). The city database sends a copy of a student (same personal ID, another code)
 * right after it: the first night keeps the student and refuses the copy. The second night nothing
 * changed: the copy is counted refused without being judged again — no page files a finding, no verdict
 * is rewritten. The third night the source deletes the student the copy's refusal stood on: the copy is
 * judged again, in the same page, and taken. Over the real pull path: the worker role, PostgreSQL and the
 * hcm-csdl simulator behind a proxy that adds the copy (and, the third night, the tombstone).
 */
import { describe, expect, it } from 'vitest';
import { copyOf, useCopiedStudentSource } from '../helpers/copied-student.js';

describe('a refusal that stands on another record, pulled on three nights', () => {
  const source = useCopiedStudentSource(29);
  const counts = async (run: number) =>
    (
      await source.env.deps.db.query<{
        accepted: number;
        rejected: number;
        unchanged: number;
        findings: number;
      }>(
        `SELECT sum(accepted)::int AS accepted, sum(rejected)::int AS rejected, sum(unchanged)::int AS unchanged,
                (SELECT count(*)::int FROM truc.findings f JOIN truc.batches b ON b.id = f.batch_id
                  WHERE b.sync_run_id = $1) AS findings
           FROM truc.batches WHERE sync_run_id = $1`,
        [run],
      )
    ).rows[0]!;
  /** The copy's verdict, with its row version (xmin: changes with any rewrite). */
  const verdict = async () =>
    (
      await source.env.deps.db.query<{ accepted: boolean; x: string }>(
        `SELECT accepted, xmin::text AS x FROM truc.quality_records WHERE entity = 'students' AND record_key = $1`,
        [copyOf(source.original()!)],
      )
    ).rows[0];

  it('re-judges nothing on an unchanged night, and the copy once the student it stood on is deleted', async () => {
    const first = await source.fullPull();
    const original = source.original();
    expect(original).toBeDefined();
    expect(await source.live(copyOf(original!))).toBe(false);
    const night1 = await counts(first);
    expect(night1.rejected).toBe(1);
    expect(night1.findings).toBeGreaterThan(0);
    const refused = await verdict();
    expect(refused?.accepted).toBe(false);
    // Remembered with the holder it stands on: the original, as stored.
    const remembered = await source.env.deps.db.query<{ depends: Record<string, Record<string, string>> }>(
      `SELECT depends FROM truc.refused_sources WHERE system = 'hcm-csdl' AND entity = 'students' AND source_key = $1`,
      [copyOf(original!)],
    );
    expect(Object.keys(remembered.rows[0]?.depends['students'] ?? {})).toEqual([original]);

    // Nothing changed: every record skipped or still refused; nothing judged, no finding, no verdict rewritten.
    const second = await source.fullPull();
    const night2 = await counts(second);
    expect(night2).toEqual({ accepted: 0, rejected: 1, unchanged: night1.accepted, findings: 0 });
    expect((await verdict())?.x).toBe(refused?.x);
    expect(await source.live(original!)).toBe(true);
    // Each page's batch is done (inserted so with the page's closing writes) and audited as ingested.
    const audited = await source.env.deps.db.query<{ done: number; batches: number; ingested: number }>(
      `SELECT count(*) FILTER (WHERE b.status = 'done' AND b.finished_at IS NOT NULL)::int AS done,
              count(*)::int AS batches,
              count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM truc.audit_log a WHERE a.subject = 'batch:' || b.id AND a.action = 'batch.ingested'
                UNION ALL
                SELECT 1 FROM truc.audit_pending a WHERE a.subject = 'batch:' || b.id AND a.action = 'batch.ingested'
              ))::int AS ingested
         FROM truc.batches b WHERE b.sync_run_id = $1`,
      [second],
    );
    expect(audited.rows[0]).toEqual({
      done: audited.rows[0]!.batches,
      batches: audited.rows[0]!.batches,
      ingested: audited.rows[0]!.batches,
    });
    expect(audited.rows[0]!.batches).toBeGreaterThan(0);

    // The source deletes the original: what the copy's refusal stood on is gone, so it is judged and taken.
    source.deleteOriginal();
    const third = await source.fullPull();
    const night3 = await counts(third);
    expect(night3.accepted).toBe(1);
    expect(night3.rejected).toBe(0);
    expect(await source.live(original!)).toBe(false);
    expect(await source.live(copyOf(original!))).toBe(true);
    expect((await verdict())?.accepted).toBe(true);
  });
});
