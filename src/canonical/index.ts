/** Public surface of the canonical model: entity schemas, enums, code lists and identifier helpers. */
export { SchoolSchema, type School } from './school.js';
export { ClassGroupSchema, type ClassGroup } from './class-group.js';
export {
  StudentSchema,
  StudentCodeSchema,
  PROVISIONAL_STUDENT_CODE_PREFIX,
  isProvisionalStudentCode,
  provisionalStudentCode,
  type Student,
} from './student.js';
export { StaffSchema, type Staff } from './staff.js';
export {
  PersonSchema,
  CompletionYearsSchema,
  DropoutSchema,
  type Person,
  type CompletionYears,
  type Dropout,
} from './person.js';
export {
  COMMUNE_INDICATOR_CODES,
  type CanonicalFigures,
  type CommuneIndicatorCode,
  type FigureIndicator,
  type FigureIndicatorCode,
  type UnitLevel,
} from './pcgd-figures.js';
export {
  SchoolYearSchema,
  SchoolYearCodeSchema,
  SCHOOL_YEAR_START,
  VIETNAM_UTC_OFFSET_MINUTES,
  schoolYearOf,
  schoolYearStartingIn,
  parseSchoolYear,
  vietnamDateOf,
  type SchoolYear,
} from './school-year.js';
export {
  ENTITY_SCHEMAS,
  ENTITY_NAMES,
  naturalKey,
  isEntityName,
  type EntityName,
  type EntityRecord,
} from './entities.js';
export {
  SEX_VALUES,
  SexSchema,
  SCHOOL_LEVEL_VALUES,
  SchoolLevelSchema,
  GRADE_VALUES,
  GradeSchema,
  STUDENT_STATUS_VALUES,
  StudentStatusSchema,
  STAFF_POSITION_VALUES,
  StaffPositionSchema,
  STAFF_STATUS_VALUES,
  StaffStatusSchema,
  DISABILITY_VALUES,
  DisabilityCodeSchema,
  SCHOOL_STATUS_VALUES,
  SchoolStatusSchema,
  RESIDENCE_TYPE_VALUES,
  ResidenceTypeSchema,
  LITERACY_VALUES,
  LiteracySchema,
  type Sex,
  type SchoolLevel,
  type Grade,
  type StudentStatus,
  type StaffPosition,
  type StaffStatus,
  type DisabilityCode,
  type SchoolStatus,
  type ResidenceType,
  type Literacy,
} from './enums.js';
export {
  MIN_YEAR,
  MAX_YEAR,
  text,
  opaqueCode,
  entity,
  isIsoDate,
  IsoDateSchema,
  YearSchema,
  PersonNameSchema,
  PersonalIdSchema,
  CommuneCodeSchema,
  ProvinceCodeSchema,
  EthnicityCodeSchema,
  PhoneSchema,
  EmailSchema,
} from './primitives.js';
export { bilingual, canonicalMessageVi, type Bilingual } from './messages.js';
export {
  BIRTH_REGISTRATION_PROVINCE_CODES,
  ABROAD_CODE_RANGE,
  PERSONAL_ID_RULES,
  isBirthRegistrationCode,
  parsePersonalId,
  checkPersonalIdAgainst,
  makePersonalId,
  type PersonalIdRule,
  type PersonalIdIssue,
  type ParsedPersonalId,
  type PersonalIdResult,
  type MakePersonalIdInput,
} from './personal-id.js';
export {
  defineCodeList,
  resolveCode,
  entryOf,
  codesOf,
  normaliseKey,
  foldKey,
  looseKey,
  type CodeList,
  type CodeEntry,
} from './codes/code-list.js';
export {
  ETHNICITY_CODE_LIST,
  ETHNICITY_KINH,
  ETHNICITY_FOREIGNER,
  ETHNICITY_UNKNOWN,
  type EthnicityCode,
} from './codes/ethnicity.js';
export { SEX_CODE_LIST } from './codes/sex.js';
export { STUDENT_STATUS_CODE_LIST } from './codes/student-status.js';
export { STAFF_POSITION_CODE_LIST } from './codes/staff-position.js';
export { STAFF_STATUS_CODE_LIST } from './codes/staff-status.js';
export { SCHOOL_LEVEL_CODE_LIST } from './codes/school-level.js';
export { GRADE_CODE_LIST } from './codes/grade.js';
export { DISABILITY_CODE_LIST } from './codes/disability.js';
export {
  ADMIN_UNITS_2025,
  ADMIN_UNITS_LEGACY,
  HCMC_PROVINCE_CODE,
  provinces,
  getProvince,
  getCommune,
  isCommuneCode,
  isProvinceCode,
  communesOfProvince,
  hcmcCommunes,
  findCommuneByName,
  legacyCommune,
  legacyProvinces,
  adminUnitCounts,
  ADMIN_UNITS_CROSSWALK,
  ADMIN_UNITS_2025_EFFECTIVE_FROM,
  communesSucceeding,
  communeStanding,
  type CommuneStanding,
  type AdminUnitsCrosswalkData,
  type Province,
  type Commune,
  type LegacyCommune,
  type CommuneLevel,
  type LegacyCommuneLevel,
  type AdminUnits2025Data,
  type LegacyAdminUnitsData,
} from './codes/admin-units.js';
