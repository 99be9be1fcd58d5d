/** A finding's hint: the catalogue's, with the configured date of the deadline a deadline's rule reports as passed. */
import { deadlineOf, type QualityConfig } from './config.js';
import type { RuleInfo, Text } from './types.js';

const MONTHS_EN = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * The hint a finding of `rule` gives in `schoolYear`: the catalogue's, and for a rule of a deadline (its
 * `deadline`) that deadline as the city configured it for the year (walk7 W7-3: not 2024's dates).
 */
export function hintOf(rule: RuleInfo, schoolYear: string, deadlines: QualityConfig['deadlines']): Text {
  if (rule.deadline === undefined) return rule.hint;
  const [year, month, day] = deadlineOf(schoolYear, rule.deadline, deadlines).split('-').map(Number);
  return {
    vi: `${rule.hint.vi} Hạn của năm học ${schoolYear}: ${day}/${month}/${year}.`,
    en: `${rule.hint.en} The ${schoolYear} deadline: ${day} ${MONTHS_EN[month! - 1]} ${year}.`,
  };
}
