/** Every rule of sống (alive): a passing case, a failing case and its boundaries. */
import { describe, expect, it } from 'vitest';
import { codes, rec, run } from './helpers.js';

describe('sống', () => {
  it('a 2019-2020 record pushed today is flagged', async () => {
    const r = await run('students', [
      rec('students', {
        schoolYear: '2019-2020',
        grade: 'kg3',
        birthDate: '2016-01-01',
        personalId: undefined,
      }),
    ]);
    expect(r.findings.find((f) => f.rule === 'SONG_NOT_CURRENT_YEAR')).toMatchObject({ value: '2019-2020' });
  });

  it('master data incomplete after its deadline (configurable), not before', async () => {
    const late = await run('students', [rec('students', { personalId: undefined })]);
    expect(codes(late)).toContain('SONG_MASTER_DATA_LATE');
    const early = await run('students', [rec('students', { personalId: undefined })], {
      config: { deadlines: { rollover: '09-13', masterData: '10-01', byYear: {} } },
    });
    expect(codes(early)).not.toContain('SONG_MASTER_DATA_LATE');
    // A date pinned for the school year wins over the yearly MM-DD.
    const pinned = await run('students', [rec('students', { personalId: undefined })], {
      config: {
        deadlines: {
          rollover: '09-13',
          masterData: '09-20',
          byYear: { '2025-2026': { masterData: '2025-12-01' } },
        },
      },
    });
    expect(codes(pinned)).not.toContain('SONG_MASTER_DATA_LATE');
  });

  it('staff past retirement age still active (the birthday is the boundary)', async () => {
    const r = await run('staff', [
      rec('staff', { birthDate: '1963-10-01', personalId: undefined }),
      rec('staff', { birthDate: '1963-10-02', personalId: undefined }),
      rec('staff', { birthDate: '1960-01-01', personalId: undefined, status: 'retired' }),
    ]);
    expect(codes(r, 0)).toContain('SONG_STAFF_PAST_RETIREMENT');
    expect(codes(r, 1)).not.toContain('SONG_STAFF_PAST_RETIREMENT');
    expect(codes(r, 2)).not.toContain('SONG_STAFF_PAST_RETIREMENT');
  });

  it('status inconsistent with the authoritative source', async () => {
    const ours = rec('students', { studentCode: '7900000101' });
    const r = await run('students', [ours], {
      lookups: {
        authoritative: async () => new Map([['7900000101', { ...ours, status: 'transferred_out' }]]),
      },
    });
    expect(r.findings).toMatchObject([{ rule: 'SONG_STATUS_CONFLICT', value: 'studying' }]);
  });

  it('last successful sync older than the configured age', async () => {
    const syncs = new Map([
      [
        '79000001',
        [
          { system: 'smas', at: '2025-09-23T16:59:00Z' },
          { system: 'hcm-csdl', at: '2025-09-30T01:00:00Z' },
        ],
      ],
    ]);
    const r = await run('students', [rec('students')], {
      schoolCode: '79000001',
      lookups: { lastSyncs: async () => syncs },
    });
    expect(r.findings).toMatchObject([
      { index: -1, rule: 'SONG_SYNC_STALE', detail: { en: 'System: smas.' } },
    ]);
  });

  it('school year not rolled over by the deadline', async () => {
    const counts = async () => new Map([['79000001', 0]]);
    const old = rec('students', { schoolYear: '2024-2025', grade: 'kg5', personalId: undefined });
    const r = await run('students', [old], {
      schoolCode: '79000001',
      lookups: { currentYearCounts: counts },
    });
    expect(codes(r, -1)).toEqual(['SONG_ROLLOVER_LATE']);
    const rolled = await run('students', [rec('students')], {
      schoolCode: '79000001',
      lookups: { currentYearCounts: counts },
    });
    expect(codes(rolled, -1)).toEqual([]);
  });

  it('a deadline finding’s hint names the configured deadline of the year, not 2024’s (W7-3)', async () => {
    const config = {
      deadlines: {
        rollover: '09-16',
        masterData: '09-25',
        byYear: { '2025-2026': { rollover: '2025-09-18' } },
      },
    };
    const late = await run('students', [rec('students', { personalId: undefined })], { config });
    const master = late.findings.find((f) => f.rule === 'SONG_MASTER_DATA_LATE');
    expect(master?.hintVi).toContain('Hạn của năm học 2025-2026: 25/9/2025.');
    expect(master?.hintEn).toContain('The 2025-2026 deadline: 25 September 2025.');
    const old = rec('students', { schoolYear: '2024-2025', grade: 'kg5', personalId: undefined });
    const r = await run('students', [old], {
      schoolCode: '79000001',
      config,
      lookups: { currentYearCounts: async () => new Map([['79000001', 0]]) },
    });
    const rollover = r.findings.find((f) => f.rule === 'SONG_ROLLOVER_LATE');
    expect(rollover?.hintVi).toContain('18/9/2025');
    expect(rollover?.hintEn).toContain('18 September 2025');
    for (const f of [master, rollover]) expect(`${f?.hintVi} ${f?.hintEn}`).not.toContain('2024');
  });
});
