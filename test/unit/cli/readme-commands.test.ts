/**
 * ops14 (the operator's runbook followed by hand): every command README gives the operator is one `truc` has, with
 * the options it names. The other way round (each command has its row in README's Operations table) is
 * program.test.ts's; this reads the table's first cells (`dead-letters replay --ids 1,2 \| --queue Q …`) and every
 * `truc …` README writes elsewhere (`truc holds approve 1 --except …`), so a command renamed, or an option dropped,
 * leaves no line an operator would type and be refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/program.js';
import { PROJECT_ROOT } from '../../../src/config.js';

/** The commands README's Operations table names in its first column, one backticked form each. */
function tableForms(readme: string): string[] {
  const from = readme.indexOf('| command (`npm run truc');
  const rows = readme.slice(from, readme.indexOf('\n\n', from)).split('\n').slice(2);
  return rows
    .flatMap((row) => [...row.split(' | ')[0]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!))
    .filter((form) => !form.startsWith('npm '));
}

/**
 * What `form` (`sync list|show --json`: alternatives joined by `|`) names that `program` lacks: a command, or an
 * option none of the named commands has. The command is the form's leading words; the options, every `--flag` in it.
 */
export function unknownInForm(program: Command, form: string): string[] {
  let commands: Command[] = [program];
  const missing: string[] = [];
  for (const word of form.replace(/\\\|/g, '|').split(/\s+/)) {
    if (!/^[a-z][a-z-]*(\|[a-z][a-z-]*)*$/.test(word)) break;
    // A command without subcommands takes the next words as its arguments (`sync run hcm-csdl students`).
    if (commands.length > 1 || commands[0]!.commands.length === 0) break;
    const subs = word.split('|').map((w) => [w, commands[0]!.commands.find((c) => c.name() === w)] as const);
    missing.push(...subs.filter(([, c]) => c === undefined).map(([w]) => `command ${w}`));
    commands = subs.flatMap(([, c]) => (c === undefined ? [] : [c]));
    if (commands.length === 0) return missing.map((m) => `${form}: ${m}`);
  }
  for (const [flag] of form.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)) {
    if (flag === '--help') continue;
    if (!commands.some((c) => c.options.some((o) => o.long === flag))) missing.push(`option ${flag}`);
  }
  return missing.map((m) => `${form}: ${m}`);
}

describe('every truc command README names exists, with its options (ops14)', () => {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const program = buildProgram();
  const table = tableForms(readme);
  const mentions = [...readme.matchAll(/`truc ([a-z][^`]*)`/g)].map((m) => m[1]!.replace(/\\$/, ''));

  it('reads the table and the mentions', () => {
    expect(table).toEqual(expect.arrayContaining(['audit verify', 'schedules run <id> [--json] [--follow]']));
    expect(table.length).toBeGreaterThan(35);
    expect(mentions.length).toBeGreaterThan(40);
  });

  it("the Operations table's commands and options are the program's", () => {
    expect(table.flatMap((form) => unknownInForm(program, form))).toEqual([]);
  });

  it('every `truc …` README writes is a command of the program, with options it has', () => {
    expect([...new Set(mentions)].flatMap((form) => unknownInForm(program, form))).toEqual([]);
  });

  it('is red for a command or an option the program lacks', () => {
    expect(unknownInForm(program, 'holds approve <id> [--except CODE] [--force]')).toEqual([
      'holds approve <id> [--except CODE] [--force]: option --force',
    ]);
    expect(unknownInForm(program, 'holds decide <id>')).toEqual(['holds decide <id>: command decide']);
    expect(unknownInForm(program, 'circuits list')).toEqual(['circuits list: command circuits']);
    expect(unknownInForm(program, 'sync list|show|run --follow')).toEqual([]);
  });
});
