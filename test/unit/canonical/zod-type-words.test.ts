/**
 * words6 item 1: zod's Vietnamese locale translates only number, array and NaN, so the Vietnamese half of a 400's
 * `errors[].message` and of a wire-format finding read "mong đợi string, nhận được số", "mong đợi boolean, nhận được
 * null", "Quá nhỏ: mong đợi string có >=3 ký tự". The type names are Vietnamese too now (src/canonical/zod-text.ts),
 * the English half is zod's as before.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issueWords, zodIssueText } from '../../../src/canonical/zod-text.js';
import { zodFindings } from '../../../src/mappings/canonical/index.js';
import { loadConfig } from '../../../src/config.js';
import { configErrorOf, useConfigDirs } from '../../helpers/config-dir.js';

/** The text of the first issue `schema` finds in `value`, as the API's 400s and the findings build it. */
function textOf(schema: z.ZodType, value: unknown) {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error('parsed');
  const text = issueWords(parsed.error.issues[0]!);
  return text;
}

/** English type names zod's locale leaves in its Vietnamese. */
const ENGLISH_TYPE = /\b(string|boolean|object|int|bigint|date|record|map|set|symbol|function)\b/;

describe('zod’s Vietnamese names the types in Vietnamese (words6 item 1)', () => {
  it.each([
    ['a string, given a number', z.object({ a: z.string() }), { a: 5 }, 'mong đợi chuỗi, nhận được số'],
    ['a number, given a string', z.object({ a: z.number() }), { a: 'x' }, 'mong đợi số, nhận được chuỗi'],
    [
      'a boolean, given null',
      z.object({ a: z.boolean() }),
      { a: null },
      'mong đợi giá trị đúng/sai (true/false), nhận được null (không có giá trị)',
    ],
    [
      'an object, given an array',
      z.object({ a: z.object({}) }),
      { a: [] },
      'mong đợi đối tượng, nhận được mảng',
    ],
    [
      'an array, given an object',
      z.object({ a: z.array(z.number()) }),
      { a: {} },
      'mong đợi mảng, nhận được đối tượng',
    ],
    [
      'a whole number, given a fraction',
      z.object({ a: z.int() }),
      { a: 1.5 },
      'mong đợi số nguyên, nhận được số',
    ],
    [
      'a string at least 3 long',
      z.object({ a: z.string().min(3) }),
      { a: 'x' },
      'Quá nhỏ: mong đợi chuỗi có >=3 ký tự',
    ],
    [
      'a key of a record',
      z.object({ a: z.record(z.string().min(2), z.number()) }),
      { a: { y: 1 } },
      'Khoá không hợp lệ trong đối tượng',
    ],
  ])('%s', (_what, schema, value, words) => {
    const text = textOf(schema, value);
    expect(text.vi).toContain(words);
    expect(text.vi).not.toMatch(ENGLISH_TYPE);
  });

  it('keeps zod’s English as it was, and a literal it expects as written', () => {
    expect(textOf(z.object({ a: z.string() }), { a: 5 }).en).toBe(
      'Invalid input: expected string, received number; send a as a string (in double quotes)',
    );
    expect(textOf(z.object({ a: z.literal('x') }), { a: 'y' }).vi).toBe('Đầu vào không hợp lệ: mong đợi "x"');
    expect(textOf(z.object({ a: z.enum(['x', 'y']) }), { a: 'z' }).vi).toBe(
      'Tùy chọn không hợp lệ: mong đợi một trong các giá trị "x"|"y"',
    );
  });

  it('a wire-format finding says it in Vietnamese too', () => {
    const parsed = z
      .object({ student_id: z.string(), active: z.boolean() })
      .safeParse({ student_id: 1, active: 'y' });
    if (parsed.success) throw new Error('parsed');
    const [id, active] = zodFindings(parsed.error, 'WIRE');
    expect(id?.vi).toContain('mong đợi chuỗi, nhận được số');
    expect(active?.vi).toContain('mong đợi giá trị đúng/sai (true/false), nhận được chuỗi');
    for (const f of [id, active]) expect(f?.vi).not.toMatch(ENGLISH_TYPE);
  });
});

describe('one table of type words for the API and the configuration (fold6 item 1)', () => {
  const dirOf = useConfigDirs();

  it('a configuration problem names a type with the words of an API 400', () => {
    const dir = dirOf('default', 'server: [1]\npcgd:\n  excludeDisabledFromDenominators: 1\n');
    const err = configErrorOf(() => loadConfig({ env: {}, configDir: dir }));
    expect(err.problems).toContain('server: phải là đối tượng / must be an object');
    expect(err.problems).toContain(
      'pcgd.excludeDisabledFromDenominators: phải là giá trị đúng/sai (true/false) / must be a true/false value',
    );
    expect(textOf(z.object({ a: z.object({}) }), { a: [] }).vi).toContain('mong đợi đối tượng');
  });
});

describe('how to send a string, in a body or in the address', () => {
  const issue = { expected: 'string' };
  const notSent = 'Invalid input: expected string, received undefined';

  it('a body’s string is in double quotes (JSON)', () => {
    expect(zodIssueText('invalid_type', issue, notSent, 'unit')).toEqual({
      vi: 'bắt buộc, chưa được gửi; hãy gửi unit là một chuỗi (trong dấu ngoặc kép)',
      en: 'required, not sent; send unit as a string (in double quotes)',
    });
  });

  it('a query parameter’s or a header’s string has no quotes', () => {
    expect(zodIssueText('invalid_type', issue, notSent, 'unit', true)).toEqual({
      vi: 'bắt buộc, chưa được gửi; hãy gửi unit là một chuỗi',
      en: 'required, not sent; send unit as a string',
    });
  });
});

describe('how to send a value: the type words of the one table (tidy7 item 3)', () => {
  it.each([
    ['an integer', z.object({ a: z.int() }), { a: 1.5 }, 'một số nguyên', 'an integer'],
    [
      'a true/false value',
      z.object({ a: z.boolean() }),
      { a: 'y' },
      'một giá trị đúng/sai (true/false)',
      'a true/false value',
    ],
    ['a list', z.object({ a: z.array(z.number()) }), { a: 1 }, 'một mảng […]', 'an array […]'],
    ['a mapping', z.object({ a: z.object({}) }), { a: 1 }, 'một đối tượng {…}', 'an object {…}'],
  ])(
    '%s: its words are TYPE_WORDS’s, as a configuration problem says them',
    (_what, schema, value, vi, en) => {
      const text = textOf(schema, value);
      expect(text.vi).toMatch(new RegExp(`; hãy gửi a là ${escape(vi)}$`));
      expect(text.en).toMatch(new RegExp(`; send a as ${escape(en)}$`));
    },
  );

  it('zod’s Vietnamese spells “khoá” as truc does (its locale: “Khóa”)', () => {
    const text = textOf(z.object({ a: z.record(z.string().min(2), z.number()) }), { a: { y: 1 } });
    expect(text.vi).toContain('Khoá không hợp lệ');
    expect(text.vi).not.toMatch(/[Kk]hóa/);
  });
});

/** `s` as a regular expression matching it to the letter. */
function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
