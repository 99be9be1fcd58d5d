/** Person (đối tượng điều tra): one person on a PCGD-XMC household survey form (DOMAIN §2.4). */
import { z } from 'zod';
import { bilingual } from './messages.js';
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

/**
 * The fields of a surveyed person whose source column truc may be unable to read (a label outside its
 * code lists, a malformed date, a year out of range) and still keep the person: a surveyed person is
 * always in the commune's population (PCGD-RULES.md §1). Such a field is absent and named in `unread`;
 * the counting reads an absent field the conservative way and a report says how many persons it concerns.
 */
export const PERSON_UNREAD_FIELDS = [
  'birthDate',
  'sex',
  'ethnicityCode',
  'residenceType',
  'currentGrade',
  'completed.preschool',
  'completed.primary',
  'completed.lowerSecondary',
  'completed.upperSecondary',
  'completed.vocational',
  'dropout',
  'literacy',
  'disability',
] as const;
export type PersonUnreadField = (typeof PERSON_UNREAD_FIELDS)[number];

/** Canonical surveyed person. Natural key: personRef (the survey record id in moet-pcgd). */
const PersonShape = entity({
  personRef: opaqueCode(64),
  communeCode: CommuneCodeSchema,
  /** Household form number within the hamlet, as written on the form. */
  householdNo: text(32),
  personalId: PersonalIdSchema.optional(),
  fullName: PersonNameSchema,
  birthDate: IsoDateSchema.optional(),
  /** Father's, mother's and guardian's full names, as on the survey form (DOMAIN §2.4): with name and
   * birth date, the fallback key to a student record when the personal ID does not match (§6). */
  fatherName: PersonNameSchema.optional(),
  motherName: PersonNameSchema.optional(),
  guardianName: PersonNameSchema.optional(),
  sex: SexSchema.optional(),
  ethnicityCode: EthnicityCodeSchema.optional(),
  residenceType: ResidenceTypeSchema.optional(),
  currentGrade: GradeSchema.optional(),
  currentSchoolName: text(200).optional(),
  completed: CompletionYearsSchema,
  dropout: DropoutSchema.optional(),
  literacy: LiteracySchema.optional(),
  disability: DisabilityCodeSchema.optional(),
  movedAway: z.boolean().optional(),
  deceased: z.boolean().optional(),
  /** Fields whose source column could not be read: absent here (see PERSON_UNREAD_FIELDS). */
  unread: z.array(z.enum(PERSON_UNREAD_FIELDS)).min(1).optional(),
});

const NOT_UNREAD = bilingual(
  'Required (unless its source column could not be read: then named in unread).',
  'Bắt buộc (trừ khi cột nguồn không đọc được: khi đó ghi tên trường trong unread).',
);

/** The fields a person always has, unless the source column could not be read (named in `unread`). */
const READ_OR_UNREAD = ['birthDate', 'sex', 'ethnicityCode', 'residenceType', 'literacy'] as const;

export const PersonSchema = PersonShape.superRefine((p, ctx) => {
  for (const field of READ_OR_UNREAD)
    if (p[field] === undefined && !p.unread?.includes(field))
      ctx.addIssue({ code: 'custom', path: [field], message: NOT_UNREAD });
});
export type Person = z.infer<typeof PersonSchema>;

/** A person every column of which was read (what the simulators and fixtures make). */
export type ReadPerson = Person & { [K in (typeof READ_OR_UNREAD)[number]]-?: NonNullable<Person[K]> };
