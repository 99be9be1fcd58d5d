/**
 * Files generated from the code and committed: written by their script, or, with `--check`, compared
 * with what is committed, so that `npm run check` fails when a generator's output drifted.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';

/** Whether the script was asked to check (`--check`) rather than write. */
export const checking = (argv: readonly string[] = process.argv): boolean => argv.includes('--check');

/**
 * Writes each `[file, text]`; when checking, writes nothing and names on stderr each committed file
 * that differs (`regenerate`: the command that rewrites it). The exit code: 1 on drift, else 0.
 */
export function writeGenerated(
  outputs: ReadonlyArray<readonly [string, string]>,
  regenerate: string,
): number {
  if (!checking()) {
    for (const [file, text] of outputs) writeFileSync(file, text);
    return 0;
  }
  const stale = outputs.filter(([file, text]) => !existsSync(file) || readFileSync(file, 'utf8') !== text);
  for (const [file] of stale)
    process.stderr.write(`${relative(PROJECT_ROOT, file)} is out of date: run ${regenerate}\n`);
  return stale.length === 0 ? 0 : 1;
}
