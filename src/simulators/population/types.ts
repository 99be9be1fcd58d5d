/**
 * Plain types of the synthetic population. Field names equal the canonical model (brief / DESIGN),
 * but these are separate types: adapters must not import `src/canonical`. Simulators translate them
 * into their own wire formats.
 */

export type Sex = 'male' | 'female';
export type SchoolLevel =
  'preschool' | 'primary' | 'lower_secondary' | 'upper_secondary' | 'multi_level' | 'continuing';
export type Grade =
  | 'nursery'
  | 'kg3'
  | 'kg4'
  | 'kg5'
  | '1'
  | '2'
  | '3'
  | '4'
  | '5'
  | '6'
  | '7'
  | '8'
  | '9'
  | '10'
  | '11'
  | '12';
export type StudentStatus =
  | 'studying'
  | 'transferred_in'
  | 'transferred_out'
  | 'dropped_out'
  | 'returned'
  | 'suspended'
  | 'repeating'
  | 'completed'
  | 'graduated'
  | 'deceased';
export type StaffPosition = 'principal' | 'vice_principal' | 'teacher' | 'staff';
export type StaffStatus = 'working' | 'on_leave' | 'left' | 'retired';
export type DisabilityCode =
  'none' | 'visual' | 'hearing' | 'speech' | 'physical' | 'intellectual' | 'multiple' | 'other';

/** A school (canonical `School`). */
export interface PopSchool {
  schoolCode: string;
  name: string;
  level: SchoolLevel;
  provinceCode: string;
  communeCode: string;
  address?: string;
  phone?: string;
  status: 'active' | 'closed';
}

/** A class of the current school year (canonical `ClassGroup`). */
export interface PopClass {
  classCode: string;
  schoolCode: string;
  schoolYear: string;
  grade: Grade;
  name: string;
  homeroomStaffCode?: string;
}

/** A student as a school system holds it (canonical `Student`). */
export interface PopStudent {
  studentCode: string;
  schoolCode: string;
  classCode?: string;
  schoolYear: string;
  grade?: Grade;
  personalId?: string;
  fullName: string;
  birthDate: string;
  sex: Sex;
  ethnicityCode: string;
  status: StudentStatus;
  statusDate?: string;
  disability?: DisabilityCode;
  residenceCommuneCode?: string;
}

/** A member of a school's staff (canonical `Staff`). */
export interface PopStaff {
  staffCode: string;
  schoolCode: string;
  personalId?: string;
  fullName: string;
  birthDate: string;
  sex: Sex;
  ethnicityCode?: string;
  position: StaffPosition;
  subjects?: string[];
  status: StaffStatus;
  email?: string;
  phone?: string;
}

/** Completion years per level (canonical `Person.completed`). */
export interface PopCompleted {
  preschool?: number;
  primary?: number;
  lowerSecondary?: number;
  upperSecondary?: number;
  vocational?: number;
}

/** A surveyed resident of a commune, as moet-pcgd holds it (canonical `Person`). */
export interface PopPerson {
  personRef: string;
  communeCode: string;
  householdNo: string;
  personalId?: string;
  fullName: string;
  birthDate: string;
  sex: Sex;
  ethnicityCode: string;
  residenceType: 'permanent' | 'temporary';
  currentGrade?: Grade;
  currentSchoolName?: string;
  completed: PopCompleted;
  dropout?: { grade: Grade; year: number };
  literacy: 'none' | 'level1' | 'level2';
  disability?: DisabilityCode;
  movedAway?: boolean;
  deceased?: boolean;
}

/** Kinds of injected discrepancy between the school systems' view and the truth (the survey). */
export type DiscrepancyKind =
  'name_typo' | 'nfd_text' | 'stale_status' | 'missing_personal_id' | 'duplicate_record' | 'wrong_sex_digit';
