/**
 * cli27 (review26a): the CLI's and the demo's lines read Vietnamese then English (README, CLI; CONVENTIONS decision
 * 8). A line built without `both` is found in the source, not waited for in a run: every text the CLI (src/cli) and
 * the demo (src/demo) write that reads as English prose (two English words or more, no Vietnamese letter) must be
 * the English half of a pair: an argument of `both`, the `en` of a `{ vi, en }` pair, or the second of a
 * `[vi, en]` tuple. Exempt are the texts that are English by the project's rule: commander's own definitions
 * (a subcommand's summary, options and arguments: their Vietnamese is keyed by command path in src/cli/summaries.ts and
 * src/cli/option-texts.ts, and put before them when the program is built; a note after a command's help is not:
 * it is `both`'s, clivi), the
 * English of an option rule given to `badValue` (its Vietnamese beside it), and what is not a line for a person
 * (JSON, log messages, module specifiers, the demo's internal waits, which throw with their English name).
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

const VIETNAMESE_LETTER = /[À-ɏḀ-ỿ]/;

/** Two English words in a row (letters only, the second of two letters or more): `records in`, `no such`. */
const ENGLISH_PROSE = /\b[A-Za-z]+ [a-z]{2,}\b/;

/** Calls whose text arguments are English by rule, or not a line for a person. */
const EXEMPT_CALLS = new Set([
  'both',
  'defineCommand',
  'option',
  'requiredOption',
  'argument',
  'description',
  'helpOption',
  'helpCommand',
  'version',
  'badValue',
  'Option',
  'Argument',
  'stringify',
  'info',
  'warn',
  'error',
  'debug',
  'trace',
  'fatal',
  'waitFor',
  'waitForStatus',
  'postForStatus',
  'import',
  'require',
  'test',
  'replace',
  'match',
  'RegExp',
]);

/** The name a call is made by: `both(…)` → both, `cmd.option(…)` → option, `new Option(…)` → Option. */
function calleeName(node: ts.CallExpression | ts.NewExpression): string | undefined {
  const e = node.expression;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  if (e.kind === ts.SyntaxKind.ImportKeyword) return 'import';
  return undefined;
}

/** Whether `node`'s text is a pair's English or exempt: looks at what holds it, up to its statement. */
function isExempt(node: ts.Node): boolean {
  let child: ts.Node = node;
  for (let p = node.parent; p && !ts.isSourceFile(p); child = p, p = p.parent) {
    if ((ts.isCallExpression(p) || ts.isNewExpression(p)) && p.expression !== child) {
      const name = calleeName(p);
      if (name && EXEMPT_CALLS.has(name)) return true;
    }
    // `{ vi: '…', en: '…' }`: the English of a pair (its Vietnamese beside it)
    if (
      ts.isPropertyAssignment(p) &&
      p.initializer === child &&
      ts.isIdentifier(p.name) &&
      (p.name.text === 'en' || p.name.text === 'enOne') // enOne: the English for one (a count's noun)
    )
      return true;
    // `['…', '…']`: a [vi, en] tuple's second
    if (ts.isArrayLiteralExpression(p) && p.elements.length === 2 && p.elements[1] === child) return true;
    // `const en = [...]`, `en.push('…')`, `const isHeldEn = '…'`: a line's English half built apart from its Vietnamese
    if (ts.isVariableDeclaration(p) && ts.isIdentifier(p.name) && /(^en|En)$/.test(p.name.text)) return true;
    if (
      ts.isCallExpression(p) &&
      ts.isPropertyAccessExpression(p.expression) &&
      ts.isIdentifier(p.expression.expression) &&
      /(^en|En)$/.test(p.expression.expression.text)
    )
      return true;
    if (ts.isImportDeclaration(p) || ts.isExportDeclaration(p) || ts.isLiteralTypeNode(p)) return true;
    // `{ 'clients add': '…' }`: a property's name, a key (src/cli/summaries.ts: a command's path), never printed
    if (ts.isPropertyAssignment(p) && p.name === child) return true;
    if (
      ts.isBinaryExpression(p) &&
      [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken].includes(
        p.operatorToken.kind,
      )
    )
      return true;
    if (
      ts.isThrowStatement(p) ||
      ts.isExpressionStatement(p) ||
      ts.isVariableStatement(p) ||
      ts.isReturnStatement(p)
    ) {
      // a statement ends the search, except for what reaches the statement's own expression
      if (!ts.isExpressionStatement(p) && !ts.isReturnStatement(p) && !ts.isVariableStatement(p))
        return false;
    }
  }
  return false;
}

/** A literal's text, its `${…}` parts as a space. */
function textOf(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node))
    return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ');
  return undefined;
}

/**
 * Texts that read as English prose and are no line for a person, each with why (a file and a part of the text).
 * Keep it short: a new line for a person belongs in `both`, not here.
 */
const NOT_LINES: ReadonlyArray<{ file: string; text: string; why: string }> = [
  {
    file: 'src/cli/stop-signals.ts',
    text: 'parent gone',
    why: "untilStopped's reason, a key (never printed)",
  },
  {
    file: 'src/cli/commands/serve.ts',
    text: 'API + workers',
    why: "the top-level summaries (SUMMARY_VI has each one's Vietnamese)",
  },
  { file: 'src/cli/commands/serve.ts', text: 'the HTTP API only', why: 'a top-level summary' },
  {
    file: 'src/cli/commands/serve.ts',
    text: 'workers and the outbox relay only',
    why: 'a top-level summary',
  },
  { file: 'src/cli/commands/serve.ts', text: 'the schedules only', why: 'a top-level summary' },
  { file: 'src/cli/commands/pcgd.ts', text: 'truc pcgd verify ', why: 'a command to type (in both halves)' },
  { file: 'src/cli/commands/pcgd.ts', text: '-CAfile ', why: 'a command to type (in both halves)' },
  {
    file: 'src/cli/commands/pcgd.ts',
    text: 'openssl cms -verify ',
    why: 'a command to type (in both halves)',
  },
  {
    file: 'src/cli/program.ts',
    text: 'Biến môi trường / Environment:',
    why: "truc --help's environment note, label by label as the help's titles (Tuỳ chọn / Options:)",
  },
  {
    file: 'src/cli/program.ts',
    text: 'sync run --follow, schedules run --follow',
    why: 'the commands that exit 3, in truc --help (commands to type)',
  },
  {
    file: 'src/demo/actors.ts',
    text: 'Thanh tra (demo)',
    why: "a demo client's name (Vietnamese, no tone marks)",
  },
  {
    file: 'src/demo/http.ts',
    text: 'demo: timed out waiting for',
    why: "an unexpected failure's detail (the CLI prints it in its bilingual 'lỗi không mong đợi / unexpected error' line)",
  },
];

const isNotALine = (file: string, text: string) =>
  NOT_LINES.some((n) => relative(ROOT, file) === n.file && text.includes(n.text));

/** The English prose texts of `file` that are no pair's English and not exempt: `path:line: text`. */
function englishOnly(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    const text = textOf(node);
    if (text !== undefined) {
      // English prose alone, or a pair made by hand (`nhận / received 3`: the demo's, review26a): `both` makes pairs
      const prose = text.replace(/\btruc(?: [a-z][a-z-]*)*\s*:/g, ''); // `truc sim:`, a line's name for the program
      const englishOnly = ENGLISH_PROSE.test(prose) && !VIETNAMESE_LETTER.test(text);
      const byHand = / \/ /.test(text) && VIETNAMESE_LETTER.test(text) && ENGLISH_PROSE.test(text);
      if ((englishOnly || byHand) && !isExempt(node) && !isNotALine(file, text)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        found.push(`${relative(ROOT, file)}:${line + 1}: ${text.replace(/\s+/g, ' ').slice(0, 100)}`);
      }
      if (!ts.isTemplateExpression(node)) return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("the CLI's and the demo's lines for a person", () => {
  it('no English-only text: each is the English half of a Vietnamese / English pair', () => {
    const files = [
      ...filesUnder('src/cli'),
      ...filesUnder('src/demo'),
      join(ROOT, 'src/simulators/index.ts'),
    ];
    expect(files.length).toBeGreaterThan(15);
    expect(files.flatMap(englishOnly)).toEqual([]);
  });
});
