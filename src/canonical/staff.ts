/** Staff (cán bộ, giáo viên, nhân viên) of one school. */
import { z } from 'zod';
import { bilingual } from './messages.js';
import { SexSchema, StaffPositionSchema, StaffStatusSchema } from './enums.js';
import {
  EmailSchema,
  EthnicityCodeSchema,
  IsoDateSchema,
  PersonNameSchema,
  PersonalIdSchema,
  PhoneSchema,
  opaqueCode,
  text,
  entity,
} from './primitives.js';

/** Canonical staff member. Natural key: staffCode (sector mã định danh). */
export const StaffSchema = entity({
  staffCode: opaqueCode(32),
  schoolCode: opaqueCode(32),
  personalId: PersonalIdSchema.optional(),
  fullName: PersonNameSchema,
  birthDate: IsoDateSchema,
  sex: SexSchema,
  ethnicityCode: EthnicityCodeSchema.optional(),
  position: StaffPositionSchema,
  /** Subjects taught, free text as the source names them (e.g. 'Toán', 'Tiếng Việt'). */
  subjects: z
    .array(text(100))
    .max(30, { error: bilingual('At most 30 subjects.', 'Tối đa 30 môn dạy.') })
    .optional(),
  status: StaffStatusSchema,
  email: EmailSchema.optional(),
  phone: PhoneSchema.optional(),
});
export type Staff = z.infer<typeof StaffSchema>;
