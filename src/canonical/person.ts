/** Person (đối tượng điều tra): one person on a PCGD-XMC household survey form (DOMAIN §2.4). */
import { z } from 'zod';
import {
  DisabilityCodeSchema,
  GradeSchema,
  LiteracySchema,
  ResidenceTypeSchema,
  SexSchema,
} from './enums.js';
import {
  CommuneCodeSchema,
  EthnicityCodeSchema,
  IsoDateSchema,
  PersonNameSchema,
  PersonalIdSchema,
  YearSchema,
  opaqueCode,
  text,
  entity,
} from './primitives.js';

/** Year each level was completed (graduation years on the survey form); absent = not completed. */
export const CompletionYearsSchema = entity({
  preschool: YearSchema.optional(),
  primary: YearSchema.optional(),
  lowerSecondary: YearSchema.optional(),
  upperSecondary: YearSchema.optional(),
  vocational: YearSchema.optional(),
});
export type CompletionYears = z.infer<typeof CompletionYearsSchema>;

/** Grade and year in which the person dropped out. */
export const DropoutSchema = entity({ grade: GradeSchema, year: YearSchema });
export type Dropout = z.infer<typeof DropoutSchema>;

/** Canonical surveyed person. Natural key: personRef (the survey record id in moet-pcgd). */
export const PersonSchema = entity({
  personRef: opaqueCode(64),
  communeCode: CommuneCodeSchema,
  /** Household form number within the hamlet, as written on the form. */
  householdNo: text(32),
  personalId: PersonalIdSchema.optional(),
  fullName: PersonNameSchema,
  birthDate: IsoDateSchema,
  /** Father's, mother's and guardian's full names, as on the survey form (DOMAIN §2.4): with name and
   * birth date, the fallback key to a student record when the personal ID does not match (§6). */
  fatherName: PersonNameSchema.optional(),
  motherName: PersonNameSchema.optional(),
  guardianName: PersonNameSchema.optional(),
  sex: SexSchema,
  ethnicityCode: EthnicityCodeSchema,
  residenceType: ResidenceTypeSchema,
  currentGrade: GradeSchema.optional(),
  currentSchoolName: text(200).optional(),
  completed: CompletionYearsSchema,
  dropout: DropoutSchema.optional(),
  literacy: LiteracySchema,
  disability: DisabilityCodeSchema.optional(),
  movedAway: z.boolean().optional(),
  deceased: z.boolean().optional(),
});
export type Person = z.infer<typeof PersonSchema>;
