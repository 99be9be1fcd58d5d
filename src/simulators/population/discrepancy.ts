/**
 * Deterministic discrepancies between what the school systems hold and the truth (the survey):
 * the data-quality engine and the cross-system checks must find exactly these.
 */
import { STREAM, type PopulationContext } from './context.js';
import { flipSexDigit } from './ids.js';
import { hash3, unit3 } from './prng.js';
import type { Student } from '../../canonical/student.js';

/** Kinds of injected discrepancy between the school systems' view and the truth (the survey), in the order drawn. */
export const DISCREPANCY_KINDS = [
  'name_typo',
  'nfd_text',
  'stale_status',
  'missing_personal_id',
  'duplicate_record',
  'wrong_sex_digit',
] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

/** The discrepancy injected into student g, if any (probability `discrepancyRate`). */
export function discrepancyOf(ctx: PopulationContext, g: number): DiscrepancyKind | undefined {
  if (unit3(ctx.seed, STREAM.discrepancy, g) >= ctx.discrepancyRate) return undefined;
  return DISCREPANCY_KINDS[hash3(ctx.seed, STREAM.discrepancyKind, g) % DISCREPANCY_KINDS.length];
}

const stripMarks = (word: string): string =>
  word.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').normalize('NFC');

/** A plausible typo: the first word with diacritics loses them ('Nguyễn' → 'Nguyen'), else a doubled letter. */
function typoOf(name: string): string {
  const words = name.split(' ');
  const at = words.findIndex((w) => stripMarks(w) !== w);
  if (at >= 0) {
    words[at] = stripMarks(words[at] as string);
    return words.join(' ');
  }
  return `${name}${name.slice(-1)}`;
}

/** NFD text: same look, different code points; a doubled space when NFD changes nothing. */
function nfdOf(name: string): string {
  const nfd = name.normalize('NFD');
  return nfd === name ? name.replace(' ', '  ') : nfd;
}

/** Applies `kind` to a true student record; returns the record(s) the school systems hold. */
export function applyDiscrepancy(
  truth: Student,
  kind: DiscrepancyKind | undefined,
  duplicateCode: string,
): Student[] {
  const held: Student = { ...truth };
  switch (kind) {
    case 'name_typo':
      held.fullName = typoOf(truth.fullName);
      break;
    case 'nfd_text':
      held.fullName = nfdOf(truth.fullName);
      break;
    case 'stale_status':
      held.status = 'studying';
      delete held.statusDate;
      break;
    case 'missing_personal_id':
      delete held.personalId;
      break;
    case 'wrong_sex_digit':
      if (truth.personalId) held.personalId = flipSexDigit(truth.personalId);
      break;
    case 'duplicate_record':
      return [held, { ...truth, studentCode: duplicateCode }];
    default:
      break;
  }
  return [held];
}
