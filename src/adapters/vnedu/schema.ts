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
import type { Expect, Mutual } from '../types.js';
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

// ---- the hub's codes as vnEdu numbers them (modelled: VNPT publishes no code list, DOMAIN §7) ----
/**
 * vnEdu's transport vocabulary, keyed by the hub's codes: each table is the whole vocabulary of its
 * field (any other number is an unknown code). The mapping reads and writes through these; the simulator
 * serves them. `ethnic_id` is the GSO number of the ethnicity (1..56 for '01'..'56', DOMAIN §3.4).
 */
export const VNEDU_CODES = {
  /** `gender`: as on the national public-service portal forms (DOMAIN §3.4). */
  sex: { male: 1, female: 2 },
  /** `status_id` of students. */
  studentStatus: {
    studying: 1,
    transferred_in: 2,
    transferred_out: 3,
    dropped_out: 4,
    returned: 5,
    suspended: 6,
    repeating: 7,
    completed: 8,
    graduated: 9,
    deceased: 10,
  },
  /** `grade_id` of the preschool groups: 21 nursery, 23/24/25 kindergarten by age. Grades 1–12 are their number. */
  preschoolGrade: { nursery: 21, kg3: 23, kg4: 24, kg5: 25 },
  /** `disability_id`. */
  disability: {
    none: 0,
    visual: 1,
    hearing: 2,
    speech: 3,
    physical: 4,
    intellectual: 5,
    multiple: 6,
    other: 9,
  },
  /** `position_id` of staff. */
  position: { principal: 1, vice_principal: 2, teacher: 3, staff: 4 },
  /** `status_id` of staff. */
  staffStatus: { working: 1, on_leave: 2, left: 3, retired: 4 },
} as const;

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
  father_name: optText(),
  mother_name: optText(),
  guardian_name: optText(),
  contact_phone: optText(),
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
function vneduPageSchema<T extends z.ZodType>(item: T) {
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

/** Body of a batch delete (`POST /v1/schools/{school_code}/{entity}/delete`): the ids to delete. */
export const vneduDeleteRequestSchema = z.strictObject({
  ids: z.array(z.string().min(1)).min(1).max(VNEDU_MAX_BATCH),
});

export type VneduError = z.infer<typeof vneduErrorSchema>;
export type VneduHealth = z.infer<typeof vneduHealthSchema>;
export type VneduSchool = z.infer<typeof vneduSchoolSchema>;
export type VneduStudent = z.infer<typeof vneduStudentSchema>;
export type VneduStaff = z.infer<typeof vneduStaffSchema>;
export type VneduClass = z.infer<typeof vneduClassSchema>;
export type VneduReceipt = z.infer<typeof vneduReceiptSchema>;
export type VneduDeleteRequest = z.infer<typeof vneduDeleteRequestSchema>;

/** The entities vnEdu serves, with their record schemas (also the batch bodies' item schemas). */
export const vneduRecordSchemas = {
  students: vneduStudentSchema,
  staff: vneduStaffSchema,
  classes: vneduClassSchema,
} as const;

export type VneduEntity = keyof typeof vneduRecordSchemas;

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
export type _checkWire = [
  Expect<Mutual<VneduError, Wire['Error']>>,
  Expect<Mutual<VneduHealth, Wire['HealthResponse']>>,
  Expect<Mutual<VneduSchool, Wire['School']>>,
  Expect<Mutual<VneduStudent, Wire['Student']>>,
  Expect<Mutual<VneduStaff, Wire['Staff']>>,
  Expect<Mutual<VneduClass, Wire['Class']>>,
  Expect<Mutual<z.infer<typeof vneduStudentPageSchema>, Wire['StudentPage']>>,
  Expect<Mutual<z.infer<typeof vneduStaffPageSchema>, Wire['StaffPage']>>,
  Expect<Mutual<z.infer<typeof vneduClassPageSchema>, Wire['ClassPage']>>,
  Expect<Mutual<z.infer<typeof vneduSchoolPageSchema>, Wire['SchoolPage']>>,
  Expect<Mutual<VneduReceipt, Wire['Receipt']>>,
  Expect<Mutual<VneduDeleteRequest, Wire['DeleteRequest']>>,
];
