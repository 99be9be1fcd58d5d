/**
 * review12: whatever a command prints on stdout (a list's line with a stored string: a school's or a client's name,
 * another system's words) never acts on the operator's terminal: an escape sequence, a C1 control, a bidi override
 * show as `?`, line breaks stay. Only the dead letters' line masked them.
 */
import { describe, expect, it } from 'vitest';
import { bindOutput, defineCommand, runs, type CliOutput } from '../../../src/cli/kit.js';

/** A root program with one command that prints `text` as is; what it printed. */
async function printed(text: string): Promise<string> {
  let seen = '';
  const out: CliOutput = { stdout: (t) => void (seen += t), stderr: () => undefined };
  const program = defineCommand('truc', 'test');
  program.addCommand(
    runs(defineCommand('show', 'prints a stored string'), async (_o, _a, o) => {
      o.stdout(text);
      return 0;
    }),
  );
  bindOutput(program, out);
  await program.parseAsync(['show'], { from: 'user' });
  return seen;
}

describe('review12: what a command prints is safe for a terminal', () => {
  it('an escape sequence, a C1 CSI, a bidi override, a bell in a line: each ?, the line breaks kept', async () => {
    const stored = 'Trường \u001b]0;pwned\u0007A \u009b31m B \u202eC\u0000';
    expect(await printed(`  ${stored}\n  next\n`)).toBe('  Trường ?]0;pwned?A ?31m B ?C?\n  next\n');
  });

  it('a --json line stays JSON (JSON escapes C0; a bidi override, left raw by JSON, shows as ?)', async () => {
    const line = `${JSON.stringify({ name: 'A\u001b[2J\u202eB' })}\n`;
    const seen = await printed(line);
    expect(JSON.parse(seen)).toEqual({ name: 'A\u001b[2J?B' });
  });
});
