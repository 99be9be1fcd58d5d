/**
 * zod schemas of the hcm-csdl wire format (openapi/external/hcm-csdl.yaml), mirroring the generated
 * types in `generated/wire.ts`. Read schemas are lenient on code-list values (plain strings: the
 * mapping turns unknown codes into findings); upsert schemas are strict (what the system accepts).
 * The `_check*` types at the end fail to compile when a schema drifts from the generated types.
 */
import { z } from 'zod';
import type { Assignable, Expect, Mutual } from '../types.js';
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
const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((v) => {
    const d = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
  }, 'not a real date');

const maDinhDanhSchema = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9._-]+$/);

// ---- the code-list fields' values: the hub's codes as this system writes them ----
/**
 * This system's transport vocabulary, keyed by the hub's codes: the values are what upserts must use
 * (each upsert schema below accepts exactly these). The mapping writes with them and checks that they
 * cover every canonical code; the simulator serves them.
 */
type NumberedGrade = '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '10' | '11' | '12';
/** Grades 1–12 are written as their number. */
const NUMBERED_GRADES = Object.fromEntries(
  Array.from({ length: 12 }, (_, i) => [String(i + 1), String(i + 1)]),
) as { readonly [G in NumberedGrade]: G };

export const HCM_CSDL_LABELS = {
  /** `gioiTinh`. */
  sex: { male: 'Nam', female: 'Nữ' },
  /** `khoiLop`: NT (nhà trẻ), MG3/MG4/MG5 (mẫu giáo by age), 1..12. */
  grade: { nursery: 'NT', kg3: 'MG3', kg4: 'MG4', kg5: 'MG5', ...NUMBERED_GRADES },
  /** `trangThai` of students. */
  studentStatus: {
    studying: 'Đang học',
    transferred_in: 'Chuyển đến',
    transferred_out: 'Chuyển đi',
    dropped_out: 'Thôi học',
    returned: 'Nghỉ học xin học lại',
    suspended: 'Tạm nghỉ',
    repeating: 'Lưu ban',
    completed: 'Hoàn thành chương trình',
    graduated: 'Tốt nghiệp',
    deceased: 'Đã mất',
  },
  /** `loaiKhuyetTat`. */
  disability: {
    none: 'Không khuyết tật',
    visual: 'Khuyết tật nhìn',
    hearing: 'Khuyết tật nghe',
    speech: 'Khuyết tật nói',
    physical: 'Khuyết tật vận động',
    intellectual: 'Khuyết tật trí tuệ',
    multiple: 'Đa tật',
    other: 'Khuyết tật khác',
  },
  /** `capHoc`. */
  schoolLevel: {
    preschool: 'Mầm non',
    primary: 'Tiểu học',
    lower_secondary: 'THCS',
    upper_secondary: 'THPT',
    multi_level: 'Liên cấp',
    continuing: 'GDTX',
  },
  /** `trangThai` of schools. */
  schoolStatus: { active: 'Đang hoạt động', closed: 'Ngừng hoạt động' },
  /** `viTriViecLam`. */
  position: {
    principal: 'Hiệu trưởng',
    vice_principal: 'Phó hiệu trưởng',
    teacher: 'Giáo viên',
    staff: 'Nhân viên',
  },
  /** `trangThai` of staff. */
  staffStatus: { working: 'Đang làm việc', on_leave: 'Tạm nghỉ', left: 'Đã nghỉ việc', retired: 'Nghỉ hưu' },
} as const;

// ---- read schemas ----
/** A deleted record: key and time of deletion only. */
const tombstoneSchema = z.strictObject({
  maDinhDanh: str(),
  updatedAt: str(),
  deleted: z.literal(true),
});

const schoolSchema = z.object({
  maDinhDanh: str(),
  tenTruong: str(),
  capHoc: str(),
  maTinh: str(),
  maXa: str(),
  diaChi: opt(),
  dienThoai: opt(),
  email: opt(),
  website: opt(),
  trangThai: str(),
  updatedAt: str(),
  deleted: notDeleted,
});

const classSchema = z.object({
  maDinhDanh: str(),
  maTruong: str(),
  namHoc: str(),
  khoiLop: str(),
  tenLop: str(),
  maGiaoVienChuNhiem: opt(),
  updatedAt: str(),
  deleted: notDeleted,
});

const studentSchema = z.object({
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
  hoTenCha: opt(),
  hoTenMe: opt(),
  hoTenNguoiGiamHo: opt(),
  dienThoaiLienHe: opt(),
  updatedAt: str(),
  deleted: notDeleted,
});

const staffSchema = z.object({
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

/**
 * A page: records and tombstones. The record's schema is tried first (issue 7: a union tries its options in
 * order, and a record tried against the tombstone's strict schema first failed it with an issue for each of
 * its ~20 keys, ~0.35 ms of a 1000-record page); a tombstone, one record in 200, fails the record's schema
 * (`deleted` is true) and is taken by its own. Either way the same value, or the same issues.
 */
function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(z.union([item, tombstoneSchema])),
    nextCursor: opt(),
    watermark: str(),
  });
}

const schoolPageSchema = pageOf(schoolSchema);
const classPageSchema = pageOf(classSchema);
const studentPageSchema = pageOf(studentSchema);
const staffPageSchema = pageOf(staffSchema);

// ---- upsert schemas (strict: what the system accepts) ----
/** Exactly the values of one vocabulary table. */
const code = <const T extends Readonly<Record<string, string>>>(table: T) => z.enum(table);
const maDanToc = z.string().regex(/^(0[1-9]|[1-4]\d|5[0-6])$/);
const maXa = z.string().regex(/^\d{5}$/);
const soDinhDanh = z.string().regex(/^\d{12}$/);

export const schoolUpsertSchema = z.strictObject({
  maDinhDanh: maDinhDanhSchema,
  tenTruong: z.string().min(1).max(255),
  capHoc: code(HCM_CSDL_LABELS.schoolLevel),
  maTinh: z.string().regex(/^\d{2}$/),
  maXa,
  diaChi: z.string().max(500).exactOptional(),
  dienThoai: z.string().max(20).exactOptional(),
  email: z.email().max(255).exactOptional(),
  website: z.string().max(300).exactOptional(),
  trangThai: code(HCM_CSDL_LABELS.schoolStatus),
});

export const classUpsertSchema = z.strictObject({
  maDinhDanh: maDinhDanhSchema,
  maTruong: maDinhDanhSchema,
  namHoc: z.string().regex(/^\d{4}-\d{4}$/),
  khoiLop: code(HCM_CSDL_LABELS.grade),
  tenLop: z.string().min(1).max(100),
  maGiaoVienChuNhiem: maDinhDanhSchema.exactOptional(),
});

export const studentUpsertSchema = z.strictObject({
  maDinhDanh: maDinhDanhSchema,
  maTruong: maDinhDanhSchema,
  maLop: maDinhDanhSchema.exactOptional(),
  namHoc: z.string().regex(/^\d{4}-\d{4}$/),
  khoiLop: code(HCM_CSDL_LABELS.grade).exactOptional(),
  soDinhDanhCaNhan: soDinhDanh.exactOptional(),
  hoTen: z.string().min(1).max(255),
  ngaySinh: isoDateSchema,
  gioiTinh: code(HCM_CSDL_LABELS.sex),
  maDanToc,
  trangThai: code(HCM_CSDL_LABELS.studentStatus),
  ngayTrangThai: isoDateSchema.exactOptional(),
  loaiKhuyetTat: code(HCM_CSDL_LABELS.disability).exactOptional(),
  maXaThuongTru: maXa.exactOptional(),
  hoTenCha: z.string().max(255).exactOptional(),
  hoTenMe: z.string().max(255).exactOptional(),
  hoTenNguoiGiamHo: z.string().max(255).exactOptional(),
  dienThoaiLienHe: z.string().max(20).exactOptional(),
});

export const staffUpsertSchema = z.strictObject({
  maDinhDanh: maDinhDanhSchema,
  maTruong: maDinhDanhSchema,
  soDinhDanhCaNhan: soDinhDanh.exactOptional(),
  hoTen: z.string().min(1).max(255),
  ngaySinh: isoDateSchema,
  gioiTinh: code(HCM_CSDL_LABELS.sex),
  maDanToc: maDanToc.exactOptional(),
  viTriViecLam: code(HCM_CSDL_LABELS.position),
  monDay: z.array(z.string().min(1).max(100)).max(30).exactOptional(),
  trangThai: code(HCM_CSDL_LABELS.staffStatus),
  email: z.email().max(255).exactOptional(),
  dienThoai: z.string().max(20).exactOptional(),
});

export const receiptSchema = z.object({
  receiptId: str(),
  accepted: z.number().int().min(0),
  rejected: z.array(z.object({ index: z.number().int().min(0), code: str(), message: str() })),
});

/** Body of `POST /v1/<entity>:batchDelete`: the keys to delete. */
export const keyBatchSchema = z.strictObject({
  keys: z.array(maDinhDanhSchema).min(1).max(HCM_CSDL_MAX_PAGE),
});

/** Entities hcm-csdl deletes by key. */
export const HCM_CSDL_DELETABLE = ['students', 'staff'] as const;
export type HcmCsdlDeletable = (typeof HCM_CSDL_DELETABLE)[number];

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

// ---- compile-time drift checks: z.infer must be assignable to the generated type ----
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
  Expect<Mutual<z.infer<typeof keyBatchSchema>, Schemas['KeyBatch']>>,
  // and the other way round for upserts, so a field added to the spec is noticed
  Expect<Assignable<StudentUpsert, z.infer<typeof studentUpsertSchema>>>,
  Expect<Assignable<StaffUpsert, z.infer<typeof staffUpsertSchema>>>,
  Expect<Assignable<ClassGroupUpsert, z.infer<typeof classUpsertSchema>>>,
  Expect<Assignable<SchoolUpsert, z.infer<typeof schoolUpsertSchema>>>,
];
