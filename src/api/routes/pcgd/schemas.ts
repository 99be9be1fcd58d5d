/** Schemas of the PCGD-XMC routes (requests, responses, problems) and the scope each route needs. */
import { z } from 'zod';
import { both } from '../../../errors.js';
import { communeFactFields, reportFigureFields } from '../../../reporting/pcgd/package.js';
import { problems } from '../../problem.js';
import { decimal } from '../../query.js';
import { REPORT_STATUSES } from '../../../store/pcgd.js';

/** A province report taken from a commune version replaced since (fix35e): the report's and its deadline row's. */
const outdatedField = z.boolean().meta({
  description:
    'báo cáo tỉnh dùng phiên bản của xã đã bị thay sau đó: không được duyệt hay gửi; cán bộ tỉnh tính lại (POST /v1/pcgd/reports), kể cả khi đã duyệt, gửi hay Bộ đã nhận, rồi duyệt và gửi phiên bản mới / a province report taken from a commune version replaced since: not approved or submitted; the province officer computes it again (POST /v1/pcgd/reports), also once approved, submitted or receipted, then approves and submits the new version',
});
const outdatedCommunesField = z
  .array(z.string())
  .meta({ description: 'các xã có phiên bản bị thay / the communes whose version was replaced' });

export const UnitCode = z
  .string()
  .regex(
    /^(\d{2}|\d{3}|\d{5})$/,
    both(
      'mã tỉnh 2 chữ số (79) hoặc mã xã 5 chữ số (26995)',
      'a 2-digit province code (79) or a 5-digit commune code (26995)',
    ),
  )
  .meta({
    description:
      'Mã xã (5 chữ số) hoặc mã tỉnh (2 chữ số) hiện hành; mã cũ trước 1/7/2025 (tỉnh đã sáp nhập, huyện 3 chữ số, ' +
      'xã đã sáp nhập): 422 ERR_PCGD_UNKNOWN_UNIT nêu mã mới / a current commune (5 digits) or province (2 digits) ' +
      'code; a code of before 1 July 2025 (a province merged, a 3-digit district, a commune merged): 422 ' +
      'ERR_PCGD_UNKNOWN_UNIT naming what it became',
  });
/**
 * A report year: any integer here, its range checked by the one rule of src/reporting/pcgd/years.ts (fix32a), so
 * every PCGD-XMC year answers a year out of range alike (400 ERR_VALIDATION naming the range).
 */
export const Year = decimal(z.number().int()).meta({
  // What the rule allows at least; its upper end moves with the year (this year, or next year), so none is written.
  minimum: 2014,
  maximum: undefined,
  description:
    'Năm báo cáo, từ 2014 (Nghị định 20/2014/NĐ-CP) đến năm nay (tính số liệu) hoặc năm sau (hạn nộp) / ' +
    'report year, from 2014 (Decree 20/2014/NĐ-CP) to this year (computing figures) or next year (deadlines)',
});
export const ReportIdParams = z
  .object({
    reportId: decimal(
      z
        .number()
        .int()
        .positive()
        .max(2 ** 53 - 1),
    ).meta({
      description:
        'Mã báo cáo. Báo cáo của đơn vị ứng dụng không được xem: 404 ERR_NOT_FOUND như mã không có (không nêu đơn vị); ' +
        'được xem nhưng không được làm việc này: 403 ERR_FORBIDDEN_UNIT / The report id. A report of a unit the client ' +
        'may not read: 404 ERR_NOT_FOUND, as an id that names nothing (no unit named); one it reads but may not act ' +
        'on this way: 403 ERR_FORBIDDEN_UNIT',
    }),
  })
  .strict();

export const ComputeRequest = z
  .object({ unitCode: UnitCode, year: Year })
  .strict()
  .meta({ id: 'PcgdComputeRequest' });
export const Accepted = z
  .object({
    reportId: z.number().int(),
    version: z.number().int(),
    status: z.string(),
    statusUrl: z.string(),
  })
  .meta({ id: 'PcgdAccepted' });

/** A report's deadline, as GET /v1/pcgd/deadlines says it (walk9 W9-4). */
export const ReportDeadline = {
  submitBefore: z.string().meta({
    description:
      'hạn nộp của đơn vị (ngày địa phương, không tính ngày này: nộp trước ngày này) / the unit’s deadline (local ' +
      'date, exclusive: submit before this day)',
  }),
  late: z.boolean().meta({
    description:
      'đơn vị đã lỡ hạn: quá hạn chưa nộp, hoặc nộp vào hay sau hạn (như GET /v1/pcgd/deadlines) / the unit missed ' +
      'its deadline: past it and not submitted, or submitted on or after it (as GET /v1/pcgd/deadlines)',
  }),
};
/** A submission's answer (202): the queued report and its deadline. */
export const SubmitAccepted = Accepted.extend(ReportDeadline).meta({ id: 'PcgdSubmitAccepted' });

export const Enrolment = z.object({
  inClassNotEnrolled: z.number().int(),
  enrolledNotInClass: z.number().int(),
  unmatchable: z.number().int(),
  matchedByName: z.number().int(),
});
/** When a commune's survey persons were last pulled and whether a pull is under way (fix30a, review29 F6). */
export const personsPullFields = {
  personsPulledAt: z
    .string()
    .nullable()
    .meta({
      description:
        'Lúc lần kéo dữ liệu điều tra (người) gần nhất của xã kéo xong mọi trang; null nếu chưa lần nào, hoặc với tỉnh ' +
        '(xem từng xã) / when the last pull of the commune’s survey persons fetched every page; null when none has, ' +
        'or for a province (see each commune)',
    }),
  personsPulling: z.boolean().meta({
    description:
      'Đang có lần kéo dữ liệu điều tra của xã xếp hàng hoặc đang chạy: tính ngay thì dùng dữ liệu trước lần kéo đó / ' +
      'a pull of the commune’s persons is queued or running: figures computed now use the persons from before it',
  }),
};

const Message = z.object({ vi: z.string(), en: z.string() });
const Shortfall = z.union([
  z.object({
    kind: z.literal('indicator'),
    indicator: z.string(),
    threshold: z.number(),
    numerator: z.number().int(),
    denominator: z.number().int(),
    morePersons: z.number().int().nullable(),
    unverified: z.boolean().optional(),
    message: Message,
  }),
  z.object({ kind: z.literal('requires'), level: z.string(), message: Message }),
  z.object({
    kind: z.literal('communes'),
    share: z.number(),
    communesMeeting: z.number().int(),
    communes: z.number().int(),
    moreCommunes: z.number().int().nullable(),
    message: Message,
  }),
]);
const Level = z
  .object({
    level: z.string(),
    met: z.boolean(),
    shortfall: z
      .array(Shortfall)
      .meta({ description: 'why not met: the criterion that failed and by how many persons' }),
    communesMeeting: z.number().int().optional(),
    communes: z.number().int().optional(),
    share: z.number().optional(),
  })
  .meta({ id: 'PcgdLevel' });
const Finding = z
  .object({
    rule: z.string(),
    severity: z.enum(['error', 'warning', 'info']),
    communeCode: z.string().optional(),
    indicator: z.string().optional(),
    level: z.string().optional(),
    count: z.number().int().optional(),
    vi: z.string(),
    en: z.string(),
  })
  .meta({ id: 'PcgdFinding' });
export const Report = z
  .object({
    reportId: z.number().int(),
    unitCode: z.string(),
    unitLevel: z.enum(['commune', 'province']),
    year: z.number().int(),
    version: z.number().int(),
    status: z.enum(REPORT_STATUSES),
    ...ReportDeadline,
    errorCode: z.string().nullable(),
    superseded: z.boolean(),
    supersedes: z.number().int().nullable(),
    difficult: z.boolean().nullable(),
    ruleSet: z.object({
      version: z.string(),
      settingsDigest: z.string(),
      unverified: z.array(
        z.object({
          setting: z.string(),
          value: z.union([z.string(), z.number(), z.boolean()]),
          why: z.object({ vi: z.string(), en: z.string() }),
        }),
      ),
    }),
    ...reportFigureFields,
    levels: z.array(Level),
    communes: z
      .array(
        z.object({
          ...communeFactFields,
          levels: z.array(z.object({ level: z.string(), met: z.boolean() })),
          source: z
            .object({
              reportId: z.number().int(),
              version: z.number().int(),
              status: z.string(),
              packageSha256: z.string().nullable(),
            })
            .nullable()
            .meta({
              description:
                'the commune’s approved report the figures were taken from (its status as it was then); null: computed from the survey persons (the commune has no approved report, which blocks the province’s approval)',
            }),
          sourceReplaced: z.boolean().meta({
            description:
              'phiên bản của xã mà báo cáo tỉnh đã dùng nay đã bị thay (mở lại, hoặc duyệt phiên bản khác): xem current / the commune version the province report took was replaced since (reopened, or another one approved): see current',
          }),
          current: z
            .object({
              reportId: z.number().int(),
              version: z.number().int(),
              status: z.enum(REPORT_STATUSES),
            })
            .nullable()
            .meta({
              description:
                'phiên bản hiện hành của xã (null: không có hoặc xã tính từ người được điều tra) / the commune’s current version now (null: none, or computed from persons)',
            }),
        }),
      )
      .optional(),
    outdated: outdatedField,
    outdatedCommunes: outdatedCommunesField,
    enrolment: Enrolment.nullable(),
    findings: z.array(Finding).meta({
      description:
        'Kết quả kiểm tra số liệu; error: chưa thể phê duyệt. Người được điều tra có cột truc không đọc được (nhãn ngoài ' +
        'danh mục, ngày sai) vẫn ở trong dân số của xã và được tính theo cách thận trọng: không đọc được ngày sinh thì ' +
        'không có tuổi (không ở mẫu số nào), lớp đang học thì không học lớp nào, năm hoàn thành thì chưa hoàn thành, ' +
        'mức biết chữ thì chưa biết chữ, loại cư trú thì vẫn tính vào dân số, khuyết tật thì không khuyết tật; ' +
        'PCGD_PERSONS_UNREAD (error, count: số người ở độ tuổi có quy tắc đọc cột đó, tên cột của Bộ) hoặc ' +
        'PCGD_PERSONS_UNREAD_UNUSED (warning: không quy tắc nào đọc cột đó ở tuổi của họ). Sửa trên PCGD-XMC, kéo lại, ' +
        'tính lại / the checks of the figures; an error keeps the report from approval. A surveyed person with a ' +
        'column truc could not read (a label outside its lists, a malformed date) stays in the commune’s population ' +
        'and is counted the conservative way: no birth date, no age (in no denominator); no class, in no class; no ' +
        'completion year, not completed; no literacy, not literate; an unread residence stays in the population; an ' +
        'unread disability is not a known one. PCGD_PERSONS_UNREAD (error; count: the persons at an age a rule reads ' +
        'the column at; the Ministry’s column name) or PCGD_PERSONS_UNREAD_UNUSED (warning: no rule reads it at their ' +
        'age). Correct the data in PCGD-XMC, pull again, recompute',
    }),
    lineageDigest: z.string(),
    ...personsPullFields,
    computedAt: z.string(),
    approvedBy: z
      .string()
      .nullable()
      .meta({
        description:
          'người phê duyệt, theo tên như gói đã ký và biểu mẫu PDF, xlsx ghi (tên hiển thị của client, hoặc tên người vận hành CLI; gói ký trước fix32a, hay người truc không biết tên: mã định danh); null: chưa phê duyệt / ' +
          "who approved, by name as the signed package and its PDF and xlsx forms name them (the client's display name, or the CLI operator's; a package signed before fix32a, or an actor truc knew no name of: the id); null: not approved",
      }),
    approvedById: z
      .string()
      .nullable()
      .meta({
        description:
          'mã định danh của người phê duyệt: id của client, hoặc operator:cli:<tên> (trước fix33c ở approvedBy) / ' +
          "the approver's id: the client id, or operator:cli:<name> (in approvedBy before fix33c)",
      }),
    approvedAt: z.string().nullable(),
    submittedAt: z.string().nullable(),
    receiptedAt: z.string().nullable(),
    receipt: z.unknown(),
    reopenReason: z.string().nullable(),
    delivery: z.object({
      attempts: z.number().int(),
      lastError: z.string().nullable(),
      notBefore: z.string().nullable(),
      refusal: z
        .object({
          code: z.string().nullable(),
          errors: z.array(z.object({ pointer: z.string(), rule: z.string(), message: z.string() })),
        })
        .nullable()
        .meta({
          description:
            'Bộ từ chối số liệu: mã lỗi của Bộ và các lỗi theo trường (tối đa 20); null nếu không / ' +
            "the Ministry's refusal of the figures: its problem code and field errors (at most 20); else null",
        }),
    }),
  })
  .meta({ id: 'PcgdReport' });

export const LineageRecord = z.object({
  personRef: z.string(),
  communeCode: z.string(),
  age: z.number().int(),
  inNumerator: z.boolean(),
  changedSince: z.boolean(),
  householdNo: z.string().nullable(),
  fullName: z.string().nullable(),
  birthDate: z.string().nullable(),
});

export const Deadline = z.object({
  unitCode: z.string(),
  unitLevel: z.enum(['commune', 'province']),
  unitName: z.string(),
  submitBefore: z.string(),
  daysLeft: z.number().int(),
  reportId: z.number().int().nullable(),
  version: z.number().int().nullable(),
  status: z.string(),
  state: z.enum(['submitted', 'on-track', 'at-risk', 'late']),
  submittedAt: z.string().nullable(),
  receiptedAt: z.string().nullable(),
  submittedLate: z.boolean(),
  deliveryError: z
    .string()
    .nullable()
    .meta({
      description:
        'mã lỗi lần gửi Bộ gần nhất khi báo cáo ghi "submitted" nhưng Bộ chưa nhận: thất bại hẳn (state không là submitted, đơn vị tính là chưa nộp, gửi lại bằng POST …/submit) hoặc đang chờ thử lại (state submitted, deliveryNotBefore); null nếu không / ' +
        "the last delivery attempt's error code when the report reads submitted but the Ministry holds nothing: failed for good (state is not submitted, the unit counts as not submitted, POST …/submit sends it again) or waiting for its next try (state submitted, deliveryNotBefore); else null",
    }),
  deliveryNotBefore: z
    .string()
    .nullable()
    .meta({
      description:
        'lần gửi tới khi việc gửi đang chờ sau một lần thất bại (Bộ quá tải: 429 Retry-After, không trả lời): Bộ chưa nhận; null nếu không / ' +
        'when the next try is, while the delivery waits after a failed attempt (the Ministry congested: 429 Retry-After, or unreachable): the Ministry does not hold it yet; else null',
    }),
  firstSubmittedAt: z
    .string()
    .nullable()
    .meta({
      description:
        'lần nộp đầu tiên trong năm được Bộ xác nhận (mọi phiên bản): trễ hạn tính theo lần này; null nếu chưa có / ' +
        'the year’s first submission the Ministry receipted (any version): lateness is judged by it; else null',
    }),
  correctionPending: z.boolean().meta({
    description:
      'Bộ đã xác nhận một lần (đúng hạn hay trễ), bị mở lại để sửa, bản sửa chưa nộp: vẫn submitted, không thành late / ' +
      'receipted once (on time or late), reopened for a correction not submitted yet: still submitted, never late',
  }),
  outdated: outdatedField,
  outdatedCommunes: outdatedCommunesField,
  ...personsPullFields,
});

export const errors = {
  ...problems(400, 401, 403, 404, 409, 422),
};
export const binary = (type: string) => z.any().meta({ description: `${type} (binary)` });
export const read = { config: { scope: 'pcgd:read' } } as const;
export const write = { config: { scope: 'pcgd:write' } } as const;
