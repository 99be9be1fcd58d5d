/**
 * The PCGD-XMC section of the operations overview: the year's units with their deadlines and where they stand, by
 * the deadlines module's one rule (the same as GET /v1/pcgd/deadlines). Its year is the Ministry's working year open
 * today ({@link workingYearAt}, as the deadlines' and `truc pcgd compute`'s default): from January to August that is
 * last year's, whose late units still matter (pcgd12: the overview took the calendar year and said "on track" of a
 * year whose survey had not opened, where the officer's deadlines page showed last year's late communes).
 */
import { z } from 'zod';
import type { Config } from '../../../config.js';
import { cityUnits, deadlineStanding, deliveryShown } from '../../../reporting/pcgd/deadlines.js';
import { workingYearAt } from '../../../reporting/pcgd/persons-year.js';
import { outdatedOfYear } from '../../../reporting/pcgd/sources.js';
import type { Db } from '../../../store/db.js';
import { createOverviewRepo } from '../../../store/overview.js';
import { iso } from '../../time.js';

export const OverviewPcgd = z.object({
  year: z.number().int(),
  deadlines: z.object({ commune: z.string(), province: z.string() }),
  units: z.array(
    z.object({
      unitCode: z.string(),
      unitName: z.string().meta({
        description: "tên đơn vị, như GET /v1/pcgd/deadlines / the unit's name, as GET /v1/pcgd/deadlines",
      }),
      level: z.string(),
      status: z.string().meta({
        description:
          'trạng thái báo cáo hiện hành; none: đơn vị chưa có báo cáo nào của năm (vẫn có hạn, nguy cơ trễ, trễ) / ' +
          "the current report's status; none: the unit has no report of the year yet (it still has its deadline, " +
          'and is at risk or late by it)',
      }),
      version: z.number().int().nullable().meta({ description: 'null: no report yet' }),
      submittedAt: z.string().nullable(),
      deadline: z.string(),
      daysLeft: z.number().int(),
      state: z.enum(['submitted', 'on-track', 'at-risk', 'late']).meta({
        description:
          'như GET /v1/pcgd/deadlines: đã nộp, đúng hạn, nguy cơ trễ (chưa nộp, còn ít ngày), trễ (chưa nộp, quá hạn) / ' +
          'as GET /v1/pcgd/deadlines: submitted, on track, at risk (not submitted, few days left), late (not submitted, past the deadline)',
      }),
      submittedLate: z.boolean().meta({
        description: 'đã nộp vào hoặc sau hạn / submitted on or after the deadline',
      }),
      late: z.boolean().meta({
        description: 'đã lỡ hạn: trễ hoặc nộp trễ / missed the deadline: late or submitted late',
      }),
      atRisk: z.boolean().meta({ description: "state = 'at-risk'" }),
      deliveryError: z
        .string()
        .nullable()
        .meta({
          description:
            'mã lỗi lần gửi Bộ gần nhất khi Bộ chưa nhận báo cáo đã nộp: thất bại hẳn (bị từ chối, hết lượt, đóng cửa sổ: chưa nộp, nộp lại được) hoặc đang chờ thử lại (deliveryNotBefore); null nếu không / ' +
            "the last delivery attempt's error code while the Ministry does not hold a submitted report: failed for good (refused, out of attempts, window closed: not submitted, can be submitted again) or waiting for its next try (deliveryNotBefore); else null",
        }),
      deliveryNotBefore: z
        .string()
        .nullable()
        .meta({
          description:
            'lần gửi tới khi đang chờ sau một lần thất bại (Bộ quá tải, không trả lời); null nếu không / ' +
            'when the next try is, while the delivery waits after a failed attempt (the Ministry congested or unreachable); else null',
        }),
      outdated: z.boolean().meta({
        description:
          'như GET /v1/pcgd/deadlines: báo cáo tỉnh dựa trên phiên bản xã đã bị thay, cần tính lại / ' +
          'as GET /v1/pcgd/deadlines: a province report built on a commune version replaced since; compute it again',
      }),
    }),
  ),
});

/**
 * The PCGD-XMC units of the year (Vietnam time) with their deadlines, days left and where they stand, by the
 * deadlines module's one rule (review27a F4: GET /v1/pcgd/deadlines and the overview answer alike), every unit of the
 * city, those without a report too (review33c F1: cityUnits). A deadline is the start (Vietnam time) of the exclusive
 * `submitBefore` day.
 */
export async function pcgdOf(
  db: Db,
  cal: Config['pcgd']['calendar'],
  at: Date,
): Promise<z.infer<typeof OverviewPcgd>> {
  const year = workingYearAt(at, cal.opensOn);
  const deadline = (submitBefore: string): string => new Date(`${submitBefore}T00:00:00+07:00`).toISOString();
  const [units, outdated] = await Promise.all([
    createOverviewRepo(db).pcgdUnits(year).then(cityUnits),
    outdatedOfYear(db, year),
  ]);
  return {
    year,
    deadlines: {
      commune: deadline(`${year}-${cal.communeSubmitBefore}`),
      province: deadline(`${year}-${cal.provinceSubmitBefore}`),
    },
    units: units.map(({ unitCode, unitName, level, report }) => {
      const s = deadlineStanding(cal, year, level, report, at);
      return {
        unitCode,
        unitName,
        level,
        status: report?.status ?? 'none',
        version: report?.version ?? null,
        ...deliveryShown(report),
        submittedAt: iso(report?.submittedAt ?? null),
        deadline: deadline(s.submitBefore),
        daysLeft: s.daysLeft,
        state: s.state,
        submittedLate: s.submittedLate,
        late: s.late,
        atRisk: s.atRisk,
        outdated: outdated.has(unitCode),
      };
    }),
  };
}
