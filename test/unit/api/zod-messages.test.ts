/**
 * review28 F2: every `errors[].message` reads `vi / en` (README "Errors"). zod's own words get their Vietnamese from
 * zod's locale (src/api/plugins/errors.ts bilingualMessage); a message the API's schemas write themselves is passed
 * on as written, so it must be written in both languages. Found in the source, not waited for in a request: in
 * src/api, a text given to zod as a message (a check's message argument: `.regex(re, '…')`, `.refine(fn, '…')`,
 * `.min(n, '…')`, …; a `message:` or `error:` of an object) is `both(vi, en)` or a literal that holds " / ".
 * review30 F5: so is the message of a field error src/api writes itself (src/api/plugins/input.ts `fieldError`, the
 * hostile-input refusals), not only zod's.
 * walk7 W7-2: a `.regex(re)` given no words at all is zod's "Invalid string: must match pattern /^\d{5}$/", the
 * regular expression shown to an officer who mistyped a commune code: every `.regex` in src/api has its words, and
 * in src/config (fix8), whose problems the city's admin reads when truc refuses to start.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** zod checks → the index of their message argument. */
const MESSAGE_ARGUMENT: Record<string, number> = {
  regex: 1,
  refine: 1,
  min: 1,
  max: 1,
  length: 1,
  gt: 1,
  gte: 1,
  lt: 1,
  lte: 1,
  multipleOf: 1,
  startsWith: 1,
  endsWith: 1,
  nonempty: 0,
  int: 0,
  positive: 0,
  nonnegative: 0,
  negative: 0,
  nonpositive: 0,
  email: 0,
  url: 0,
  uuid: 0,
};

/** src/api's own field-error makers → the index of their message argument (review30 F5). */
const OWN_MESSAGE_ARGUMENT: Record<string, number> = {
  fieldError: 3,
};

const isText = (
  n: ts.Node,
): n is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression =>
  ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateExpression(n);

/** The text of a literal (a template's pieces joined), to look for " / " in. */
const textOf = (n: ts.Node, file: ts.SourceFile): string => n.getText(file);

/** The message texts given to zod in one file that are not in both languages: `file:line text`. */
function englishOnlyMessages(path: string, text = readFileSync(path, 'utf8')): string[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const check = (n: ts.Node | undefined): void => {
    if (!n || !isText(n) || textOf(n, file).includes(' / ')) return;
    const line = file.getLineAndCharacterOfPosition(n.getStart(file)).line + 1;
    found.push(`${relative(ROOT, path)}:${line} ${textOf(n, file)}`);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
      const at = MESSAGE_ARGUMENT[n.expression.name.text];
      if (at !== undefined) check(n.arguments[at]);
    }
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression)) {
      const at = OWN_MESSAGE_ARGUMENT[n.expression.text];
      if (at !== undefined) check(n.arguments[at]);
    }
    if (ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && ['message', 'error'].includes(n.name.text))
      check(n.initializer);
    ts.forEachChild(n, visit);
  };
  visit(file);
  return found;
}

/** The `.regex(re)` calls of one file given no message (zod would show the pattern itself): `file:line call`. */
function patternsWithoutWords(path: string, text = readFileSync(path, 'utf8')): string[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      n.expression.name.text === 'regex' &&
      n.arguments.length < 2
    ) {
      const line = file.getLineAndCharacterOfPosition(n.expression.name.getStart(file)).line + 1;
      found.push(
        `${relative(ROOT, path)}:${line} .regex(${n.arguments.map((a) => a.getText(file)).join(', ')})`,
      );
    }
    ts.forEachChild(n, visit);
  };
  visit(file);
  return found;
}

describe('zod messages in src/api', () => {
  it('a pattern says what to send, never the pattern itself: every .regex has its words (walk7 W7-2)', () => {
    expect(filesUnder('src/api').flatMap((f) => patternsWithoutWords(f))).toEqual([]);
    // And src/config's, which a bad configuration's problems show the city's admin (fix8 item 5).
    expect(filesUnder('src/config').flatMap((f) => patternsWithoutWords(f))).toEqual([]);
    const source = [
      'z.string().regex(/^\\d{5}$/).optional();',
      "z.string().regex(/a/, both('a', 'a'));",
    ].join('\n');
    expect(patternsWithoutWords(join(ROOT, 'src/api/x.ts'), source)).toEqual([
      'src/api/x.ts:1 .regex(/^\\d{5}$/)',
    ]);
  });

  it('are written in Vietnamese and English (both, or a literal with " / ")', () => {
    const files = filesUnder('src/api');
    expect(files.length).toBeGreaterThan(20);
    expect(files.flatMap((f) => englishOnlyMessages(f))).toEqual([]);
  });

  it('finds each form of an English-only message (the guard is not blind)', () => {
    const source = [
      "z.string().regex(/a/, 'must be a');",
      'z.string().refine(f, { message: `bad ${x}` });',
      "z.number().min(1, 'too small');",
      "ctx.addIssue({ code: 'custom', message: 'nope' });",
      "z.string().regex(/a/, both('phải là a', 'must be a'));",
      "z.string().refine(f, 'sai / wrong');",
      "'a/b'.startsWith('/');",
      "throw fieldError('ERR_BODY_TOO_DEEP', p, 'too_deep', `at most ${n} levels`);",
      "throw fieldError('ERR_INVALID_TEXT', p, rule, both('ký tự', 'a character'));",
    ].join('\n');
    expect(englishOnlyMessages(join(ROOT, 'src/api/x.ts'), source)).toEqual([
      "src/api/x.ts:1 'must be a'",
      'src/api/x.ts:2 `bad ${x}`',
      "src/api/x.ts:3 'too small'",
      "src/api/x.ts:4 'nope'",
      'src/api/x.ts:8 `at most ${n} levels`',
    ]);
  });
});
