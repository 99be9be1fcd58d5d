/**
 * The simulator's change feeds: the shared synthetic population rendered in hcm-csdl's wire format,
 * paged by a position cursor so city scale streams in O(page) memory. Phase 1 walks the population
 * (deterministic `updatedAt`, deterministic tombstones); phase 2 walks what the simulator was sent
 * (keys it was sent are served from phase 2 only, so every key appears once per feed).
 */
import {
  HCM_CSDL_LABELS,
  type ClassGroup as ClassWire,
  type HcmCsdlEntity,
  type HcmCsdlWire,
  type School as SchoolWire,
  type Staff as StaffWire,
  type Student as StudentWire,
  type Tombstone,
} from '../../adapters/hcm-csdl/schema.js';
import type { ClassGroup } from '../../canonical/class-group.js';
import type { School } from '../../canonical/school.js';
import type { Staff } from '../../canonical/staff.js';
import type { Student } from '../../canonical/student.js';
import type { Population } from '../population/index.js';
import { seedHash, unit3 } from '../population/prng.js';

/** `base` with the defined values of `optional` added, in order (wire objects never carry undefined). */
function withDefined<T extends object>(base: T, optional: Readonly<Record<string, unknown>>): T {
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (base as Record<string, unknown>)[key] = value;
  }
  return base;
}

function schoolWire(s: School, updatedAt: string): SchoolWire {
  const w: SchoolWire = {
    maDinhDanh: s.schoolCode,
    tenTruong: s.name,
    capHoc: HCM_CSDL_LABELS.schoolLevel[s.level],
    maTinh: s.provinceCode,
    maXa: s.communeCode,
    trangThai: HCM_CSDL_LABELS.schoolStatus[s.status],
    updatedAt,
  };
  return withDefined(w, {
    email: s.officialEmail,
    website: s.website,
    diaChi: s.address,
    dienThoai: s.phone,
  });
}

function classWire(c: ClassGroup, updatedAt: string): ClassWire {
  const w: ClassWire = {
    maDinhDanh: c.classCode,
    maTruong: c.schoolCode,
    namHoc: c.schoolYear,
    khoiLop: HCM_CSDL_LABELS.grade[c.grade],
    tenLop: c.name,
    updatedAt,
  };
  return withDefined(w, {
    maGiaoVienChuNhiem: c.homeroomStaffCode,
  });
}

function studentWire(s: Student, updatedAt: string): StudentWire {
  const w: StudentWire = {
    maDinhDanh: s.studentCode,
    maTruong: s.schoolCode,
    namHoc: s.schoolYear,
    hoTen: s.fullName,
    ngaySinh: s.birthDate,
    gioiTinh: HCM_CSDL_LABELS.sex[s.sex],
    maDanToc: s.ethnicityCode,
    trangThai: HCM_CSDL_LABELS.studentStatus[s.status],
    updatedAt,
  };
  return withDefined(w, {
    maLop: s.classCode,
    khoiLop: s.grade && HCM_CSDL_LABELS.grade[s.grade],
    soDinhDanhCaNhan: s.personalId,
    ngayTrangThai: s.statusDate,
    loaiKhuyetTat: s.disability && HCM_CSDL_LABELS.disability[s.disability],
    hoTenCha: s.fatherName,
    hoTenMe: s.motherName,
    hoTenNguoiGiamHo: s.guardianName,
    dienThoaiLienHe: s.phone,
    maXaThuongTru: s.residenceCommuneCode,
  });
}

function staffWire(s: Staff, updatedAt: string): StaffWire {
  const w: StaffWire = {
    maDinhDanh: s.staffCode,
    maTruong: s.schoolCode,
    hoTen: s.fullName,
    ngaySinh: s.birthDate,
    gioiTinh: HCM_CSDL_LABELS.sex[s.sex],
    viTriViecLam: HCM_CSDL_LABELS.position[s.position],
    trangThai: HCM_CSDL_LABELS.staffStatus[s.status],
    updatedAt,
  };
  return withDefined(w, {
    soDinhDanhCaNhan: s.personalId,
    maDanToc: s.ethnicityCode,
    monDay: s.subjects && [...s.subjects],
    email: s.email,
    dienThoai: s.phone,
  });
}

/** One entity's population as positions; each position holds a few records. */
interface Source<E extends HcmCsdlEntity> {
  /** Positions [start, end) of one school (index) or of all. */
  range(school: number | undefined): readonly [number, number];
  /** Cheap test: nothing at position p changed at or after `since` (ISO). */
  olderThan(p: number, since: string): boolean;
  at(p: number): HcmCsdlWire[E][];
}

/** Options of {@link createSources}. */
export interface SourceOptions {
  seed: number | string;
  /** Share of classes, students and staff served as tombstones. @defaultValue 0.005 */
  tombstoneRate?: number;
}

const TOMBSTONE_STREAM = 0x7_0000;
/** Classes of school s use change indexes s * CLASS_STRIDE + k. */
const CLASS_STRIDE = 1024;

/** The four sources over a population. */
export function createSources(pop: Population, opts: SourceOptions) {
  const seed = seedHash(opts.seed);
  const rate = opts.tombstoneRate ?? 0.005;
  const nSchools = pop.counts.schools;
  const spp = nSchools > 0 ? pop.counts.students / nSchools : 0;
  const tpp = nSchools > 0 ? pop.counts.staff / nSchools : 0;
  const dead = (stream: number, index: number) =>
    rate > 0 && unit3(seed, TOMBSTONE_STREAM + stream, index) < rate;
  const tomb = (maDinhDanh: string, updatedAt: string): Tombstone => ({
    maDinhDanh,
    updatedAt,
    deleted: true,
  });
  const perSchool =
    (size: number) =>
    (school: number | undefined): readonly [number, number] =>
      school === undefined ? [0, nSchools * size] : [school * size, (school + 1) * size];

  const schools: Source<'schools'> = {
    range: perSchool(1),
    olderThan: (p, since) => pop.changedAt('school', p) < since,
    at: (p) => [schoolWire(pop.school(p), pop.changedAt('school', p))],
  };
  const classes: Source<'classes'> = {
    range: perSchool(1),
    olderThan: (p, since) => {
      for (let k = 0; k < pop.classCount(p); k++)
        if (pop.changedAt('class', p * CLASS_STRIDE + k) >= since) return false;
      return true;
    },
    at: (p) =>
      Array.from(pop.classesOfSchool(p), (c, k) => {
        const at = pop.changedAt('class', p * CLASS_STRIDE + k);
        return dead(1, p * CLASS_STRIDE + k) ? tomb(c.classCode, at) : classWire(c, at);
      }),
  };
  const students: Source<'students'> = {
    range: perSchool(spp),
    olderThan: (g, since) => pop.changedAt('student', g) < since,
    at: (g) => {
      const at = pop.changedAt('student', g);
      return pop
        .studentRecordsAt(g)
        .map((s, j) => (dead(2, g * 2 + j) ? tomb(s.studentCode, at) : studentWire(s, at)));
    },
  };
  const staff: Source<'staff'> = {
    range: perSchool(tpp),
    olderThan: (t, since) => pop.changedAt('staff', t) < since,
    at: (t) => {
      const at = pop.changedAt('staff', t);
      const s = pop.staff(t);
      return [dead(3, t) ? tomb(s.staffCode, at) : staffWire(s, at)];
    },
  };
  return { schools, classes, students, staff } satisfies { [E in HcmCsdlEntity]: Source<E> };
}
export type Sources = ReturnType<typeof createSources>;

/** What phase 2 reads: the records the simulator was sent, in arrival order. */
export interface ReceivedView {
  has(entity: HcmCsdlEntity, key: string): boolean;
  size(entity: HcmCsdlEntity): number;
  at(entity: HcmCsdlEntity, i: number): { record: { maDinhDanh: string; updatedAt: string }; school: string };
}

/** Position of a feed; encoded into the opaque cursor. */
export interface FeedState {
  e: HcmCsdlEntity;
  /** updatedSince, normalised ISO. */
  s?: string;
  /** maTruong filter. */
  m?: string;
  /** Watermark of this feed (time it started). */
  w: string;
  ph: 1 | 2;
  p: number;
  q: number;
}

/** Reads one page of a feed; `next` is absent when the feed is exhausted. */
export function readPage<E extends HcmCsdlEntity>(
  source: Source<E>,
  received: ReceivedView,
  schoolIndex: number | undefined,
  state: FeedState,
  limit: number,
): { items: HcmCsdlWire[E][]; next?: FeedState } {
  const items: HcmCsdlWire[E][] = [];
  const budget = Math.max(20 * limit, 20_000);
  let scanned = 0;
  let { ph, p, q } = state;
  const [start, end] =
    state.m !== undefined && schoolIndex === undefined ? [0, 0] : source.range(schoolIndex);
  if (ph === 1) p = Math.max(p, start);
  const suspend = (): { items: HcmCsdlWire[E][]; next: FeedState } => ({
    items,
    next: { ...state, ph, p, q },
  });
  for (; ph === 1 && p < end; p++, q = 0) {
    if (items.length >= limit || scanned++ >= budget) return suspend();
    if (state.s !== undefined && q === 0 && source.olderThan(p, state.s)) continue;
    const recs = source.at(p);
    for (; q < recs.length; q++) {
      if (items.length >= limit) return suspend();
      const r = recs[q] as HcmCsdlWire[E];
      if ((state.s !== undefined && r.updatedAt < state.s) || received.has(state.e, r.maDinhDanh)) continue;
      items.push(r);
    }
  }
  if (ph === 1) [ph, p, q] = [2, 0, 0];
  for (; p < received.size(state.e); p++) {
    if (items.length >= limit || scanned++ >= budget) return suspend();
    const { record, school } = received.at(state.e, p);
    if (state.s !== undefined && record.updatedAt < state.s) continue;
    if (state.m !== undefined && school !== state.m) continue;
    items.push(record as HcmCsdlWire[E]);
  }
  return { items };
}
