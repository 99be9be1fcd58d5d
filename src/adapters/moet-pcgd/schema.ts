/**
 * zod schemas of the moet-pcgd wire format (openapi/external/moet-pcgd.yaml, MODELLED). Responses are
 * parsed with these in `client.ts`; a body that fails is ERR_ADAPTER_RESPONSE_INVALID. Person records are
 * loose (the system may add columns) and lenient on code values (the mapping reports unknown ones);
 * request bodies we send are strict. The types agree with the generated `generated/wire.ts`: the
 * assignability checks at the end fail to compile on drift.
 */
import { z } from 'zod';
import type { Expect, Mutual } from '../types.js';
import type { components } from './generated/wire.js';

type Wire = components['schemas'];

/** An optional column: absent or null (an empty Excel cell), never `undefined` when present. */
const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().exactOptional();
const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** Indicator codes of the figures body. OURS: no official list was found (DOMAIN.md §2.5). */
export const INDICATOR_CODES = [
  'PCMN5_DI_HOC',
  'PCMN5_HOAN_THANH',
  'PCTH_VAO_LOP_1',
  'PCTH_HOAN_THANH',
  'PCTHCS_TOT_NGHIEP',
  'PCTHCS_HOC_TIEP',
  'XMC_MUC_1',
  'XMC_MUC_2',
  'XA_DAT_PCMN5',
  'XA_DAT_PCTH_MUC_1',
  'XA_DAT_PCTH_MUC_2',
  'XA_DAT_PCTH_MUC_3',
  'XA_DAT_PCTHCS_MUC_1',
  'XA_DAT_PCTHCS_MUC_2',
  'XA_DAT_PCTHCS_MUC_3',
  'XA_DAT_XMC_MUC_1',
  'XA_DAT_XMC_MUC_2',
] as const;
/** One indicator code of the figures body. */
export type IndicatorCode = (typeof INDICATOR_CODES)[number];

/**
 * Age groups each cohort indicator carries (Decree 20/2014 cohorts, DOMAIN.md §1.1); the province-only
 * "communes meeting the standard" indicators carry none. OURS, like the codes.
 */
export const INDICATOR_AGE_GROUPS: Readonly<Partial<Record<IndicatorCode, readonly string[]>>> = {
  PCMN5_DI_HOC: ['5'],
  PCMN5_HOAN_THANH: ['5'],
  PCTH_VAO_LOP_1: ['6'],
  PCTH_HOAN_THANH: ['11', '14'],
  PCTHCS_TOT_NGHIEP: ['15-18'],
  PCTHCS_HOC_TIEP: ['15-18'],
  XMC_MUC_1: ['15-25', '15-35'],
  XMC_MUC_2: ['15-35', '15-60'],
};

// ---- the hub's codes as the survey form writes them ----
/**
 * This system's transport vocabulary, keyed by the hub's codes: the labels written on the survey form
 * columns (each also resolves back to its code through the canonical lists). The mapping writes with
 * them and checks that they cover every canonical code; the simulator serves them.
 */
export const MOET_PCGD_LABELS = {
  /** `gioiTinh`. */
  sex: { male: 'Nam', female: 'Nữ' },
  /** `loaiCuTru`. */
  residence: { permanent: 'Thường trú', temporary: 'Tạm trú' },
  /** `bietChu`. */
  literacy: { none: 'Chưa biết chữ', level1: 'Mức 1', level2: 'Mức 2' },
  /** `khuyetTat`. */
  disability: {
    none: 'Không',
    visual: 'Khiếm thị',
    hearing: 'Khiếm thính',
    speech: 'Khuyết tật nói',
    physical: 'Khuyết tật vận động',
    intellectual: 'Khuyết tật trí tuệ',
    multiple: 'Đa tật',
    other: 'Khác',
  },
  /** `lopDangHoc`, `boHoc.lop` of the preschool groups: NT (nhà trẻ), MG3/MG4/MG5 (mẫu giáo by age). */
  preschoolGrade: { nursery: 'NT', kg3: 'MG3', kg4: 'MG4', kg5: 'MG5' },
} as const;

/** The class column of a grade code: the preschool groups' labels, grades 1..12 as their number. */
export function gradeLabel(grade: string): string {
  return (MOET_PCGD_LABELS.preschoolGrade as Readonly<Record<string, string>>)[grade] ?? grade;
}

/** Unit level of a figures submission: 5-digit commune or 2-digit province code. */
export const unitLevelSchema = z.enum(['commune', 'province']);
export type UnitLevel = z.infer<typeof unitLevelSchema>;

/** OAuth2 token response (RFC 6749 §5.1). */
export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().positive(),
  scope: z.string().exactOptional(),
});

/** One survey record (phiếu điều tra) of one person. Vietnamese column names; dates `dd/mm/yyyy`. */
export const personSchema = z.looseObject({
  maDoiTuong: z.string().min(1),
  maXa: z.string().regex(/^\d{5}$/),
  soHo: z.string(),
  hoTen: z.string(),
  ngaySinh: z.string(),
  gioiTinh: z.string(),
  danToc: nullable(z.string()),
  soDinhDanh: nullable(z.string()),
  hoTenCha: nullable(z.string()),
  hoTenMe: nullable(z.string()),
  hoTenNguoiGiamHo: nullable(z.string()),
  loaiCuTru: z.string(),
  lopDangHoc: nullable(z.string()),
  truongDangHoc: nullable(z.string()),
  namTotNghiepMN: nullable(z.number().int()),
  namTotNghiepTH: nullable(z.number().int()),
  namTotNghiepTHCS: nullable(z.number().int()),
  namTotNghiepTHPT: nullable(z.number().int()),
  namTotNghiepNghe: nullable(z.number().int()),
  boHoc: nullable(z.object({ lop: z.string(), nam: z.number().int() })),
  bietChu: z.string(),
  khuyetTat: nullable(z.string()),
  chuyenDi: nullable(z.boolean()),
  daChet: nullable(z.boolean()),
});
/** A person record as read from moet-pcgd. */
export type PersonWire = z.infer<typeof personSchema>;

/** One page of `GET /v1/units/{communeCode}/persons`. */
export const personPageSchema = z.looseObject({
  items: z.array(personSchema),
  nextCursor: z.string().min(1).exactOptional(),
  total: z.number().int().nonnegative().exactOptional(),
});
export type PersonPageWire = z.infer<typeof personPageSchema>;

/** One submission window of the working year (`submitBefore` is exclusive, Asia/Ho_Chi_Minh). */
const submissionWindowSchema = z.looseObject({
  unitLevel: unitLevelSchema,
  opensOn: isoDay,
  submitBefore: isoDay,
  open: z.boolean(),
  source: z.string().exactOptional(),
});

/** `GET /v1/working-year`. */
export const workingYearSchema = z.looseObject({
  year: z.number().int(),
  schoolYear: z.string().regex(/^\d{4}-\d{4}$/),
  opensOn: isoDay,
  openedBy: z.string().exactOptional(),
  timeZone: z.literal('Asia/Ho_Chi_Minh'),
  dataPeriod: z.object({ from: isoDay, to: isoDay }),
  windows: z.array(submissionWindowSchema),
});
export type WorkingYearWire = z.infer<typeof workingYearSchema>;

/** One indicator row of a figures body. `rate` is a percent with 2 decimals, null when denominator is 0. */
export const indicatorRowSchema = z.strictObject({
  indicator: z.enum(INDICATOR_CODES),
  ageGroup: z
    .string()
    .regex(/^\d{1,2}(-\d{1,2})?$/)
    .exactOptional(),
  numerator: z.number().int().nonnegative(),
  denominator: z.number().int().nonnegative(),
  rate: z.number().nullable(),
});
export type IndicatorRowWire = z.infer<typeof indicatorRowSchema>;

/** Body of `PUT /v1/units/{unitCode}/figures/{year}`. */
export const figuresBodySchema = z.strictObject({
  indicators: z.array(indicatorRowSchema).min(1).max(100),
});
export type FiguresBodyWire = z.infer<typeof figuresBodySchema>;

/** The receipt of an accepted submission; the same Idempotency-Key returns the same receipt. */
export const receiptSchema = z.looseObject({
  receiptId: z.string().min(1),
  unitCode: z.string(),
  year: z.number().int(),
  receivedAt: z.string(),
  checksum: z.string(),
});
export type ReceiptWire = z.infer<typeof receiptSchema>;

/** `GET /v1/units/{unitCode}/figures/{year}`: the latest accepted submission. */
export const storedFiguresSchema = z.looseObject({
  unitCode: z.string(),
  unitLevel: unitLevelSchema,
  year: z.number().int(),
  indicators: z.array(indicatorRowSchema),
  receipt: receiptSchema,
});
export type StoredFiguresWire = z.infer<typeof storedFiguresSchema>;

/** RFC 9457 problem body with the system's stable `code`. */
export const problemSchema = z.looseObject({
  type: z.string().exactOptional(),
  title: z.string().exactOptional(),
  status: z.number().int().exactOptional(),
  code: z.string(),
  detail: z.string().exactOptional(),
  errors: z.array(z.object({ pointer: z.string(), code: z.string(), message: z.string() })).exactOptional(),
});
export type ProblemWire = z.infer<typeof problemSchema>;

/**
 * What the figures target adapter writes: one unit's figures for one year (the input wire type of
 * `TargetAdapter<'figures', FiguresSubmission>`). Not a body on the wire: `unitCode` and `year` go in
 * the path.
 */
export interface FiguresSubmission {
  /** 5-digit commune or 2-digit province code. */
  unitCode: string;
  year: number;
  body: FiguresBodyWire;
}

// ---- compile-time agreement with generated/wire.ts (both directions) ----
export type _checkWire = [
  Expect<Mutual<PersonWire, Wire['Person']>>,
  Expect<Mutual<PersonPageWire, Wire['PersonPage']>>,
  Expect<Mutual<WorkingYearWire, Wire['WorkingYear']>>,
  Expect<Mutual<IndicatorRowWire, Wire['IndicatorRow']>>,
  Expect<Mutual<FiguresBodyWire, Wire['FiguresBody']>>,
  Expect<Mutual<ReceiptWire, Wire['Receipt']>>,
  Expect<Mutual<StoredFiguresWire, Wire['StoredFigures']>>,
  Expect<Mutual<z.infer<typeof tokenResponseSchema>, Wire['TokenResponse']>>,
  Expect<Mutual<ProblemWire, Wire['Problem']>>,
];
