/**
 * One made-up record of each vendor entity (W5-11): a class, its homeroom teacher and a student of it, every field
 * filled, no real person's data (the integration guide's student: school 79000001, year 2026-2027, born 2020).
 * ./record-schemas.ts shows them, and what each native format's mapping writes of them, as the `examples` of each
 * field of the OpenAPI document's batch records: a batch built from those examples alone is accepted with no
 * finding (test/integration/native-batch-examples.test.ts). ./examples.ts pushes and reads back the same student.
 */
import type { ClassGroup } from '../canonical/class-group.js';
import type { Staff } from '../canonical/staff.js';
import type { Student } from '../canonical/student.js';

/** The school of every example: of the records here and of the vendor routes' examples (./examples.ts). */
export const EXAMPLE_SCHOOL = '79000001';
const SCHOOL = EXAMPLE_SCHOOL;
const SCHOOL_YEAR = '2026-2027';

export const EXAMPLE_RECORDS: { students: Student; staff: Staff; classes: ClassGroup } = {
  students: {
    studentCode: '7900000100001',
    schoolCode: SCHOOL,
    classCode: '1A1',
    schoolYear: SCHOOL_YEAR,
    grade: '1',
    personalId: '079220001234',
    fullName: 'Nguyễn Văn An',
    birthDate: '2020-03-04',
    sex: 'male',
    ethnicityCode: '01',
    status: 'studying',
    statusDate: '2026-09-05',
    disability: 'none',
    residenceCommuneCode: '25747',
    fatherName: 'Nguyễn Văn Bảo',
    motherName: 'Trần Thị Cúc',
    guardianName: 'Nguyễn Văn Bảo',
    phone: '0901234567',
  },
  staff: {
    staffCode: 'GV0001',
    schoolCode: SCHOOL,
    personalId: '079185001234',
    fullName: 'Lê Thị Hoa',
    birthDate: '1985-06-07',
    sex: 'female',
    ethnicityCode: '01',
    position: 'teacher',
    subjects: ['Toán', 'Tiếng Việt'],
    status: 'working',
    email: 'gv0001@example.edu.vn',
    phone: '0912345678',
  },
  classes: {
    classCode: '1A1',
    schoolCode: SCHOOL,
    schoolYear: SCHOOL_YEAR,
    grade: '1',
    name: '1A1',
    homeroomStaffCode: 'GV0001',
  },
};
