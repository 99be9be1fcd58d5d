/**
 * review24 (fixed here): `truc holds show` (and `truc sync run --follow` on a held run) printed a student
 * snapshot's per-grade reasons (grade23, src/jobs/grade-guard.ts) without their grade: a snapshot leaving out
 * four grades of a school showed the school's line and then four identical lines "school 79678904: deleted 10 of
 * 10 live (100 %, threshold 30 %)", so the city admin could not tell which grades the vendor left out (the API's
 * `reasons[].grade` names them). Each reason's line now names its grade.
 */
import { describe, expect, it } from 'vitest';
import { reasonLine } from '../../../src/cli/commands/hold-words.js';

describe('a hold reason on one line', () => {
  it('names the grade of a grade reason, in both languages', () => {
    const line = reasonLine({
      school: '79678904',
      grade: '6',
      kind: 'deleted',
      count: 10,
      live: 10,
      ratio: 1,
      threshold: 0.3,
    });
    expect(line).toBe(
      'trường 79678904 khối 6: xoá hoặc chuyển đi 10 trên 10 còn hiệu lực (100 %, ngưỡng 30 %) / ' +
        'school 79678904 grade 6: deleted 10 of 10 live (100 %, threshold 30 %)',
    );
  });

  it('a school reason stays as it was', () => {
    const line = reasonLine({
      school: '79678904',
      kind: 'deleted',
      count: 40,
      live: 50,
      ratio: 0.8,
      threshold: 0.3,
    });
    expect(line).toBe(
      'trường 79678904: xoá hoặc chuyển đi 40 trên 50 còn hiệu lực (80 %, ngưỡng 30 %) / ' +
        'school 79678904: deleted 40 of 50 live (80 %, threshold 30 %)',
    );
  });

  it('says restored for a reason restores alone caused, and how many restored among changes (guard2 item 2)', () => {
    const reason = { school: '79663066', kind: 'changed' as const, live: 40, ratio: 0.975, threshold: 0.5 };
    expect(reasonLine({ ...reason, count: 39, restored: 39 })).toBe(
      'trường 79663066: khôi phục 39 trên 40 còn hiệu lực (98 %, ngưỡng 50 %) / ' +
        'school 79663066: restored 39 of 40 live (98 %, threshold 50 %)',
    );
    expect(reasonLine({ ...reason, count: 39, restored: 5 })).toBe(
      'trường 79663066: thay đổi 39 (5 khôi phục) trên 40 còn hiệu lực (98 %, ngưỡng 50 %) / ' +
        'school 79663066: changed 39 (5 restored) of 40 live (98 %, threshold 50 %)',
    );
    expect(reasonLine({ ...reason, count: 39 })).toBe(
      'trường 79663066: thay đổi 39 trên 40 còn hiệu lực (98 %, ngưỡng 50 %) / ' +
        'school 79663066: changed 39 of 40 live (98 %, threshold 50 %)',
    );
  });
});
