/**
 * A record refused by a pull is not judged again every night (issue 7): while the source sends the very
 * same record (same source fingerprint: wire record, mapping and catalogue versions) and the rules are
 * the same (the city's quality policy, the school year), the next pull counts it refused without mapping
 * or judging it: no finding is filed again (they are on the batch that refused it). A changed record or
 * changed rules judge it again. A refusal that depends on other records is never remembered.
 */
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config.js';
import { refusedOnTheirOwn } from '../../../src/jobs/refusals.js';
import type { Checked } from '../../../src/jobs/judge.js';
import { fullStudentsRun, hcmStudent as wire, useStudentsSource } from './fixtures.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

describe('pulled records refused before are not judged again', () => {
  const { ctx, source } = useStudentsSource();

  const findingsOf = async (batchId: string) =>
    (await ctx.db.rows<{ rule: string; record_index: number }>('truc.findings', `batch_id = '${batchId}'`))
      .map((f) => `${f.record_index}:${f.rule}`)
      .sort();
  const stored = async (key: string) =>
    (await ctx.db.rows<{ deleted_at: Date | null }>('truc.students', `student_code = '${key}'`))[0];
  /** A placeholder for a name (a record rule, error): refused for a reason of its own. */
  const unnamed = (code: string) => ({ ...wire(code), hoTen: 'không có' });
  /** Mapping fails (no school, no name…): refused, with no natural key. */
  const broken = { maDinhDanh: 'RBROKEN' };

  it('counts an unchanged refused record refused without judging it; a change or new rules judge it again', async () => {
    const page = () => [[wire('RA1'), unnamed('RF1'), broken, wire('RA2')]];
    const first = await fullStudentsRun(ctx, source, page());
    expect(first.map((b) => [b.accepted, b.rejected, b.unchanged])).toEqual([[2, 2, 0]]);
    const judged = await findingsOf(first[0]!.id);
    expect(judged).toContain('1:SACH_PLACEHOLDER');
    expect(judged.some((f) => f.startsWith('2:'))).toBe(true);

    // The same page again: both refused records are counted refused, and not judged (no finding filed).
    const second = await fullStudentsRun(ctx, source, page());
    expect(second.map((b) => [b.accepted, b.rejected, b.unchanged])).toEqual([[0, 2, 2]]);
    expect(await findingsOf(second[0]!.id)).toEqual([]);
    // The full run's reconciliation still saw every key the source holds.
    expect((await stored('RA1'))?.deleted_at).toBeNull();

    // The source changes the refused record (still refused): judged again.
    const third = await fullStudentsRun(ctx, source, [
      [wire('RA1'), { ...unnamed('RF1'), ngaySinh: '2019-03-15' }, broken, wire('RA2')],
    ]);
    expect(third.map((b) => [b.accepted, b.rejected, b.unchanged])).toEqual([[0, 2, 2]]);
    // RF1 judged again (its findings filed), the unchanged broken record not.
    const rejudged = await findingsOf(third[0]!.id);
    expect(rejudged).toContain('1:SACH_PLACEHOLDER');
    expect(rejudged.filter((f) => !f.startsWith('1:'))).toEqual([]);

    // The city's rules change (a placeholder only flags): the record is judged and taken.
    const config = structuredClone(ctx.config) as Mutable<Config>;
    config.quality.policy = { students: { SACH_PLACEHOLDER: 'warning' } };
    const relaxed = { ...ctx, config: config as Config };
    const fourth = await fullStudentsRun(relaxed, source, [
      [wire('RA1'), { ...unnamed('RF1'), ngaySinh: '2019-03-15' }, broken, wire('RA2')],
    ]);
    expect(fourth.map((b) => [b.accepted, b.rejected, b.unchanged])).toEqual([[1, 1, 2]]);
    expect((await stored('RF1'))?.deleted_at).toBeNull();
  });

  it('does not remember a refusal that depends on other records', () => {
    const rec = { key: 'K', scope: 'S', personalId: undefined, data: {} };
    const finding = (index: number, rule: string) =>
      ({
        index,
        rule,
        criterion: 'sach',
        severity: 'error',
        pointer: '',
        vi: '',
        en: '',
        hintVi: '',
        hintEn: '',
      }) as const;
    const checked: Checked = {
      records: [rec, rec, undefined],
      rejected: new Set([0, 1]),
      existing: new Map(),
      findings: [
        finding(0, 'SACH_DUPLICATE_PERSONAL_ID'),
        finding(1, 'SACH_PLACEHOLDER'),
        finding(2, 'MAP_FIELD_MISSING'),
      ],
    };
    expect([...refusedOnTheirOwn(checked)].sort()).toEqual([1, 2]);
  });

  it('does not remember a refusal by a rule that reads today', async () => {
    // Today (the fixtures' clock) is 15 January 2026 in Vietnam: a status change dated the 20th.
    const scheduled = { ...wire('RD1'), ngayTrangThai: '2026-01-20' };
    const first = await fullStudentsRun(ctx, source, [[scheduled]]);
    expect(first.map((b) => [b.accepted, b.rejected])).toEqual([[0, 1]]);
    expect(await findingsOf(first[0]!.id)).toContain('0:DUNG_DATE_IN_FUTURE');
    // Ten days later, same school year (2025-2026), the source sends the very same record.
    const later = { ...ctx, now: () => new Date('2026-01-25T03:00:00Z') };
    const second = await fullStudentsRun(later, source, [[scheduled]]);
    // Judged on the 25th, the status date is past: the record is taken.
    expect(second.map((b) => [b.accepted, b.rejected])).toEqual([[1, 0]]);
  });
});
