/**
 * Two records of one personal ID from the city database (issue 7, bug): the first night keeps the
 * first and refuses the second (the personal ID repeats in the page); on the second night the first is
 * unchanged at the source and skipped before judging, so the second is judged alone — it must still be
 * refused, because another live student of the same school holds its personal ID. Over the real pull
 * path: the worker role, PostgreSQL and the hcm-csdl simulator behind a proxy that adds the copy.
 */
import { describe, expect, it } from 'vitest';
import { copyOf, useCopiedStudentSource } from '../helpers/copied-student.js';

describe('a personal ID twice in the city database, pulled on two nights', () => {
  const source = useCopiedStudentSource(23);
  /** Personal IDs held by more than one live student of one school. */
  const twiceHeld = async (): Promise<number> =>
    (
      await source.env.deps.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (
           SELECT 1 FROM truc.students WHERE deleted_at IS NULL AND personal_id IS NOT NULL
            GROUP BY school_code, personal_id HAVING count(*) > 1) t`,
      )
    ).rows[0]!.n;

  it('keeps one live student per personal ID on the first night and on the second', async () => {
    await source.fullPull();
    const original = source.original();
    expect(original).toBeDefined();
    expect(await source.live(original!)).toBe(true);
    expect(await source.live(copyOf(original!))).toBe(false);
    expect(await twiceHeld()).toBe(0);

    await source.fullPull();
    expect(await source.live(original!)).toBe(true);
    expect(await source.live(copyOf(original!))).toBe(false);
    expect(await twiceHeld()).toBe(0);
    // The copy is refused for its personal ID, and its verdict says so: the first night's (a repeat in
    // the page), kept, since the second night counts it still refused without judging it again while the
    // holder it stood on is live and unchanged (jobs/refusals.ts); judged, it is refused for the stored holder.
    const verdict = await source.env.deps.db.query<{
      accepted: boolean;
      findings: Array<{ rule: string; severity: string }>;
    }>(`SELECT accepted, findings FROM truc.quality_records WHERE entity = 'students' AND record_key = $1`, [
      copyOf(original!),
    ]);
    expect(verdict.rows[0]?.accepted).toBe(false);
    const errors = verdict.rows[0]?.findings.filter((f) => f.severity === 'error').map((f) => f.rule);
    expect(errors).toHaveLength(1);
    expect(errors?.[0]).toMatch(/^SACH_DUPLICATE_PERSONAL_ID(_STORED)?$/);
    // Judged alone (its refusal forgotten), it is refused for the stored holder.
    await source.env.deps.db.query('DELETE FROM truc.refused_sources');
    await source.fullPull();
    expect(await source.live(copyOf(original!))).toBe(false);
    const judged = await source.env.deps.db.query<{ findings: Array<{ rule: string; severity: string }> }>(
      `SELECT findings FROM truc.quality_records WHERE entity = 'students' AND record_key = $1`,
      [copyOf(original!)],
    );
    expect(judged.rows[0]?.findings.filter((f) => f.severity === 'error').map((f) => f.rule)).toEqual([
      'SACH_DUPLICATE_PERSONAL_ID_STORED',
    ]);
  });
});
