/**
 * zod schemas of the hcm-csdl wire format (openapi/external/hcm-csdl.yaml), mirroring the generated
 * types in `generated/wire.ts`. Read schemas are lenient on code-list values (plain strings: the
 * mapping turns unknown codes into findings); upsert schemas are strict (what the system accepts).
 * The `_check*` types at the end fail to compile when a schema drifts from the generated types.
 */
import { z } from 'zod';
import type { components } from './generated/wire.js';

type Schemas = components['schemas'];

/** The entities of hcm-csdl, as they appear in the URL (`/v1/<entity>`). */
export const HCM_CSDL_ENTITIES = ['schools', 'classes', 'students', 'staff'] as const;
export type HcmCsdlEntity = (typeof HCM_CSDL_ENTITIES)[number];

/** Largest page and largest upsert batch the system accepts. */
export const HCM_CSDL_MAX_PAGE = 1000;

const str = () => z.string();
const opt = () => z.string().exactOptional();
const notDeleted = z.literal(false).exactOptional();

/** A real ISO calendar date `YYYY-MM-DD`. */
export const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((v) => {
    const d = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
  }, 'not a real date');

export const maDinhDanhSchema = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9._-]+$/);

// ---- values of the code lists (what upserts must use) ----
export const GIOI_TINH = ['Nam', 'Nữ'] as const;
export const KHOI_LOP = [
  'NT',
  'MG3',
  'MG4',
  'MG5',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
  '10',
  '11',
  '12',
] as const;
export const TRANG_THAI_HOC_SINH = [
  'Đang học',
  'Chuyển đến',
  'Chuyển đi',
  'Thôi học',
  'Nghỉ học xin học lại',
  'Tạm nghỉ',
  'Lưu ban',
  'Hoàn thành chương trình',
  'Tốt nghiệp',
  'Đã mất',
] as const;
export const LOAI_KHUYET_TAT = [
  'Không khuyết tật',
  'Khuyết tật nhìn',
  'Khuyết tật nghe',
  'Khuyết tật nói',
  'Khuyết tật vận động',
  'Khuyết tật trí tuệ',
  'Đa tật',
  'Khuyết tật khác',
] as const;
export const CAP_HOC = ['Mầm non', 'Tiểu học', 'THCS', 'THPT', 'Liên cấp', 'GDTX'] as const;
export const TRANG_THAI_TRUONG = ['Đang hoạt động', 'Ngừng hoạt động'] as const;
export const VI_TRI_VIEC_LAM = ['Hiệu trưởng', 'Phó hiệu trưởng', 'Giáo viên', 'Nhân viên'] as const;
export const TRANG_THAI_CAN_BO = ['Đang làm việc', 'Tạm nghỉ', 'Đã nghỉ việc', 'Nghỉ hưu'] as const;

// ---- read schemas ----
/** A deleted record: key and time of deletion only. */
export const tombstoneSchema = z.strictObject({
  maDinhDanh: str(),
  updatedAt: str(),
  deleted: z.literal(true),
});

export const schoolSchema = z.object({
  maDinhDanh: str(),
  tenTruong: str(),
  capHoc: str(),
  maTinh: str(),
  maXa: str(),
  diaChi: opt(),
  dienThoai: opt(),
  trangThai: str(),
  updatedAt: str(),
  deleted: notDeleted,
});

export const classSchema = z.object({
  maDinhDanh: str(),
  maTruong: str(),
  namHoc: str(),
  khoiLop: str(),
  tenLop: str(),
  maGiaoVienChuNhiem: opt(),
  updatedAt: str(),
  deleted: notDeleted,
});

export const studentSchema = z.object({
  maDinhDanh: str(),
  maTruong: str(),
  maLop: opt(),
  namHoc: str(),
  khoiLop: opt(),
  soDinhDanhCaNhan: opt(),
  hoTen: str(),
  ngaySinh: str(),
  gioiTinh: str(),
  maDanToc: str(),
  trangThai: str(),
  ngayTrangThai: opt(),
  loaiKhuyetTat: opt(),
  maXaThuongTru: opt(),
  updatedAt: str(),
  deleted: notDeleted,
});

export const staffSchema = z.object({
  maDinhDanh: str(),
  maTruong: str(),
  soDinhDanhCaNhan: opt(),
  hoTen: str(),
  ngaySinh: str(),
  gioiTinh: str(),
  maDanToc: opt(),
  viTriViecLam: str(),
  monDay: z.array(z.string()).exactOptional(),
  trangThai: str(),
  email: opt(),
  dienThoai: opt(),
  updatedAt: str(),
  deleted: notDeleted,
});

function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(z.union([tombstoneSchema, item])),
    nextCursor: opt(),
    watermark: str(),
  });
}

export const schoolPageSchema = pageOf(schoolSchema);
export const classPageSchema = pageOf(classSchema);
export const studentPageSchema = pageOf(studentSchema);
export const staffPageSchema = pageOf(staffSchema);

// ---- upsert schemas (strict: what the system accepts) ----
const code = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values);
const maDanToc = z.string().regex(/^(0[1-9]|[1-4]\d|5[0-6])$/);
const maXa = z.string().regex(/^\d{5}$/);

export const schoolUpsertSchema = z.strictObject({
  maDinhDanh: maDinhDanhSchema,
  tenTruong: z.string().min(1).max(255),
  capHoc: code(CAP_HOC),
  maTinh: z.string().regex(/^\d{2}$/),
  maXa,
  diaChi: z.string().max(500).exactOptional(),
  dienThoai: z.string().max(20).exactOptional(),
  trangThai: code(TRANG_THAI_TRUONG),
});

export const classUpsertSchema = z.strictObject({
  maDinhDanh: maDinhDanhSchema,
  maTruong: maDinhDanhSchema,
  namHoc: z.string().regex(/^\d{4}-\d{4}$/),
  khoiLop: code(KHOI_LOP),
  tenLop: z.string().min(1).max(100),
  maGiaoVienChuNhiem: maDinhDanhSchema.exactOptional(),
});

export const studentUpsertSchema = z.strictObject({
  maDinhDanh: maDinhDanhSchema,
  maTruong: maDinhDanhSchema,
  maLop: maDinhDanhSchema.exactOptional(),
  namHoc: z.string().regex(/^\d{4}-\d{4}$/),
  khoiLop: code(KHOI_LOP).exactOptional(),
  soDinhDanhCaNhan: z
    .string()
    .regex(/^\d{12}$/)
    .exactOptional(),
  hoTen: z.string().min(1).max(255),
  ngaySinh: isoDateSchema,
  gioiTinh: code(GIOI_TINH),
  maDanToc,
  trangThai: code(TRANG_THAI_HOC_SINH),
  ngayTrangThai: isoDateSchema.exactOptional(),
  loaiKhuyetTat: code(LOAI_KHUYET_TAT).exactOptional(),
  maXaThuongTru: maXa.exactOptional(),
});

export const staffUpsertSchema = z.strictObject({
  maDinhDanh: maDinhDanhSchema,
  maTruong: maDinhDanhSchema,
  soDinhDanhCaNhan: z
    .string()
    .regex(/^\d{12}$/)
    .exactOptional(),
  hoTen: z.string().min(1).max(255),
  ngaySinh: isoDateSchema,
  gioiTinh: code(GIOI_TINH),
  maDanToc: maDanToc.exactOptional(),
  viTriViecLam: code(VI_TRI_VIEC_LAM),
  monDay: z.array(z.string().min(1).max(100)).max(30).exactOptional(),
  trangThai: code(TRANG_THAI_CAN_BO),
  email: z.email().max(255).exactOptional(),
  dienThoai: z.string().max(20).exactOptional(),
});

/** The batch body of `PUT /v1/<entity>:batch`; records are validated one by one. */
export const batchBodySchema = z.object({ data: z.array(z.unknown()).min(1) });

export const receiptSchema = z.object({
  receiptId: str(),
  accepted: z.number().int().min(0),
  rejected: z.array(z.object({ index: z.number().int().min(0), code: str(), message: str() })),
});

export const errorBodySchema = z.object({ error: z.object({ code: str(), message: str() }) });

// ---- wire types (from the generated file) ----
export type Tombstone = Schemas['Tombstone'];
export type School = Schemas['School'];
export type ClassGroup = Schemas['ClassGroup'];
export type Student = Schemas['Student'];
export type Staff = Schemas['Staff'];
export type SchoolUpsert = Schemas['SchoolUpsert'];
export type ClassGroupUpsert = Schemas['ClassGroupUpsert'];
export type StudentUpsert = Schemas['StudentUpsert'];
export type StaffUpsert = Schemas['StaffUpsert'];
export type Receipt = Schemas['Receipt'];

/** Read record of each entity (live record or tombstone). */
export interface HcmCsdlWire {
  schools: School | Tombstone;
  classes: ClassGroup | Tombstone;
  students: Student | Tombstone;
  staff: Staff | Tombstone;
}
/** Upsert record of each entity. */
export interface HcmCsdlWireIn {
  schools: SchoolUpsert;
  classes: ClassGroupUpsert;
  students: StudentUpsert;
  staff: StaffUpsert;
}

/** Page schema and upsert schema of each entity. */
export const ENTITY_SCHEMAS = {
  schools: { page: schoolPageSchema, upsert: schoolUpsertSchema },
  classes: { page: classPageSchema, upsert: classUpsertSchema },
  students: { page: studentPageSchema, upsert: studentUpsertSchema },
  staff: { page: staffPageSchema, upsert: staffUpsertSchema },
} as const;

/** True when the wire record is a tombstone. */
export function isTombstone(record: { deleted?: boolean }): record is Tombstone {
  return record.deleted === true;
}

// ---- compile-time drift checks: z.infer must be assignable to the generated type ----
type Assignable<A, B> = [A] extends [B] ? true : false;
type Expect<T extends true> = T;
export type _checkWire = [
  Expect<Assignable<z.infer<typeof tombstoneSchema>, Tombstone>>,
  Expect<Assignable<z.infer<typeof schoolSchema>, School>>,
  Expect<Assignable<z.infer<typeof classSchema>, ClassGroup>>,
  Expect<Assignable<z.infer<typeof studentSchema>, Student>>,
  Expect<Assignable<z.infer<typeof staffSchema>, Staff>>,
  Expect<Assignable<z.infer<typeof schoolUpsertSchema>, SchoolUpsert>>,
  Expect<Assignable<z.infer<typeof classUpsertSchema>, ClassGroupUpsert>>,
  Expect<Assignable<z.infer<typeof studentUpsertSchema>, StudentUpsert>>,
  Expect<Assignable<z.infer<typeof staffUpsertSchema>, StaffUpsert>>,
  Expect<Assignable<z.infer<typeof schoolPageSchema>, Schemas['SchoolPage']>>,
  Expect<Assignable<z.infer<typeof classPageSchema>, Schemas['ClassPage']>>,
  Expect<Assignable<z.infer<typeof studentPageSchema>, Schemas['StudentPage']>>,
  Expect<Assignable<z.infer<typeof staffPageSchema>, Schemas['StaffPage']>>,
  Expect<Assignable<z.infer<typeof receiptSchema>, Receipt>>,
  // and the other way round for upserts, so a field added to the spec is noticed
  Expect<Assignable<StudentUpsert, z.infer<typeof studentUpsertSchema>>>,
  Expect<Assignable<StaffUpsert, z.infer<typeof staffUpsertSchema>>>,
  Expect<Assignable<ClassGroupUpsert, z.infer<typeof classUpsertSchema>>>,
  Expect<Assignable<SchoolUpsert, z.infer<typeof schoolUpsertSchema>>>,
];
