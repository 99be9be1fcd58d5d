/** School (trường): one educational institution, keyed by its immutable sector code (mã định danh, TT 42/2021 Đ10). */
import type { z } from 'zod';
import { SchoolLevelSchema, SchoolStatusSchema } from './enums.js';
import {
  CommuneCodeSchema,
  EmailSchema,
  PhoneSchema,
  ProvinceCodeSchema,
  entity,
  opaqueCode,
  text,
} from './primitives.js';

/** Canonical school. `provinceCode`/`communeCode` use the 2025 admin-unit list (34 provinces, 5-digit communes). */
export const SchoolSchema = entity({
  /** Mã định danh: opaque, immutable, 1..32 of [A-Za-z0-9._-]. */
  schoolCode: opaqueCode(32),
  name: text(200),
  level: SchoolLevelSchema,
  provinceCode: ProvinceCodeSchema,
  communeCode: CommuneCodeSchema,
  address: text(300).optional(),
  phone: PhoneSchema.optional(),
  /**
   * Official e-mail address, kept up to date in the shared database; the city requires one on an
   * official domain (quality.officialEmailDomains: hcm.edu.vn, moet.edu.vn, tphcm.gov.vn), which the
   * quality rule DUNG_SCHOOL_EMAIL_DOMAIN checks.
   */
  officialEmail: EmailSchema.optional(),
  /** Website address (the city requires a live site with an RSS feed); its form is judged by DUNG_WEBSITE_FORMAT. */
  website: text(300).optional(),
  status: SchoolStatusSchema,
});
export type School = z.infer<typeof SchoolSchema>;
