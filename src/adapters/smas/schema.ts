/**
 * SMAS wire schemas (zod), one per component of `openapi/external/smas.yaml`. The spec is the contract;
 * these schemas validate responses (client) and requests (simulator), and a compile-time check below
 * proves they agree with the types generated from the spec (`generated/wire.ts`).
 *
 * Record schemas check shape only (strings are strings): content (dates, codes, NFC) is the mapping's job,
 * so a record with an odd date or an unknown label still reaches the mapping and becomes a finding.
 * Unknown fields are stripped, not refused (vendors add fields).
 */
import { z } from 'zod';
import type { Expect, Mutual } from '../types.js';
import type { components } from './generated/wire.js';

type Wire = components['schemas'];

// ---- limits and headers of the interface (the client and the simulator both hold to them) ----
/** Largest `pageSize` SMAS accepts (modelled). */
export const SMAS_MAX_PAGE_SIZE = 500;
/** Default `pageSize`. */
export const SMAS_DEFAULT_PAGE_SIZE = 100;
/** Largest batch (`DanhSach`) SMAS accepts (modelled). */
export const SMAS_MAX_BATCH = 500;
/** Header carrying the API key. */
export const SMAS_API_KEY_HEADER = 'X-Api-Key';
/** Header carrying the idempotency key of a batch. */
export const SMAS_IDEMPOTENCY_HEADER = 'X-Idempotency-Key';
/** Response header set to `true` on an idempotent replay. */
export const SMAS_REPLAY_HEADER = 'X-Idempotent-Replay';

// ---- the hub's codes as SMAS spells them (modelled: SMAS publishes no code list, DOMAIN §7) ----
/**
 * SMAS's transport vocabulary, keyed by the hub's codes: the mapping writes these spellings (and reads
 * them first, then the canonical lists' aliases); the simulator serves them. Fields not listed here
 * (`TrangThai` of students, `ChucVu`, `DanToc`) carry the canonical lists' Vietnamese labels.
 */
export const SMAS_LABELS = {
  /** `GioiTinh`. */
  sex: { male: 'Nam', female: 'Nữ' },
  /** `KhoiHoc` of the preschool groups: nhà trẻ, mẫu giáo by age. Grades 1–12 are written as their number. */
  preschoolGrade: { nursery: 'NT', kg3: 'MG3', kg4: 'MG4', kg5: 'MG5' },
  /** `LoaiKhuyetTat`. */
  disability: {
    none: 'Không',
    visual: 'Khiếm thị',
    hearing: 'Khiếm thính',
    speech: 'Khó khăn về ngôn ngữ',
    physical: 'Khuyết tật vận động',
    intellectual: 'Khuyết tật trí tuệ',
    multiple: 'Đa tật',
    other: 'Khác',
  },
  /** `TrangThai` of staff ('Đã nghỉ việc' rather than the canonical label 'Nghỉ việc'). */
  staffStatus: { working: 'Đang làm việc', on_leave: 'Tạm nghỉ', left: 'Đã nghỉ việc', retired: 'Nghỉ hưu' },
} as const;

/** Optional and nullable string: `{ type: [string, 'null'] }` not in `required`. */
const optText = () => z.string().nullable().exactOptional();

/** `{ Success: false, Message, ErrorCode }` — every SMAS error response. */
export const smasErrorSchema = z.object({
  Success: z.literal(false),
  Message: z.string(),
  ErrorCode: z.string(),
});

export const smasHealthSchema = z.object({ Success: z.literal(true), ThoiGian: z.string() });

export const smasSchoolSchema = z.object({ MaTruong: z.string(), TenTruong: z.string() });

/** One student (học sinh) in one school year. */
export const smasStudentSchema = z.object({
  MaHocSinh: z.string(),
  MaTruong: z.string().exactOptional(),
  HoVaTen: z.string(),
  NgaySinh: z.string(),
  GioiTinh: z.string(),
  DanToc: z.string(),
  SoCCCD: optText(),
  MaLop: optText(),
  TenLop: optText(),
  KhoiHoc: optText(),
  NamHoc: optText(),
  TrangThai: z.string(),
  NgayTrangThai: optText(),
  LoaiKhuyetTat: optText(),
  MaXaThuongTru: optText(),
  HoTenCha: optText(),
  HoTenMe: optText(),
  HoTenNguoiGiamHo: optText(),
  DienThoaiLienHe: optText(),
  NgayCapNhat: z.string().exactOptional(),
});

/** One staff member (cán bộ); `MonDay` is a comma-separated list of subject names. */
export const smasStaffSchema = z.object({
  MaCanBo: z.string(),
  MaTruong: z.string().exactOptional(),
  HoVaTen: z.string(),
  NgaySinh: z.string(),
  GioiTinh: z.string(),
  DanToc: optText(),
  SoCCCD: optText(),
  ChucVu: z.string(),
  MonDay: optText(),
  TrangThai: z.string(),
  Email: optText(),
  DienThoai: optText(),
  NgayCapNhat: z.string().exactOptional(),
});

/** One class (lớp) in one school year. */
export const smasClassSchema = z.object({
  MaLop: z.string(),
  MaTruong: z.string().exactOptional(),
  TenLop: z.string(),
  KhoiHoc: z.string(),
  NamHoc: optText(),
  MaGVCN: optText(),
  NgayCapNhat: z.string().exactOptional(),
});

/** `{ Data, TotalRecord, Page, PageSize }` around any item schema. */
function smasPageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    Data: z.array(item),
    TotalRecord: z.number().int().min(0),
    Page: z.number().int().min(1),
    PageSize: z.number().int().min(1),
  });
}

export const smasSchoolPageSchema = smasPageSchema(smasSchoolSchema);
export const smasStudentPageSchema = smasPageSchema(smasStudentSchema);
export const smasStaffPageSchema = smasPageSchema(smasStaffSchema);
export const smasClassPageSchema = smasPageSchema(smasClassSchema);

const smasRecordErrorSchema = z.object({
  ViTri: z.number().int().min(0),
  MaLoi: z.string(),
  ThongBao: z.string(),
});

/** Batch receipt: per-record refusals in `DanhSachLoi`, the rest applied. */
export const smasReceiptSchema = z.object({
  Success: z.boolean(),
  MaBienNhan: z.string(),
  SoThanhCong: z.number().int().min(0),
  DanhSachLoi: z.array(smasRecordErrorSchema),
});

/** Body of a batch delete (`POST /schools/{code}/{entity}/delete`): the keys to delete. */
export const smasDeleteRequestSchema = z.strictObject({
  DanhSachMa: z.array(z.string().min(1)).min(1).max(SMAS_MAX_BATCH),
});

export type SmasError = z.infer<typeof smasErrorSchema>;
export type SmasHealth = z.infer<typeof smasHealthSchema>;
export type SmasSchool = z.infer<typeof smasSchoolSchema>;
export type SmasStudent = z.infer<typeof smasStudentSchema>;
export type SmasStaff = z.infer<typeof smasStaffSchema>;
export type SmasClass = z.infer<typeof smasClassSchema>;
export type SmasReceipt = z.infer<typeof smasReceiptSchema>;
export type SmasDeleteRequest = z.infer<typeof smasDeleteRequestSchema>;

/** The entities SMAS serves, with their record schemas (also the batch bodies' item schemas). */
export const smasRecordSchemas = {
  students: smasStudentSchema,
  staff: smasStaffSchema,
  classes: smasClassSchema,
} as const;

export type SmasEntity = keyof typeof smasRecordSchemas;

/** Wire record type of each entity. */
export interface SmasRecordOf {
  students: SmasStudent;
  staff: SmasStaff;
  classes: SmasClass;
}

/** Key field of each entity's records (the upsert key). */
export const SMAS_KEY_FIELD = { students: 'MaHocSinh', staff: 'MaCanBo', classes: 'MaLop' } as const;

// ---- compile-time agreement with the spec (fails `tsc` when spec and schemas drift) ----
export type _checkWire = [
  Expect<Mutual<SmasError, Wire['Error']>>,
  Expect<Mutual<SmasHealth, Wire['HealthResponse']>>,
  Expect<Mutual<SmasSchool, Wire['School']>>,
  Expect<Mutual<SmasStudent, Wire['Student']>>,
  Expect<Mutual<SmasStaff, Wire['Staff']>>,
  Expect<Mutual<SmasClass, Wire['Class']>>,
  Expect<Mutual<z.infer<typeof smasStudentPageSchema>, Wire['StudentPage']>>,
  Expect<Mutual<z.infer<typeof smasStaffPageSchema>, Wire['StaffPage']>>,
  Expect<Mutual<z.infer<typeof smasClassPageSchema>, Wire['ClassPage']>>,
  Expect<Mutual<z.infer<typeof smasSchoolPageSchema>, Wire['SchoolPage']>>,
  Expect<Mutual<SmasReceipt, Wire['Receipt']>>,
  Expect<Mutual<SmasDeleteRequest, Wire['DeleteRequest']>>,
];
