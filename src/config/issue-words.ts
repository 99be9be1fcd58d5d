/**
 * A configuration problem's words in Vietnamese and English (review35a F3): zod's own messages are English alone
 * ("Too small: expected string to have >=32 characters", "Invalid URL"), and a bad start is read by the city's
 * admin. Each kind of issue zod reports is said in both; a schema's own message (a regex's "MM-DD", a refinement's
 * sentence) is kept as the detail, and one already in both languages (`vi / en`) is kept whole; a pattern never.
 */
import type { z } from 'zod';
import { typeWords, withArticle } from './type-words.js';

type Issue = z.core.$ZodIssue;

const both = (vi: string, en: string): string => `${vi} / ${en}`;

/** How many of what a size bound counts: characters of a string, items of a list, the value of a number. */
function bound(issue: { origin: string; inclusive?: boolean }, limit: unknown, low: boolean): string {
  const open = issue.inclusive === false;
  const [cmpVi, cmpEn] = low
    ? open
      ? ['lớn hơn', 'greater than']
      : ['ít nhất', 'at least']
    : open
      ? ['nhỏ hơn', 'less than']
      : ['nhiều nhất', 'at most'];
  const n = String(limit);
  if (issue.origin === 'string')
    return both(`phải dài ${cmpVi} ${n} ký tự`, `must be ${cmpEn} ${n} characters long`);
  if (issue.origin === 'array' || issue.origin === 'set')
    return both(`phải có ${cmpVi} ${n} mục`, `must have ${cmpEn} ${n} items`);
  const [numVi, numEn] = low
    ? open
      ? ['phải lớn hơn', 'greater than']
      : ['không được nhỏ hơn', 'at least']
    : open
      ? ['phải nhỏ hơn', 'less than']
      : ['không được lớn hơn', 'at most'];
  return both(`${numVi} ${n}`, `must be ${numEn} ${n}`);
}

/** The schema's own message, when it gave one (zod's defaults start with "Invalid" or "Too"). */
function ownMessage(issue: Issue): string | undefined {
  return /^(Invalid|Too (small|big)|Unrecognized|Expected)\b/.test(issue.message) ? undefined : issue.message;
}

function formatWords(issue: Extract<Issue, { code: 'invalid_format' }>): string {
  const own = ownMessage(issue);
  if (issue.format === 'url') return both('không phải một URL', 'not a URL');
  if (own) return both(`không đúng dạng: ${own}`, `not in the form: ${own}`);
  // Never the pattern itself (a regular expression is no words for the admin): every .regex in src/config has its
  // words (test/unit/api/zod-messages.test.ts); a check with none still says what kind of value it wants.
  if (issue.format === 'regex') return both('không đúng dạng quy định', 'not in the required form');
  return both(`không đúng dạng ${issue.format}`, `not in the form of ${withArticle(issue.format)}`);
}

/**
 * A mapping's key its key schema refused (zod's `invalid_key`, walk6 W6-3: "Invalid key in record" in both halves):
 * what the key schema said of it, each language in its half.
 */
function keyWords(issue: Extract<Issue, { code: 'invalid_key' }>): string {
  const [vi, en] = issue.issues
    .map((inner) => issueWords(inner).split(' / '))
    .reduce<[string[], string[]]>(
      ([v, e], [iv, ie]) => [
        [...v, iv ?? ''],
        [...e, ie ?? iv ?? ''],
      ],
      [[], []],
    );
  return both(`khoá không hợp lệ: ${vi.join('; ')}`, `invalid key: ${en.join('; ')}`);
}

/** The words of one issue, Vietnamese then English. */
export function issueWords(issue: Issue): string {
  if (/ \/ /.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'too_small':
      return bound(issue, issue.minimum, true);
    case 'too_big':
      return bound(issue, issue.maximum, false);
    case 'invalid_type': {
      const { vi, en } = typeWords(issue.expected);
      return both(`phải là ${vi}`, `must be ${withArticle(en)}`);
    }
    case 'invalid_value': {
      const list = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return both(`phải là một trong ${list}`, `must be one of ${list}`);
    }
    case 'invalid_format':
      return formatWords(issue);
    case 'not_multiple_of':
      return both(
        `phải là bội của ${String(issue.divisor)}`,
        `must be a multiple of ${String(issue.divisor)}`,
      );
    case 'unrecognized_keys': {
      const keys = issue.keys.join(', ');
      return both(`khoá không được biết: ${keys}`, `unknown key(s): ${keys}`);
    }
    case 'invalid_key':
      return keyWords(issue);
    default:
      return both(`giá trị không hợp lệ: ${issue.message}`, `invalid value: ${issue.message}`);
  }
}
