/**
 * vnEdu wire schemas (zod), one per component of `openapi/external/vnedu.yaml`. The spec is the contract;
 * these schemas validate responses (client) and requests (simulator), and a compile-time check below
 * proves they agree with the types generated from the spec (`generated/wire.ts`).
 *
 * Record schemas check shape only (codes are integers, dates are strings): whether a code is known or a
 * date real is the mapping's job, so such a record still reaches the mapping and becomes a finding.
 * Unknown fields are stripped, not refused (vendors add fields).
 */
import { z } from 'zod';
import type { components } from './generated/wire.js';

type Wire = components['schemas'];

// ---- limits and headers of the interface (the client and the simulator both hold to them) ----
/** Largest `limit` vnEdu accepts (modelled). */
export const VNEDU_MAX_LIMIT = 1000;
/** Default `limit`. */
export const VNEDU_DEFAULT_LIMIT = 200;
/** Largest batch (`items`) vnEdu accepts (modelled). */
export const VNEDU_MAX_BATCH = 1000;
/** Header carrying the idempotency key of a batch. */
export const VNEDU_IDEMPOTENCY_HEADER = 'Idempotency-Key';

const optText = () => z.string().nullable().exactOptional();
const optInt = () => z.number().int().nullable().exactOptional();

/** `{ errors: [{ code, detail }] }` — every vnEdu error response. */
export const vneduErrorSchema = z.object({
  errors: z.array(z.object({ code: z.string(), detail: z.string() })).min(1),
});

export const vneduHealthSchema = z.object({ status: z.literal('ok'), time: z.string() });

export const vneduSchoolSchema = z.object({ school_code: z.string(), name: z.string() });

/** One student in one school year; numeric codes documented in the spec. */
export const vneduStudentSchema = z.object({
  student_id: z.string(),
  school_code: z.string().exactOptional(),
  full_name: z.string(),
  dob: z.string(),
  gender: z.number().int(),
  ethnic_id: z.number().int(),
  citizen_id: optText(),
  class_id: optText(),
  grade_id: optInt(),
  school_year: optInt(),
  status_id: z.number().int(),
  status_date: optText(),
  disability_id: optInt(),
  commune_code: optText(),
  updated_at: z.string().exactOptional(),
});

/** One staff member. */
export const vneduStaffSchema = z.object({
  staff_id: z.string(),
  school_code: z.string().exactOptional(),
  full_name: z.string(),
  dob: z.string(),
  gender: z.number().int(),
  ethnic_id: optInt(),
  citizen_id: optText(),
  position_id: z.number().int(),
  subjects: z.array(z.string()).exactOptional(),
  status_id: z.number().int(),
  email: optText(),
  phone: optText(),
  updated_at: z.string().exactOptional(),
});

/** One class in one school year. */
export const vneduClassSchema = z.object({
  class_id: z.string(),
  school_code: z.string().exactOptional(),
  name: z.string(),
  grade_id: z.number().int(),
  school_year: optInt(),
  homeroom_staff_id: optText(),
  updated_at: z.string().exactOptional(),
});

/** `{ items, next }` around any item schema; `next` is null on the last page. */
export function vneduPageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next: z.string().nullable() });
}

export const vneduSchoolPageSchema = vneduPageSchema(vneduSchoolSchema);
export const vneduStudentPageSchema = vneduPageSchema(vneduStudentSchema);
export const vneduStaffPageSchema = vneduPageSchema(vneduStaffSchema);
export const vneduClassPageSchema = vneduPageSchema(vneduClassSchema);

/** Batch receipt: refusals in `rejected`, the rest applied; `replayed` on an idempotent replay. */
export const vneduReceiptSchema = z.object({
  receipt_id: z.string(),
  accepted: z.number().int().min(0),
  rejected: z.array(z.object({ index: z.number().int().min(0), code: z.string(), detail: z.string() })),
  replayed: z.boolean(),
});

export type VneduError = z.infer<typeof vneduErrorSchema>;
export type VneduHealth = z.infer<typeof vneduHealthSchema>;
export type VneduSchool = z.infer<typeof vneduSchoolSchema>;
export type VneduStudent = z.infer<typeof vneduStudentSchema>;
export type VneduStaff = z.infer<typeof vneduStaffSchema>;
export type VneduClass = z.infer<typeof vneduClassSchema>;
export type VneduReceipt = z.infer<typeof vneduReceiptSchema>;

/** The entities vnEdu serves, with their record schemas (also the batch bodies' item schemas). */
export const vneduRecordSchemas = {
  students: vneduStudentSchema,
  staff: vneduStaffSchema,
  classes: vneduClassSchema,
} as const;

export type VneduEntity = keyof typeof vneduRecordSchemas;
export const VNEDU_ENTITIES = Object.keys(vneduRecordSchemas) as VneduEntity[];

/** Wire record type of each entity. */
export interface VneduRecordOf {
  students: VneduStudent;
  staff: VneduStaff;
  classes: VneduClass;
}
/** Any vnEdu record. */
export type VneduRecord = VneduRecordOf[VneduEntity];

/** Key field of each entity's records (the upsert key). */
export const VNEDU_KEY_FIELD = { students: 'student_id', staff: 'staff_id', classes: 'class_id' } as const;

// ---- compile-time agreement with the spec (fails `tsc` when spec and schemas drift) ----
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type SchemaAgreement = [
  Mutual<VneduError, Wire['Error']>,
  Mutual<VneduHealth, Wire['HealthResponse']>,
  Mutual<VneduSchool, Wire['School']>,
  Mutual<VneduStudent, Wire['Student']>,
  Mutual<VneduStaff, Wire['Staff']>,
  Mutual<VneduClass, Wire['Class']>,
  Mutual<z.infer<typeof vneduStudentPageSchema>, Wire['StudentPage']>,
  Mutual<z.infer<typeof vneduStaffPageSchema>, Wire['StaffPage']>,
  Mutual<z.infer<typeof vneduClassPageSchema>, Wire['ClassPage']>,
  Mutual<z.infer<typeof vneduSchoolPageSchema>, Wire['SchoolPage']>,
  Mutual<VneduReceipt, Wire['Receipt']>,
];
/** Every entry must be `true`; a `false` names the drifting schema by position. */
export const vneduSchemaAgreement: SchemaAgreement = [
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
];
